"""Batches on a LocalCluster of 2 worker processes: the real pipeline with a corrupt lesson, resuming,
and a worker killed mid-batch (a stand-in detector keeps that one cheap)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import func, select

import lessonlens
from lessonlens.jobs import BatchOptions, JobState, get_job, list_jobs
from lessonlens.store import Store, open_store
from lessonlens.store.models import analysis_table, lesson_table
from tests.support.batch import (
    SECONDS_ENV,
    corrupt,
    register_stand_in,
    stand_in_worker_plugin,
    stored_now,
    tiny_video,
    write_manifest,
)
from tests.support.synth import needs_synth, short_lesson

pytestmark = pytest.mark.slow

#: the stand-in detector, without the detector cache (every lesson really detects)
STAND_IN = BatchOptions(detectors=("stand-in",), cache=False)
SAMPLE_SHEET = Path(lessonlens.__file__).parent / "samples" / "rubric" / "classroom-teaching-wang-li-03.csv"


def counts(db: str) -> tuple[int, int]:
    """Lesson rows and analysis rows in the store."""
    with open_store(db) as store, store.engine.connect() as conn:
        return (conn.scalar(select(func.count()).select_from(lesson_table)) or 0,
                conn.scalar(select(func.count()).select_from(analysis_table)) or 0)


def test_real_lessons_one_corrupt_then_a_rerun_skips_them(tmp_path: Path) -> None:
    needs_synth()
    lesson = short_lesson(0.5, 2)
    bad = corrupt(tmp_path / "broken.mp4")
    rows: list[dict[str, Any]] = [
        {"lesson_id": lesson_id, "teacher": teacher, "school": "一中", "subject": "数学", "grade": "五年级",
         "date": f"2026-09-0{i + 1}", "teacher_video": str(lesson.teacher), "students_video": str(lesson.students),
         "audio": str(lesson.audio), "offsets": "audio=0.2",
         "rubric_sheets": str(SAMPLE_SHEET) if lesson_id == "wang-li-03" else ""}
        for i, (lesson_id, teacher) in enumerate([("wang-li-03", "王老师"), ("L2", "王老师"), ("L3", "李老师"),
                                                  ("L4", "李老师"), ("L5", "陈老师")])]
    rows.insert(2, {**rows[1], "lesson_id": "corrupt", "teacher_video": str(bad)})
    manifest = write_manifest(tmp_path / "term.csv", rows)
    db = str(tmp_path / "lessons.sqlite")
    options = BatchOptions(detectors=("teacher-pose", "speech"), cache=False,
                           out_dir=str(tmp_path / "out"), threads_per_lesson=1)
    seen: list[Any] = []

    first = lessonlens.batch(manifest, db=db, workers=2, options=options, progress=seen.append)
    assert sorted(first.analysed) == ["L2", "L3", "L4", "L5", "wang-li-03"] and first.skipped == ()
    assert first.failed == ("corrupt",) and str(bad) in first.failures[0].error
    assert "\n" not in first.failures[0].error and first.workers == 2
    assert counts(db) == (5, 5)
    # a budget of 1 thread: each lesson's detectors got 1, and the worker used about one core for it
    assert first.threads_per_lesson == (1,) and len(first.usage) == 6 and first.cpu_seconds > 0
    for usage in first.usage:
        assert usage.cpu <= 1.2 * usage.seconds + 0.3, usage
        if usage.lesson_id != "corrupt":
            assert [(d.name, d.threads) for d in usage.detectors] == [("teacher-pose", 1), ("speech", 1)]
    assert seen[-1].done == 5 and seen[-1].failed == 1 and seen[-1].running == 0 and seen[-1].eta == 0
    with open_store(db) as store:
        stored = store.get("wang-li-03")
        assert stored is not None and stored.timeline is not None and stored.metrics is not None
        assert [r.rubric for r in stored.rubric_results] == ["classroom-teaching"]
        assert stored.provenance.rules  # diagnosed with the default rule packs
        assert {m.path for m in stored.media} == {str(lesson.teacher), str(lesson.students), str(lesson.audio)}
        jobs = {j.lesson_id: j for j in list_jobs(store, batch=str(manifest))}
        failed = jobs["corrupt"]
    assert failed.state is JobState.FAILED and failed.attempts == 1 and str(bad) in failed.error
    assert all(j.state is JobState.DONE and j.attempts == 1 and j.worker.startswith("tcp://") and j.seconds
               for i, j in jobs.items() if i != "corrupt")
    assert (tmp_path / "out" / "L3" / "analysis.json").is_file()

    again = lessonlens.batch(manifest, db=db, workers=2, options=options)
    assert again.analysed == () and sorted(again.skipped) == ["L2", "L3", "L4", "L5", "wang-li-03"]
    assert again.failed == ("corrupt",)
    assert counts(db) == (5, 5)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A LocalCluster of 2 single-threaded worker processes that know the stand-in detector."""
    from distributed import Client, LocalCluster

    monkeypatch.setenv(SECONDS_ENV, "1.5")
    register_stand_in()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, resources={"lesson": 1},
                      dashboard_address=None) as local, Client(local) as client:
        client.register_plugin(stand_in_worker_plugin())
        yield client


