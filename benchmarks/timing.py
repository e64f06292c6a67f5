"""Per-call timing shared by the detector benchmarks, which run in different venvs (``bench_detectors`` in
``.venv``, ``bench_paddleocr`` and ``bench_funasr_torch`` in their own): the standard library only."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

#: the median CPU ms (all threads) of each :func:`per_call`, under the wall ms it returned
CPU: dict[float, float] = {}


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU ms (all threads) per call, after a warm-up call (model load, caches)."""
    run()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def per_call(run: Callable[[], object], repeat: int) -> float:
    """Median wall ms per call; the median CPU ms is kept in :data:`CPU` under the same key."""
    wall, cpu = median_ms(run, repeat)
    CPU[wall] = cpu
    return wall
