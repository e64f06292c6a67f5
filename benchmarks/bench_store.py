"""Benchmark of the lesson store: bulk ingest, one teacher's period, a district portrait.

    .venv/bin/python benchmarks/bench_store.py                  # SQLite in a temporary folder
    .venv/bin/python benchmarks/bench_store.py --postgres       # also a throwaway PostgreSQL cluster
    .venv/bin/python benchmarks/bench_store.py --db postgresql://user@host/db

Targets (issue 8): ingest >= 1,000 lessons/s on SQLite, district portrait over 10,000 lessons < 1 s.
Generating the synthetic analyses is timed apart from ingesting them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.store import LessonQuery, open_store
from lessonlens.store.synthetic import synthetic_district

PERIOD_TEACHER = "T-period"


class Timer:
    """Wall-clock and CPU time of a block: on a shared machine the CPU time shows our own cost."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def ms(self) -> str:
        return f"{self.wall * 1000:.0f} ms (CPU {self.cpu * 1000:.0f} ms)"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def lessons(n: int, full: bool) -> list[Analysis]:
    """``n`` district lessons; the first 100 are one teacher's, spread over a school year."""
    district = synthetic_district(n, seed=1, full=full)
    start = dt.date(2026, 9, 1)
    for i in range(min(100, n)):
        meta = attrs.evolve(district[i].lesson, teacher=PERIOD_TEACHER, school="S00", subject="英语",
                            grade="六年级", date=start + dt.timedelta(days=2 * i))
        district[i] = attrs.evolve(district[i], lesson=meta)
    return district


def bench(url: str, data: list[Analysis], batch: int) -> None:
    with open_store(url) as store:
        print(f"\n== {store.display_url}")
        with Timer() as took:
            for start in range(0, len(data), batch):
                store.add(data[start:start + batch])  # one transaction per batch
        print(f"ingest {len(data):,} lessons in batches of {batch}: {took.wall:.2f} s = "
              f"{len(data) / took.wall:,.0f} lessons/s (CPU {took.cpu:.2f} s)")
        with Timer() as took:
            store.add(data[:batch])
        print(f"re-import {batch} existing lessons (update): {took.ms()}")
        with Timer() as took:
            period = store.teacher_period(PERIOD_TEACHER, LessonQuery(date_from=dt.date(2026, 9, 1)))
        print(f"teacher period over {len(period.lessons)} lessons (records, trends, portrait, "
              f"{len(period.analyses)} full documents): {took.ms()}")
        with Timer() as took:
            store.teacher_period(PERIOD_TEACHER, with_analyses=False)
        print(f"teacher period without documents: {took.ms()}")
        with Timer() as took:
            portrait = store.portrait(LessonQuery(region="示范区"))
        print(f"district portrait over {portrait.n_lessons:,} lessons ({portrait.n_teachers} teachers, "
              f"{len(portrait.metrics)} metrics, {len(portrait.rubrics)} rubric indicators, "
              f"{len(portrait.findings)} findings): {took.ms()}")
        with Timer() as took:
            schools = store.portraits(("school",), LessonQuery(region="示范区"))
        print(f"portraits of {len(schools)} schools: {took.ms()}")
        with Timer() as took:
            norms = store.norms()
        print(f"norms for {len(norms.norms)} subject/grade groups: {took.ms()}")
        print(f"peak memory so far: {peak_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--db", action="append", default=[], help="store URL to benchmark (repeatable)")
    parser.add_argument("--full", action="store_true",
                        help="documents with the per-sample timeline and curves (about 10x larger)")
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway PostgreSQL cluster")
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = lessons(args.lessons, args.full)
    print(f"generated {len(data):,} synthetic analyses in {time.perf_counter() - t0:.1f} s "
          f"(peak memory {peak_mib():.0f} MiB)")
    with tempfile.TemporaryDirectory() as tmp:
        urls = args.db or [str(Path(tmp) / "bench.sqlite")]
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.support.store import new_postgres_database

            urls.append(new_postgres_database())
        for url in urls:
            bench(url, data, args.batch)
        sqlite_file = Path(tmp) / "bench.sqlite"
        if sqlite_file.exists():
            print(f"\nSQLite file: {sqlite_file.stat().st_size / 2**20:.0f} MiB for {len(data):,} lessons")


if __name__ == "__main__":
    main()
