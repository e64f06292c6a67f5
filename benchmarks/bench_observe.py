"""Load run of online observation (观评课): N observers at once over HTTP against ``lessonlens serve``
(uvicorn, one process), each autosaving 20 scores and 5 time-stamped notes with pauses between
them, as the scoring page does (retrying until acknowledged). Afterwards the database is counted:
every acknowledged save must be there with its last acknowledged value (lost = 0), once (duplicated
= 0). ``--kill-at S`` SIGKILLs the server S seconds into the run and starts it again: the clients
keep retrying, and every save acknowledged before the kill must survive.

    .venv/bin/python benchmarks/bench_observe.py [--observers 300] [--pause 2 6] [--kill-at 20]
    .venv/bin/python benchmarks/bench_observe.py --postgres          # a throwaway PostgreSQL cluster
    .venv/bin/python benchmarks/bench_observe.py --db postgresql://user@host/db
    .venv/bin/python benchmarks/bench_observe.py --postgres --processes 2   # uvicorn --workers 2 (ASGI factory)

Loopback only; every loop is bounded (a save is retried for at most ``--give-up`` seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.support

from lessonlens import samples
from lessonlens.store.observe_models import ObserveNote, ObserveScore
from lessonlens.store.platform_models import ApiToken, WebUser
from lessonlens.web.accounts import add_user, token_hash
from lessonlens.web.catalog import set_owner, share, sync_from_store
from lessonlens.web.observe.events import create_event, tree_of
from lessonlens.web.passwords import hash_password
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Role
from lessonlens.web.settings import WebSettings
from tests.support.net import free_port

RUBRIC = "classroom-teaching"
SCORES, NOTES = 20, 5


def _prepare(db: str, media: Path, n: int) -> tuple[int, list[tuple[int, str]]]:
    """A lesson, its teacher, a school lead, ``n`` observer accounts with API tokens, and the event."""
    platform = Platform.open(WebSettings(db=db, media=media, run_jobs=False))
    lesson = samples.load_samples()[0]
    platform.store.add([lesson])
    sync_from_store(platform.engine)
    meta = lesson.lesson
    teacher = add_user(platform.engine, "teacher", Role.TEACHER, "benchmark password", school=meta.school)
    lead = add_user(platform.engine, "lead", Role.SCHOOL_LEAD, "benchmark password", school=meta.school)
    set_owner(platform.engine, meta.id, teacher)
    share(platform.engine, meta.id, teacher, scope="school")
    digest = hash_password("benchmark password")  # one real argon2 hash shared by the accounts
    now = dt.datetime.now(dt.UTC)
    tokens = [f"llt_bench_{k:05d}_{random.getrandbits(64):016x}" for k in range(n)]
    with platform.engine.begin() as conn:
        conn.execute(insert(WebUser), [{"name": f"obs{k:05d}", "display_name": f"观课人{k}", "role": "observer",
                                        "region": "", "school": "", "subjects": "", "password_hash": digest,
                                        "active": True, "created_at": now} for k in range(n)])
        ids = dict(conn.execute(select(WebUser.name, WebUser.id).where(WebUser.role == "observer")).all())
        conn.execute(insert(ApiToken), [{"user_id": ids[f"obs{k:05d}"], "name": "bench", "token_hash": token_hash(t),
                                         "created_at": now} for k, t in enumerate(tokens)])
    event = create_event(platform.engine, lead, meta.id, rubrics=[RUBRIC], observers=[f"obs{k:05d}" for k in range(n)],
                         title="bench", blind=True)
    platform.close()
    return event, [(ids[f"obs{k:05d}"], t) for k, t in enumerate(tokens)]


class Server:
    """``lessonlens serve`` in its own process, restartable on the same port."""

    def __init__(self, db: str, media: Path, processes: int = 1) -> None:
        self.db, self.media, self.port, self.processes = db, media, free_port(), processes
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
        command = [sys.executable, "-m", "lessonlens", "serve", "--db", self.db, "--media", str(self.media),
                   "--port", str(self.port), "--no-jobs"]
        if self.processes > 1:  # the production command line (docs/web.md): uvicorn's worker processes
            env |= {"LESSONLENS_DB": self.db, "LESSONLENS_MEDIA": str(self.media), "LESSONLENS_JOBS": "0"}
            command = [sys.executable, "-m", "uvicorn", "--factory", "lessonlens.web.asgi:app", "--host",
                       "127.0.0.1", "--port", str(self.port), "--workers", str(self.processes), "--log-level",
                       "warning"]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        for _ in range(600):
            try:
                httpx.get(self.base + "/login", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # uvicorn's worker processes too
        self.process.wait(20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


class Run:
    """What the clients saw: latencies of acknowledged requests, retries, and the last acknowledged values."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        #: (seconds into the run, latency) of every acknowledged request
        self.timed: list[tuple[float, float]] = []
        self.t0 = time.perf_counter()
        self.retries = 0
        self.failed = 0
        self.acked_scores: dict[tuple[int, str], float] = {}
        self.acked_notes: dict[tuple[int, str], str] = {}


