"""Diagnose many synthetic lessons with the default rule pack; report lessons per second on one core.

Each lesson is a random 40-minute platform-9 timeline (segments of random teacher behaviour and
random student shares) measured by the real metric plugins; only the diagnosis is timed. The rule
set is compiled and the engine built once; each lesson resets the engine's facts.

    .venv/bin/python benchmarks/bench_rules.py              # 10,000 lessons
    .venv/bin/python benchmarks/bench_rules.py --lessons 2000 --engine simple
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedSample, CodedTimeline
from lessonlens.diagnosis import Diagnoser
from lessonlens.pipeline.measure import measure

INTERVAL = 6.0
SAMPLES = 400  # 40 minutes


def synthetic_lesson(rng: np.random.Generator, index: int) -> Analysis:
    style = rng.dirichlet(np.ones(len(TEACHER_BEHAVIOURS)) * 0.8)  # each lesson leans its own way
    samples: list[CodedSample] = []
    while len(samples) < SAMPLES:
        length = int(rng.integers(1, 40))
        teacher = TEACHER_BEHAVIOURS[int(rng.choice(len(TEACHER_BEHAVIOURS), p=style))]
        shares = rng.dirichlet(np.full(len(STUDENT_BEHAVIOURS), 0.5))
        students = dict(zip(STUDENT_BEHAVIOURS, shares.round(3).tolist(), strict=True))
        st = None
        if teacher == "teacher_student_interaction":
            st = "S" if students["answering"] > students["listening"] else "T"
        for _ in range(min(length, SAMPLES - len(samples))):
            samples.append(CodedSample(t=len(samples) * INTERVAL, teacher=teacher, students=students, st=st))
    timeline = CodedTimeline(scheme="platform-9", interval=INTERVAL, samples=tuple(samples), coder="bench")
    subjects = ("数学", "语文", "英语", "体育")
    lesson = LessonMeta(id=f"bench-{index}", subject=subjects[index % 4], grade="五年级", school="bench")
    return Analysis(lesson=lesson, timeline=timeline, metrics=measure(timeline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="lessons generated at a time (bounds memory)")
    parser.add_argument("--engine", default="experta", choices=("experta", "simple"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    diagnoser = Diagnoser(engine=args.engine)
    build = time.perf_counter() - started
    rng = np.random.default_rng(args.seed)
    fire_time = full_time = fire_cpu = full_cpu = 0.0
    findings = fired = 0
    done = 0
    while done < args.lessons:
        batch = [synthetic_lesson(rng, done + i) for i in range(min(args.batch, args.lessons - done))]
        t0, c0 = time.perf_counter(), time.process_time()
        for lesson in batch:
            fired += len(diagnoser.firings(lesson))
        t1, c1 = time.perf_counter(), time.process_time()
        for lesson in batch:
            findings += len(diagnoser.diagnose(lesson).findings)
        t2, c2 = time.perf_counter(), time.process_time()
        fire_time += t1 - t0
        full_time += t2 - t1
        fire_cpu += c1 - c0
        full_cpu += c2 - c1
        done += len(batch)
    print(f"engine {args.engine}: {len(diagnoser.rules.rules)} rules, built in {build * 1000:.0f} ms")
    print(f"{done} lessons, {fired / done:.1f} rules fired per lesson")
    # the machine may be shared: lessons per CPU-second is the per-core figure, wall time shows the load
    print(f"rules only (engine run):           {done / fire_cpu:6.0f} lessons per CPU-second "
          f"({done / fire_time:.0f}/s wall)")
    print(f"full diagnosis (messages, ranges): {done / full_cpu:6.0f} lessons per CPU-second "
          f"({done / full_time:.0f}/s wall)")
    print(f"{findings / done:.1f} findings per lesson; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
