"""The batch runner: lessons -> one Dask task each -> the store, with the jobs table kept up to date.

The coordinating process (this one) fingerprints every lesson, skips those whose result for the
same inputs and detectors is stored, queues the rest in the jobs table, submits one task per lesson
and, as results come back, stores each lesson and marks its job done **in one transaction**
(results arriving together share it). Each lesson is stored exactly once whatever is killed: a
result is either committed with its job marked done, or not at all and analysed again by the next
run. A lesson whose worker dies is started again on another worker by the scheduler, up to its
``allowed-failures`` limit; a lesson that fails on its own (a corrupt recording) fails once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import queue
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, select

from lessonlens.core.errors import InputError, LessonlensError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.plugins import get_manager
from lessonlens.files.atomic import write_text_atomic
from lessonlens.jobs.cluster import RESOURCE, cluster_info, dask_client
from lessonlens.jobs.fingerprint import inputs_fingerprint, pipeline_fingerprint
from lessonlens.jobs.manifest import read_manifest
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.table import (
    HEARTBEAT,
    STALE_AFTER,
    Fingerprints,
    Heartbeat,
    JobState,
    as_utc,
    claim_on,
    fingerprints_on,
    get_job,
    list_jobs,
    mark_finished_on,
    mark_started_on,
    record_fingerprints_on,
    relabel_on,
    release_on,
    stale_jobs,
    submit_jobs_on,
    take_over_on,
)
from lessonlens.jobs.task import START_TOPIC, LessonOutcome, TaskOptions, run_lesson
from lessonlens.jobs.usage import LessonUsage
from lessonlens.store.api import Store, open_store
from lessonlens.store.db import WRITE
from lessonlens.store.ingest import chunks, write_lessons
from lessonlens.store.models import job_table, lesson_table

_LOST = Text(zh="分析该课例的 Dask 工作进程失联 {n} 次（内存不足或崩溃）：{error}",
             en="the Dask worker analysing it was lost {n} times (out of memory or crashed): {error}")
_INTERRUPTED = Text(
    zh="与 Dask 调度器的连接中断，{n} 节课未完成：再次运行同一批次即可完成（已完成的课例会跳过）",
    en="the connection to the Dask scheduler was lost with {n} lessons unfinished: run the same batch "
       "again to finish them (stored lessons are skipped)")

_ELSEWHERE = Text(zh="{n} 节课正在别处分析（心跳未超时），本批次不重复分析",
                  en="{n} lessons are being analysed elsewhere (fresh heartbeat): this batch leaves them")
_WAITING = Text(zh="等待别处正在分析的 {n} 节课……", en="waiting for {n} lessons running elsewhere…")
_WAIT_OVER = Text(zh="等待时限已到：{n} 节课仍在别处分析", en="the wait limit is over: {n} lessons still run elsewhere")

#: a batch writes finished lessons when this many are waiting, or when the first has waited this long
FLUSH_LESSONS = 500
FLUSH_SECONDS = 0.5
#: a task function: what a worker does with one lesson (``run_lesson``; tests and benchmarks swap it)
Task = Callable[[LessonSpec, TaskOptions], LessonOutcome]


@attrs.frozen
class BatchOptions:
    """How a batch runs. ``detectors=None``: the default detectors for each lesson's media."""

    detectors: tuple[str, ...] | None = None
    coder: str = "platform-9"
    interval: float = 6.0
    cache: bool | str = True
    diagnose: bool = True
    #: write ``<out_dir>/<lesson id>/analysis.json`` as well as the store
    out_dir: str | None = None
    #: analyse lessons again even when their result is stored for the same inputs and detectors
    force: bool = False
    #: a lesson's thread budget, the cores its detectors use at once (None: on the embedded cluster the
    #: cores divided among ``workers``, else 2; on a cluster each worker's threads / its lesson slots)
    threads_per_lesson: int | None = None
    #: how many times a lesson's worker may die before the lesson fails (embedded cluster)
    worker_losses: int = 2
    #: seconds between the heartbeats this process writes for its running jobs (``jobs.table.HEARTBEAT``)
    heartbeat: float = HEARTBEAT
    #: the grace period: a job ``running`` elsewhere whose heartbeat is older is taken over (attempt
    #: counted); a fresher one is left to its runner (``jobs.table.STALE_AFTER``, ``serve --job-grace``)
    grace: float = STALE_AFTER
    #: wait for the lessons running elsewhere to end (taking over any whose runner goes silent)
    wait: bool = False
    #: with ``wait``, stop waiting after this many seconds (None: until every lesson is settled); the
    #: lessons still running elsewhere then stay in the summary's ``elsewhere``
    wait_limit: float | None = None


