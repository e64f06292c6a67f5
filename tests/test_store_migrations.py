"""Schema migrations: empty database to head matches the models, down and up again, refusal of unknown revisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from store_support import BACKENDS, database_url

from lessonlens.core.errors import InputError
from lessonlens.store import migrate, open_store
from lessonlens.store.db import make_engine, resolve_url
from lessonlens.store.models import Base

TABLES = {"region", "school", "teacher", "lesson", "analysis", "rubric_result", "finding"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_database_to_head_matches_the_models(backend: str, tmp_path: Path) -> None:
    engine = make_engine(resolve_url(database_url(backend, tmp_path)))
    try:
        assert migrate.current_revision(engine) is None
        assert migrate.upgrade(engine) == migrate.head_revision()
        assert TABLES | {migrate.VERSION_TABLE} <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(context, Base.metadata)
                    if not (d[0] == "remove_table" and d[1].name == migrate.VERSION_TABLE)]
        assert diff == []
        assert migrate.upgrade(engine) == migrate.head_revision()  # idempotent
        assert migrate.downgrade(engine, "base") is None
        assert not TABLES & set(inspect(engine).get_table_names())
        assert migrate.upgrade(engine) == migrate.head_revision()
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_from_a_newer_lessonlens_is_refused(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    with open_store(url) as store, store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = 'ffff'"))
    with pytest.raises(InputError, match="newer"):
        open_store(url)


def test_init_on_an_empty_store_is_explicit_when_create_is_off(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "x.sqlite"), create=False) as store:
        assert store.revision() is None
        assert store.init() == migrate.head_revision()
