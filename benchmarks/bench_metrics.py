"""Metrics benchmark: the full metric set over synthetic 45-minute lessons (450 samples at 6 s).

    .venv/bin/python benchmarks/bench_metrics.py [--lessons 10000] [--chunk 500]

Prints lessons/s on one core (by the process's CPU time, so that other load on the machine does not
count; wall-clock is printed too) for the whole metric set as the pipeline runs it (every metric
plugin, through the plugin manager, from a CodedTimeline of CodedSample objects), the share of that
spent building the columnar view, and peak memory. Lessons are made in chunks so that the input
does not dominate memory; only ``compute_metrics`` is timed.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import numpy as np  # noqa: E402

from lessonlens.core.columns import build_columns, timeline_columns  # noqa: E402
from lessonlens.core.pipeline import compute_metrics  # noqa: E402
from lessonlens.core.plugins import PluginManager  # noqa: E402
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedSample, CodedTimeline  # noqa: E402

SAMPLES = 450
INTERVAL = 6.0
ST_OF = {"lecturing": "T", "board_writing": "T", "patrolling": "S"}


def synthetic_lessons(count: int, seed: int = 7) -> Iterator[CodedTimeline]:
    """Lessons made of activities (runs of a few samples to a few minutes): in each the teacher keeps
    a behaviour and the class a share profile, with sample-to-sample noise; 2 % unknown samples."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        starts = rng.random(SAMPLES) < 0.12
        starts[0] = True
        activity = np.cumsum(starts) - 1
        n_act = int(activity[-1]) + 1
        teacher_idx = rng.integers(0, 4, n_act)[activity]
        profiles = rng.dirichlet(np.full(5, 0.5), n_act)[activity]
        shares = profiles * rng.uniform(0.8, 1.2, (SAMPLES, 5))
        shares /= shares.sum(axis=1, keepdims=True)
        unknown = rng.random(SAMPLES) < 0.02
        samples = []
        for i in range(SAMPLES):
            if unknown[i]:
                samples.append(CodedSample(t=i * INTERVAL))
                continue
            teacher = TEACHER_BEHAVIOURS[teacher_idx[i]]
            students = dict(zip(STUDENT_BEHAVIOURS, shares[i].tolist(), strict=True))
            st = ST_OF.get(teacher) or ("S" if students["answering"] > students["listening"] else "T")
            samples.append(CodedSample(t=i * INTERVAL, teacher=teacher, students=students, st=st))
        yield CodedTimeline(scheme="platform-9", interval=INTERVAL, samples=tuple(samples))


def reference_loop_us() -> float:
    """CPU time of ``sum(range(1000))`` in microseconds: about 8-10 on an idle modern core; larger
    figures mean a slower or contended core, and the lessons/s above scale accordingly."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(2000):
            sum(range(1000))
        best = min(best, (time.process_time() - start) / 2000 * 1e6)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=100, help="lessons held in memory at once")
    args = parser.parse_args()

    manager = PluginManager(entry_points=False)
    scheme = manager.coder_scheme("platform-9")
    metric_names = sorted(manager.registry.metrics)
    compute_metrics(next(synthetic_lessons(1)), manager=manager)  # load plugins, warm caches

    total = convert = wall = 0.0
    done = 0
    chunk_rates: list[float] = []
    n_outputs = 0
    while done < args.lessons:
        chunk = list(synthetic_lessons(min(args.chunk, args.lessons - done), seed=done))
        start, start_wall = time.process_time(), time.perf_counter()
        for timeline in chunk:
            metrics = compute_metrics(timeline, manager=manager)
            n_outputs += len(metrics.scalars)
        spent = time.process_time() - start
        total += spent
        chunk_rates.append(len(chunk) / spent if spent > 0 else float("inf"))
        wall += time.perf_counter() - start_wall
        start = time.process_time()
        for timeline in chunk:
            build_columns(timeline, scheme)
        convert += time.process_time() - start
        done += len(chunk)
    # the metric plugins alone, on columns already built (the columnar view of a lesson is cached)
    warm = list(synthetic_lessons(min(args.chunk, args.lessons), seed=999))
    on_columns = 0.0
    for timeline in warm:
        timeline_columns(timeline, scheme)
        start = time.process_time()
        compute_metrics(timeline, manager=manager)
        on_columns += time.process_time() - start
    on_columns /= len(warm)

    # allocation peak of measuring one lesson (inputs excluded), with tracemalloc on a small pass
    few = list(synthetic_lessons(50, seed=123))
    tracemalloc.start()
    for timeline in few:
        compute_metrics(timeline, manager=manager)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rate = done / total
    print(f"lessons: {done} x {SAMPLES} samples, metric plugins: {', '.join(metric_names)}")
    print(f"full metric set: {rate:,.0f} lessons/s on one core, by CPU time ({1e3 * total / done:.3f} ms/lesson)")
    print(f"  per {args.chunk}-lesson chunk: median {statistics.median(chunk_rates):,.0f}, "
          f"best {max(chunk_rates):,.0f} lessons/s (the best chunk is the closest to an idle machine)")
    print(f"  by wall-clock time: {done / wall:,.0f} lessons/s (lower when other processes share the core)")
    print(f"  of which building the columnar view from CodedSample objects: {1e3 * convert / done:.3f} ms/lesson "
          f"({100 * convert / total:.0f} %)")
    print(f"metric plugins on an already built columnar view: {1 / on_columns:,.0f} lessons/s "
          f"({1e3 * on_columns:.3f} ms/lesson)")
    print(f"peak RSS of the process (incl. a {args.chunk}-lesson input chunk): {rss_kib / 1024:.0f} MiB")
    print(f"peak traced allocation while measuring 50 lessons: {traced_peak / 2**20:.2f} MiB")
    print(f"machine reference: sum(range(1000)) takes {reference_loop_us():.1f} us of CPU here")
    print(f"target >= 2,000 lessons/s: {'met' if rate >= 2000 else 'NOT met'}")
    return 0 if n_outputs else 1


if __name__ == "__main__":
    sys.exit(main())