@attrs.frozen
class BatchProgress:
    """Where a running batch stands (given to the progress callback about 5 times a second)."""

    total: int
    done: int
    failed: int
    running: int
    skipped: int
    elapsed: float
    #: seconds left at the rate of the lessons the workers finished so far (None before the first)
    eta: float | None = None


@attrs.frozen
class Failure:
    lesson_id: str
    error: str


@attrs.frozen
class Elsewhere:
    """A lesson of the batch whose job another process runs (a web server, another ``batch``) with a fresh
    heartbeat: left to it. ``worker``: who took it (``batch:HOST:PID``, ``web:HOST:PID``, a Dask worker)."""

    lesson_id: str
    worker: str
    since: dt.datetime | None = None
    heartbeat: dt.datetime | None = None


@attrs.frozen
class BatchSummary:
    """What a batch did. ``analysed``: lessons analysed and stored by this run; ``skipped``: already
    stored for the same inputs and detectors; ``failed``: with their one-line errors."""

    batch: str
    lessons: int
    analysed: tuple[str, ...]
    skipped: tuple[str, ...]
    failures: tuple[Failure, ...]
    seconds: float
    #: seconds the workers spent analysing (the sum over lessons)
    analysis_seconds: float
    workers: int
    scheduler: str
    dashboard: str
    db: str
    #: where each analysed (or failed) lesson's CPU went on its worker, in the order they finished
    usage: tuple[LessonUsage, ...] = ()
    #: lessons left to the process that runs them (not done by this batch)
    elsewhere: tuple[Elsewhere, ...] = ()
    #: lessons whose job was running elsewhere but silent for the grace period: taken over and run here
    taken_over: tuple[str, ...] = ()
    #: lessons that were running elsewhere and that their runner finished while this batch waited
    done_elsewhere: tuple[str, ...] = ()

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of the workers' processes while they analysed the lessons (the sum)."""
        return sum(u.cpu for u in self.usage)

    @property
    def threads_per_lesson(self) -> tuple[int, ...]:
        """The thread budgets the lessons had (one value unless workers differ)."""
        return tuple(sorted({u.threads for u in self.usage}))

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(f.lesson_id for f in self.failures)


Progress = Callable[[BatchProgress], None]
Info = Callable[[str], None]


def _ignore(_: Any) -> None:
    pass


def batch(manifest: str | Path | Sequence[LessonSpec], client: Any = None, db: str | None = None, *,
          workers: int | None = None, scheduler: str | None = None, options: BatchOptions | None = None,
          progress: Progress | None = None, info: Info | None = None, task: Task = run_lesson,
          name: str | None = None) -> BatchSummary:
    """Analyse every lesson of ``manifest`` (a CSV/YAML manifest, a folder of lesson folders, or
    :class:`LessonSpec` objects) on Dask and store the results in ``db``.

    Runs on ``client`` (an existing ``distributed.Client``), else on the scheduler at ``scheduler``,
    else on an embedded LocalCluster of ``workers`` processes. ``info`` receives one-line notes
    (the dashboard's address); ``progress`` a :class:`BatchProgress` as lessons finish.

    Example::

        summary = lessonlens.batch("term.csv", db="lessons.sqlite", workers=4)
        summary.analysed, summary.skipped, summary.failures
    """
    specs = list(manifest) if not isinstance(manifest, str | Path) else read_manifest(manifest)
    label = name if name is not None else (str(manifest) if isinstance(manifest, str | Path) else "python")
    with open_store(db) as store:
        return run_specs(store, specs, label, client=client, workers=workers, scheduler=scheduler,
                         options=options or BatchOptions(), progress=progress, info=info, task=task)


