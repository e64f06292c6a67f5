"""Where the store lives and how to connect: URL resolution and engine set-up per database.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and write transactions start
with ``BEGIN IMMEDIATE`` so several processes writing at once queue instead of failing half way.
PostgreSQL (a school or district server) is reached through psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text

ENV_VAR = "LESSONLENS_DB"
#: seconds a writer waits for another process's write transaction before giving up
BUSY_TIMEOUT_S = 60.0
#: execution option that makes a SQLite transaction take the write lock when it begins
WRITE = "lessonlens_write"
_HOLDS_LOCK = "lessonlens_holds_write_lock"
#: ``PRAGMA application_id`` of a lessonlens store ("LLNS"): also the first write of a new file
APPLICATION_ID = 0x4C4C4E53

_BAD_URL = Text(zh="无法识别的数据库地址 {url}：{error}", en="not a usable database URL {url}: {error}")
_NO_PSYCOPG = Text(
    zh="连接 PostgreSQL 需要 psycopg：pip install 'lessonlens[store-postgres]'",
    en="PostgreSQL needs psycopg: pip install 'lessonlens[store-postgres]'",
)
_NO_FOLDER = Text(zh="无法创建课例库所在的文件夹：{error}", en="cannot create the store's folder: {error}")
_UNSUPPORTED = Text(
    zh="不支持的数据库 {backend}（支持 sqlite 与 postgresql）",
    en="unsupported database {backend} (use sqlite or postgresql)",
)


def default_path() -> Path:
    """The default SQLite file: in the user's data folder (XDG on Unix, LOCALAPPDATA on Windows)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "lessonlens" / "lessons.sqlite"


def resolve_url(db: str | None = None) -> URL:
    """The database URL: ``db`` if given, else ``$LESSONLENS_DB``, else the default SQLite file.

    A plain file path means SQLite; ``postgresql://`` URLs use the psycopg 3 driver.
    """
    raw = db or os.environ.get(ENV_VAR) or str(default_path())
    if "://" not in raw:
        return URL.create("sqlite", database=str(Path(raw).expanduser().absolute()))
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise InputError(_BAD_URL, url=raw, error=exc) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise InputError(_UNSUPPORTED, backend=backend)
    return url


def display_url(url: URL) -> str:
    """The URL as safe to print (password hidden)."""
    return url.render_as_string(hide_password=True)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        try:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(_NO_FOLDER, url.database, error=exc.strerror or exc) from None
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        _enter_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # in WAL mode NORMAL is corruption-safe; only the last commits may roll back on power loss
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # the write transactions of this process take turns on a lock first: SQLite's own busy handler
    # polls with growing sleeps, so under many threads some writers starve for tens of seconds
    writers = threading.RLock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # a deferred transaction that later writes can fail with SQLITE_BUSY without waiting;
        # an immediate one waits (busy timeout) for the write lock before it reads anything
        if not conn.get_execution_options().get(WRITE, False):
            conn.exec_driver_sql("BEGIN")
            return
        # bounded: past the busy timeout, go on and let SQLite decide (never a deadlock of our own)
        conn.info[_HOLDS_LOCK] = writers.acquire(timeout=BUSY_TIMEOUT_S)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _on_end(conn)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Any) -> None:
        if conn.info.pop(_HOLDS_LOCK, False):
            writers.release()

    return engine


def _enter_wal(cursor: Any) -> None:
    """Put the database in WAL mode, first giving a new (empty) file its first page.

    A WAL database whose file is still empty is only readable once its first write is
    checkpointed: processes opening a new store at once (batch workers, web processes) met
    "database is locked" on their very first read while another one migrated it. So a new file
    is written in rollback mode first (its application id), then switched to WAL; the few
    instants in which another process does the same are retried up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
                cursor.execute(f"PRAGMA application_id={APPLICATION_ID}")
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def read_only(engine: Engine) -> dict[str, Any]:
    """Execution options for a connection that only runs single-statement reads: on PostgreSQL no
    transaction (no ``BEGIN`` and ``ROLLBACK`` round trips around the one ``SELECT``, which counts when
    hundreds of autosaves a minute each check who is saving); SQLite is left as it is."""
    return {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` set up for the store (SQLite pragmas, psycopg driver)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ModuleNotFoundError, NoSuchModuleError):
        raise InputError(_NO_PSYCOPG) from None
