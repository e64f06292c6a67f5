"""Rubric benchmark: aggregate many lessons scored by several raters on a shipped rubric.

    .venv/bin/python benchmarks/bench_rubric.py [--lessons 1000] [--raters 5] [--rubric primary-english]
                                                [--files 50]

Three figures, on one core:
- ``aggregate``: the schema compiled once (``rubric_tree``), then per lesson the full aggregation
  (statistics per indicator, roll-up, bands, ICC(2,k), Kendall's W, outliers, comments, notes);
- ``score``: the public ``lessonlens.score(schema, sheets)``, which also validates the schema and
  compiles it for every lesson;
- ``files``: ``score`` from XLSX and CSV files on disk (``--files`` lessons, half of each), the way the
  CLI reads raters' sheets.
Times are taken without tracing; the heap peak (tracemalloc, all results kept) comes from a second,
traced run; max RSS is the whole process's.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import lessonlens  # noqa: E402
from lessonlens.core.rubric import RubricResult, ScoreSheet, TimedNote  # noqa: E402
from lessonlens.rubric.aggregate import aggregate  # noqa: E402
from lessonlens.rubric.sheet_write import write_score_sheets  # noqa: E402
from lessonlens.rubric.tree import RubricTree, rubric_tree  # noqa: E402


def synthetic_lessons(tree: RubricTree, lessons: int, raters: int, seed: int = 5) -> list[list[ScoreSheet]]:
    """Each lesson has a true quality per point; raters add a personal bias and noise, round to the
    nearest half point, and leave 2 % of points blank; each writes a comment and two notes."""
    rng = np.random.default_rng(seed)
    leaves = tree.leaf_ids
    top = tree.max_scores[list(tree.leaves)]
    out = []
    for lesson in range(lessons):
        quality = rng.uniform(0.45, 0.95, len(leaves))
        sheets = []
        for r in range(raters):
            share = np.clip(quality + rng.normal(0, 0.05) + rng.normal(0, 0.08, len(leaves)), 0, 1)
            scores = np.round(share * top * 2) / 2
            keep = rng.random(len(leaves)) > 0.02
            sheets.append(ScoreSheet(
                rubric=tree.schema.id, rater=f"rater-{r}", lesson=f"lesson-{lesson}",
                scores={ind: float(s) for ind, s, k in zip(leaves, scores, keep, strict=True) if k},
                comments={leaves[int(rng.integers(len(leaves)))]: "追问可以更深入"},
                notes=(TimedNote(float(rng.uniform(0, 2400)), "学生齐答"),
                       TimedNote(float(rng.uniform(0, 2400)), "小组讨论")),
            ))
        out.append(sheets)
    return out


def timed(label: str, count: int, run: Callable[[], object]) -> None:
    """Time ``run`` untraced, then run it again under tracemalloc for its heap peak."""
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<10} {count:>6} lessons in {elapsed:7.2f} s = {count / elapsed:8.0f} lessons/s   "
          f"heap peak {peak / 2**20:6.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--raters", type=int, default=5)
    parser.add_argument("--rubric", default="primary-english")
    parser.add_argument("--files", type=int, default=50, help="lessons scored from files (0: skip)")
    args = parser.parse_args()

    schema = lessonlens.load_rubric_schema(args.rubric)
    tree = rubric_tree(schema)
    lessons = synthetic_lessons(tree, args.lessons, args.raters)
    print(f"rubric {schema.id}: {len(tree.ids)} indicators, {len(tree.leaves)} points, {max(tree.levels)} levels; "
          f"{args.raters} raters per lesson")

    results: list[RubricResult] = []
    timed("aggregate", len(lessons), lambda: results.extend(aggregate(tree, sheets) for sheets in lessons))
    del results[len(lessons):]
    icc = np.array([r.agreement.icc2k for r in results if r.agreement and r.agreement.icc2k is not None])
    print(f"           median ICC(2,k) {np.median(icc):.3f}, lessons with an outlier rater: "
          f"{sum(bool(r.agreement and r.agreement.outlier_raters) for r in results)}")
    timed("score", len(lessons), lambda: [lessonlens.score(schema, sheets) for sheets in lessons])

    if args.files:
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for i, sheets in enumerate(lessons[: args.files]):
                fmt = "xlsx" if i % 2 else "csv"
                paths.append([write_score_sheets(tree, [s], Path(tmp) / f"{i}-{s.rater}.{fmt}") for s in sheets])
            start = time.perf_counter()
            for files in paths:
                lessonlens.score(schema, files)
            elapsed = time.perf_counter() - start
            print(f"{'files':<10} {len(paths):>6} lessons in {elapsed:7.2f} s = {len(paths) / elapsed:8.1f} lessons/s"
                  f"   ({args.raters} sheets each, half XLSX, half CSV)")
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
