"""One running platform: settings, the store, the job runner and the login limiter, made together
(held in ``app.state.platform``; nothing global)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import attrs
from sqlalchemy import Engine

from lessonlens.core.analysis import Analysis
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.task import TaskOptions
from lessonlens.pipeline.stages import ProgressEvent
from lessonlens.store.api import Store
from lessonlens.web.catalog import apply_retention, remove_abandoned_uploads, remove_orphans, sync_from_store
from lessonlens.web.cluster import JobCluster
from lessonlens.web.jobs import Analyzer, JobRunner
from lessonlens.web.login_limit import LoginLimiter
from lessonlens.web.settings import WebSettings


def task_options(settings: WebSettings, threads: int | None = None) -> TaskOptions:
    """How a job analyses its lesson: the batch's task options from the server's settings, with a
    thread budget of ``threads`` (None: its worker's, or every core in the server's thread). The
    transcript (ASR) is kept with the stored analysis, as by every way into the store."""
    return TaskOptions(detectors=settings.detectors, interval=settings.interval, cache=False, threads=threads,
                       report_progress=True)


def analysis_runner(settings: WebSettings) -> Analyzer:
    """The function a job of the server's own thread calls: the batch's analysis of one lesson
    (detect, code, measure; the raters' score sheets; diagnose), with the pipeline's progress."""

    def run(spec: LessonSpec, out: Path, progress: Callable[[ProgressEvent], None]) -> Analysis:
        from lessonlens.jobs.task import analyse

        return analyse(spec, task_options(settings), progress)

    return run


def job_cluster(settings: WebSettings) -> JobCluster | None:
    """The Dask cluster jobs run on: ``settings.scheduler``'s, else an embedded LocalCluster of
    ``settings.workers`` processes; None with ``workers == 0`` (jobs run in a thread of the server)."""
    if not settings.scheduler and settings.workers == 0:
        return None
    # each lesson's thread budget: the setting, else its worker's threads per lesson slot (jobs.task.worker_threads)
    return JobCluster(task_options(settings, settings.lesson_threads), scheduler=settings.scheduler,
                      workers=None if settings.scheduler else settings.workers, lesson_threads=settings.lesson_threads)


@attrs.define
class Platform:
    settings: WebSettings
    store: Store
    runner: JobRunner
    limiter: LoginLimiter
    _stopping: threading.Event = attrs.field(factory=threading.Event)
    _retention: threading.Thread | None = None

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def media(self) -> Path:
        return self.settings.media

    @classmethod
    def open(cls, settings: WebSettings) -> Platform:
        store = Store.open(settings.db)
        settings.media.mkdir(parents=True, exist_ok=True)

        cluster = job_cluster(settings)  # started by the runner (or the first job run): not by a page-only server
        runner = JobRunner(store, settings.media, analysis_runner(settings), cluster, grace=settings.job_grace_s)
        return cls(settings=settings, store=store, runner=runner,
                   limiter=LoginLimiter(store.engine, settings.login_attempts, settings.login_window_s))

    def start(self) -> None:
        """Catalogue lessons added to the store by other means, remove what uploads cut off by a kill
        left behind, pick up jobs a restart interrupted, run jobs."""
        sync_from_store(self.engine)
        remove_orphans(self.engine, self.media)
        remove_abandoned_uploads(self.media)
        if self.settings.retention_days is not None:
            self._retention = threading.Thread(target=self._retain, name="lessonlens-retention", daemon=True)
            self._retention.start()
        self.runner.recover()
        if self.settings.run_jobs:
            self.runner.start()

    def _retain(self) -> None:
        """Apply the retention setting now and then every six hours until the platform closes."""
        assert self.settings.retention_days is not None
        while True:
            try:
                apply_retention(self.engine, self.media, self.settings.retention_days)
            except Exception:  # a failed sweep is retried at the next one; the server goes on
                logging.getLogger(__name__).exception("retention sweep")
            if self._stopping.wait(6 * 3600):
                return

    def close(self) -> None:
        self._stopping.set()
        self.runner.stop()
        self.store.close()
