"""A real cluster: ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 (random ports), the
``lessonlens batch --scheduler`` and ``lessonlens jobs`` commands, and a scheduler killed mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import lessonlens
from lessonlens.core.errors import LessonlensError
from lessonlens.jobs import BatchOptions, JobState, list_jobs
from lessonlens.store import open_store
from tests.support.batch import SECONDS_ENV, register_stand_in, stored_now, tiny_video, write_manifest
from tests.support.net import free_port
from tests.support.synth import needs_synth, short_lesson

pytestmark = pytest.mark.slow

DASK = str(Path(sys.executable).parent / "dask")


class Cluster:
    """A scheduler and one worker (1 thread, the ``lesson`` resource, the stand-in detector preloaded)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = env
        self.scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                           "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
        self.worker = subprocess.Popen([DASK, "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                                        "--resources", "lesson=1", "--memory-limit", "2GiB", "--no-dashboard",
                                        "--preload", "tests.support.batch"], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)

    def stop(self) -> None:
        for process in (self.worker, self.scheduler):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.worker, self.scheduler):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path]),
            "LESSONLENS_LANG": "en"}


@pytest.fixture
def cluster(env: dict[str, str]) -> Iterator[Cluster]:
    started = Cluster(env)
    try:
        yield started
    finally:
        started.stop()


def lessonlens_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lessonlens", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_batch_command_on_a_dask_scheduler_and_worker(tmp_path: Path, cluster: Cluster,
                                                      env: dict[str, str]) -> None:
    needs_synth()
    lesson = short_lesson(0.5, 2)
    rows = [{"lesson_id": f"A{i}", "teacher": "王老师", "date": f"2026-10-0{i + 1}", "audio": str(lesson.audio)}
            for i in range(2)]
    rows.append({"lesson_id": "gone", "audio": str(tmp_path / "missing.m4a")})
    manifest = write_manifest(tmp_path / "m.csv", rows)
    db = str(tmp_path / "lessons.sqlite")

    run = lessonlens_cli(env, "batch", str(manifest), "--scheduler", cluster.address, "--db", db,
                         "--detectors", "speech", "--no-cache", "--json", "--quiet")
    assert run.returncode == 1, run.stderr  # one lesson failed
    summary = json.loads(run.stdout)
    assert sorted(summary["analysed"]) == ["A0", "A1"] and summary["failed"] == ["gone"]
    assert summary["scheduler"] == cluster.address and summary["workers"] == 1
    assert summary["failures"][0]["error"] == f"{tmp_path / 'missing.m4a'}: file not found"
    # the worker (--nthreads 1, one lesson slot) gives each lesson a budget of 1 thread; totals, not per lesson
    assert summary["threads_per_lesson"] == [1] and summary["cpu_seconds"] > 0 and summary["peak_threads"] >= 1
    assert "usage" not in summary

    listed = lessonlens_cli(env, "jobs", "list", "--state", "failed", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    (failed,) = json.loads(listed.stdout)
    assert failed["lesson_id"] == "gone" and failed["state"] == "failed" and "file not found" in failed["error"]
    table = lessonlens_cli(env, "jobs", "list", "--db", db)
    assert "A0" in table.stdout and "done" in table.stdout and "gone" in table.stdout

    (tmp_path / "missing.m4a").write_bytes(lesson.audio.read_bytes())  # the file turns up: retry it
    retried = lessonlens_cli(env, "jobs", "retry", "--failed", "--scheduler", cluster.address, "--db", db,
                             "--detectors", "speech", "--no-cache", "--json", "--quiet")
    assert retried.returncode == 0, retried.stderr
    assert json.loads(retried.stdout)["analysed"] == ["gone"]
    with open_store(db) as store:
        assert {j.lesson_id: j.state for j in list_jobs(store)} == dict.fromkeys(["A0", "A1", "gone"], JobState.DONE)
        assert len(store.lessons()) == 3


def test_a_scheduler_killed_mid_batch_a_rerun_finishes(tmp_path: Path, env: dict[str, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**env, SECONDS_ENV: "1.0"}
    register_stand_in()
    video = tiny_video(tmp_path / "v.mp4")
    manifest = write_manifest(tmp_path / "m.csv", [{"lesson_id": f"K{i}", "video": str(video)} for i in range(8)])
    db = str(tmp_path / "lessons.sqlite")
    options = BatchOptions(detectors=("stand-in",), cache=False)
    first = Cluster(env)
    try:
        def kill_scheduler_after_two() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and stored_now(db) < 2:
                time.sleep(0.1)
            os.killpg(first.scheduler.pid, signal.SIGKILL)

        killer = threading.Thread(target=kill_scheduler_after_two)
        killer.start()
        monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "3s")
        with pytest.raises(LessonlensError, match="run the same batch again"):
            lessonlens.batch(manifest, db=db, scheduler=first.address, options=options)
        killer.join()
    finally:
        first.stop()
    with open_store(db) as store:
        stored_before = len(store.lessons())
    assert 2 <= stored_before < 8
    second = Cluster(env)
    try:
        summary = lessonlens.batch(manifest, db=db, scheduler=second.address, options=options)
    finally:
        second.stop()
    assert len(summary.skipped) == stored_before and len(summary.analysed) == 8 - stored_before
    with open_store(db) as store:
        assert len(store.lessons()) == 8 and all(j.state is JobState.DONE for j in list_jobs(store))
