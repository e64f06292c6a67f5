"""Analysis jobs of uploaded lessons: rows of the store's jobs table (:mod:`lessonlens.jobs`, state
``queued → running → done | failed``, batch ``web``), run on the platform's Dask cluster
(:class:`lessonlens.web.cluster.JobCluster`: an embedded LocalCluster by default, one job per worker
slot at once) or, without one, one at a time in a thread of the server.

The table, not the threads, is the truth: a job is claimed with a conditional UPDATE (several
server processes may share the table), and while it runs the server writes its heartbeat
(:class:`lessonlens.jobs.table.Heartbeat`; ``lessonlens batch`` does the same for the jobs it runs).
A job left ``running`` by a process that is gone is queued again (the attempt it lost is counted) and
run, or marked failed once it has used :data:`MAX_ATTEMPTS`: at once when that process was a server
of this machine (its process id is checked), else once its heartbeat is older than the grace period
(``WebSettings.job_grace_s``), so a job another machine still runs is left to it. A running server
looks for such jobs at every heartbeat. A server stopped cleanly puts its running jobs back in the
queue without counting the attempt. A finished analysis is stored and its job marked done in one
transaction, so a kill at any moment leaves either both or neither. Progress within a run (stage,
fraction: a cluster's workers report them as Dask events) lives in memory only.
"""

from __future__ import annotations

import datetime as dt
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
    STALE_AFTER,
    Heartbeat,
    Job,
    JobState,
    claim_jobs,
    fingerprints_on,
    get_job,
    list_jobs,
    mark_failed,
    mark_finished_on,
    retry,
    stale_jobs,
    submit_job,
    submit_jobs_on,
)
from lessonlens.pipeline.stages import ProgressEvent
from lessonlens.store.api import Store
from lessonlens.store.db import WRITE
from lessonlens.store.ingest import add_analyses, write_lessons
from lessonlens.store.models import job_table
from lessonlens.web.catalog import refresh_from_store
from lessonlens.web.cluster import JobCluster

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
    #: seconds since the job started (a running job)
    elapsed: float = 0.0
    #: the job runs on the Dask cluster (its stage is known once the worker reports the first)
    on_cluster: bool = False


def lesson_folder(media_root: Path, lesson_id: str) -> Path:
    return media_root / "lessons" / lesson_id


def one_line(exc: BaseException) -> str:
    text = exc.message() if isinstance(exc, LessonlensError) else f"{type(exc).__name__}: {exc}"
    return (text.strip().splitlines() or [type(exc).__name__])[0][:500]