async def _send(client: httpx.AsyncClient, run: Run, method: str, url: str, headers: dict[str, str],
                body: dict[str, Any], give_up: float) -> bool:
    """One save, retried (as the page does) until the server acknowledges it or ``give_up`` s pass."""
    deadline = time.monotonic() + give_up
    delay = 0.25
    while True:
        started = time.perf_counter()
        try:
            response = await client.request(method, url, json=body, headers=headers)
            if response.status_code == 200:
                run.latencies.append(time.perf_counter() - started)
                run.timed.append((started - run.t0, run.latencies[-1]))
                return True
            if response.status_code < 500:
                raise SystemExit(f"refused: {response.status_code} {response.text[:200]}")
        except httpx.TransportError:
            pass
        run.retries += 1
        if time.monotonic() > deadline:
            run.failed += 1
            return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)


async def _observer(client: httpx.AsyncClient, event: int, user_id: int, token: str, run: Run,
                    pause: tuple[float, float], give_up: float, seed: int) -> None:
    rng = random.Random(seed)
    leaves = list(tree_of(RUBRIC).leaf_max.items())
    steps: list[tuple[str, Any]] = [("score", i) for i in range(SCORES)] + [("note", i) for i in range(NOTES)]
    rng.shuffle(steps)
    await asyncio.sleep(rng.uniform(0, pause[1]))  # observers do not start in step
    auth = {"Authorization": f"Bearer {token}"}
    for kind, i in steps:
        if kind == "score":
            leaf, top = leaves[i % len(leaves)]  # 20 saves over 13 points: some points changed later
            value = float(rng.randint(0, int(top)))
            if await _send(client, run, "PUT", f"/api/observe/{event}/scores", auth,
                           {"rubric": RUBRIC, "indicator": leaf, "score": value}, give_up):
                run.acked_scores[(user_id, leaf)] = value
        else:
            cid, text = f"n{i}", f"note {i} of {user_id}"
            if await _send(client, run, "POST", f"/api/observe/{event}/notes", auth,
                           {"client_id": cid, "t": 60.0 * i + rng.uniform(0, 50), "text": text}, give_up):
                run.acked_notes[(user_id, cid)] = text
        await asyncio.sleep(rng.uniform(*pause))


async def _load(server: Server, event: int, people: list[tuple[int, str]], pause: tuple[float, float],
                give_up: float, kill_at: float | None) -> tuple[Run, float]:
    run = Run()
    started = time.perf_counter()

    async def killer() -> None:
        if kill_at is None:
            return
        await asyncio.sleep(kill_at)
        acked_before = len(run.latencies)
        await asyncio.to_thread(server.kill)
        print(f"SIGKILL at {kill_at:.0f} s after {acked_before} acknowledged saves; restarting")
        await asyncio.to_thread(server.start)

    # one client, a connection per observer (one client each would build 300 TLS contexts for nothing)
    limits = httpx.Limits(max_connections=len(people) + 10, max_keepalive_connections=len(people) + 10)
    async with httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) as client:
        await asyncio.gather(killer(), *(_observer(client, event, uid, token, run, pause, give_up, k)
                                         for k, (uid, token) in enumerate(people)))
    return run, time.perf_counter() - started


