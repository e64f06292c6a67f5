"""Registering a manifest again (``/admin/register``) keeps finished work and leaves a job running
elsewhere to its runner: only new and failed lessons are queued again."""

from __future__ import annotations

from pathlib import Path

from lessonlens.jobs import JobState, claim_jobs, get_job, mark_done, mark_failed
from lessonlens.web.register import register
from tests.support.batch import write_manifest
from tests.support.reports import write_video
from tests.support.web import make_world


def test_registering_a_manifest_again_queues_only_new_and_failed_lessons(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    root.mkdir()
    write_video(root / "teacher.mp4", seconds=5)
    world = make_world(tmp_path / "w", import_root=root)
    rows = [{"lesson_id": f"R{i}", "teacher": "王老师", "subject": "数学", "teacher_video": "teacher.mp4"}
            for i in range(3)]
    write_manifest(root / "term.csv", rows)
    store = world.platform.store
    try:
        first = register(world.platform, "term.csv")
        assert [(r.lesson_id, r.new, r.queued) for r in first] == [(f"R{i}", True, True) for i in range(3)]
        assert claim_jobs(store, ["R0", "R1", "R2"], "web:another-host:7") == ["R0", "R1", "R2"]
        mark_done(store, "R0", seconds=1.0)
        mark_failed(store, "R2", "a corrupt recording")
        before = {i: get_job(store, i) for i in ("R0", "R1")}
        write_manifest(root / "term.csv", [*rows, {**rows[0], "lesson_id": "R3"}])
        again = register(world.platform, "term.csv")
        assert [(r.lesson_id, r.new, r.queued) for r in again] == [
            ("R0", False, False), ("R1", False, False), ("R2", False, True), ("R3", True, True)]
        assert {i: get_job(store, i) for i in ("R0", "R1")} == before  # done kept, running left to its runner
        r2 = get_job(store, "R2")
        assert r2 is not None and (r2.state, r2.attempts, r2.error) == (JobState.QUEUED, 0, "")
        assert get_job(store, "R3").state is JobState.QUEUED  # type: ignore[union-attr]
    finally:
        world.platform.close()