def stand_in_manifest(tmp_path: Path, n: int) -> Path:
    """``n`` lessons of one tiny recording; the first names it by an fsspec URL (``local://``)."""
    video = tiny_video(tmp_path / "lesson.mp4")
    return write_manifest(tmp_path / "m.csv", [
        {"lesson_id": f"S{i}", "teacher": f"T{i % 3}", "video": f"local://{video}" if i == 0 else str(video)}
        for i in range(n)])


def test_a_worker_killed_mid_batch_the_batch_still_stores_each_lesson_once(tmp_path: Path, cluster: Any) -> None:
    manifest = stand_in_manifest(tmp_path, 6)
    db = str(tmp_path / "lessons.sqlite")
    pids: dict[str, int] = cluster.run(os.getpid)
    killed: list[str] = []

    def kill_a_running_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            with Store.connect(db) as store:
                running = list_jobs(store, JobState.RUNNING) if store.revision() else []
            for job in running:
                if job.worker in pids:
                    os.kill(pids[job.worker], signal.SIGKILL)
                    killed.append(job.lesson_id)
                    return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_a_running_worker)
    killer.start()
    summary = lessonlens.batch(manifest, client=cluster, db=db, options=STAND_IN)
    killer.join()
    assert killed, "no job was seen running"
    assert sorted(summary.analysed) == [f"S{i}" for i in range(6)] and summary.failures == ()
    assert counts(db) == (6, 6)
    with open_store(db) as store:
        job = get_job(store, killed[0])
        assert job is not None and job.state is JobState.DONE and job.attempts == 2
        assert all(j.state is JobState.DONE for j in list_jobs(store))
        by_url = store.get("S0")  # read through fsspec on the worker; the document keeps the URL
        assert by_url is not None and by_url.media[0].path == f"local://{tmp_path / 'lesson.mp4'}"


CLIENT_SCRIPT = """
import sys
from distributed import Client, LocalCluster
import lessonlens
from lessonlens.jobs import BatchOptions
from tests.support.batch import register_stand_in, stand_in_worker_plugin

if __name__ == "__main__":
    register_stand_in()
    with LocalCluster(n_workers=2, threads_per_worker=1, resources={"lesson": 1}, dashboard_address=None) as c, \\
            Client(c) as client:
        client.register_plugin(stand_in_worker_plugin())
        lessonlens.batch(sys.argv[1], client=client, db=sys.argv[2],
                         options=BatchOptions(detectors=("stand-in",), cache=False))
"""


def test_a_client_killed_mid_batch_a_rerun_finishes_with_each_lesson_once(tmp_path: Path, cluster: Any) -> None:
    manifest = stand_in_manifest(tmp_path, 8)
    db = str(tmp_path / "lessons.sqlite")
    script = tmp_path / "client.py"
    script.write_text(CLIENT_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path])}
    client = subprocess.Popen([sys.executable, str(script), str(manifest), db], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and client.poll() is None:
            if stored_now(db) >= 2:
                break
            time.sleep(0.1)
        assert client.poll() is None, client.stderr.read().decode() if client.stderr else ""
    finally:
        os.killpg(client.pid, signal.SIGKILL)  # the client and the workers it started
        client.wait()
    done_before, _ = counts(db)
    assert 2 <= done_before < 8
    # the killed batch's jobs beat seconds ago: running elsewhere, as far as the table knows, until
    # they have been silent for the grace period; --wait takes them over then
    left = lessonlens.batch(manifest, client=cluster, db=db, options=STAND_IN)
    assert len(left.elsewhere) == 8 - done_before and left.analysed == ()
    summary = lessonlens.batch(manifest, client=cluster, db=db, options=attrs.evolve(STAND_IN, wait=True, grace=2))
    assert len(summary.skipped) == done_before and len(summary.analysed) == 8 - done_before
    assert sorted(summary.taken_over) == sorted(summary.analysed)
    assert summary.failures == () and counts(db) == (8, 8)
    with open_store(db) as store:
        assert all(j.state is JobState.DONE for j in list_jobs(store)) and len(list_jobs(store)) == 8


def test_a_batch_into_postgresql(tmp_path: Path, cluster: Any) -> None:
    from tests.support.store import new_postgres_database

    db = new_postgres_database()
    manifest = stand_in_manifest(tmp_path, 4)
    summary = lessonlens.batch(manifest, client=cluster, db=db, options=STAND_IN)
    assert sorted(summary.analysed) == ["S0", "S1", "S2", "S3"] and summary.db.startswith("postgresql")
    again = lessonlens.batch(manifest, client=cluster, db=db, options=STAND_IN)
    assert again.analysed == () and len(again.skipped) == 4
    with open_store(db) as store:
        assert len(store.lessons()) == 4 and {j.state for j in list_jobs(store)} == {JobState.DONE}


def test_jobs_queued_by_the_web_application_are_run(tmp_path: Path, cluster: Any) -> None:
    from lessonlens.jobs import read_manifest, run_jobs, submit_job

    db = str(tmp_path / "lessons.sqlite")
    specs = read_manifest(stand_in_manifest(tmp_path, 3))
    with open_store(db) as store:
        ids = [submit_job(store, spec) for spec in specs[:2]]  # batch "web"
    summary = run_jobs(db, client=cluster, options=STAND_IN)
    assert sorted(summary.analysed) == ["S0", "S1"] and counts(db) == (2, 2)
    with open_store(db) as store:
        assert [get_job(store, i).state for i in ids] == [JobState.DONE, JobState.DONE]  # type: ignore[union-attr]
        assert {j.batch for j in list_jobs(store)} == {"web"}
