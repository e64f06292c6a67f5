"""Benchmark of the web platform: page and API latency over HTTP against ``lessonlens serve``
(uvicorn, one process) on a store of a synthetic district, with several clients at once.

    .venv/bin/python benchmarks/bench_web.py [--lessons 2000] [--clients 8] [--requests 200]

Prints, per kind of request, requests per second and the median / 95th percentile latency. The
researcher sees every lesson (all are shared with the region), so lists and filters run over all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.support

from lessonlens.store.platform_models import LessonShare
from lessonlens.store.synthetic import synthetic_district
from lessonlens.web.accounts import add_user, new_token
from lessonlens.web.catalog import sync_from_store
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Role
from lessonlens.web.settings import WebSettings
from tests.support.net import free_port

PASSWORD = "benchmark password"


def _prepare(root: Path, n: int) -> tuple[str, list[str], str]:
    platform = Platform.open(WebSettings(db=str(root / "db.sqlite"), media=root / "media", run_jobs=False))
    analyses = synthetic_district(n)
    started = time.perf_counter()
    platform.store.add(analyses)
    sync_from_store(platform.engine)
    region = analyses[0].lesson.region
    subjects = sorted({a.lesson.subject for a in analyses})
    owner = add_user(platform.engine, "owner", Role.TEACHER, PASSWORD)
    researcher = add_user(platform.engine, "res", Role.RESEARCHER, PASSWORD, region=region, subjects=subjects)
    now = dt.datetime.now(dt.UTC)
    with platform.engine.begin() as conn:
        conn.execute(insert(LessonShare), [{"lesson_id": a.lesson.id, "user_id": None, "scope": "region",
                                            "created_by": owner.id, "created_at": now} for a in analyses])
    token = new_token(platform.engine, researcher, "bench")
    print(f"store: {n} lessons added, catalogued and shared in {time.perf_counter() - started:.1f} s")
    platform.close()
    return str(root / "db.sqlite"), [a.lesson.id for a in analyses], token


def _measure(name: str, call: Callable[[int], int], requests: int, clients: int) -> None:
    def timed(i: int) -> float:
        t = time.perf_counter()
        status = call(i)
        assert status in (200, 206), (name, status)
        return time.perf_counter() - t

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = sorted(pool.map(timed, range(requests)))
    wall = time.perf_counter() - started
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{name:<34} {requests / wall:7.1f} req/s   median {statistics.median(times) * 1000:7.1f} ms"
          f"   p95 {p95 * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lessonlens-bench-web-"))
    db, ids, token = _prepare(root, args.lessons)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    server = subprocess.Popen([sys.executable, "-m", "lessonlens", "serve", "--db", db, "--media",
                               str(root / "media"), "--port", str(port), "--no-jobs"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            for _ in range(300):
                try:
                    c.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            c.post("/login", data={"name": "res", "password": PASSWORD, "_csrf_token": c.cookies["csrftoken"]})
            cookies = dict(c.cookies)
        print(f"server: uvicorn, 1 process, {os.cpu_count()} cores; {args.clients} clients, {args.requests} "
              "requests each kind")
        session = httpx.Client(base_url=base, timeout=60, cookies=cookies,
                               limits=httpx.Limits(max_connections=args.clients))
        api = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"},
                           limits=httpx.Limits(max_connections=args.clients))
        _measure("list, first page", lambda i: session.get("/").status_code, args.requests, args.clients)
        _measure("list, filtered, page 3", lambda i: session.get("/", params={
            "subject": "数学", "mode": "mixed", "page": 3}).status_code, args.requests, args.clients)
        _measure("lesson page (report charts)", lambda i: session.get(f"/lessons/{ids[i % len(ids)]}").status_code,
                 max(20, args.requests // 4), args.clients)
        _measure("API lesson list", lambda i: api.get("/api/lessons", params={"page": 1 + i % 5}).status_code,
                 args.requests, args.clients)
        _measure("API lesson", lambda i: api.get(f"/api/lessons/{ids[i % len(ids)]}").status_code,
                 args.requests, args.clients)
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
