"""bench_analyze's peak memory is the analysing child's own, not its parent's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_analyze.py"

# the parent touches 400 MB, frees it, then starts a child the way bench_analyze does (subprocess.run:
# vfork + exec on Linux); the child prints its peak as bench_analyze measures it
PARENT = f"""
import subprocess, sys
import numpy as np
block = np.ones(400 * 2**20 // 8)
del block
child = ("import importlib.util as u; s = u.spec_from_file_location('bench', {str(BENCH)!r}); "
         "m = u.module_from_spec(s); s.loader.exec_module(m); print(m.peak_rss_mb())")
print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from Linux's /proc")
def test_child_peak_is_not_the_parents() -> None:
    out = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True, check=True).stdout
    peak = float(out.strip())
    assert 5 < peak < 200  # a bare interpreter; getrusage's ru_maxrss said >= 400 here