def run_jobs(db: str | None = None, jobs: Sequence[int | str] | None = None, client: Any = None, *,
             workers: int | None = None, scheduler: str | None = None, options: BatchOptions | None = None,
             progress: Progress | None = None, info: Info | None = None, task: Task = run_lesson) -> BatchSummary:
    """Analyse the queued jobs of the jobs table (or the jobs named: queued, done or failed), e.g. those
    the web application submitted or ``lessonlens jobs retry`` queued again. Each is claimed first
    (:func:`~lessonlens.jobs.table.claim_on`): one a web server or another ``run_jobs`` took meanwhile,
    or a named one running elsewhere, is left to it."""
    with open_store(db) as store:
        if jobs:
            chosen = [j for j in (get_job(store, x) for x in jobs) if j is not None]
        else:
            chosen = list_jobs(store, JobState.QUEUED)
        worker = taker()
        opts = options or BatchOptions()
        with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            again: dict[str, list[LessonSpec]] = {}
            for job in chosen:
                if job.state in (JobState.DONE, JobState.FAILED):
                    again.setdefault(job.batch, []).append(job.spec)
            for name, group in again.items():
                submit_jobs_on(conn, group, name)
            # a named job running elsewhere is left to its runner, unless silent for the grace period
            taken = set(claim_on(conn, [j.lesson_id for j in chosen], worker, stale_after=opts.grace))
        specs = [j.spec for j in sorted(chosen, key=lambda j: j.id) if j.lesson_id in taken]
        options = attrs.evolve(opts, force=True)
        return run_specs(store, specs, "jobs", client=client, workers=workers, scheduler=scheduler,
                         options=options, progress=progress, info=info, task=task, claimed=worker)


def taker() -> str:
    """How this process names itself as the taker of the jobs it claims (``batch:HOST:PID``)."""
    return f"batch:{socket.gethostname()}:{os.getpid()}"


