"""Where the platform's analysis jobs run: an embedded Dask LocalCluster (the default), the Dask
scheduler named with ``serve --scheduler``, or (``serve --workers 0``) the server's own thread.

The cluster is the one ``lessonlens batch`` runs on (:func:`lessonlens.jobs.cluster.dask_client`:
one single-threaded worker process per lesson slot, each offering one ``lesson`` resource), and a
job is the batch's own task (:func:`lessonlens.jobs.task.run_lesson`), which analyses the lesson on
a worker and returns its store rows; the server then stores them and marks the job in one
transaction (:mod:`lessonlens.web.jobs`). The cluster starts with the server, in the background
(pages are served at once), and is closed with it; its worker processes end with the server even
when it is killed (they watch their parent), and the job table says where each lesson stood. The
workers report each job's pipeline stages as Dask events, so the lesson page shows its progress.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from lessonlens.core.errors import LessonlensError
from lessonlens.core.i18n import Text
from lessonlens.jobs.cluster import RESOURCE, ClusterInfo, cluster_info, dask_client
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.task import PROGRESS_TOPIC, LessonOutcome, TaskOptions, run_lesson

_LOST = Text(zh="分析该课例的 Dask 工作进程失联（内存不足或崩溃）：{error}",
             en="the Dask worker analysing it was lost (out of memory or crashed): {error}")
_CLOSED = Text(zh="分析集群已关闭", en="the analysis cluster is closed")
_log = logging.getLogger(__name__)


class JobCluster:
    """A Dask client held for the server's life: on a new LocalCluster of ``workers`` processes
    (None: as many lessons as the machine's cores and memory fit), or connected to ``scheduler``."""

    def __init__(self, options: TaskOptions, *, scheduler: str | None = None, workers: int | None = None,
                 lesson_threads: int | None = None) -> None:
        self.options = options
        self.scheduler = scheduler
        self.workers = workers
        self.lesson_threads = lesson_threads
        self._stack = contextlib.ExitStack()
        self._client: Any = None
        self._info: ClusterInfo | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: hears each job's pipeline stages: (lesson id, stage, fraction done)
        self.on_progress: Callable[[str, str, float], None] | None = None

    @property
    def embedded(self) -> bool:
        return not self.scheduler

    def start(self) -> None:
        """Start (or connect to) the cluster in the background; :meth:`wait_ready` waits for it."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._open, name="lessonlens-cluster", daemon=True)
            self._thread.start()

    def _open(self) -> None:
        try:
            client = self._stack.enter_context(dask_client(scheduler=self.scheduler, workers=self.workers,
                                                           threads_per_lesson=self.lesson_threads, dashboard=False))
            info = cluster_info(client, embedded=self.embedded)
            client.subscribe_topic(PROGRESS_TOPIC, self._progress)
        except BaseException as exc:  # no cluster: each job fails with this one line
            self._error = exc
            _log.error("analysis cluster: %s", exc)
            self._ready.set()
            return
        with self._lock:
            if self._closed.is_set():  # the server stopped while the cluster was starting
                self._stack.close()
            self._client, self._info = client, info
            self._ready.set()

    def _progress(self, event: Any) -> None:
        """A worker's progress event (``(time, message)``), handed to :attr:`on_progress`."""
        msg = event[1] if isinstance(event, tuple) else event
        if self.on_progress is not None and isinstance(msg, dict) and msg.get("lesson_id"):
            total = int(msg.get("total") or 0)
            self.on_progress(str(msg["lesson_id"]), str(msg.get("stage", "")),
                             int(msg.get("done") or 0) / total if total else 0.0)

    def wait_ready(self, timeout: float | None = None) -> ClusterInfo:
        """The cluster's workers and slots once it runs; raises the reason it could not start."""
        self.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the analysis cluster did not start in time")
        if self._error is not None:  # this job fails with the reason; the next one tries again
            error = self._error
            with self._lock:
                self._error, self._thread, self._stack = None, None, contextlib.ExitStack()
                self._ready.clear()
            raise error
        if self._closed.is_set() or self._info is None:
            raise LessonlensError(_CLOSED)
        return self._info

    def run(self, spec: LessonSpec) -> LessonOutcome:
        """Analyse one lesson on a worker: its store rows, or its one-line error (a lost worker
        included). Raises when the cluster is unreachable or closed (the server is stopping)."""
        info = self.wait_ready()
        extra = {"resources": {RESOURCE: 1}} if info.resources else {}
        key = f"web-{spec.lesson_id}-{uuid.uuid4().hex[:8]}"
        future = self._client.submit(run_lesson, spec, self.options, key=key, pure=False, **extra)
        try:
            result = future.result()
        except Exception as exc:
            from distributed import KilledWorker

            if isinstance(exc, KilledWorker):
                return LessonOutcome(spec.lesson_id, error=_LOST.format(error=" ".join(str(exc).split()) or "-"))
            raise
        finally:
            with contextlib.suppress(Exception):
                future.release()
        assert isinstance(result, LessonOutcome)
        return result

    def close(self) -> None:
        """Close the client and (embedded) the cluster with its worker processes."""
        with self._lock:
            self._closed.set()
            if self._ready.is_set():
                with contextlib.suppress(Exception):
                    self._stack.close()
