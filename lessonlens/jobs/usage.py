"""Where a worker's CPU goes while it analyses a lesson: wall vs CPU time, threads, per detector.

A lesson's budget (``--threads-per-lesson``) only holds if its CPU time stays near budget × wall
time; :func:`measure` records that for each lesson: the process's CPU time (``getrusage``; on a
worker that runs one lesson at a time this is the lesson plus Dask's own few milliseconds), the most
threads the process had, and, on Linux, the CPU each thread used, grouped by thread name (onnxruntime
and FFmpeg pool threads, mediapipe's, Python's). ``BatchSummary.usage`` gathers them.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

#: how often the threads are sampled (s)
EVERY = 0.05
_TASKS = Path("/proc/self/task")


@attrs.frozen
class ThreadUse:
    """The threads of one name that used CPU during a lesson: how many, and their CPU seconds."""

    name: str
    count: int
    cpu: float


@attrs.frozen
class DetectorUse:
    name: str
    seconds: float
    cpu: float
    threads: int


@attrs.frozen
class LessonUsage:
    """One lesson on its worker: the thread budget, wall and CPU seconds, the most threads at once."""

    lesson_id: str
    threads: int
    seconds: float
    cpu: float
    peak_threads: int
    #: CPU by thread name (Linux; threads that used at least 10 ms), most first
    by_thread: tuple[ThreadUse, ...] = ()
    detectors: tuple[DetectorUse, ...] = ()

    @property
    def cores(self) -> float:
        """Cores used on average: CPU seconds / wall seconds."""
        return self.cpu / self.seconds if self.seconds > 0 else 0.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def thread_times() -> dict[int, tuple[str, float]]:
    """Each thread of this process: its name and CPU seconds so far (Linux; else empty)."""
    out: dict[int, tuple[str, float]] = {}
    try:
        tids = os.listdir(_TASKS)
    except OSError:
        return out
    for tid in tids:
        try:
            stat = (_TASKS / tid / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / _TICK)
    return out


class _Sampler:
    """Polls the process's threads every :data:`EVERY` s: the peak count and each thread's last CPU time."""

    def __init__(self) -> None:
        self.start = thread_times()
        self.last: dict[int, tuple[str, float]] = dict(self.start)
        self.peak = max(len(self.start), threading.active_count())
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="lessonlens-usage", daemon=True)

    def run(self) -> None:
        while not self.stop.wait(EVERY):
            self.sample()

    def sample(self) -> None:
        now = thread_times()
        self.peak = max(self.peak, len(now))
        self.last.update(now)

    def by_name(self) -> tuple[ThreadUse, ...]:
        groups: dict[str, tuple[int, float]] = {}
        for tid, (name, cpu) in self.last.items():
            used = cpu - self.start.get(tid, (name, 0.0))[1]
            if used < 0.01 or tid == self.thread.native_id:
                continue
            key = name.rstrip("0123456789-_:") or name
            count, total = groups.get(key, (0, 0.0))
            groups[key] = (count + 1, total + used)
        return tuple(ThreadUse(k, n, round(c, 3)) for k, (n, c) in
                     sorted(groups.items(), key=lambda kv: -kv[1][1]))


@attrs.define
class Measured:
    """Filled in when the ``measure`` block ends."""

    seconds: float = 0.0
    cpu: float = 0.0
    peak_threads: int = 0
    by_thread: tuple[ThreadUse, ...] = ()


@contextmanager
def measure() -> Iterator[Measured]:
    """Wall and CPU seconds, peak thread count and CPU by thread name of the block (process-wide)."""
    out = Measured()
    sampler = _Sampler()
    sampler.thread.start()
    clock, cpu = time.perf_counter(), _cpu()
    try:
        yield out
    finally:
        out.seconds, out.cpu = time.perf_counter() - clock, _cpu() - cpu
        sampler.stop.set()
        sampler.thread.join()
        sampler.sample()
        out.peak_threads = sampler.peak - 1  # not counting the sampler itself
        out.by_thread = sampler.by_name()