def _count(db: str, media: Path, event: int, run: Run) -> tuple[int, int, int, int]:
    """(lost scores, lost notes, duplicated notes, rows with a value other than the last acknowledged)."""
    platform = Platform.open(WebSettings(db=db, media=media, run_jobs=False))
    with platform.engine.connect() as conn:
        scores = {(u, i): s for u, i, s in conn.execute(select(ObserveScore.user_id, ObserveScore.indicator,
                                                               ObserveScore.score)
                                                        .where(ObserveScore.event_id == event))}
        notes = conn.execute(select(ObserveNote.user_id, ObserveNote.client_id, ObserveNote.text, func.count())
                             .where(ObserveNote.event_id == event)
                             .group_by(ObserveNote.user_id, ObserveNote.client_id, ObserveNote.text)).all()
    platform.close()
    stored_notes = {(u, c): text for u, c, text, _ in notes}
    lost_scores = sum(1 for key in run.acked_scores if key not in scores)
    wrong = sum(1 for key, value in run.acked_scores.items() if key in scores and scores[key] != value)
    lost_notes = sum(1 for key, text in run.acked_notes.items() if stored_notes.get(key) != text)
    duplicated = sum(n - 1 for *_, n in notes if n > 1)
    return lost_scores, lost_notes, duplicated, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--observers", type=int, default=300)
    parser.add_argument("--pause", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"),
                        help="seconds an observer waits between two saves (uniform)")
    parser.add_argument("--kill-at", type=float, default=None, help="SIGKILL the server this many seconds in")
    parser.add_argument("--give-up", type=float, default=120.0, help="seconds a save is retried at most")
    parser.add_argument("--db", default=None, help="store URL (default: a new SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes (>1: uvicorn --workers N with the ASGI factory)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lessonlens-bench-observe-"))
    db = args.db or str(root / "db.sqlite")
    if args.postgres:
        from tests.support.store import new_postgres_database

        db = new_postgres_database()
    media = root / "media"
    event, people = _prepare(db, media, args.observers)
    server = Server(db, media, args.processes)
    server.start()
    backend = "PostgreSQL" if db.startswith("postgresql") else "SQLite"
    print(f"{args.observers} observers × ({SCORES} scores + {NOTES} notes), pauses {args.pause[0]:g}–{args.pause[1]:g}"
          f" s; uvicorn {args.processes} process(es), {backend}, {os.cpu_count()} cores (client on the same machine)")
    try:
        run, wall = asyncio.run(_load(server, event, people, tuple(args.pause), args.give_up, args.kill_at))
    finally:
        server.stop()
    times = sorted(run.latencies)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else float("nan")
    print(f"acknowledged saves: {len(times)} in {wall:.1f} s ({len(times) / wall:.1f}/s); retries {run.retries}, "
          f"given up {run.failed}")
    print(f"latency: median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
    windows: dict[int, list[float]] = {}
    for at, latency in run.timed:
        windows.setdefault(int(at // 20) * 20, []).append(latency)
    print("p95 by 20-s window: " + ", ".join(
        f"{w}s {sorted(v)[int(0.95 * (len(v) - 1))] * 1000:.0f} ms (n={len(v)})" for w, v in sorted(windows.items())))
    lost_scores, lost_notes, duplicated, wrong = _count(db, media, event, run)
    print(f"database: lost scores {lost_scores}, lost notes {lost_notes}, duplicated notes {duplicated}, "
          f"scores not at their last acknowledged value {wrong}")


if __name__ == "__main__":
    main()
