"""The jobs table: submit lessons, follow their state, mark them, retry them.

One row per lesson id (``store.models.JobRow``). A job goes ``queued -> running -> done | failed``;
every taker (a web server, ``run_jobs``, ``batch``) moves it from ``queued`` to ``running`` with
:func:`claim_on` alone, so no job is taken twice; ``attempts`` counts its starts (a worker lost
mid-lesson starts it again). Whoever runs a job (a web
server, ``lessonlens batch``) writes its ``heartbeat_at`` every :data:`HEARTBEAT` seconds
(:class:`Heartbeat`); a ``running`` job silent for :data:`STALE_AFTER` seconds has lost its runner
(:func:`stale_jobs`), one beaten recently is still running somewhere, maybe on another machine. Every function takes an
open :class:`~lessonlens.store.api.Store` and runs in one transaction of its own; the ``*_on``
variants work on a connection whose transaction the caller owns (the batch runner stores a
lesson's result and marks its job done in one transaction).

    from lessonlens.jobs import submit_job, list_jobs, JobState
    from lessonlens.store import open_store

    with open_store(db) as store:
        job_id = submit_job(store, spec)                # queued; the runner picks it up
        failed = list_jobs(store, JobState.FAILED)
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, func, or_, select, update

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.jobs.spec import LessonSpec, spec_from_json, spec_to_json
from lessonlens.store.api import Store
from lessonlens.store.db import WRITE
from lessonlens.store.ingest import chunks, dialect_insert
from lessonlens.store.models import job_table

#: longest error line kept (the rest is cut with an ellipsis)
ERROR_CHARS = 500
#: seconds between the heartbeats of a running job, written by whoever runs it
HEARTBEAT = 10.0
#: the grace period: a running job with no heartbeat for this many seconds has lost whoever ran it
#: (a machine that died, a killed server) and may be queued again; well above :data:`HEARTBEAT`
#: and the clock differences of the machines sharing the database
STALE_AFTER = 60.0
_log = logging.getLogger(__name__)
_NO_JOB = Text(zh="没有任务 {ids}", en="no job {ids}")


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@attrs.frozen
class Job:
    """A row of the jobs table. Times are UTC; ``seconds`` is the analysis time on the worker."""

    id: int
    lesson_id: str
    state: JobState = attrs.field(converter=JobState)
    spec: LessonSpec
    batch: str = ""
    attempts: int = 0
    error: str = ""
    worker: str = ""
    media_fingerprint: str = ""
    pipeline_fingerprint: str = ""
    submitted_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    seconds: float | None = None
    output: str = ""
    #: a running job's last heartbeat (:class:`Heartbeat`)
    heartbeat_at: dt.datetime | None = None


@attrs.frozen
class Fingerprints:
    """What a stored result was made from: the media content and the detectors (with their options)."""

    media: str = ""
    pipeline: str = ""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= ERROR_CHARS else line[:ERROR_CHARS - 1] + "…"


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; they were written as UTC
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def _job(row: Any) -> Job:
    return Job(id=row.id, lesson_id=row.lesson_id, state=row.state, spec=spec_from_json(row.spec), batch=row.batch,
               attempts=row.attempts, error=row.error, worker=row.worker, media_fingerprint=row.media_fingerprint,
               pipeline_fingerprint=row.pipeline_fingerprint, submitted_at=as_utc(row.submitted_at),
               started_at=as_utc(row.started_at), finished_at=as_utc(row.finished_at), seconds=row.seconds,
               output=row.output, heartbeat_at=as_utc(row.heartbeat_at))


def _write(store: Store) -> Connection:
    return store.engine.connect().execution_options(**{WRITE: True})


# -- submitting ------------------------------------------------------------------------------
def submit_jobs_on(conn: Connection, specs: Sequence[LessonSpec], batch: str = "",
                   fingerprints: Mapping[str, Fingerprints] | None = None, *,
                   keep_running: bool = False) -> dict[str, int]:
    """Queue ``specs`` (a lesson already in the table is queued again with the new spec); lesson id -> job id.
    ``keep_running``: a job ``running`` when the row is written is left as it is (``batch``: whoever runs
    it keeps it; a stale one is taken over by :func:`claim_on` with its attempts counted). The condition
    is in the UPDATE itself, so a job another taker claims meanwhile is left too (PostgreSQL re-checks
    it once the other transaction commits)."""
    fingerprints = fingerprints or {}
    at = now()
    ids = sorted({s.lesson_id for s in specs})
    existing: set[str] = set()
    for part in chunks(ids):
        existing.update(conn.scalars(select(job_table.c.lesson_id).where(job_table.c.lesson_id.in_(part))))
    rows = []
    for spec in {s.lesson_id: s for s in specs}.values():
        prints = fingerprints.get(spec.lesson_id, Fingerprints())
        rows.append({"lesson_id": spec.lesson_id, "batch": batch, "state": JobState.QUEUED.value,
                     "spec": spec_to_json(spec), "media_fingerprint": prints.media,
                     "pipeline_fingerprint": prints.pipeline, "attempts": 0, "error": "", "worker": "",
                     "submitted_at": at, "started_at": None, "finished_at": None, "seconds": None, "output": "",
                     "heartbeat_at": None})
    new = [r for r in rows if r["lesson_id"] not in existing]
    inserted: set[str] = set()
    if new:  # a job another taker inserted meanwhile (PostgreSQL) is one to update, below
        inserted.update(conn.scalars(dialect_insert(conn, job_table).on_conflict_do_nothing(
            index_elements=["lesson_id"]).returning(job_table.c.lesson_id), new))
    old = [{**r, "key": r["lesson_id"]} for r in rows if r["lesson_id"] not in inserted]
    if old:
        values: dict[str, Any] = {k: bindparam(k) for k in rows[0] if k != "lesson_id"}
        where = [job_table.c.lesson_id == bindparam("key")]
        if keep_running:
            where.append(job_table.c.state != JobState.RUNNING.value)
        conn.execute(update(job_table).where(*where).values(values), old)
    found: dict[str, int] = {}
    for part in chunks(ids):
        found.update((row.lesson_id, row.id) for row in conn.execute(
            select(job_table.c.lesson_id, job_table.c.id).where(job_table.c.lesson_id.in_(part))))
    return found


def submit_jobs(store: Store, specs: Sequence[LessonSpec], batch: str = "",
                fingerprints: Mapping[str, Fingerprints] | None = None) -> dict[str, int]:
    """Queue several lessons in one transaction; return lesson id -> job id."""
    with _write(store) as conn, conn.begin():
        return submit_jobs_on(conn, specs, batch, fingerprints)


def submit_job(store: Store, spec: LessonSpec, batch: str = "web") -> int:
    """Queue one lesson (again, if it has a job already); return its job id."""
    return submit_jobs(store, [spec], batch)[spec.lesson_id]


# -- reading ---------------------------------------------------------------------------------
def list_jobs(store: Store, state: JobState | str | None = None, *, batch: str | None = None,
              lesson_ids: Sequence[str] | None = None, limit: int | None = None) -> list[Job]:
    """Jobs, newest submission first, optionally of one state, one batch or some lessons."""
    query = select(job_table)
    if state is not None:
        query = query.where(job_table.c.state == JobState(state).value)
    if batch is not None:
        query = query.where(job_table.c.batch == batch)
    query = query.order_by(job_table.c.submitted_at.desc(), job_table.c.id.desc())
    with store.engine.connect() as conn:
        if lesson_ids is None:
            return [_job(row) for row in conn.execute(query.limit(limit))]
        jobs: list[Job] = []
        for part in chunks(list(dict.fromkeys(lesson_ids))):
            jobs.extend(_job(row) for row in conn.execute(query.where(job_table.c.lesson_id.in_(part))))
        return jobs[:limit] if limit is not None else jobs


def get_job(store: Store, job: int | str) -> Job | None:
    """The job with this id (an int, or digits) or of this lesson id."""
    with store.engine.connect() as conn:
        row = conn.execute(select(job_table).where(job_table.c.lesson_id == str(job))).first()
        if row is None and str(job).isdigit():
            row = conn.execute(select(job_table).where(job_table.c.id == int(job))).first()
    return None if row is None else _job(row)


def job_counts(store: Store, batch: str | None = None) -> dict[JobState, int]:
    """How many jobs are in each state (every state present, 0 when none)."""
    query = select(job_table.c.state, func.count()).group_by(job_table.c.state)
    if batch is not None:
        query = query.where(job_table.c.batch == batch)
    counts = dict.fromkeys(JobState, 0)
    with store.engine.connect() as conn:
        for state, n in conn.execute(query):
            counts[JobState(state)] = n
    return counts


def fingerprints_on(conn: Connection, lesson_ids: Sequence[str]) -> dict[str, tuple[JobState, Fingerprints]]:
    """State and fingerprints of the jobs of these lessons (lessons without a job are left out)."""
    found: dict[str, tuple[JobState, Fingerprints]] = {}
    cols = (job_table.c.lesson_id, job_table.c.state, job_table.c.media_fingerprint, job_table.c.pipeline_fingerprint)
    for part in chunks(list(dict.fromkeys(lesson_ids))):
        for lesson_id, state, media, pipeline in conn.execute(select(*cols).where(job_table.c.lesson_id.in_(part))):
            found[lesson_id] = (JobState(state), Fingerprints(media, pipeline))
    return found


# -- marking ---------------------------------------------------------------------------------
def _update_many(conn: Connection, rows: Sequence[dict[str, Any]], values: dict[str, Any]) -> None:
    if rows:
        conn.execute(update(job_table).where(job_table.c.lesson_id == bindparam("key")).values(values), list(rows))


def silent(after: float) -> ColumnElement[bool]:
    """The rule for a ``running`` job whose runner is gone: no heartbeat for ``after`` seconds (its
    start is taken for a job that never beat). One rule for every reader: :func:`stale_jobs` (a web
    server's look) and :func:`claim_on` (``batch`` taking such a job over)."""
    last = func.coalesce(job_table.c.heartbeat_at, job_table.c.started_at)
    return and_(job_table.c.state == JobState.RUNNING.value,
                or_(last.is_(None), last < now() - dt.timedelta(seconds=after)))


def _take(conn: Connection, lesson_ids: Iterable[str], worker: str, when: ColumnElement[bool]) -> list[str]:
    at = now()
    taken: list[str] = []
    for part in chunks(sorted(set(lesson_ids))):
        taken.extend(conn.scalars(
            update(job_table).where(job_table.c.lesson_id.in_(part), when)
            .values(state=JobState.RUNNING.value, worker=worker, attempts=job_table.c.attempts + 1, error="",
                    started_at=at, heartbeat_at=at, finished_at=None, seconds=None)
            .returning(job_table.c.lesson_id)))
    return sorted(taken)


def claim_on(conn: Connection, lesson_ids: Iterable[str], worker: str, *,
             stale_after: float | None = None) -> list[str]:
    """Take these jobs for ``worker`` if they are still ``queued`` (or, with ``stale_after``, ``running``
    but :func:`silent` that long: taken over); return the lesson ids taken.

    The one way a job goes to ``running`` (web servers, ``run_jobs``, ``batch``): a conditional
    ``UPDATE ... WHERE state = 'queued' ... RETURNING``, atomic on SQLite (one writer at a time) and
    PostgreSQL (a second taker waits for the row lock, then re-checks the condition on the row the
    first one wrote: no longer queued, and beaten just now), so two takers never both get a job. A
    taken job is ``running``, one more attempt, started and beaten now; a job running with a fresh
    heartbeat is never taken."""
    when = job_table.c.state == JobState.QUEUED.value
    return _take(conn, lesson_ids, worker, when if stale_after is None else or_(when, silent(stale_after)))


def take_over_on(conn: Connection, lesson_ids: Iterable[str], worker: str, after: float = STALE_AFTER) -> list[str]:
    """Take only those of these jobs that are ``running`` but :func:`silent` for ``after`` seconds (the
    attempt the lost runner had is kept, this one is counted); the lesson ids taken over."""
    return _take(conn, lesson_ids, worker, silent(after))


def claim_jobs(store: Store, lesson_ids: Iterable[str], worker: str = "", *,
               stale_after: float | None = None) -> list[str]:
    """:func:`claim_on` in a transaction of its own."""
    with _write(store) as conn, conn.begin():
        return claim_on(conn, lesson_ids, worker, stale_after=stale_after)


def relabel_on(conn: Connection, specs: Sequence[LessonSpec], batch: str,
               fingerprints: Mapping[str, Fingerprints]) -> None:
    """The spec, batch and fingerprints of these lessons' jobs, leaving their state and attempts
    (a job taken over keeps its count)."""
    rows = [{"key": s.lesson_id, "sp": spec_to_json(s), "b": batch,
             "m": fingerprints.get(s.lesson_id, Fingerprints()).media,
             "p": fingerprints.get(s.lesson_id, Fingerprints()).pipeline} for s in specs]
    _update_many(conn, rows, {"spec": bindparam("sp"), "batch": bindparam("b"), "media_fingerprint": bindparam("m"),
                              "pipeline_fingerprint": bindparam("p")})


def mark_started_on(conn: Connection, started: Iterable[tuple[str, str, dt.datetime, bool]]) -> None:
    """(lesson id, worker, start time, again) for claimed jobs a worker started: its worker, start and a
    heartbeat now; ``again`` (a lesson started anew after its worker died) counts one more attempt.
    Only ``running`` jobs change: this records a start, it never takes a job (:func:`claim_on` does)."""
    beat = now()
    for again in (False, True):
        rows = [{"key": lesson_id, "w": worker, "at": at} for lesson_id, worker, at, a in started if a is again]
        values: dict[str, Any] = {"worker": bindparam("w"), "started_at": bindparam("at"), "heartbeat_at": beat}
        if again:
            values["attempts"] = job_table.c.attempts + 1
        if rows:
            conn.execute(update(job_table).where(job_table.c.lesson_id == bindparam("key"),
                                                 job_table.c.state == JobState.RUNNING.value).values(values), rows)


def record_fingerprints_on(conn: Connection, fingerprints: Mapping[str, Fingerprints]) -> None:
    """What the results of these lessons' jobs will be made from (see :func:`fingerprints_on`)."""
    _update_many(conn, [{"key": k, "m": f.media, "p": f.pipeline} for k, f in sorted(fingerprints.items())],
                 {"media_fingerprint": bindparam("m"), "pipeline_fingerprint": bindparam("p")})


def beat_on(conn: Connection, lesson_ids: Iterable[str]) -> None:
    """The heartbeat of these jobs, now (only those still ``running``)."""
    at = now()
    ids = sorted(set(lesson_ids))
    for part in chunks(ids):
        conn.execute(update(job_table).where(job_table.c.lesson_id.in_(part),
                                             job_table.c.state == JobState.RUNNING.value).values(heartbeat_at=at))


def stale_jobs(store: Store, after: float = STALE_AFTER, *, batch: str | None = None,
               lesson_ids: Sequence[str] | None = None) -> list[Job]:
    """The ``running`` jobs (of ``batch``, of these lessons) with no heartbeat for ``after`` seconds
    (:func:`silent`; their start is taken for jobs that never beat: rows from before ``0009_job_heartbeat``)."""
    query = select(job_table).where(silent(after))
    if batch is not None:
        query = query.where(job_table.c.batch == batch)
    with store.engine.connect() as conn:
        if lesson_ids is None:
            return [_job(row) for row in conn.execute(query.order_by(job_table.c.id))]
        jobs: list[Job] = []
        for part in chunks(list(dict.fromkeys(lesson_ids))):
            jobs.extend(_job(row) for row in conn.execute(query.where(job_table.c.lesson_id.in_(part))))
        return sorted(jobs, key=lambda j: j.id)


class Heartbeat:
    """A daemon thread that writes the heartbeat of the jobs ``running()`` names every ``every``
    seconds, then calls ``also()`` (e.g. a server's look for stale jobs), until :meth:`stop`.
    A failed write (the database busy or away) is tried again at the next beat."""

    def __init__(self, store: Store, running: Callable[[], Iterable[str]], every: float = HEARTBEAT,
                 also: Callable[[], object] | None = None, name: str = "lessonlens-heartbeat") -> None:
        self.store = store
        self.running = running
        self.every = every
        self.also = also
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                ids = list(self.running())
                if ids:
                    with _write(self.store) as conn, conn.begin():
                        beat_on(conn, ids)
                if self.also is not None:
                    self.also()
            except Exception:  # the next beat tries again; a job goes stale only after many misses
                _log.warning("job heartbeat", exc_info=True)


def release_on(conn: Connection, lesson_ids: Iterable[str]) -> None:
    """Put these ``running`` jobs back in the queue without counting their attempt (a batch interrupted
    before their results came: Ctrl-C, the scheduler lost); the next taker claims them at once."""
    _update_many(conn, [{"key": i} for i in sorted(set(lesson_ids))], {
        "state": case((job_table.c.state == JobState.RUNNING.value, JobState.QUEUED.value), else_=job_table.c.state),
        "attempts": case((and_(job_table.c.state == JobState.RUNNING.value, job_table.c.attempts > 0),
                          job_table.c.attempts - 1), else_=job_table.c.attempts),
        "heartbeat_at": case((job_table.c.state == JobState.RUNNING.value, None), else_=job_table.c.heartbeat_at)})


def mark_finished_on(conn: Connection, finished: Iterable[Mapping[str, Any]]) -> None:
    """Jobs that ended: mappings with ``lesson_id``, ``state`` (done/failed), and optionally ``error``,
    ``worker``, ``seconds``, ``output``, ``finished_at``."""
    at = now()
    rows = [{"key": f["lesson_id"], "s": JobState(f["state"]).value, "e": one_line(f.get("error", "")),
             "w": f.get("worker", ""), "sec": f.get("seconds"), "out": f.get("output", ""),
             "at": f.get("finished_at") or at} for f in finished]
    _update_many(conn, rows, {"state": bindparam("s"), "error": bindparam("e"), "seconds": bindparam("sec"),
                              "output": bindparam("out"), "finished_at": bindparam("at"),
                              "worker": func.coalesce(func.nullif(bindparam("w"), ""), job_table.c.worker)})


def mark_running(store: Store, lesson_id: str, worker: str = "") -> bool:
    """Take one queued job (:func:`claim_jobs`); whether it was taken."""
    return bool(claim_jobs(store, [lesson_id], worker))


def mark_done(store: Store, lesson_id: str, *, worker: str = "", seconds: float | None = None,
              output: str = "") -> None:
    with _write(store) as conn, conn.begin():
        mark_finished_on(conn, [{"lesson_id": lesson_id, "state": JobState.DONE, "worker": worker,
                                 "seconds": seconds, "output": output}])


def mark_failed(store: Store, lesson_id: str, error: str, *, worker: str = "", seconds: float | None = None) -> None:
    with _write(store) as conn, conn.begin():
        mark_finished_on(conn, [{"lesson_id": lesson_id, "state": JobState.FAILED, "error": error,
                                 "worker": worker, "seconds": seconds}])


def retry(store: Store, jobs: Sequence[int | str] = (), *, failed: bool = False) -> list[Job]:
    """Queue jobs again (by id or lesson id, and/or every failed one); unknown ids refuse the call."""
    found = [get_job(store, j) for j in jobs]
    missing = [str(j) for j, job in zip(jobs, found, strict=True) if job is None]
    if missing:
        raise InputError(_NO_JOB, ids=", ".join(missing))
    chosen = {job.lesson_id: job for job in found if job is not None}
    if failed:
        chosen.update((job.lesson_id, job) for job in list_jobs(store, JobState.FAILED))
    with _write(store) as conn, conn.begin():
        _update_many(conn, [{"key": lesson_id} for lesson_id in sorted(chosen)],
                     {"state": JobState.QUEUED.value, "error": "", "attempts": 0, "submitted_at": now(),
                      "started_at": None, "finished_at": None, "seconds": None, "heartbeat_at": None})
    return list_jobs(store, lesson_ids=sorted(chosen))
