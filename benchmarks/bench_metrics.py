"""Metrics benchmark: the full metric set over synthetic 45-minute lessons (450 samples at 6 s).

    .venv/bin/python benchmarks/bench_metrics.py [--lessons 10000] [--chunk 100]

Prints lessons/s on one core (by the process's CPU time, so that other load on the machine does not
count; wall-clock is printed too) for the whole metric set as the pipeline runs it (every metric
plugin, through the plugin manager) on columnar timelines (numpy columns, as sheets are read):
a chunk of lessons at once (``compute_metrics_many``, the district path) and one lesson at a time
(``compute_metrics``); then measured at once and saved (every lazy tuple made), and from timelines
of CodedSample objects (as the perception coder makes them); and peak memory. Chunk rates are also
scaled by a reference loop measured after each chunk, as shared machines change speed from minute
to minute. Only the measuring (and the saving) is timed.
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

import attrs  # noqa: E402
import numpy as np  # noqa: E402

from lessonlens.columnar.columns import build_columns, columnar_timeline  # noqa: E402
from lessonlens.core.documents import to_dict  # noqa: E402
from lessonlens.core.plugins import PluginManager  # noqa: E402
from lessonlens.core.timeline import TEACHER_BEHAVIOURS, CodedTimeline  # noqa: E402
from lessonlens.pipeline.stages import compute_metrics, compute_metrics_many  # noqa: E402

SAMPLES = 450
INTERVAL = 6.0
ST_OF = {"lecturing": "T", "board_writing": "T", "patrolling": "S"}


def synthetic_lessons(count: int, seed: int = 7) -> Iterator[CodedTimeline]:
    """Lessons made of activities (runs of a few samples to a few minutes): in each the teacher keeps
    a behaviour and the class a share profile, with sample-to-sample noise; 2 % unknown samples.
    Made as columnar timelines (numpy columns, no CodedSample objects), the way sheets are read."""
    rng = np.random.default_rng(seed)
    t = np.arange(SAMPLES) * INTERVAL
    st_of = np.array([ST_OF.get(b, "") for b in TEACHER_BEHAVIOURS])
    for _ in range(count):
        starts = rng.random(SAMPLES) < 0.12
        starts[0] = True
        activity = np.cumsum(starts) - 1
        n_act = int(activity[-1]) + 1
        teacher = rng.integers(0, 4, n_act)[activity]
        shares = rng.dirichlet(np.full(5, 0.5), n_act)[activity] * rng.uniform(0.8, 1.2, (SAMPLES, 5))
        shares /= shares.sum(axis=1, keepdims=True)
        st = np.where(shares[:, 2] > shares[:, 0], "S", "T")  # answering outweighs listening
        st = np.where(st_of[teacher] != "", st_of[teacher], st)
        unknown = rng.random(SAMPLES) < 0.02
        teacher[unknown] = -1
        shares[unknown] = 0.0
        yield columnar_timeline("platform-9", INTERVAL, t, teacher=teacher, students=shares,
                                st=np.where(unknown, None, st))


def as_objects(timeline: CodedTimeline) -> CodedTimeline:
    """The same lesson as a timeline of CodedSample objects (as the perception coder makes it)."""
    return CodedTimeline(scheme=timeline.scheme, interval=timeline.interval, samples=tuple(timeline.samples))


def reference_loop_us(rounds: int = 5, loops: int = 2000) -> float:
    """CPU time of ``sum(range(1000))`` in microseconds (best of ``rounds``): about 8-10 on an idle
    modern core; larger figures mean a slower or contended core, and lessons/s scale accordingly."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(loops):
            sum(range(1000))
        best = min(best, (time.process_time() - start) / loops * 1e6)
    return best


def timed(timelines: list[CodedTimeline], manager: PluginManager, together: bool = True,
          save: bool = False) -> tuple[float, float, int]:
    """CPU and wall seconds to measure ``timelines``, all at once (``compute_metrics_many``) or one
    by one (``compute_metrics``), and with ``save`` to turn each metrics document into its JSON-ready
    dict (which makes every lazy tuple); and the number of scalars made."""
    start, start_wall = time.process_time(), time.perf_counter()
    if together:
        measured = compute_metrics_many(timelines, manager=manager)
    else:
        measured = [compute_metrics(timeline, manager=manager) for timeline in timelines]
    if save:
        for metrics in measured:
            to_dict(metrics)
    return time.process_time() - start, time.perf_counter() - start_wall, sum(len(m.scalars) for m in measured)


