"""Benchmark of a batch's queue-and-claim transaction on a district's jobs table, where part of the
manifest is running elsewhere (``lessonlens batch`` beside the web platform or another batch).

    .venv/bin/python benchmarks/bench_batch_claim.py                  # 10,000 lessons, SQLite and PostgreSQL
    .venv/bin/python benchmarks/bench_batch_claim.py --lessons 2000 --backends sqlite

The table holds every lesson of the manifest; a fifth of them run elsewhere with a fresh heartbeat,
a twentieth are silent past the grace period, the rest are failed (to be queued again). Timed: the
transaction ``run_specs`` opens (queue with ``keep_running``, take over the silent ones and relabel them,
claim the rest, read those running elsewhere), against the transaction before this change (queue everything,
claim everything: the live jobs are taken from their runners). Best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.jobs.runner import running_elsewhere
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.table import (
    JobState,
    claim_on,
    now,
    relabel_on,
    submit_jobs_on,
    take_over_on,
)
from lessonlens.store import open_store
from lessonlens.store.api import Store
from lessonlens.store.db import WRITE
from lessonlens.store.models import job_table


def specs(n: int) -> list[LessonSpec]:
    return [LessonSpec(lesson=LessonMeta(id=f"L{i:06d}", teacher=f"T{i % 50}"),
                       media=(MediaSource(f"/data/L{i:06d}.mp4", MediaRole.MIXED),)) for i in range(n)]


def prepare(store: Store, all_specs: list[LessonSpec]) -> None:
    """Every job failed, then a fifth running for another host (fresh), a twentieth silent for 10 min."""
    n = len(all_specs)
    ids = [s.lesson_id for s in all_specs]
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        submit_jobs_on(conn, all_specs, "term")
        conn.execute(update(job_table).values(state=JobState.FAILED.value, attempts=1))
        fresh, silent = ids[: n // 5], ids[n // 5: n // 5 + n // 20]
        conn.execute(update(job_table).where(job_table.c.lesson_id.in_(fresh + silent)).values(
            state=JobState.RUNNING.value, worker="web:another-host:1", heartbeat_at=now()))
        conn.execute(update(job_table).where(job_table.c.lesson_id.in_(silent)).values(
            heartbeat_at=now() - dt.timedelta(minutes=10)))


def new_way(store: Store, all_specs: list[LessonSpec]) -> tuple[float, int, int, int]:
    start = time.perf_counter()
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        submit_jobs_on(conn, all_specs, "term", keep_running=True)
        ids = [s.lesson_id for s in all_specs]
        over = set(take_over_on(conn, ids, "batch:here:1", 60.0))
        relabel_on(conn, [s for s in all_specs if s.lesson_id in over], "term", {})
        taken = set(claim_on(conn, ids, "batch:here:1")) | over
        elsewhere = running_elsewhere(conn, [i for i in ids if i not in taken])
        conn.rollback()
    return time.perf_counter() - start, len(taken), len(over), len(elsewhere)


def old_way(store: Store, all_specs: list[LessonSpec]) -> tuple[float, int]:
    start = time.perf_counter()
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        submit_jobs_on(conn, all_specs, "term")
        taken = claim_on(conn, [s.lesson_id for s in all_specs], "batch:here:1")
        conn.rollback()
    return time.perf_counter() - start, len(taken)


def run(db: str, n: int, repeat: int, label: str) -> None:
    all_specs = specs(n)
    with open_store(db) as store:
        prepare(store, all_specs)
        new = [new_way(store, all_specs) for _ in range(repeat)]
        old = [old_way(store, all_specs) for _ in range(repeat)]
    best_new, best_old = min(new), min(old)
    _, taken, over, elsewhere = best_new
    print(f"{label}: {n:,} lessons — new {best_new[0]:.2f} s (claimed {taken:,}, of them taken over {over:,}; "
          f"left running elsewhere {elsewhere:,}); before {best_old[0]:.2f} s (claimed {best_old[1]:,}, "
          f"live ones included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    backends = args.backends.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in backends:
            run(str(Path(tmp) / "lessons.sqlite"), args.lessons, args.repeat, "SQLite")
        if "postgresql" in backends:
            from tests.support.store import new_postgres_database

            run(new_postgres_database(), args.lessons, args.repeat, "PostgreSQL")


if __name__ == "__main__":
    main()
