"""Schema migrations: empty database to head matches the models, down and up again, refusal of unknown revisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from lessonlens.core.errors import InputError
from lessonlens.store import Store, migrate, open_store
from lessonlens.store.db import make_engine, resolve_url
from lessonlens.store.models import Base
from lessonlens.store.synthetic import synthetic_district
from tests.support.store import BACKENDS, database_url

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


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_older_store_is_refused_until_init_upgrades_it_and_fills_new_columns(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    lessons = synthetic_district(30, seed=7)
    with open_store(url) as store:
        store.add(lessons)
        migrate.downgrade(store.engine, "0001")  # as a store made by the first release looks
        assert "teacher_switches_per_10min" not in {c["name"] for c in inspect(store.engine).get_columns("analysis")}
    with pytest.raises(InputError, match="lessonlens store init"):
        open_store(url)
    with Store.connect(url) as store:  # what `lessonlens store init` does
        assert store.init() == migrate.head_revision()  # fills the new column from the documents
    with open_store(url) as store:
        values = {r.lesson_id: r.metrics["teacher_switches_per_10min"] for r in store.lessons()}
    assert values == {a.lesson.id: pytest.approx(a.metrics.scalars["teacher_switches_per_10min"])  # type: ignore[union-attr]
                      for a in lessons}


def test_init_on_an_empty_store_is_explicit_when_create_is_off(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    with pytest.raises(InputError, match="not a lesson store"):
        open_store(str(path), create=False)
    assert not path.exists()  # reading a store never creates one
    with Store.connect(str(path)) as store:
        assert store.revision() is None
        assert store.init() == migrate.head_revision()
    with open_store(str(path), create=False) as store:
        assert store.revision() == migrate.head_revision()