@attrs.define
class Run:
    """Per-chunk rates of one way of measuring, with the reference loop measured after each chunk."""

    rates: list[float] = attrs.field(factory=list)
    refs: list[float] = attrs.field(factory=list)
    cpu: float = 0.0
    wall: float = 0.0
    lessons: int = 0

    def add(self, lessons: int, cpu: float, wall: float) -> None:
        self.rates.append(lessons / cpu if cpu > 0 else float("inf"))
        self.refs.append(reference_loop_us(rounds=2, loops=100))  # how fast the core was just then
        self.cpu, self.wall, self.lessons = self.cpu + cpu, self.wall + wall, self.lessons + lessons

    def report(self, title: str, chunk: int) -> None:
        scaled = [rate * ref / 10.0 for rate, ref in zip(self.rates, self.refs, strict=True)]
        print(f"{title}: {self.lessons / self.cpu:,.0f} lessons/s on one core, by CPU time "
              f"({1e3 * self.cpu / self.lessons:.3f} ms/lesson)")
        print(f"  per {chunk}-lesson chunk: median {statistics.median(self.rates):,.0f}, best {max(self.rates):,.0f} "
              f"lessons/s; by wall-clock time {self.lessons / self.wall:,.0f} lessons/s")
        print(f"  scaled to a core where the reference loop takes 10 us (measured after each chunk, median "
              f"{statistics.median(self.refs):.1f} us here): median {statistics.median(scaled):,.0f} lessons/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=100, help="lessons held in memory and measured at once")
    args = parser.parse_args()

    manager = PluginManager(entry_points=False)
    metric_names = sorted(manager.registry.metrics)
    compute_metrics_many(list(synthetic_lessons(2)), manager=manager)  # load plugins, warm caches

    together, one_by_one = Run(), Run()
    n_outputs = 0
    while together.lessons < args.lessons:
        size = min(args.chunk, args.lessons - together.lessons)
        chunk = list(synthetic_lessons(size, seed=together.lessons))
        cpu, wall, outputs = timed(chunk, manager)
        together.add(size, cpu, wall)
        n_outputs += outputs
        if len(one_by_one.rates) * 4 < len(together.rates):  # one chunk in four, one lesson at a time
            chunk = list(synthetic_lessons(size, seed=10**6 + together.lessons))
            cpu, wall, _ = timed(chunk, manager, together=False)
            one_by_one.add(size, cpu, wall)

    # the same lessons saved, and as timelines of objects, on a sample of them
    few = list(synthetic_lessons(min(1000, args.lessons), seed=999))
    with_save = sum(timed(few[i:i + args.chunk], manager, save=True)[0]
                    for i in range(0, len(few), args.chunk)) / len(few)
    objects = [as_objects(timeline) for timeline in few]
    on_objects = sum(timed(objects[i:i + args.chunk], manager)[0]
                     for i in range(0, len(objects), args.chunk)) / len(objects)
    columns = 0.0
    for timeline in objects:  # what measuring a timeline of objects spends on its columnar view
        start = time.process_time()
        build_columns(timeline, manager.coder_scheme("platform-9"))
        columns += time.process_time() - start
    columns /= len(objects)

    # allocation peak of measuring a chunk (inputs excluded), with tracemalloc
    tracemalloc.start()
    compute_metrics_many(few[:args.chunk], manager=manager)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"lessons: {together.lessons} x {SAMPLES} samples, metric plugins: {', '.join(metric_names)}")
    together.report(f"full metric set, {args.chunk} columnar timelines at once (compute_metrics_many)", args.chunk)
    one_by_one.report("full metric set, one columnar timeline at a time (compute_metrics)", args.chunk)
    print(f"measured at once and saved (the JSON-ready dict of each metrics document): {1 / with_save:,.0f} "
          f"lessons/s ({1e3 * with_save:.3f} ms/lesson)")
    print(f"measured at once from timelines of CodedSample objects: {1 / on_objects:,.0f} lessons/s "
          f"({1e3 * on_objects:.3f} ms/lesson, of which {1e3 * columns:.3f} ms build the columnar view)")
    print(f"peak RSS of the process (incl. {len(few)} lessons held twice): {rss_kib / 1024:.0f} MiB")
    print(f"peak traced allocation while measuring {args.chunk} lessons at once: {traced_peak / 2**20:.2f} MiB")
    print(f"machine reference: sum(range(1000)) takes {reference_loop_us():.1f} us of CPU here")
    median = statistics.median(together.rates)
    print(f"target >= 2,000 lessons/s per core (median chunk, this machine): {'met' if median >= 2000 else 'NOT met'}")
    return 0 if n_outputs else 1


if __name__ == "__main__":
    sys.exit(main())
