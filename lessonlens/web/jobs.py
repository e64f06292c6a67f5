"""Analysis jobs of uploaded lessons: rows of the store's jobs table (:mod:`lessonlens.jobs`, state
``queued → running → done | failed``, batch ``web``) run one at a time by a worker thread of the
server.

The table, not the thread, is the truth: a server restarted mid-job finds the job ``running``,
queues it again (the attempt it lost is counted) and runs it, or marks it failed once it has used
:data:`MAX_ATTEMPTS`. A finished analysis is stored and its job marked done in one transaction, so a
kill at any moment leaves either both or neither. Progress within a run (stage, fraction) lives
only in memory: it is shown while the job runs and is not worth a write per step.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import attrs
from sqlalchemy import update

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import LessonlensError
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.table import (
    JobState,
    get_job,
    list_jobs,
    mark_failed,
    mark_finished_on,
    mark_running_on,
    now,
    retry,
    submit_job,
)
from lessonlens.pipeline.stages import ProgressEvent
from lessonlens.store.api import Store
from lessonlens.store.db import WRITE
from lessonlens.store.ingest import add_analyses
from lessonlens.store.models import job_table
from lessonlens.web.catalog import refresh_from_store

#: starts of one job before a restart stops trying it again
MAX_ATTEMPTS = 3
BATCH = "web"
_log = logging.getLogger(__name__)

#: runs one analysis: (the lesson's spec, output folder, progress) -> Analysis
Analyzer = Callable[[LessonSpec, Path, Callable[[ProgressEvent], None]], Analysis]


@attrs.frozen
class JobView:
    """A job as pages show it: the table's row plus the in-memory progress of a running one."""

    id: int
    lesson_id: str
    state: str
    error: str = ""
    attempts: int = 0
    step: str = ""
    progress: float = 0.0


def lesson_folder(media_root: Path, lesson_id: str) -> Path:
    return media_root / "lessons" / lesson_id


def one_line(exc: BaseException) -> str:
    text = exc.message() if isinstance(exc, LessonlensError) else f"{type(exc).__name__}: {exc}"
    return (text.strip().splitlines() or [type(exc).__name__])[0][:500]


class JobRunner:
    """Queues analysis jobs in the jobs table and runs them in one background thread."""

    def __init__(self, store: Store, media_root: Path, analyze: Analyzer,
                 hand_over: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.media_root = media_root
        self._analyze = analyze
        #: when set, a claimed job is handed to this (the Dask runner of ``lessonlens.jobs``), which
        #: analyses the lesson on the cluster, stores it and marks the job itself
        self._hand_over = hand_over
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._progress: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.worker = f"web:{socket.gethostname()}:{os.getpid()}"

    # -- the table ---------------------------------------------------------------------------
    def submit(self, spec: LessonSpec) -> int:
        job_id = submit_job(self.store, spec, batch=BATCH)
        self._queue.put(spec.lesson_id)
        return job_id

    def retry(self, lesson_id: str) -> None:
        retry(self.store, [lesson_id])
        self._queue.put(lesson_id)

    def view(self, lesson_id: str) -> JobView | None:
        job = get_job(self.store, lesson_id)
        if job is None:
            return None
        with self._lock:
            step, share = self._progress.get(lesson_id, ("", 0.0))
        return JobView(id=job.id, lesson_id=job.lesson_id, state=job.state.value, error=job.error,
                       attempts=job.attempts, step=step, progress=share)

    def recover(self) -> list[str]:
        """After a restart: the platform's jobs left ``running`` lost their worker; queue them again
        (or fail them when they used their attempts) and queue every ``queued`` one."""
        for job in list_jobs(self.store, JobState.RUNNING, batch=BATCH):
            if job.attempts >= MAX_ATTEMPTS:
                mark_failed(self.store, job.lesson_id, "the server stopped during this analysis "
                                                       f"{job.attempts} times", worker=self.worker)
            else:
                with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                    conn.execute(update(job_table).where(job_table.c.lesson_id == job.lesson_id,
                                                         job_table.c.state == JobState.RUNNING.value)
                                 .values(state=JobState.QUEUED.value))
        waiting = sorted(list_jobs(self.store, JobState.QUEUED, batch=BATCH), key=lambda j: j.id)
        for job in waiting:
            self._queue.put(job.lesson_id)
        return [job.lesson_id for job in waiting]

    # -- the worker --------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="lessonlens-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while (lesson_id := self._queue.get()) is not None:
            try:
                self.run(lesson_id)
            except Exception:  # the worker must outlive any one job; run() records the job's own errors
                _log.exception("analysis job of %s", lesson_id)

    def _run_elsewhere(self, lesson_id: str, started: float) -> None:
        assert self._hand_over is not None
        try:
            self._hand_over(lesson_id)
            with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                refresh_from_store(conn, lesson_id)
        except Exception as exc:  # the cluster could not be reached: the job fails with that line
            mark_failed(self.store, lesson_id, one_line(exc), worker=self.worker, seconds=time.monotonic() - started)

    def _claim(self, lesson_id: str) -> bool:
        """Take a queued job for this process (several server processes may share the table)."""
        with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            result = conn.execute(update(job_table).where(job_table.c.lesson_id == lesson_id,
                                                          job_table.c.state == JobState.QUEUED.value)
                                  .values(state=JobState.RUNNING.value))
            if result.rowcount != 1:
                return False
            mark_running_on(conn, [(lesson_id, self.worker, now())])
        return True

    def run(self, lesson_id: str) -> None:
        """Run a queued job to its end (done, or failed with a one-line error)."""
        job = get_job(self.store, lesson_id)
        if job is None or not self._claim(lesson_id):
            return
        last = [0.0]

        def progress(event: ProgressEvent) -> None:
            moment = time.monotonic()
            if moment - last[0] >= 0.2 or event.finished:
                last[0] = moment
                with self._lock:
                    self._progress[lesson_id] = (event.stage, event.done / event.total if event.total else 0.0)

        started = time.monotonic()
        if self._hand_over is not None:
            self._run_elsewhere(lesson_id, started)
            return
        try:
            analysis = self._analyze(job.spec, lesson_folder(self.media_root, lesson_id) / "analysis", progress)
            with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                add_analyses(conn, [analysis])
                refresh_from_store(conn, lesson_id)
                mark_finished_on(conn, [{"lesson_id": lesson_id, "state": JobState.DONE, "worker": self.worker,
                                         "seconds": time.monotonic() - started}])
        except Exception as exc:  # any failure is the job's: shown as one line with a retry button
            mark_failed(self.store, lesson_id, one_line(exc), worker=self.worker, seconds=time.monotonic() - started)
        finally:
            with self._lock:
                self._progress.pop(lesson_id, None)
