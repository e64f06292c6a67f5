"""``batch`` and a job running elsewhere: a job another process runs with a fresh heartbeat is left to it
(not queued again, not run, reported); one silent for the grace period is taken over with its attempt
counted (the rule of ``jobs.table.silent``, the web runner's). Two ``batch`` processes racing on one
manifest analyse each lesson once (SQLite, then PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import typer
from sqlalchemy import update

import lessonlens
from lessonlens.jobs import BatchOptions, JobState, claim_jobs, get_job, list_jobs, read_manifest, submit_jobs
from lessonlens.jobs.runner import BatchSummary, Elsewhere, run_specs
from lessonlens.jobs.table import Heartbeat, mark_done, now, release_on
from lessonlens.store import open_store
from lessonlens.store.api import Store
from lessonlens.store.db import WRITE
from lessonlens.store.models import job_table
from tests.support.batch import SECONDS_ENV, register_stand_in, tiny_video, write_manifest
from tests.support.store import database_url

ROOT = str(Path(__file__).parents[2])
OTHER = "web:another-host:4242"
STAND_IN = BatchOptions(detectors=("stand-in",), cache=False)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An in-process Dask cluster (threads) that knows the stand-in detector."""
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from distributed import Client, LocalCluster

    monkeypatch.setenv(SECONDS_ENV, "0")
    register_stand_in()
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, resources={"lesson": 2},
                      dashboard_address=None) as local, Client(local) as dask:
        yield dask


def _manifest(tmp_path: Path, n: int) -> Path:
    video = tiny_video(tmp_path / "v.mp4", 6)
    return write_manifest(tmp_path / "m.csv", [
        {"lesson_id": f"E{i}", "teacher": "王老师", "video": str(video)} for i in range(n)])


def _running_on_another_host(store: Store, manifest: Path, ids: list[str], silent_for: float = 0.0) -> None:
    """These lessons' jobs, queued by the web platform and run by a server on another host; with
    ``silent_for``, its last heartbeat (and start) that many seconds ago."""
    specs = [s for s in read_manifest(manifest) if s.lesson_id in ids]
    submit_jobs(store, specs, batch="web")
    assert claim_jobs(store, ids, OTHER) == sorted(ids)
    if silent_for:
        then = now() - dt.timedelta(seconds=silent_for)
        with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(update(job_table).where(job_table.c.lesson_id.in_(ids))
                         .values(heartbeat_at=then, started_at=then))


def test_a_job_running_elsewhere_is_left_and_a_silent_one_taken_over(store: Store, tmp_path: Path,
                                                                      client: Any) -> None:
    manifest = _manifest(tmp_path, 3)
    _running_on_another_host(store, manifest, ["E0"])
    _running_on_another_host(store, manifest, ["E1"], silent_for=120)  # past the 60 s grace
    before = get_job(store, "E0")
    summary = run_specs(store, read_manifest(manifest), str(manifest), client=client, options=STAND_IN)
    assert sorted(summary.analysed) == ["E1", "E2"] and summary.taken_over == ("E1",)
    assert [(e.lesson_id, e.worker) for e in summary.elsewhere] == [("E0", OTHER)]
    assert summary.elsewhere[0].since == before.started_at  # type: ignore[union-attr]
    jobs = {j.lesson_id: j for j in list_jobs(store)}
    assert jobs["E0"] == before  # untouched: still running for the other host, its spec and batch kept
    assert (jobs["E1"].state, jobs["E1"].attempts, jobs["E1"].batch) == (JobState.DONE, 2, str(manifest))
    assert (jobs["E2"].state, jobs["E2"].attempts) == (JobState.DONE, 1)
    assert {lesson.lesson_id for lesson in store.lessons()} == {"E1", "E2"}
    # --force redoes stored lessons, never one running elsewhere
    again = run_specs(store, read_manifest(manifest), str(manifest), client=client,
                      options=attrs.evolve(STAND_IN, force=True))
    assert sorted(again.analysed) == ["E1", "E2"] and [e.lesson_id for e in again.elsewhere] == ["E0"]
    assert get_job(store, "E0") == before


