"""Benchmark of the dashboards: how long the teacher's growth page, a region's and a school's portrait,
the comparison of a region's teachers and a CSV download take on a store of a synthetic district
(Litestar app in process, one client, requests one after another, so the figures are server work).

    .venv/bin/python benchmarks/bench_dashboards.py [--lessons 2000] [--requests 20]

Prints the median and 95th percentile per page. Every teacher of school S00 has an account that owns
their lessons and consents to be named in the region (the comparison names them all).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from litestar.testing import TestClient

from lessonlens.store.synthetic import synthetic_district
from lessonlens.web.accounts import add_user, set_consent
from lessonlens.web.app import create_app
from lessonlens.web.catalog import set_owner, sync_from_store
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Role
from lessonlens.web.settings import WebSettings

PASSWORD = "benchmark password"


def _prepare(root: Path, n: int) -> tuple[Platform, str]:
    platform = Platform.open(WebSettings(db=str(root / "db.sqlite"), media=root / "media", run_jobs=False))
    analyses = synthetic_district(n)
    started = time.perf_counter()
    platform.store.add(analyses)
    sync_from_store(platform.engine)
    region = analyses[0].lesson.region
    for teacher in sorted({a.lesson.teacher for a in analyses if a.lesson.school == "S00"}):
        account = add_user(platform.engine, teacher.lower(), Role.TEACHER, PASSWORD, display_name=teacher,
                           school="S00", region=region)
        set_consent(platform.engine, account, "region")
        for a in analyses:
            if a.lesson.teacher == teacher:
                set_owner(platform.engine, a.lesson.id, account)
    add_user(platform.engine, "res", Role.RESEARCHER, PASSWORD, region=region, subjects=["数学"])
    print(f"store: {n} lessons added and catalogued in {time.perf_counter() - started:.1f} s")
    return platform, region


def _client(platform: Platform, name: str) -> TestClient:  # type: ignore[type-arg]
    client = TestClient(create_app(platform.settings, platform), base_url="http://bench.local")
    client.__enter__()
    client.get("/login")
    token = client.cookies.get("csrftoken")
    response = client.post("/login", data={"name": name, "password": PASSWORD, "_csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def _measure(name: str, client: TestClient, url: str, requests: int,  # type: ignore[type-arg]
             expect: str = "") -> None:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
        assert expect in response.text, (name, expect)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{name:<34} median {statistics.median(times) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lessonlens-bench-dash-") as tmp:
        platform, region = _prepare(Path(tmp), args.lessons)
        teacher = _client(platform, "t00-00")
        researcher = _client(platform, "res")
        n = args.requests
        _measure("growth page (teacher's term)", teacher, "/growth", n, expect='id="chart-trend"')
        _measure("region portrait", researcher, f"/portraits?region={region}", n, expect="section-norms")
        _measure("school portrait", researcher, f"/portraits?region={region}&school=S00", n)
        _measure("region portrait, one subject", researcher, f"/portraits?region={region}&subject=数学", n)
        _measure("compare the region's teachers", researcher, f"/compare?region={region}", n, expect="T00-09")
        _measure("portrait CSV (norms)", researcher, f"/portraits/csv/norms?region={region}", n)
        for client in (teacher, researcher):
            client.__exit__(None, None, None)
        platform.close()


if __name__ == "__main__":
    main()
