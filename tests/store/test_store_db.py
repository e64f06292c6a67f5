"""Where the store lives: URL resolution, the default file, and SQLite's settings for several writers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from lessonlens.core.errors import InputError, LessonlensError
from lessonlens.store import default_path, open_store, resolve_url
from lessonlens.store.db import APPLICATION_ID, display_url, make_engine


def test_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LESSONLENS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "lessonlens" / "lessons.sqlite"
    assert resolve_url().database == str(tmp_path / "data" / "lessonlens" / "lessons.sqlite")
    monkeypatch.setenv("LESSONLENS_DB", str(tmp_path / "env.sqlite"))
    assert resolve_url().database == str(tmp_path / "env.sqlite")
    assert resolve_url("other.sqlite").database == str(Path("other.sqlite").absolute())  # --db wins
    pg = resolve_url("postgresql://u:secret@db.school/lessons")
    assert pg.drivername == "postgresql+psycopg" and "secret" not in display_url(pg)
    assert resolve_url("postgresql+psycopg2://u@h/d").drivername == "postgresql+psycopg"
    with pytest.raises(InputError, match="unsupported database mysql"):
        resolve_url("mysql://u@h/d")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "s.sqlite")) as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 60000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA application_id")).scalar() == APPLICATION_ID


def test_a_new_store_file_is_written_before_it_turns_wal(tmp_path: Path) -> None:
    # an empty WAL file is unreadable to other processes until its first checkpoint: the first
    # page goes to the file itself, so a second process opening it at once can read it
    path = tmp_path / "new.sqlite"
    engine = make_engine(resolve_url(str(path)))
    with engine.connect():
        pass
    engine.dispose()
    assert path.stat().st_size > 0
    header = path.read_bytes()[:100]
    assert header[18:20] == bytes([2, 2])  # WAL read/write versions in the file header


def test_the_default_store_is_created_on_first_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LESSONLENS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_store() as store:
        assert store.lessons() == []
    assert default_path().exists()


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create the store's folder"):
        open_store(str(blocker / "sub" / "s.sqlite"))


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    not_db = tmp_path / "notes.sqlite"
    not_db.write_text("hello")
    with pytest.raises(LessonlensError, match=r"cannot open the lesson store .*not a database"):
        open_store(str(not_db))