def test_waiting_takes_over_a_job_whose_runner_goes_silent(tmp_path: Path, client: Any) -> None:
    db = str(tmp_path / "lessons.sqlite")
    manifest = _manifest(tmp_path, 2)
    with open_store(db) as store:
        _running_on_another_host(store, manifest, ["E0"])
        dies = time.monotonic() + 1.5  # the other host's heartbeat, until it "dies" after 1.5 s
        with Heartbeat(store, lambda: ["E0"] if time.monotonic() < dies else [], every=0.2):
            start = time.monotonic()
            summary = lessonlens.batch(manifest, client=client, db=db, options=BatchOptions(
                detectors=("stand-in",), cache=False, wait=True, grace=1.0, heartbeat=0.2))
            waited = time.monotonic() - start
        job = get_job(store, "E0")
    assert sorted(summary.analysed) == ["E0", "E1"] and summary.taken_over == ("E0",) and summary.elsewhere == ()
    assert job is not None and (job.state, job.attempts) == (JobState.DONE, 2)
    assert waited >= 2.0  # 1.5 s of heartbeats, then 1 s of grace


def test_a_wait_limit_ends_the_wait_and_leaves_the_live_lesson_in_the_summary(tmp_path: Path, client: Any) -> None:
    """``--wait-limit``: a lesson whose runner keeps beating is waited for that long, not forever; it stays
    in the summary's ``elsewhere`` (exit code 3) and its job is untouched."""
    from lessonlens.cli.batch_cmd import batch_options

    assert batch_options(None, "platform-9", 6.0, None, True, None, False, None, wait_limit=2.0).wait
    db = str(tmp_path / "lessons.sqlite")
    manifest = _manifest(tmp_path, 2)
    with open_store(db) as store:
        _running_on_another_host(store, manifest, ["E0"])
        before = get_job(store, "E0")
        with Heartbeat(store, lambda: ["E0"], every=0.2):  # the other host stays alive for the whole test
            start = time.monotonic()
            summary = lessonlens.batch(manifest, client=client, db=db, options=BatchOptions(
                detectors=("stand-in",), cache=False, wait=True, wait_limit=1.5, grace=1.0, heartbeat=0.2))
            waited = time.monotonic() - start
        job = get_job(store, "E0")
    assert summary.analysed == ("E1",) and summary.taken_over == () and summary.done_elsewhere == ()
    assert [(e.lesson_id, e.worker) for e in summary.elsewhere] == [("E0", OTHER)]
    assert job is not None and before is not None
    assert (job.state, job.attempts, job.worker) == (before.state, before.attempts, before.worker)
    assert 1.5 <= waited < 30