def _stored(store: Store, lesson_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    with store.engine.connect() as conn:
        for part in chunks(list(lesson_ids)):
            found.update(conn.scalars(select(lesson_table.c.id).where(lesson_table.c.id.in_(part))))
    return found


def run_specs(store: Store, specs: Sequence[LessonSpec], label: str, *, client: Any = None,
              workers: int | None = None, scheduler: str | None = None, options: BatchOptions = BatchOptions(),
              progress: Progress | None = None, info: Info | None = None, task: Task = run_lesson,
              claimed: str | None = None) -> BatchSummary:
    """The batch itself on an open store (see :func:`batch`). ``claimed``: the taker that already
    claimed the specs' jobs (``run_jobs``); else they are queued and claimed here, in one transaction.
    With ``options.wait``, the lessons running elsewhere are waited for: each one whose job ends or
    goes silent is looked at again (done with the same inputs: skipped; else claimed or taken over), for
    at most ``options.wait_limit`` seconds when it is set."""
    clock = time.perf_counter()
    info = info or _ignore
    run = functools.partial(_round, store, label=label, client=client, workers=workers, scheduler=scheduler,
                            options=options, progress=progress, info=info, task=task)
    summary = run(specs, claimed=claimed)
    if claimed is not None or not options.wait:
        return summary
    by_id = {s.lesson_id: s for s in specs}
    waiting = {e.lesson_id: e for e in summary.elsewhere}
    analysed, failures = list(summary.analysed), list(summary.failures)
    taken_over, usage = list(summary.taken_over), list(summary.usage)
    done_elsewhere: list[str] = []
    analysis_seconds = summary.analysis_seconds
    every = max(0.2, min(options.heartbeat, options.grace / 6))
    lang = current_lang()
    told = 0
    deadline = None if options.wait_limit is None else time.monotonic() + options.wait_limit
    while waiting:
        if len(waiting) != told:  # once, and again when the number changes
            told = len(waiting)
            info(_WAITING.format(lang, n=told))
        if deadline is not None and time.monotonic() >= deadline:
            info(_WAIT_OVER.format(lang, n=len(waiting)))
            break
        time.sleep(every if deadline is None else max(0.0, min(every, deadline - time.monotonic())))
        jobs = {j.lesson_id: j for j in list_jobs(store, lesson_ids=sorted(waiting))}
        silent_ids = {j.lesson_id for j in stale_jobs(store, options.grace, lesson_ids=sorted(waiting))}
        moved = sorted(i for i in waiting if i not in jobs or jobs[i].state is not JobState.RUNNING
                       or i in silent_ids)
        if not moved:
            continue
        again = run([by_id[i] for i in moved])
        for i in moved:
            del waiting[i]
        waiting.update((e.lesson_id, e) for e in again.elsewhere)
        analysed += again.analysed
        failures += again.failures
        taken_over += again.taken_over
        done_elsewhere += again.skipped
        usage += again.usage
        analysis_seconds += again.analysis_seconds
    return attrs.evolve(summary, analysed=tuple(analysed), failures=tuple(failures),
                        elsewhere=tuple(sorted(waiting.values(), key=lambda e: e.lesson_id)),
                        taken_over=tuple(taken_over), done_elsewhere=tuple(done_elsewhere), usage=tuple(usage),
                        seconds=time.perf_counter() - clock, analysis_seconds=analysis_seconds)


def running_elsewhere(conn: Connection, lesson_ids: Sequence[str]) -> list[Elsewhere]:
    """The jobs of these lessons that are ``running`` (for a process other than this one)."""
    found: list[Elsewhere] = []
    cols = (job_table.c.lesson_id, job_table.c.worker, job_table.c.started_at, job_table.c.heartbeat_at)
    for part in chunks(list(lesson_ids)):
        for lesson_id, worker, since, beat in conn.execute(select(*cols).where(
                job_table.c.lesson_id.in_(part), job_table.c.state == JobState.RUNNING.value)):
            found.append(Elsewhere(lesson_id, worker, as_utc(since), as_utc(beat)))
    return sorted(found, key=lambda e: lesson_ids.index(e.lesson_id))


def _round(store: Store, specs: Sequence[LessonSpec], *, label: str, client: Any, workers: int | None,
           scheduler: str | None, options: BatchOptions, progress: Progress | None, info: Info, task: Task,
           claimed: str | None = None) -> BatchSummary:
    """One pass over ``specs``: skip the stored, claim (or take over) the rest, run what was taken."""
    progress = progress or _ignore
    clock = time.perf_counter()
    lang = current_lang()
    manager = get_manager()
    known: dict[str, str] = {}
    prints: dict[str, Fingerprints] = {}
    failures: dict[str, str] = {}
    for spec in specs:
        pipeline = pipeline_fingerprint(spec, options.detectors, options.coder, options.interval, manager)
        try:
            prints[spec.lesson_id] = Fingerprints(inputs_fingerprint(spec, known), pipeline)
        except InputError as exc:  # a missing or unreadable file: this lesson fails, the others go on
            failures[spec.lesson_id] = exc.message(lang)
            prints[spec.lesson_id] = Fingerprints("", pipeline)
    ids = [s.lesson_id for s in specs]
    with store.engine.connect() as conn:
        states = fingerprints_on(conn, ids)
    stored = _stored(store, ids)
    skipped = tuple(i for i in ids if not options.force and i not in failures and i in stored
                    and states.get(i) == (JobState.DONE, prints[i]))
    todo = [s for s in specs if s.lesson_id not in skipped and s.lesson_id not in failures]
    elsewhere: list[Elsewhere] = []
    taken_over: list[str] = []
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        if claimed is None:
            worker = taker()
            wanted = [s for s in specs if s.lesson_id not in skipped]
            # queue them, claim them, in one transaction: no other taker can get them first. A job
            # running elsewhere is left to its runner (not queued again), unless it has been silent
            # for the grace period: then it is taken over, its lost attempt kept and this one counted
            submit_jobs_on(conn, wanted, label, prints, keep_running=True)
            wanted_ids = [s.lesson_id for s in wanted]
            taken_over = take_over_on(conn, wanted_ids, worker, options.grace)
            relabel_on(conn, [s for s in wanted if s.lesson_id in taken_over], label, prints)
            taken = set(claim_on(conn, [s.lesson_id for s in todo], worker)) | set(taken_over)
            elsewhere = running_elsewhere(conn, [i for i in wanted_ids if i not in taken])
            busy = {e.lesson_id for e in elsewhere}
            todo = [s for s in todo if s.lesson_id in taken]
            taken_over = [i for i in taken_over if i not in failures]
            failures = {i: e for i, e in failures.items() if i not in busy}
        else:
            record_fingerprints_on(conn, {s.lesson_id: prints[s.lesson_id] for s in specs})
        mark_finished_on(conn, [{"lesson_id": i, "state": JobState.FAILED, "error": e} for i, e in failures.items()])
    if elsewhere:
        info(_ELSEWHERE.format(lang, n=len(elsewhere)))
    tracker = _Tracker(store, options, total=len(todo) + len(failures), skipped=len(skipped),
                       failed=len(failures), progress=progress, clock=clock)
    tracker.claimed = frozenset(s.lesson_id for s in todo)
    info_out = None
    if todo:
        with dask_client(client, scheduler, workers, options.threads_per_lesson, options.worker_losses) as dask:
            info_out = cluster_info(dask, embedded=client is None and not scheduler)
            if info_out.dashboard:
                info(f"Dask dashboard: {info_out.dashboard}")
            tracker.slots = info_out.slots
            # the claimed jobs' heartbeat (waiting for a worker or running), so a web server elsewhere
            # leaves them to this batch
            try:
                with Heartbeat(store, tracker.unfinished, options.heartbeat, name="lessonlens-batch-heartbeat"):
                    tracker.run(dask, todo, task, TaskOptions(
                        detectors=options.detectors, coder=options.coder, interval=options.interval,
                        cache=options.cache, diagnose=options.diagnose, lang=lang,
                        threads=options.threads_per_lesson), info_out.resources)
            except BaseException:  # Ctrl-C, the scheduler lost: the next run (anywhere) takes them at once
                with contextlib.suppress(Exception), \
                        store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                    release_on(conn, tracker.unfinished())
                raise
    failures.update(tracker.failures)
    return BatchSummary(
        batch=label, lessons=len(specs), analysed=tuple(tracker.analysed), skipped=skipped,
        failures=tuple(Failure(i, failures[i]) for i in ids if i in failures),
        seconds=time.perf_counter() - clock, analysis_seconds=tracker.analysis_seconds,
        workers=info_out.workers if info_out else 0, scheduler=info_out.scheduler if info_out else "",
        dashboard=info_out.dashboard if info_out else "", db=store.display_url, usage=tuple(tracker.usage),
        elsewhere=tuple(elsewhere), taken_over=tuple(taken_over))


class _Tracker:
    """Submits the lessons, follows their start events and results, and writes them to the store."""

    def __init__(self, store: Store, options: BatchOptions, total: int, skipped: int, failed: int,
                 progress: Progress, clock: float) -> None:
        self.store = store
        self.options = options
        self.total = total
        self.skipped = skipped
        self.failed_before = failed
        self.progress = progress
        self.clock = clock
        self.analysed: list[str] = []
        self.failures: dict[str, str] = {}
        self.analysis_seconds = 0.0
        self.usage: list[LessonUsage] = []
        self.starts: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.running: set[str] = set()
        self.finished: set[str] = set()
        #: the lessons whose jobs this batch claimed, and those a worker started at least once
        self.claimed: frozenset[str] = frozenset()
        self.started: set[str] = set()
        #: Dask key -> lesson id
        self.keys: dict[str, str] = {}
        self.submitted = 0.0
        #: lessons the cluster runs at once (its workers)
        self.slots = 0

    def unfinished(self) -> list[str]:
        """The claimed jobs not finished yet (their heartbeat is this batch's to write)."""
        return [i for i in self.claimed if i not in self.finished]

    def report(self) -> None:
        now = time.perf_counter()
        worked = len(self.analysed) + len(self.failures)
        left = self.total - self.failed_before - worked
        eta = (now - self.submitted) / worked * left if worked and self.submitted else None
        self.progress(BatchProgress(total=self.total, done=len(self.analysed),
                                    failed=self.failed_before + len(self.failures),
                                    # a start may be heard before the previous lesson's result on that worker
                                    running=min(len(self.running), self.slots or len(self.running)),
                                    skipped=self.skipped, elapsed=now - self.clock, eta=eta))

    def run(self, client: Any, specs: Sequence[LessonSpec], task: Task, options: TaskOptions,
            resources: bool) -> None:
        from distributed import as_completed

        client.subscribe_topic(START_TOPIC, self.starts.put)
        try:
            token = uuid.uuid4().hex[:8]
            extra = {"resources": {RESOURCE: 1}} if resources else {}
            keys = [f"lesson-{token}-{i}" for i in range(len(specs))]
            self.keys.update(zip(keys, (s.lesson_id for s in specs), strict=True))
            # one graph for the whole batch: a submit per lesson costs ~1 ms of client time each
            futures = client.map(task, specs, [options] * len(specs), key=keys, pure=False, **extra)
            self.submitted = time.perf_counter()
            self.report()
            completed = as_completed(futures, with_results=True, raise_errors=False)  # type: ignore[no-untyped-call]
            left = len(futures)
            pending: list[LessonOutcome] = []
            interrupted = 0
            first = last = 0.0
            while left or pending:
                done = completed.next_batch(block=False) if left else []  # type: ignore[no-untyped-call]
                now = time.perf_counter()
                for future, result in done:
                    outcome = self.outcome_of(future, result)
                    if outcome is None:
                        interrupted += 1
                    else:
                        pending.append(outcome)
                    future.release()
                left -= len(done)
                if done and not first:
                    first = now
                # results arriving together share a transaction: one per lesson would cap a big
                # district at a few hundred lessons a second on SQLite
                if pending and (not left or interrupted or len(pending) >= FLUSH_LESSONS
                                or now - first >= FLUSH_SECONDS):
                    self.write(pending)
                    pending, first = [], 0.0
                    self.report()
                if interrupted:
                    raise LessonlensError(_INTERRUPTED, n=interrupted + left)
                if not done:
                    time.sleep(0.05)
                    if now - last > 0.2:
                        self.flush_starts()
                        self.report()
                        last = now
        finally:
            with contextlib.suppress(Exception):  # the scheduler may be gone
                client.unsubscribe_topic(START_TOPIC)

    def _started(self) -> list[tuple[str, str, Any, bool]]:
        import datetime as dt

        started = []
        while True:
            try:
                event = self.starts.get_nowait()
            except queue.Empty:
                break
            msg = event[1] if isinstance(event, tuple) else event
            if isinstance(msg, dict) and msg.get("lesson_id") not in self.finished:
                lesson_id = msg["lesson_id"]
                self.running.add(lesson_id)
                # a start after the first: its worker died and the scheduler started it anew
                started.append((lesson_id, str(msg.get("worker", "")),
                                dt.datetime.fromtimestamp(float(msg.get("t", time.time())), dt.UTC),
                                lesson_id in self.started))
                self.started.add(lesson_id)
        return started

    def flush_starts(self) -> None:
        started = self._started()
        if started:
            with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                mark_started_on(conn, started)

    def write(self, outcomes: Sequence[LessonOutcome]) -> None:
        """Store the lessons that succeeded and mark every job, all in one transaction."""
        started = self._started()
        prepared = []
        rows = []
        for outcome in outcomes:
            self.finished.add(outcome.lesson_id)
            self.running.discard(outcome.lesson_id)
            self.analysis_seconds += outcome.seconds
            if outcome.usage is not None:
                self.usage.append(outcome.usage)
            row: dict[str, Any] = {"lesson_id": outcome.lesson_id, "worker": outcome.worker,
                                   "seconds": outcome.seconds}
            if outcome.prepared is not None and outcome.ok:
                row.update(state=JobState.DONE, output=self.save_document(outcome))
                prepared.append(outcome.prepared)
            else:
                row.update(state=JobState.FAILED, error=outcome.error or "-")
            rows.append(row)
        with self.store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            mark_started_on(conn, started)
            write_lessons(conn, prepared)
            mark_finished_on(conn, rows)
        for row in rows:
            if row["state"] is JobState.DONE:
                self.analysed.append(row["lesson_id"])
            else:
                self.failures[row["lesson_id"]] = row["error"]

    def outcome_of(self, future: Any, result: Any) -> LessonOutcome | None:
        """The lesson's outcome; ``None`` when the future was cancelled (the scheduler is gone)."""
        from distributed import KilledWorker

        if isinstance(result, LessonOutcome):
            return result
        if future.status == "cancelled" or future.cancelled():
            return None
        detail = " ".join(str(result).split()) or "-"
        error = (_LOST.format(n=self.options.worker_losses + 1, error=detail)
                 if isinstance(result, KilledWorker) else f"{type(result).__name__}: {detail}")
        return LessonOutcome(self.keys[str(future.key)], error=error)

    def save_document(self, outcome: LessonOutcome) -> str:
        if not self.options.out_dir:
            return ""
        folder = Path(self.options.out_dir) / outcome.lesson_id
        write_text_atomic(folder / "analysis.json", outcome.document + "\n")
        return str(folder)
