"""COPUS and ITIAS benchmark: hand-coded sheets read and measured, lessons pooled, two observers compared.

    .venv/bin/python benchmarks/bench_protocols.py [--lessons 300]

Writes synthetic sheets to a temporary folder: COPUS (50-minute lessons, 25 two-minute intervals,
all 25 codes, as CSV), ITIAS (45-minute lessons, 900 codes at 3 s, as a bare sequence), then times
on one core (process CPU time): reading + every metric (``measure_many``, as ``lessonlens metrics``
does), pooling all lessons (``pooled_fractions``), and Cohen's κ of two observers per lesson.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TypeVar  # noqa: E402

import numpy as np  # noqa: E402

from lessonlens.core.plugins import get_manager  # noqa: E402
from lessonlens.pipeline.measure import measure_many, read_coded_sheet  # noqa: E402
from lessonlens.pipeline.pooling import pooled_fractions  # noqa: E402
from lessonlens.pipeline.tick_agreement import tick_agreement  # noqa: E402

T = TypeVar("T")
INTERVALS = 25
ITIAS_SAMPLES = 900


def copus_sheet(path: Path, rng: np.random.Generator, codes: list[str], flip: float = 0.0,
                base: np.ndarray | None = None) -> np.ndarray:  # type: ignore[type-arg]
    ticks = base.copy() if base is not None else (rng.random((INTERVALS, len(codes))) < rng.uniform(0.05, 0.6,
                                                                                                    len(codes)))
    if flip:
        ticks ^= rng.random(ticks.shape) < flip
    lines = ["interval," + ",".join(codes)]
    lines += [f"{i + 1}," + ",".join("1" if v else "0" for v in row) for i, row in enumerate(ticks)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ticks


def itias_sequence(path: Path, rng: np.random.Generator) -> None:
    codes: list[int] = []
    code = 6
    while len(codes) < ITIAS_SAMPLES:
        code = int(rng.choice([6, 6, 6, 5, 4, 9, 10, 14, 15, 16, 18, 2, 7])) if rng.random() < 0.35 else code
        codes.append(code)
    path.write_text("\n".join(" ".join(map(str, codes[i:i + 30])) for i in range(0, len(codes), 30)) + "\n")


def cpu(fn: Callable[..., T], *args: object) -> tuple[T, float, float]:
    start = time.process_time()
    wall = time.perf_counter()
    out = fn(*args)
    return out, time.process_time() - start, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=300)
    args = parser.parse_args()
    n = args.lessons
    rng = np.random.default_rng(18)
    codes = [c.id for c in get_manager().coder_scheme("copus").codes]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copus, second, itias = [], [], []
        for i in range(n):
            a, b = folder / f"copus-{i}.csv", folder / f"copus-{i}-b.csv"
            base = copus_sheet(a, rng, codes)
            copus_sheet(b, rng, codes, flip=0.05, base=base)  # a second observer disagreeing on 5 % of cells
            copus.append(a)
            second.append(b)
            path = folder / f"itias-{i}.txt"
            itias_sequence(path, rng)
            itias.append(path)
        measure_many(copus[:2], "copus")  # plugins loaded, caches warm
        measure_many(itias[:2], "itias")
        measured, c_cpu, c_wall = cpu(measure_many, copus, "copus")
        print(f"COPUS: read + measure {n} sheets ({INTERVALS} intervals x 25 codes): {n / c_cpu:,.0f} lessons/s CPU "
              f"({c_cpu * 1000 / n:.2f} ms each; wall {c_wall:.2f} s)")
        pooled, p_cpu, _ = cpu(pooled_fractions, measured)
        print(f"COPUS: pooled + mean of lessons for {len(pooled)} fractions over {n} lessons: {p_cpu * 1000:.1f} ms")
        scheme_codes = tuple(codes)

        def agree_all() -> list[float | None]:
            out = []
            for a, b in zip(copus, second, strict=True):
                result = tick_agreement(read_coded_sheet(a, "copus"), read_coded_sheet(b, "copus"), scheme_codes)
                out.append(result.overall_kappa)
            return out

        kappas, k_cpu, _ = cpu(agree_all)
        mean_kappa = float(np.mean([k for k in kappas if k is not None]))
        print(f"COPUS agree: {n / k_cpu:,.0f} pairs/s CPU (two sheets read + kappa per code); "
              f"mean overall kappa at 5 % flipped cells {mean_kappa:.3f}")
        m_itias, i_cpu, i_wall = cpu(measure_many, itias, "itias")
        print(f"ITIAS: read + measure {n} sequences of {ITIAS_SAMPLES} codes (matrix, ratios, curves, S-T, timeline): "
              f"{n / i_cpu:,.0f} lessons/s CPU ({i_cpu * 1000 / n:.2f} ms each; wall {i_wall:.2f} s)")
        assert all(m.scalars["itias_pairs"] == ITIAS_SAMPLES - 1 for m in m_itias)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
