"""The jobs table on SQLite and a real PostgreSQL server: submit, mark, list, count, retry, migrate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessonlens.core.errors import InputError
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.jobs import (
    Fingerprints,
    JobState,
    LessonSpec,
    RubricSheets,
    get_job,
    job_counts,
    list_jobs,
    mark_done,
    mark_failed,
    mark_running,
    retry,
    submit_job,
    submit_jobs,
)
from lessonlens.store import Store, migrate


def spec(lesson_id: str, path: str = "/media/t.mp4") -> LessonSpec:
    return LessonSpec(lesson=LessonMeta(lesson_id, teacher="王老师", date=dt.date(2026, 9, 1)),
                      media=(MediaSource(path, "teacher", 1.5),),
                      rubrics=(RubricSheets("classroom-teaching", ("/s/a.csv",)),), source="m.csv:2")


def test_a_job_goes_queued_running_done_and_keeps_its_spec(store: Store) -> None:
    job_id = submit_job(store, spec("L1"))
    job = get_job(store, job_id)
    assert job is not None and job.state is JobState.QUEUED and job.batch == "web" and job.attempts == 0
    assert job.spec == spec("L1") and job.submitted_at is not None and job.submitted_at.tzinfo is not None
    assert get_job(store, "L1") == job and get_job(store, str(job_id)) == job and get_job(store, "nope") is None

    mark_running(store, "L1", worker="tcp://10.0.0.2:40000")
    running = get_job(store, "L1")
    assert running is not None and running.state is JobState.RUNNING and running.attempts == 1
    assert running.worker == "tcp://10.0.0.2:40000" and running.started_at is not None

    mark_done(store, "L1", seconds=31.5, output="/out/L1")
    done = get_job(store, "L1")
    assert done is not None and done.state is JobState.DONE and done.seconds == 31.5 and done.output == "/out/L1"
    assert done.worker == "tcp://10.0.0.2:40000"  # kept when the finisher does not say
    assert done.finished_at is not None and done.finished_at >= running.started_at  # type: ignore[operator]


def test_failed_jobs_are_listed_and_retried(store: Store) -> None:
    ids = submit_jobs(store, [spec(f"L{i}") for i in range(4)], batch="term.csv",
                      fingerprints={"L0": Fingerprints("m0", "p0")})
    assert sorted(ids) == ["L0", "L1", "L2", "L3"] and len(set(ids.values())) == 4
    assert get_job(store, "L0").media_fingerprint == "m0"  # type: ignore[union-attr]
    for lesson in ("L1", "L2"):
        mark_running(store, lesson)
        mark_failed(store, lesson, "teacher.mp4: not a video file\n(details)")
    mark_running(store, "L3")
    mark_done(store, "L3")
    counts = job_counts(store)
    assert counts == {JobState.QUEUED: 1, JobState.RUNNING: 0, JobState.DONE: 1, JobState.FAILED: 2}
    assert job_counts(store, batch="elsewhere") == dict.fromkeys(JobState, 0)
    failed = list_jobs(store, "failed")
    assert sorted(j.lesson_id for j in failed) == ["L1", "L2"]
    assert failed[0].error == "teacher.mp4: not a video file (details)"  # one line
    assert [j.lesson_id for j in list_jobs(store, lesson_ids=["L3", "zz"])] == ["L3"]
    assert len(list_jobs(store, batch="term.csv", limit=3)) == 3

    again = retry(store, failed=True)
    assert sorted(j.lesson_id for j in again) == ["L1", "L2"]
    assert all(j.state is JobState.QUEUED and j.error == "" and j.attempts == 0 for j in again)
    one = retry(store, [ids["L3"]])
    assert [j.lesson_id for j in one] == ["L3"] and one[0].state is JobState.QUEUED
    with pytest.raises(InputError, match="no job 999"):
        retry(store, [999])


def test_submitting_a_lesson_again_requeues_its_one_row(store: Store) -> None:
    first = submit_job(store, spec("L1"))
    mark_running(store, "L1")
    mark_failed(store, "L1", "boom")
    second = submit_job(store, spec("L1", "/media/new.mp4"), batch="again")
    job = get_job(store, "L1")
    assert second == first and job is not None and job.state is JobState.QUEUED and job.error == ""
    assert job.spec.media[0].path == "/media/new.mp4" and job.batch == "again"
    assert len(list_jobs(store)) == 1


def test_the_jobs_revision_chains_on_0002_and_goes_down_and_up(tmp_path: Path) -> None:
    with Store.connect(str(tmp_path / "s.sqlite")) as store:
        assert store.init() == migrate.head_revision()
        submit_job(store, spec("L1"))
        assert migrate.downgrade(store.engine, "0002") == "0002"
        assert migrate.upgrade(store.engine, "0003_jobs") == "0003_jobs"
        with store.engine.connect() as conn:  # the table is back, empty (later revisions add columns)
            assert conn.exec_driver_sql("SELECT count(*) FROM job").scalar() == 0
        assert migrate.upgrade(store.engine, "head") == migrate.head_revision()
        assert list_jobs(store) == []