@pytest.mark.parametrize(("lang", "words"), [("en", "running elsewhere"), ("zh-CN", "正在别处分析")])
def test_the_summary_says_what_runs_elsewhere_and_exits_3(lang: str, words: str, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from lessonlens.cli.batch_cmd import print_summary

    monkeypatch.setenv("LESSONLENS_LANG", lang)
    monkeypatch.setenv("COLUMNS", "200")
    at = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
    summary = BatchSummary(batch="m.csv", lessons=2, analysed=("E1",), skipped=(), failures=(), seconds=1.0,
                           analysis_seconds=0.5, workers=1, scheduler="", dashboard="", db="x.sqlite",
                           elsewhere=(Elsewhere("E0", OTHER, at, at),))
    for as_json in (True, False):
        with pytest.raises(typer.Exit) as exit_:
            print_summary(summary, as_json=as_json)
        assert exit_.value.exit_code == 3
    out = capsys.readouterr().out
    doc = json.loads(out[:out.index("\n}\n") + 3])
    assert doc["elsewhere"] == [{"lesson_id": "E0", "worker": OTHER, "since": at.isoformat(),
                                 "heartbeat": at.isoformat()}]
    assert words in out and OTHER in out and "2026-12-07 09:30:00 UTC" in out


def test_an_interrupted_batch_puts_its_jobs_back_uncounted(store: Store, tmp_path: Path) -> None:
    specs = read_manifest(_manifest(tmp_path, 3))
    submit_jobs(store, specs, batch="b")
    claim_jobs(store, ["E0", "E1"], "batch:here:1")
    mark_done(store, "E1")
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        release_on(conn, ["E0", "E1", "E2"])
    jobs = {j.lesson_id: j for j in list_jobs(store)}
    assert {i: (j.state, j.attempts) for i, j in jobs.items()} == {
        "E0": (JobState.QUEUED, 0), "E1": (JobState.DONE, 1), "E2": (JobState.QUEUED, 0)}
    assert jobs["E0"].heartbeat_at is None


RACER = """
import json, sys, time
from pathlib import Path
from distributed import Client, LocalCluster
import lessonlens
from lessonlens.jobs import BatchOptions
from tests.support.batch import register_stand_in

register_stand_in()
with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, resources={"lesson": 2},
                  dashboard_address=None) as cluster, Client(cluster) as client:
    Path(sys.argv[3] + ".ready").touch()
    while not Path(sys.argv[4]).exists():
        time.sleep(0.01)
    s = lessonlens.batch(sys.argv[2], client=client, db=sys.argv[1],
                         options=BatchOptions(detectors=("stand-in",), cache=False, wait=sys.argv[5] == "wait",
                                              heartbeat=0.5))
print(json.dumps({"analysed": list(s.analysed), "skipped": list(s.skipped),
                  "elsewhere": [e.lesson_id for e in s.elsewhere], "done_elsewhere": list(s.done_elsewhere)}))
"""


@pytest.mark.parametrize(("backend", "wait"), [("sqlite", ""), ("postgresql", ""), ("sqlite", "wait")])
def test_two_batches_racing_on_one_manifest_analyse_each_lesson_once(backend: str, wait: str, tmp_path: Path) -> None:
    """Released at once: each lesson analysed by one of them; the other reports it running elsewhere,
    or with ``--wait`` waits and counts it done elsewhere (same inputs and detectors: not analysed again)."""
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    db = database_url(backend, tmp_path)
    manifest = _manifest(tmp_path, 8)
    with open_store(db):
        pass  # the schema, before the racers
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": ROOT, SECONDS_ENV: "0.3"}
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(RACER), db, str(manifest),
                               str(tmp_path / f"b{n}"), str(go), wait], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(2)]
    try:
        deadline = time.monotonic() + 90
        while not all((tmp_path / f"b{n}.ready").exists() for n in range(2)):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
            time.sleep(0.05)
        go.touch()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err[-2000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    analysed = [i for r in results for i in r["analysed"]]
    ids = [f"E{i}" for i in range(8)]
    assert sorted(analysed) == ids  # each lesson analysed by exactly one of the two batches
    for mine, other in (results, results[::-1]):
        assert set(mine["analysed"]) | set(mine["skipped"]) | set(mine["elsewhere"] + mine["done_elsewhere"]) \
            == set(ids)
        assert set(mine["elsewhere"] + mine["done_elsewhere"]) <= set(other["analysed"])
        assert (mine["elsewhere"] if wait else mine["done_elsewhere"]) == []
    with open_store(db) as store:
        jobs = list_jobs(store)
        assert {j.state for j in jobs} == {JobState.DONE} and {j.attempts for j in jobs} == {1}
        assert len(store.lessons()) == 8
    print(f"{backend} {wait}: " + " / ".join(
        f"analysed {len(r['analysed'])}, elsewhere {len(r['elsewhere'])}, done elsewhere {len(r['done_elsewhere'])}, "
        f"skipped {len(r['skipped'])}" for r in results))


def test_the_claim_takes_queued_and_silent_jobs_never_a_live_one(store: Store, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, 3)
    submit_jobs(store, read_manifest(manifest)[:1], batch="web")  # E0 queued
    _running_on_another_host(store, manifest, ["E1"])  # beaten now
    _running_on_another_host(store, manifest, ["E2"], silent_for=30)
    assert claim_jobs(store, ["E0", "E1", "E2"], "a", stale_after=60) == ["E0"]
    assert claim_jobs(store, ["E0", "E1", "E2"], "b", stale_after=20) == ["E2"]  # silent 30 s > 20 s
    jobs = {j.lesson_id: j for j in list_jobs(store)}
    assert {i: (j.worker, j.attempts) for i, j in jobs.items()} == {"E0": ("a", 1), "E1": (OTHER, 1), "E2": ("b", 2)}
    assert claim_jobs(store, ["E2"], "c", stale_after=20) == []  # b's claim beat it just now
