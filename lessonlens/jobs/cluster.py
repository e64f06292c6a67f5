"""The Dask client a batch runs on: one given, a scheduler's address, or an embedded LocalCluster.

The embedded cluster has one worker process per lesson slot, with as many threads as a lesson's
thread budget (``threads_per_lesson``: 2 by default, or the cores divided among ``workers``), and a
memory limit of the machine's memory shared among the workers (a lesson needs at most ~1.5 GB). Each
worker offers one ``lesson`` resource and each lesson task asks for it, so a worker never runs two
lessons at once; its detectors keep to the budget (:mod:`lessonlens.media.threads`), and its process
starts with the BLAS/OpenMP thread variables set to it (Dask's ``pre-spawn-environ``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from lessonlens.core.cores import available_cores
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.media.threads import thread_environment

#: the Dask worker resource a lesson task holds
RESOURCE = "lesson"
#: cores each lesson gets on the embedded cluster unless told otherwise (or given a number of workers)
LESSON_THREADS = 2
#: the memory one lesson may use at most (worker memory limits are at least this)
LESSON_MEMORY = int(1.5 * 2**30)
#: glibc's allocator in worker processes. Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, and
#: setting it freezes glibc's mmap threshold at 128 KiB: every decoded frame and model tensor is then
#: a fresh mmap, zeroed and faulted in again (+32 % CPU per lesson, measured). Large blocks up to
#: 32 MiB (glibc's own dynamic ceiling) come from the heap and are reused; free heap above 128 MiB
#: still goes back to the system.
WORKER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(128 * 2**20)}

_NO_DASK = Text(zh="批量分析需要 Dask：pip install 'lessonlens[dask]'",
                en="batches need Dask: pip install 'lessonlens[dask]'")
_NO_SCHEDULER = Text(zh="无法连接 Dask 调度器 {address}：{error}",
                     en="cannot reach the Dask scheduler at {address}: {error}")
_BOTH = Text(zh="--workers 与 --scheduler 只能选一个", en="use --workers or --scheduler, not both")


@attrs.frozen
class ClusterInfo:
    """Where the batch runs: the scheduler's address, its dashboard (if any), the workers it has."""

    scheduler: str
    dashboard: str
    workers: int
    embedded: bool
    #: whether the workers offer the ``lesson`` resource (then each task asks for one)
    resources: bool
    #: how many lessons run at once: the ``lesson`` resources, else the worker threads
    slots: int


def local_workers(threads_per_lesson: int = LESSON_THREADS) -> int:
    """How many lessons this machine analyses at once: its cores / ``threads_per_lesson``, bounded by memory."""
    import psutil

    by_cores = available_cores() // max(1, threads_per_lesson)
    by_memory = int(psutil.virtual_memory().total // (LESSON_MEMORY + 2**29))
    return max(1, min(by_cores, by_memory))


def _dashboard_wanted() -> bool:
    try:
        import bokeh  # noqa: F401  (the dashboard extra)
    except ImportError:
        return False
    return True


def local_layout(workers: int | None, threads_per_lesson: int | None) -> tuple[int, int]:
    """(worker processes, threads per lesson) of an embedded cluster: the cores shared among the
    workers when only their number is given, else :data:`LESSON_THREADS` per lesson."""
    if threads_per_lesson is None:
        threads_per_lesson = max(1, available_cores() // workers) if workers else LESSON_THREADS
    return workers or local_workers(threads_per_lesson), threads_per_lesson


@contextmanager
def dask_client(client: Any = None, scheduler: str | None = None, workers: int | None = None,
                threads_per_lesson: int | None = None, worker_losses: int = 2, dashboard: bool = True) -> Iterator[Any]:
    """Yield a ``distributed.Client``: ``client`` as it is, one connected to ``scheduler``, or one on
    a new LocalCluster of ``workers`` processes with ``threads_per_lesson`` threads each (closed
    afterwards; :func:`local_layout`). ``worker_losses`` is how many times the embedded scheduler lets
    a lesson's worker die before the lesson fails; ``dashboard=False`` starts the embedded cluster
    without its dashboard (a web server should not open a second port)."""
    if client is not None:
        yield client
        return
    if scheduler and workers:
        raise InputError(_BOTH)
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(_NO_DASK) from None
    if scheduler:
        try:
            connected = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(_NO_SCHEDULER, address=scheduler,
                             error=" ".join(str(exc).split()) or type(exc).__name__) from None
        try:
            yield connected
        finally:
            connected.close()  # type: ignore[no-untyped-call]
        return
    n, threads = local_layout(workers, threads_per_lesson)
    import psutil

    memory = max(LESSON_MEMORY + 2**29, int(psutil.virtual_memory().total // n))
    # BLAS/OpenMP and glibc read these when they load: set before each worker process starts (the
    # nanny sets them in its own process too, as Dask's defaults already do with OMP_NUM_THREADS=1)
    env = {**thread_environment(threads), **WORKER_MALLOC}
    spawn_env = {**dask.config.get("distributed.nanny.pre-spawn-environ", default={}), **env}
    with dask.config.set({"distributed.scheduler.allowed-failures": worker_losses,
                          "distributed.nanny.pre-spawn-environ": spawn_env}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=threads, processes=True, memory_limit=memory,
                               resources={RESOURCE: 1}, env=env, silence_logs=logging.ERROR,
                               # the scheduler's HTTP routes always start (on 8787 unless told): a free
                               # port on loopback, with the dashboard's pages only when wanted
                               dashboard_address="127.0.0.1:0",
                               scheduler_kwargs={"dashboard": dashboard and _dashboard_wanted()})  # type: ignore[no-untyped-call]
    try:
        with Client(cluster) as embedded:  # type: ignore[no-untyped-call]
            yield embedded
    finally:
        cluster.close()


def cluster_info(client: Any, embedded: bool) -> ClusterInfo:
    info = client.scheduler_info()
    workers = info.get("workers", {})
    dashboard = ""
    # without bokeh (the dashboard extra) the address only serves a page asking to install it
    if info.get("services", {}).get("dashboard") and _dashboard_wanted():
        with contextlib.suppress(Exception):
            dashboard = str(client.dashboard_link)
    resources = any(RESOURCE in (w.get("resources") or {}) for w in workers.values())
    slots = sum(int((w.get("resources") or {}).get(RESOURCE, 0)) if resources else int(w.get("nthreads", 1))
                for w in workers.values())
    return ClusterInfo(scheduler=str(info.get("address", "")), dashboard=dashboard, workers=len(workers),
                       embedded=embedded, resources=resources, slots=slots)
