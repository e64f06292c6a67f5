"""Schema migrations with alembic, configured in code: users never need an ``alembic.ini``.

:func:`upgrade` takes a database-wide lock first (``BEGIN IMMEDIATE`` on SQLite, an advisory lock
on PostgreSQL), so processes that open a new store at the same moment migrate it exactly once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from lessonlens.store.db import WRITE

VERSION_TABLE = "lessonlens_version"
MIGRATIONS = Path(__file__).with_name("migrations")
#: arbitrary constant: the PostgreSQL advisory lock key lessonlens migrations hold
_PG_LOCK_KEY = 7_301_982_446


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic configuration pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _locked(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` in one transaction; return the revision it ends at."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        _locked(conn)
        command.upgrade(alembic_config(conn), revision)
    return current_revision(engine)


def downgrade(engine: Engine, revision: str = "base") -> str | None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        _locked(conn)
        command.downgrade(alembic_config(conn), revision)
    return current_revision(engine)
