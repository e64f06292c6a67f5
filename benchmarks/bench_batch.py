"""Benchmark of district batches on Dask distributed (``lessonlens batch``).

    .venv/bin/python benchmarks/bench_batch.py                       # all three parts, ~2-3 min on 2 idle cores
    .venv/bin/python benchmarks/bench_batch.py --skip-district       # only the real lessons (1 vs 2 workers)
    .venv/bin/python benchmarks/bench_batch.py --lessons 6 --minutes 1 --district 10000 --threads-per-lesson 1

1. Throughput on real synthetic lessons (three 720p cameras and a microphone, the default detectors)
   with 1 and then 2 workers of one lesson each, every lesson with a thread budget of
   ``--threads-per-lesson`` (1: single-threaded workers) on an embedded LocalCluster (aim: ratio >= 1.7
   on 2 cores). Since wall-clock ratios on a shared machine are noise, it also prints where each
   worker's CPU went: per lesson wall vs CPU seconds (cores used), the most threads at once, the CPU
   by thread name (onnxruntime/FFmpeg pool threads would show up here), and per detector.
2. The engine's own overhead per lesson: wall time of a batch on warm workers minus the analysis time
   the workers report, per lesson (aim <= 0.5 s).
3. A simulated district of 10,000 lessons: each task returns a synthetic analysis (~5 KB of JSON, as
   ``lessonlens.store.synthetic`` makes them) instead of analysing media, so the figure is Dask's
   scheduling, the result transfer, the jobs table and the store ingest (aim >= 200 lessons/s).
   Then 300 lessons through the real ``analyze`` pipeline with a stand-in detector (probe, code,
   measure, diagnose; no model) for the per-lesson cost of the pipeline around the detectors.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.observations import BehaviourCue, Observation
from lessonlens.core.plugins import get_manager
from lessonlens.jobs import BatchOptions, BatchSummary, LessonOutcome, LessonSpec, TaskOptions, batch, run_lesson
from lessonlens.jobs.cluster import dask_client
from lessonlens.media.encode import write_video
from lessonlens.store.ingest import prepare_lesson


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


# -- 1 and 2: real lessons ------------------------------------------------------------------------
def real_specs(n: int, minutes: float, folder: Path) -> list[LessonSpec]:
    from lessonlens.synth import generate_lesson

    clock = time.perf_counter()
    lesson = generate_lesson(folder / "lesson", minutes=minutes, fps=5)
    print(f"synthetic lesson: {lesson.duration:.0f} s, made in {time.perf_counter() - clock:.1f} s")
    media = (MediaSource(str(lesson.teacher), "teacher"), MediaSource(str(lesson.students), "students"),
             MediaSource(str(lesson.board), "board"), MediaSource(str(lesson.audio), "audio"))
    return [LessonSpec(LessonMeta(f"real-{i}", teacher=f"T{i % 3}"), media) for i in range(n)]


def run_real(specs: list[LessonSpec], workers: int, threads: int, folder: Path) -> tuple[BatchSummary, float, float]:
    """(summary of the batch on warm workers, its wall seconds, cluster start seconds)."""
    clock = time.perf_counter()
    options = BatchOptions(cache=False, threads_per_lesson=threads, force=True)
    with dask_client(workers=workers, threads_per_lesson=threads) as client:
        client.wait_for_workers(workers)
        started = time.perf_counter() - clock
        # warm-up: every worker imports the detectors' libraries and loads the models once
        task = TaskOptions(cache=False, threads=threads)
        warm = [client.submit(run_lesson, LessonSpec(LessonMeta(f"warm-{i}"), specs[0].media), task, workers=[address],
                              resources={"lesson": 1}, pure=False)
                for i, address in enumerate(client.scheduler_info()["workers"])]
        assert all(outcome.ok for outcome in client.gather(warm))
        env = client.run(lambda: os.environ.get("OMP_NUM_THREADS", "-"))
        clock = time.perf_counter()
        summary = batch(specs, client=client, db=str(folder / f"real{workers}.sqlite"), options=options)
        wall = time.perf_counter() - clock
    assert len(summary.analysed) == len(specs), summary.failures
    print(f"  workers' OMP_NUM_THREADS: {sorted(set(env.values()))}")
    return summary, wall, started


def cpu_report(summary: BatchSummary) -> None:
    """Where the workers' CPU went, per lesson (means) and per detector."""
    usage = summary.usage
    n = len(usage)
    wall = sum(u.seconds for u in usage) / n
    cpu = sum(u.cpu for u in usage) / n
    cores = [u.cores for u in usage]
    print(f"  per lesson: budget {'/'.join(map(str, summary.threads_per_lesson))} thread(s); wall {wall:.2f} s, "
          f"CPU {cpu:.2f} s ({min(u.cpu for u in usage):.2f}-{max(u.cpu for u in usage):.2f}) = {cpu / wall:.2f} "
          f"cores (lessons {min(cores):.2f}-{max(cores):.2f}); "
          f"at most {max(u.peak_threads for u in usage)} threads in a worker process")
    names: dict[str, tuple[int, float]] = {}
    for u in usage:
        for t in u.by_thread:
            most, total = names.get(t.name, (0, 0.0))
            names[t.name] = (max(most, t.count), total + t.cpu)
    seen = sum(total for _, total in names.values()) / n
    print("  CPU by thread name, per lesson: " + ", ".join(
        f"{name} x{most} {total / n:.2f} s" for name, (most, total) in sorted(names.items(), key=lambda kv: -kv[1][1]))
        + f"; short-lived threads (between samples) {max(0.0, cpu - seen):.2f} s")
    detectors: dict[str, list[tuple[float, float, int]]] = {}
    for u in usage:
        for d in u.detectors:
            detectors.setdefault(d.name, []).append((d.seconds, d.cpu, d.threads))
    print("  per detector (wall / CPU s, cores, budget): " + "; ".join(
        f"{name} {sum(r[0] for r in runs) / len(runs):.2f} / {sum(r[1] for r in runs) / len(runs):.2f} s "
        f"{sum(r[1] for r in runs) / max(1e-9, sum(r[0] for r in runs)):.2f} cores, {runs[0][2]}"
        for name, runs in sorted(detectors.items())))


