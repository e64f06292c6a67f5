"""The login rate limit: at most ``attempts`` failed sign-ins per account name and per client address
in ``window`` seconds, counted in the store's database (``login_failure``) so the limit holds across
every server process (uvicorn workers, several machines) sharing it.

Each sign-in first records itself as a failure for each of its keys (committed), then counts: an
attempt goes ahead only if the count, its own row included, is within the limit. Of attempts racing
from several processes at most ``attempts`` get through, whatever the interleaving, because each one
counts after its own row is committed. A sign-in that succeeds removes its rows (and the name's earlier
failures); a refused one removes its rows, so waiting is counted from real failures only.
"""

from __future__ import annotations

import datetime as dt

import attrs
from sqlalchemy import Connection, Engine, delete, func, insert, select

from lessonlens.store.db import WRITE
from lessonlens.store.platform_models import LoginFailure


@attrs.frozen
class Attempt:
    """One sign-in attempt: its rows, and how long to wait (0: go ahead and check the password)."""

    ids: tuple[int, ...]
    wait: float


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns: they were written in UTC
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@attrs.frozen
class LoginLimiter:
    engine: Engine
    attempts: int
    window: float

    def _write(self) -> Connection:
        return self.engine.connect().execution_options(**{WRITE: True})

    def start(self, *keys: str) -> Attempt:
        """Record an attempt under each key (``name:…``, ``ip:…``); refused ones are removed again."""
        moment = _now()
        cutoff = moment - dt.timedelta(seconds=self.window)
        keys = tuple(k[:300] for k in keys)
        with self._write() as conn, conn.begin():
            conn.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))
            ids = tuple(int(conn.execute(insert(LoginFailure).values(key=key, at=moment)
                                         .returning(LoginFailure.id)).scalar_one()) for key in keys)
        with self.engine.connect() as conn:
            rows = conn.execute(select(LoginFailure.key, func.count(), func.min(LoginFailure.at))
                                .where(LoginFailure.key.in_(keys), LoginFailure.at > cutoff)
                                .group_by(LoginFailure.key)).all()
        waits = [(_aware(oldest) - cutoff).total_seconds() for _, count, oldest in rows if count > self.attempts]
        if not waits:
            return Attempt(ids=ids, wait=0.0)
        self._remove(ids)
        return Attempt(ids=(), wait=max(0.001, *waits))

    def succeeded(self, attempt: Attempt, name_key: str) -> None:
        """The password was right: this attempt was no failure, and the name's failures are forgiven."""
        with self._write() as conn, conn.begin():
            conn.execute(delete(LoginFailure).where(LoginFailure.id.in_(attempt.ids)))
            conn.execute(delete(LoginFailure).where(LoginFailure.key == name_key[:300]))

    def _remove(self, ids: tuple[int, ...]) -> None:
        with self._write() as conn, conn.begin():
            conn.execute(delete(LoginFailure).where(LoginFailure.id.in_(ids)))
