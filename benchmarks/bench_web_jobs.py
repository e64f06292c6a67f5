"""Benchmark of the platform's analysis jobs: the synthetic 2-minute lesson (teacher and students
cameras, audio; detectors ``speech,teacher-pose``) queued N times, run by ``lessonlens serve``'s job
runner on the embedded Dask LocalCluster (the default) and in the server's own thread
(``--workers 0``), through the jobs table, storing each result.

    .venv/bin/python benchmarks/bench_web_jobs.py [--jobs 3] [--workers 1]

Prints, per mode: how long the cluster took to start (in the background: pages are served at once),
each job's time from queued to stored, the analysis seconds on the worker, and the total.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.jobs import get_job
from lessonlens.jobs.spec import LessonSpec
from lessonlens.synth import generate_lesson
from lessonlens.web.platform import Platform
from lessonlens.web.settings import WebSettings


def run(mode: str, lesson: object, folder: Path, jobs: int, workers: int) -> None:
    settings = WebSettings(db=str(folder / f"{mode}.sqlite"), media=folder / f"media-{mode}",
                           workers=0 if mode == "thread" else workers, detectors=("speech", "teacher-pose"))
    p = Platform.open(settings)
    media = (MediaSource(str(lesson.teacher), MediaRole.TEACHER),  # type: ignore[attr-defined]
             MediaSource(str(lesson.students), MediaRole.STUDENTS),  # type: ignore[attr-defined]
             MediaSource(str(lesson.audio), MediaRole.AUDIO))  # type: ignore[attr-defined]
    clock = time.perf_counter()
    p.runner.start()
    if p.runner.cluster is not None:
        info = p.runner.cluster.wait_ready()
        print(f"{mode}: cluster of {info.workers} worker(s), {info.slots} slot(s) up in "
              f"{time.perf_counter() - clock:.1f} s")
    queued = {}
    for n in range(jobs):
        lesson_id = f"bench-{mode}-{n}"
        spec = LessonSpec(lesson=LessonMeta(id=lesson_id, title="bench"), media=media)
        queued[lesson_id] = time.perf_counter()
        p.runner.submit(attrs.evolve(spec))
    finished: dict[str, float] = {}
    while len(finished) < jobs:
        for lesson_id in queued:
            job = get_job(p.store, lesson_id)
            if lesson_id not in finished and job is not None and job.state.value in ("done", "failed"):
                finished[lesson_id] = time.perf_counter()
                print(f"  {lesson_id}: {job.state.value} {finished[lesson_id] - queued[lesson_id]:.1f} s after queued, "
                      f"analysis {job.seconds or 0:.1f} s on {job.worker}{' ' + job.error if job.error else ''}")
        time.sleep(0.2)
    total = max(finished.values()) - min(queued.values())
    seconds = [get_job(p.store, i).seconds or 0 for i in queued]  # type: ignore[union-attr]
    print(f"{mode}: {jobs} jobs in {total:.1f} s (median analysis {statistics.median(seconds):.1f} s, "
          f"overhead per job {(total - sum(seconds)) / jobs:.1f} s)")
    p.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the embedded cluster")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lessonlens-bench-jobs-") as tmp:
        folder = Path(tmp)
        lesson = generate_lesson(folder / "lesson", minutes=2.0, fps=5)
        for mode in ("cluster", "thread"):
            run(mode, lesson, folder, args.jobs, args.workers)


if __name__ == "__main__":
    main()