# -- 3: the simulated district --------------------------------------------------------------------
def synthetic_task(spec: LessonSpec, options: TaskOptions) -> LessonOutcome:
    """A stand-in for the analysis: a synthetic document for the lesson (as a real one, less the media work)."""
    from lessonlens.store.synthetic import synthetic_analysis

    clock = time.perf_counter()
    rng = np.random.default_rng(abs(hash(spec.lesson_id)) % 2**32)
    meta = spec.lesson
    analysis = synthetic_analysis(rng, meta.id, meta.teacher, meta.school, meta.region, "数学", "五年级",
                                  meta.date or __import__("datetime").date(2026, 9, 1))
    return LessonOutcome(spec.lesson_id, prepare_lesson(analysis), worker="sim", started=time.time(),
                         seconds=time.perf_counter() - clock)


class StandIn(Detector):
    name = "stand-in"
    roles = (MediaRole.MIXED,)
    emits = ("behaviour",)

    def detect(self, request: DetectRequest) -> Iterable[Observation]:
        for t in request.instants:
            yield BehaviourCue(t=t, detector=self.name, actor="teacher", behaviour="lecturing", confidence=0.9)
            yield BehaviourCue(t=t, detector=self.name, actor="students", behaviour="listening", share=1.0)


class StandInPlugin:
    @hookimpl
    def register_detectors(self, register: Any) -> None:
        register(StandIn())


def register_stand_in(*_: Any) -> None:
    manager = get_manager()
    if "stand-in" not in manager.registry.detectors:
        manager.register(StandInPlugin(), "stand-in")


def district_specs(n: int, video: Path) -> list[LessonSpec]:
    return [LessonSpec(LessonMeta(f"d{i:05d}", teacher=f"T{i % 400:03d}", school=f"S{i % 40:02d}", region="示范区"),
                       (MediaSource(str(video), "mixed"),)) for i in range(n)]


def run_district(n: int, workers: int, folder: Path) -> None:
    video = write_video(folder / "tiny.mp4", (np.full((48, 64, 3), 9 * i % 255, np.uint8) for i in range(45)), fps=1)
    specs = district_specs(n, video)
    db = str(folder / "district.sqlite")
    with dask_client(workers=workers, threads_per_lesson=1) as client:
        client.wait_for_workers(workers)
        before = client.run(time.process_time)
        clock, cpu = time.perf_counter(), time.process_time()
        summary = batch(specs, client=client, db=db, task=synthetic_task)
        wall, cpu = time.perf_counter() - clock, time.process_time() - cpu
        after = client.run(time.process_time)
        worker_cpu = sum(after[w] - before[w] for w in after if w in before)
        assert len(summary.analysed) == n, summary.failures[:3]
        cores = os.cpu_count() or 1
        print(f"simulated district: {n} lessons scheduled, stored and marked done in {wall:.1f} s = "
              f"{n / wall:,.0f} lessons/s ({workers} workers; {load()})")
        print(f"  CPU: coordinator with the scheduler {cpu:.1f} s ({cpu / n * 1000:.2f} ms/lesson), workers "
              f"{worker_cpu:.1f} s ({worker_cpu / n * 1000:.2f} ms/lesson); on {cores} otherwise idle cores "
              f"that is {n / ((cpu + worker_cpu) / cores):,.0f} lessons/s, the coordinator alone "
              f"{n / cpu:,.0f} lessons/s")
        clock = time.perf_counter()
        again = batch(specs, client=client, db=db, task=synthetic_task)
        print(f"re-run of the same district: {len(again.skipped)} skipped in {time.perf_counter() - clock:.1f} s")
        register_stand_in()
        client.run(register_stand_in)
        m = min(300, n)
        clock = time.perf_counter()
        piped = batch(specs[:m], client=client, db=str(folder / "pipeline.sqlite"),
                      options=BatchOptions(detectors=("stand-in",), cache=False))
        wall = time.perf_counter() - clock
        assert len(piped.analysed) == m, piped.failures[:3]
        print(f"real analyze pipeline with a stand-in detector: {m} lessons in {wall:.1f} s = {m / wall:.1f} "
              f"lessons/s; {piped.analysis_seconds / m * 1000:.0f} ms per lesson on a worker "
              f"(probe, code, measure, diagnose)")