class JobRunner:
    """Queues analysis jobs in the jobs table and runs them: on ``cluster`` (as many at once as it
    has lesson slots), else one at a time in a thread of this process with ``analyze``."""

    def __init__(self, store: Store, media_root: Path, analyze: Analyzer, cluster: JobCluster | None = None,
                 grace: float = STALE_AFTER) -> None:
        self.store = store
        #: seconds without a heartbeat before another process's running job counts as lost
        self.grace = grace
        #: jobs this process runs now (their heartbeat is written every ``grace / 6`` seconds)
        self._running: set[str] = set()
        self._heartbeat: Heartbeat | None = None
        self.media_root = media_root
        self._analyze = analyze
        self.cluster = cluster
        self._queue: queue.Queue[str] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._progress: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.worker = f"web:{socket.gethostname()}:{os.getpid()}"
        if cluster is not None:
            cluster.on_progress = self._set_progress

    def _set_progress(self, lesson_id: str, step: str, share: float) -> None:
        with self._lock:
            self._progress[lesson_id] = (step, share)

    # -- the table ---------------------------------------------------------------------------
    def submit(self, spec: LessonSpec) -> int:
        job_id = submit_job(self.store, spec, batch=BATCH)
        self._queue.put(spec.lesson_id)
        return job_id

    def submit_new(self, specs: list[LessonSpec]) -> list[str]:
        """Queue the lessons of a registered manifest, except those whose job is ``done`` (finished work
        is kept: the lesson page's retry, or ``lessonlens jobs retry``, analyses one again) or ``running``
        (left to whoever runs it, here or on another machine); return the lessons queued. The check is
        the UPDATE's own condition (``keep_running``), in one transaction."""
        with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            states = fingerprints_on(conn, [s.lesson_id for s in specs])
            fresh = [s for s in specs if s.lesson_id not in states
                     or states[s.lesson_id][0] not in (JobState.DONE, JobState.RUNNING)]
            queued = submit_jobs_on(conn, fresh, BATCH, keep_running=True)
            still = {i for i, state in fingerprints_on(conn, list(queued)).items() if state[0] is JobState.QUEUED}
        for spec in fresh:
            if spec.lesson_id in still:
                self._queue.put(spec.lesson_id)
        return [s.lesson_id for s in fresh if s.lesson_id in still]

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
                       attempts=job.attempts, step=step, progress=share, elapsed=_elapsed(job),
                       on_cluster=self.cluster is not None)

    def recover(self) -> list[str]:
        """After a restart: queue again the platform's jobs left ``running`` by a process that is gone
        (:meth:`requeue_lost`) and queue every ``queued`` one; return the lessons queued."""
        self.requeue_lost()
        waiting = sorted(list_jobs(self.store, JobState.QUEUED, batch=BATCH), key=lambda j: j.id)
        for job in waiting:
            self._queue.put(job.lesson_id)
        return [job.lesson_id for job in waiting]

    def _lost(self, job: Job) -> bool:
        """Whether whoever ran ``job`` is gone: a server process of this machine that no longer
        exists, else (another machine, a batch's worker) no heartbeat for :attr:`grace` seconds."""
        if job.lesson_id in self._running:
            return False
        local = self._local_pid(job.worker)
        if local is not None:  # this process (a run of an earlier platform in it), or a dead one
            return local == os.getpid() or not _alive(local)
        return True  # chosen by stale_jobs: silent for the grace period

    def requeue_lost(self) -> list[str]:
        """Queue again (or fail, after :data:`MAX_ATTEMPTS`) the platform's ``running`` jobs whose
        runner is gone (:meth:`_lost`); return the lessons queued again. A job another live server
        process of this machine runs (several uvicorn workers), or any process that keeps its heartbeat
        (another machine's server, ``lessonlens batch``), is left to it."""
        candidates = {j.lesson_id: j for j in stale_jobs(self.store, self.grace, batch=BATCH)}
        for job in list_jobs(self.store, JobState.RUNNING, batch=BATCH):
            if self._local_pid(job.worker) is not None:  # this machine's servers: their process says
                candidates[job.lesson_id] = job
        queued: list[str] = []
        for job in sorted(candidates.values(), key=lambda j: j.id):
            if not self._lost(job):
                continue
            if job.attempts >= MAX_ATTEMPTS:
                mark_failed(self.store, job.lesson_id, "the server stopped during this analysis "
                                                       f"{job.attempts} times", worker=self.worker)
            else:
                with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                    # only if it is still the same run: its runner may have finished it meanwhile
                    result = conn.execute(update(job_table).where(
                        job_table.c.lesson_id == job.lesson_id, job_table.c.state == JobState.RUNNING.value,
                        job_table.c.attempts == job.attempts).values(state=JobState.QUEUED.value, heartbeat_at=None))
                if result.rowcount == 1:
                    queued.append(job.lesson_id)
        return queued

    @staticmethod
    def _local_pid(worker: str) -> int | None:
        """The process id of ``worker`` when it names a server process of this machine (``web:HOST:PID``)."""
        kind, _, rest = worker.partition(":")
        host, _, pid = rest.rpartition(":")
        return int(pid) if kind == "web" and host == socket.gethostname() and pid.isdigit() else None

    def _watch(self) -> None:
        """At every heartbeat: queue again the jobs whose runner is gone (a machine that died)."""
        for lesson_id in self.requeue_lost():
            self._queue.put(lesson_id)

    # -- the workers -------------------------------------------------------------------------
    def start(self) -> None:
        """Run queued jobs from now on: start the cluster (in the background) and the job threads."""
        if self._threads:
            return
        self._stopping.clear()
        if self.cluster is not None:
            self.cluster.start()
        self._heartbeat = Heartbeat(self.store, self._running.copy, max(0.2, self.grace / 6), also=self._watch,
                                    name="lessonlens-jobs-heartbeat").start()
        self._spawn(self._first)

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"lessonlens-jobs-{len(self._threads)}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _first(self) -> None:
        """The first job thread: once the cluster runs, one more thread per further lesson slot."""
        if self.cluster is not None:
            try:
                slots = self.cluster.wait_ready().slots
            except Exception:  # no cluster: its jobs fail with the reason (in run)
                slots = 1
            for _ in range(max(1, slots) - 1):
                if not self._stopping.is_set():
                    self._spawn(self._loop)
        self._loop()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs, close the cluster (its running analyses end), and put this process's
        running jobs back in the queue without counting the attempt: they run again at the next start."""
        self._stopping.set()
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        if self.cluster is not None:
            self.cluster.close()
        if not self._threads:
            return
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(update(job_table).where(job_table.c.state == JobState.RUNNING.value,
                                                 job_table.c.worker == self.worker, job_table.c.batch == BATCH,
                                                 job_table.c.attempts > 0)
                         .values(state=JobState.QUEUED.value, attempts=job_table.c.attempts - 1))

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                lesson_id = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self.run(lesson_id)
            except Exception:  # a worker must outlive any one job; run() records the job's own errors
                _log.exception("analysis job of %s", lesson_id)

    def _claim(self, lesson_id: str) -> bool:
        """Take a queued job for this process (several server processes may share the table)."""
        return bool(claim_jobs(self.store, [lesson_id], self.worker))

    def run(self, lesson_id: str) -> None:
        """Run a queued job to its end (done, or failed with a one-line error)."""
        job = get_job(self.store, lesson_id)
        if job is None:
            return
        self._running.add(lesson_id)  # before the claim: the heartbeat's watch never takes it for lost
        if not self._claim(lesson_id):
            self._running.discard(lesson_id)
            return
        started = time.monotonic()
        try:
            if self.cluster is not None:
                self._run_on_cluster(job, started)
            else:
                self._run_here(job, started)
        except Exception as exc:  # any failure is the job's: shown as one line with a retry button
            if self.cluster is not None and self._stopping.is_set():
                return  # the cluster closed under it: stop() queues the job again
            mark_failed(self.store, lesson_id, one_line(exc), worker=self.worker, seconds=time.monotonic() - started)
        finally:
            self._running.discard(lesson_id)
            with self._lock:
                self._progress.pop(lesson_id, None)

    def _run_on_cluster(self, job: Job, started: float) -> None:
        assert self.cluster is not None
        outcome = self.cluster.run(job.spec)
        if outcome.prepared is None or not outcome.ok:
            mark_failed(self.store, job.lesson_id, outcome.error or "-", worker=outcome.worker,
                        seconds=outcome.seconds or time.monotonic() - started)
            return
        with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            write_lessons(conn, [outcome.prepared])
            refresh_from_store(conn, job.lesson_id)
            mark_finished_on(conn, [{"lesson_id": job.lesson_id, "state": JobState.DONE, "worker": outcome.worker,
                                     "seconds": outcome.seconds}])

    def _run_here(self, job: Job, started: float) -> None:
        last = [0.0]

        def progress(event: ProgressEvent) -> None:
            moment = time.monotonic()
            if moment - last[0] >= 0.2 or event.finished:
                last[0] = moment
                self._set_progress(job.lesson_id, event.stage, event.done / event.total if event.total else 0.0)

        analysis = self._analyze(job.spec, lesson_folder(self.media_root, job.lesson_id) / "analysis", progress)
        with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            # the transcript (ASR) stays with the analysis for the lesson page; other raw observations go
            add_analyses(conn, [analysis])
            refresh_from_store(conn, job.lesson_id)
            mark_finished_on(conn, [{"lesson_id": job.lesson_id, "state": JobState.DONE, "worker": self.worker,
                                     "seconds": time.monotonic() - started}])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _elapsed(job: Job) -> float:
    if job.state is not JobState.RUNNING or job.started_at is None:
        return 0.0
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=dt.UTC)
    return max(0.0, (dt.datetime.now(dt.UTC) - started).total_seconds())
