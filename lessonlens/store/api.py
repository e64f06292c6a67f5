"""The store's Python API: open a store, add and remove analyses, and query it.

    from lessonlens.store import LessonQuery, open_store

    with open_store() as store:                       # $LESSONLENS_DB or the default SQLite file
        store.add_files(["lesson1.analysis.json"])
        period = store.teacher_period("王老师", LessonQuery(date_from=date(2026, 9, 1)))
        district = store.portrait(LessonQuery(region="海淀区"))
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

import attrs
from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError, LessonlensError
from lessonlens.core.i18n import Text
from lessonlens.files.documents import load, loads
from lessonlens.store import migrate
from lessonlens.store.db import WRITE, display_url, make_engine, resolve_url
from lessonlens.store.export import table_rows
from lessonlens.store.ingest import add_analyses, remove_lessons
from lessonlens.store.models import analysis_table
from lessonlens.store.queries import (
    analyses,
    grouped_portraits,
    lesson_records,
    monthly,
    norms,
    portrait,
    trends,
)
from lessonlens.store.results import (
    AddResult,
    Comparison,
    LessonQuery,
    LessonRecord,
    MonthStats,
    Norms,
    Portrait,
    TeacherPeriod,
    TeacherSummary,
)
from lessonlens.tables.write import format_of, write_table

#: the query that matches every lesson
ALL = LessonQuery()

_NO_STORE = Text(zh="{url} 不是课例库（先运行 lessonlens store init 或 store add）",
                 en="{url} is not a lesson store (run `lessonlens store init` or `store add` first)")
_CANNOT_OPEN = Text(zh="无法打开课例库 {url}：{error}", en="cannot open the lesson store {url}: {error}")
_OUTDATED = Text(
    zh="课例库 {url} 的结构版本是 {current}，本版 lessonlens 需要 {head}：请运行 lessonlens store init 升级",
    en="the lesson store {url} is at schema revision {current}, this lessonlens needs {head}: "
       "run `lessonlens store init` to upgrade it",
)
_NEWER = Text(
    zh="课例库 {url} 的结构版本 {current} 比本版 lessonlens 新，请升级 lessonlens",
    en="the lesson store {url} has schema revision {current}, newer than this lessonlens knows: upgrade lessonlens",
)
_NOT_STORED = Text(zh="课例库中没有课例 {ids}", en="no lesson {ids} in the store")
_NO_TEACHER = Text(zh="课例库中没有 {teacher} 的课例", en="no lessons of {teacher} in the store")


class Store:
    """A lesson store on one database. Close it (or use ``with``) to release its connections."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | None = None, *, create: bool = True) -> Store:
        """Open the store at ``db`` (URL or SQLite path; ``$LESSONLENS_DB`` or the default file).

        An empty database is migrated to the current schema when ``create`` is true; a database
        at an older revision is refused with a hint to run ``lessonlens store init``.
        """
        url = resolve_url(db)
        if not create and _missing_sqlite(url):  # reading a store never creates one (nor its folders)
            raise InputError(_NO_STORE, url=display_url(url))
        store = cls(url, make_engine(url))
        try:
            current = store.revision()
            if current is None and create:
                store.init()
            elif current is None:
                raise InputError(_NO_STORE, url=store.display_url)
            elif current is not None and current != migrate.head_revision():
                known = _known_revisions()
                raise InputError(_OUTDATED if current in known else _NEWER, url=store.display_url,
                                 current=current, head=migrate.head_revision())
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def connect(cls, db: str | None = None) -> Store:
        """The store at ``db`` without any schema check (what ``lessonlens store init`` upgrades)."""
        url = resolve_url(db)
        return cls(url, make_engine(url))

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    def _guard(self, exc: DBAPIError) -> LessonlensError:
        return InputError(_CANNOT_OPEN, url=self.display_url, error=str(exc.orig).strip().splitlines()[0])

    def revision(self) -> str | None:
        try:
            return migrate.current_revision(self.engine)
        except DBAPIError as exc:
            raise self._guard(exc) from None

    def init(self) -> str | None:
        """Create the schema or upgrade it to the current revision; return the revision."""
        try:
            return migrate.upgrade(self.engine)
        except DBAPIError as exc:
            raise self._guard(exc) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()
        error = exc[1] if len(exc) > 1 else None
        if isinstance(error, DBAPIError):  # a file that is not a database, a broken connection ...
            raise self._guard(error) from None

    # -- writing -----------------------------------------------------------------------------
    def add(self, analyses: Iterable[Analysis], keep_observations: bool = False) -> AddResult:
        """Add or replace analyses (keyed by lesson id) in one transaction: all of them or none.

        Raw detector observations are left out unless ``keep_observations`` (they can be megabytes).
        """
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            return add_analyses(conn, analyses, keep_observations=keep_observations)

    def add_files(self, paths: Sequence[str | Path], keep_observations: bool = False) -> AddResult:
        """Read analysis JSON files and add them together; any bad file refuses the whole batch."""
        return self.add([load(path, Analysis) for path in paths], keep_observations)

    def remove(self, lesson_ids: Sequence[str], *, missing_ok: bool = False) -> tuple[str, ...]:
        """Delete lessons with everything attached to them; unknown ids refuse the whole call."""
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            removed = remove_lessons(conn, lesson_ids)
            missing = sorted(set(lesson_ids) - set(removed))
            if missing and not missing_ok:
                conn.rollback()
                raise InputError(_NOT_STORED, ids=", ".join(missing))
            return removed

    # -- reading -----------------------------------------------------------------------------
    def get(self, lesson_id: str) -> Analysis | None:
        with self.engine.connect() as conn:
            text = conn.scalar(select(analysis_table.c.document).where(analysis_table.c.lesson_id == lesson_id))
        return None if text is None else loads(text, Analysis, source=f"store:{lesson_id}")

    def lessons(self, query: LessonQuery = ALL, limit: int | None = None) -> list[LessonRecord]:
        """Matching lessons with their indexed metrics, oldest first (undated last)."""
        with self.engine.connect() as conn:
            return lesson_records(conn, query, limit)

    def analyses(self, query: LessonQuery = ALL) -> list[Analysis]:
        """The full :class:`Analysis` documents of the matching lessons, oldest first."""
        with self.engine.connect() as conn:
            return analyses(conn, query)

    def portrait(self, query: LessonQuery = ALL, findings_limit: int = 10) -> Portrait:
        """Group portrait of the matching lessons (a school, a district, a subject and grade ...)."""
        with self.engine.connect() as conn:
            return portrait(conn, query, findings_limit)

    def portraits(self, by: Sequence[str], query: LessonQuery = ALL,
                  findings_limit: int = 10) -> dict[tuple[str, ...], Portrait]:
        """One portrait per group, e.g. ``by=("school",)`` within ``LessonQuery(region=...)``."""
        with self.engine.connect() as conn:
            return grouped_portraits(conn, by, query, findings_limit)

    def monthly(self, query: LessonQuery = ALL) -> tuple[MonthStats, ...]:
        """A group over time: lessons, modes and metric means per calendar month (for period reports)."""
        with self.engine.connect() as conn:
            return monthly(conn, query)

    def norms(self, query: LessonQuery = ALL, min_lessons: int = 1) -> Norms:
        """Percentiles of every indexed metric per subject and grade (``query`` narrows the lessons)."""
        with self.engine.connect() as conn:
            return norms(conn, query, min_lessons)

    def teacher_period(self, teacher: str, query: LessonQuery = ALL,
                       with_analyses: bool = True) -> TeacherPeriod:
        """One teacher's lessons over ``query``'s dates, metric trends, and their portrait."""
        query = attrs.evolve(query, teacher=teacher)
        with self.engine.connect() as conn:
            records = lesson_records(conn, query)
            if not records:
                raise InputError(_NO_TEACHER, teacher=teacher)
            return TeacherPeriod(
                teacher=teacher, query=query, lessons=tuple(records), trends=trends(records),
                portrait=portrait(conn, query), analyses=tuple(analyses(conn, query)) if with_analyses else (),
            )

    def compare(self, teachers: Sequence[str], query: LessonQuery = ALL, with_analyses: bool = False) -> Comparison:
        """Several teachers side by side over the same filter, in the order given."""
        summaries = []
        with self.engine.connect() as conn:
            for teacher in teachers:
                narrowed = attrs.evolve(query, teacher=teacher)
                records = lesson_records(conn, narrowed)
                if not records:
                    raise InputError(_NO_TEACHER, teacher=teacher)
                summaries.append(TeacherSummary(
                    teacher=teacher, schools=tuple(sorted({r.school for r in records})),
                    portrait=portrait(conn, narrowed), lessons=tuple(records),
                    analyses=tuple(analyses(conn, narrowed)) if with_analyses else (),
                ))
        return Comparison(query=query, teachers=tuple(summaries))


    def export(self, path: str | Path, table: str = "lessons", query: LessonQuery = ALL,
               fmt: str | None = None) -> int:
        """Write one table (``lessons``, ``findings``, ``rubric``) as CSV or Parquet; return the row count."""
        target = Path(path)
        chosen = format_of(target, fmt)
        with self.engine.connect() as conn:
            columns, rows = table_rows(conn, table, query)
        write_table(target, columns, rows, chosen)
        return len(rows)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()}


def _missing_sqlite(url: URL) -> bool:
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not os.path.lexists(database)


def open_store(db: str | None = None, *, create: bool = True) -> Store:
    """Open the lesson store (see :meth:`Store.open`)."""
    return Store.open(db, create=create)
