"""Job recovery across machines: whoever runs a job writes its heartbeat, and a server looking for
lost jobs (at its start, then at every heartbeat) re-queues only those silent for the grace period.

Two other processes share the test's SQLite database: ``lessonlens batch``'s ``run_jobs`` (its Dask
worker in-process) and a web server's job runner that names itself as a server of another machine
(so its process id cannot be checked here). While they run, the jobs stay theirs however often this
"restarting server" looks; once they are killed, their jobs are queued again after the grace
period, not before, with the lost attempt counted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the dask extra is not installed")

from lessonlens.jobs import JobState, get_job, read_manifest
from lessonlens.jobs.table import Heartbeat, mark_running, stale_jobs, submit_job
from lessonlens.web.platform import Platform
from lessonlens.web.settings import WebSettings
from tests.support.batch import SECONDS_ENV, tiny_video, write_manifest

GRACE = 3.0
ROOT = str(Path(__file__).parents[2])

BATCH = """
import sys
from distributed import Client, LocalCluster
from lessonlens.jobs import BatchOptions, run_jobs
from tests.support.batch import register_stand_in

register_stand_in()
with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, resources={"lesson": 1},
                  dashboard_address=None) as cluster, Client(cluster) as client:
    run_jobs(sys.argv[1], [sys.argv[2]], client=client,
             options=BatchOptions(detectors=("stand-in",), cache=False, heartbeat=0.3))
"""
WEB = """
import socket, sys, time
socket.gethostname = lambda: "another-machine"  # a server of another machine: its pid means nothing here
from pathlib import Path
from lessonlens.jobs import read_manifest
from lessonlens.web.jobs import JobRunner
from lessonlens.web.platform import Platform
from lessonlens.web.settings import WebSettings

p = Platform.open(WebSettings(db=sys.argv[1], media=Path(sys.argv[2]), run_jobs=False, workers=0))
runner = JobRunner(p.store, p.media, lambda spec, out, progress: time.sleep(600), grace=float(sys.argv[3]))
runner.start()
runner.submit(next(s for s in read_manifest(sys.argv[4]) if s.lesson_id == "by-web"))
time.sleep(600)
"""


def _spawn(script: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": ROOT, SECONDS_ENV: "600"}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _state(p: Platform, lesson_id: str) -> tuple[str, int]:
    job = get_job(p.store, lesson_id)
    assert job is not None
    return job.state.value, job.attempts


def test_a_restarting_server_leaves_jobs_other_machines_run_and_requeues_them_once_silent(tmp_path: Path) -> None:
    db, media = str(tmp_path / "db.sqlite"), tmp_path / "media"
    video = tiny_video(tmp_path / "v.mp4", 6)
    manifest = write_manifest(tmp_path / "m.csv", [
        {"lesson_id": lesson_id, "teacher": "王老师", "video": str(video)} for lesson_id in ("by-batch", "by-web")])
    here = Platform.open(WebSettings(db=db, media=media, run_jobs=False, workers=0, job_grace_s=GRACE))
    # the web's jobs (batch "web"): one queued here and run by lessonlens batch (run_jobs) elsewhere,
    # one queued and run by the server of another machine
    submit_job(here.store, read_manifest(manifest)[0])
    others = [_spawn(BATCH, db, "by-batch"), _spawn(WEB, db, str(media), str(GRACE), str(manifest))]
    try:
        deadline = time.monotonic() + 90
        while [get_job(here.store, i) is not None and _state(here, i)[0] for i in ("by-batch", "by-web")] != [
                "running", "running"]:
            assert all(o.poll() is None for o in others), [o.stderr.read().decode()[-2000:] for o in others if o.stderr]
            assert time.monotonic() < deadline, "the other processes never started their jobs"
            time.sleep(0.1)
        # two grace periods of a server looking for lost jobs: both stay with the processes running them
        watched = time.monotonic()
        while time.monotonic() - watched < 2 * GRACE:
            assert here.runner.recover() == []
            assert _state(here, "by-batch") == ("running", 1) and _state(here, "by-web") == ("running", 1)
            time.sleep(0.25)
        beats = [get_job(here.store, i).heartbeat_at for i in ("by-batch", "by-web")]  # type: ignore[union-attr]
        for other in others:  # the machines die
            other.send_signal(signal.SIGKILL)
            other.wait(10)
        killed = time.monotonic()
        requeued: list[str] = []
        while len(requeued) < 2:
            found = here.runner.requeue_lost()
            # not before their heartbeat went stale (the last beat came up to a sixth of the grace before the kill)
            assert not found or time.monotonic() - killed > GRACE * 5 / 6 - 0.2, found
            requeued += found
            assert time.monotonic() - killed < GRACE + 10, "the lost jobs were never queued again"
            time.sleep(0.1)
        assert sorted(requeued) == ["by-batch", "by-web"] and all(b is not None for b in beats)
        assert _state(here, "by-batch") == ("queued", 1) and _state(here, "by-web") == ("queued", 1)
        assert here.runner.recover() == ["by-batch", "by-web"]
    finally:
        for other in others:
            other.kill()
            other.wait(10)
        here.close()


def test_stale_jobs_go_by_the_heartbeat(tmp_path: Path) -> None:
    from lessonlens.store import open_store

    video = tiny_video(tmp_path / "v.mp4", 3)
    spec = read_manifest(write_manifest(tmp_path / "m.csv", [{"lesson_id": "L1", "video": str(video)}]))[0]
    with open_store(str(tmp_path / "db.sqlite")) as store:
        submit_job(store, spec)
        assert stale_jobs(store, 0.5) == []  # queued: not running
        mark_running(store, "L1", worker="tcp://10.0.0.7:4000")
        job = get_job(store, "L1")
        assert job is not None and job.heartbeat_at is not None and stale_jobs(store, 0.5) == []
        with Heartbeat(store, lambda: ["L1"], every=0.1):
            time.sleep(1.0)
            assert stale_jobs(store, 0.5) == []  # kept alive
        time.sleep(0.7)
        assert [j.lesson_id for j in stale_jobs(store, 0.5)] == ["L1"]
        assert stale_jobs(store, 0.5, batch="other") == []
        again = get_job(store, "L1")
        assert again is not None and job.heartbeat_at is not None and again.heartbeat_at is not None
        assert again.heartbeat_at > job.heartbeat_at and again.state is JobState.RUNNING