def projection(one: BatchSummary, two: BatchSummary, n: int) -> str:
    """The 2-vs-1 ratio the CPU accounting allows on 2 idle cores, which a shared machine's wall clock
    cannot show: when a lesson keeps to one core (its threads above), 2 workers finish 2 lessons in
    the time of one, slowed only by the extra CPU a lesson needs beside another (cache, memory)."""
    cpu1, cpu2 = one.cpu_seconds / n, two.cpu_seconds / n
    return (f"  CPU accounting: {cpu1:.2f} s of CPU per lesson with 1 worker, {cpu2:.2f} s with 2 "
            f"(x{cpu2 / cpu1:.2f}); "
            f"lessons that keep to 1 core each -> on 2 idle cores 2 workers give 2 x {cpu1:.2f} / {cpu2:.2f} = "
            f"{2 * cpu1 / cpu2:.2f}x, less the engine's overhead above")


def _spin(n: int) -> tuple[float, float]:
    clock, cpu = time.perf_counter(), time.process_time()
    x = 0
    for i in range(n):
        x += i * i % 7
    return time.perf_counter() - clock, time.process_time() - cpu


def calibrate(n: int = 4_000_000) -> None:
    """What this machine gives 2 CPU-bound processes at once against one, right now: the ceiling of
    the 2-vs-1 ratio (below 2 when the cores are shared with other work, or are hyperthreads of one)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [10, 10])
        one = pool.apply(_spin, (n,))
        clock = time.perf_counter()
        two = pool.map(_spin, [n, n])
        wall = time.perf_counter() - clock
    print(f"machine: 2 CPU-bound processes at once run {2 * one[0] / wall:.2f}x as fast as one (CPU per unit "
          f"{one[1]:.2f} s alone, {max(t[1] for t in two):.2f} s side by side; {load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", type=int, default=6, help="real lessons per run")
    parser.add_argument("--minutes", type=float, default=1.0, help="length of the synthetic lesson")
    parser.add_argument("--district", type=int, default=10_000, help="lessons of the simulated district")
    parser.add_argument("--skip-real", action="store_true", help="only the simulated district")
    parser.add_argument("--skip-district", action="store_true", help="only the real lessons")
    parser.add_argument("--threads-per-lesson", type=int, default=1, help="each lesson's thread budget")
    args = parser.parse_args()
    print(load())
    with tempfile.TemporaryDirectory(prefix="lessonlens-bench-batch-") as tmp:
        folder = Path(tmp)
        if not args.skip_real:
            specs = real_specs(args.lessons, args.minutes, folder)
            results: dict[int, tuple[BatchSummary, float]] = {}
            calibrate()
            for workers in (1, 2):
                summary, wall, started = run_real(specs, workers, args.threads_per_lesson, folder)
                results[workers] = summary, wall
                overhead = (wall * workers - summary.analysis_seconds) / len(specs)
                per_lesson = summary.analysis_seconds / len(specs)
                print(f"{workers} worker(s) of one lesson each: {len(specs)} lessons in {wall:.1f} s = "
                      f"{len(specs) / wall * 3600:.0f} lessons/hour; analysis {per_lesson:.2f} s per lesson; "
                      f"engine overhead {overhead:.2f} s per lesson (wall x workers - analysis, / lessons); "
                      f"cluster start {started:.1f} s; {load()}")
                cpu_report(summary)
            (one, wall1), (two, wall2) = results[1], results[2]
            print(f"throughput ratio 2 vs 1 workers: {wall1 / wall2:.2f} (wall clock; {load()})")
            print(projection(one, two, len(specs)))
            calibrate()
        if not args.skip_district:
            run_district(args.district, 2, folder)


if __name__ == "__main__":
    main()
