"""Every taker of queued jobs claims them through ``jobs.table.claim_on``: a job is run once however
many takers race for it. The race uses real processes on one store (SQLite, then PostgreSQL): two
``run_jobs`` (each with its own in-process Dask cluster) and a web server's job runner, released at
the same moment on a dozen queued jobs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lessonlens.jobs import JobState, claim_jobs, list_jobs, read_manifest, submit_jobs
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.table import mark_started_on, now
from lessonlens.store import open_store
from lessonlens.store.api import Store
from lessonlens.store.db import WRITE
from tests.support.batch import SECONDS_ENV, tiny_video, write_manifest
from tests.support.store import BACKENDS, database_url

ROOT = str(Path(__file__).parents[2])
JOBS = 12

RUN_JOBS = """
import json, sys, time
from pathlib import Path
from distributed import Client, LocalCluster
from lessonlens.jobs import BatchOptions, run_jobs
from tests.support.batch import register_stand_in

register_stand_in()
with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, resources={"lesson": 2},
                  dashboard_address=None) as cluster, Client(cluster) as client:
    Path(sys.argv[2] + ".ready").touch()
    while not Path(sys.argv[3]).exists():
        time.sleep(0.01)
    summary = run_jobs(sys.argv[1], client=client, options=BatchOptions(detectors=("stand-in",), cache=False))
print(json.dumps(list(summary.analysed)))
"""
SERVER = """
import sys, time
from pathlib import Path
from lessonlens.store import open_store
from lessonlens.web.jobs import JobRunner

def analyze(spec, out, progress):
    with open(sys.argv[2], "a") as log:
        log.write(spec.lesson_id + "\\n")
    time.sleep(0.3)
    raise RuntimeError("run by the server")

with open_store(sys.argv[1]) as store:
    runner = JobRunner(store, Path(sys.argv[4]), analyze)
    Path(sys.argv[2] + ".ready").touch()
    while not Path(sys.argv[3]).exists():
        time.sleep(0.01)
    runner.recover()
    runner.start()
    time.sleep(600)
"""


def _specs(tmp_path: Path, n: int) -> list[LessonSpec]:
    video = tiny_video(tmp_path / "v.mp4", 6)
    return read_manifest(write_manifest(tmp_path / "m.csv", [
        {"lesson_id": f"J{i:02d}", "teacher": "王老师", "video": str(video)} for i in range(n)]))


def test_a_queued_job_is_claimed_once_and_a_start_never_claims(store: Store, tmp_path: Path) -> None:
    submit_jobs(store, _specs(tmp_path, 3), batch="web")
    assert claim_jobs(store, ["J00", "J01"], "a") == ["J00", "J01"]
    assert claim_jobs(store, ["J00", "J01", "J02"], "b") == ["J02"]  # the others are a's
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        mark_started_on(conn, [("J00", "tcp://w:1", now(), False), ("J01", "tcp://w:1", now(), True)])
    jobs = {j.lesson_id: j for j in list_jobs(store)}
    assert {i: (j.state, j.attempts, j.worker) for i, j in jobs.items()} == {
        "J00": (JobState.RUNNING, 1, "tcp://w:1"), "J01": (JobState.RUNNING, 2, "tcp://w:1"),
        "J02": (JobState.RUNNING, 1, "b")}
    assert all(j.heartbeat_at is not None and j.started_at is not None for j in jobs.values())


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": ROOT, SECONDS_ENV: "0.2"}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_run_jobs_and_a_server_racing_run_each_queued_job_once(backend: str, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    db = database_url(backend, tmp_path)
    with open_store(db) as store:
        submit_jobs(store, _specs(tmp_path, JOBS), batch="web")
    go, served = tmp_path / "go", tmp_path / "served.txt"
    batches = [_spawn(RUN_JOBS, db, str(tmp_path / f"batch{n}"), str(go)) for n in range(2)]
    server = _spawn(SERVER, db, str(served), str(go), str(tmp_path / "media"))
    try:
        ready = [tmp_path / "batch0.ready", tmp_path / "batch1.ready", Path(f"{served}.ready")]
        deadline = time.monotonic() + 120
        while not all(p.exists() for p in ready):
            assert time.monotonic() < deadline and all(p.poll() is None for p in [*batches, server])
            time.sleep(0.05)
        go.touch()  # all three take jobs from now on
        analysed: list[str] = []
        for proc in batches:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
            analysed += json.loads(out.strip().splitlines()[-1])
        with open_store(db) as store:
            while any(j.state in (JobState.QUEUED, JobState.RUNNING) for j in list_jobs(store)):
                assert time.monotonic() < deadline + 60
                time.sleep(0.1)
            jobs = {j.lesson_id: j for j in list_jobs(store)}
            stored = {lesson.lesson_id for lesson in store.lessons()}
    finally:
        server.kill()
        server.communicate(timeout=30)
    by_server = served.read_text().split() if served.exists() else []
    assert len(analysed) == len(set(analysed)) and len(by_server) == len(set(by_server))
    assert sorted(analysed + by_server) == sorted(jobs)  # each job taken by exactly one of them
    assert {j.attempts for j in jobs.values()} == {1}
    assert all(jobs[i].state is JobState.DONE for i in analysed) and stored == set(analysed)
    assert all(jobs[i].state is JobState.FAILED and "run by the server" in jobs[i].error for i in by_server)
    print(f"{backend}: run_jobs analysed {len(analysed)}, the server took {len(by_server)}")
