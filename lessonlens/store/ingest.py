"""Import analyses: idempotent (keyed by lesson id), bulk (executemany), one transaction per call."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import attrs
from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from lessonlens.core.analysis import Analysis
from lessonlens.core.documents import dumps, schema_tag
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta
from lessonlens.store.indexed import indexed_values, mode_of
from lessonlens.store.models import (
    analysis_table,
    finding_table,
    lesson_table,
    region_table,
    rubric_table,
    school_table,
    teacher_table,
)
from lessonlens.store.results import AddResult
from lessonlens.store.transcript import transcript_only

T = TypeVar("T")
_NOT_JSON = Text(zh="分析结果无法存为 JSON：{error}", en="the analysis cannot be stored as JSON: {error}")
#: bound parameters per ``IN (...)`` list, well under SQLite's limit
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def dialect_insert(conn: Connection, table: Table) -> Any:
    """An INSERT of ``table`` with the dialect's ``on_conflict_do_nothing`` / ``_do_update``."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _ensure_names(conn: Connection, table: Table, parent: str | None, keys: set[tuple[int, str]]) -> dict[
        tuple[int, str], int]:
    """Ids of (parent id, name) rows of ``table``, inserting the missing ones (concurrency-safe)."""
    if not keys:
        return {}
    rows = [{"name": name, **({parent: pid} if parent else {})} for pid, name in sorted(keys)]
    conn.execute(dialect_insert(conn, table).on_conflict_do_nothing(), rows)
    ids: dict[tuple[int, str], int] = {}
    parent_col = table.c[parent] if parent else None
    names = sorted({name for _, name in keys})
    for part in chunks(names):
        cols = [table.c.id, table.c.name] + ([parent_col] if parent_col is not None else [])
        for row in conn.execute(select(*cols).where(table.c.name.in_(part))):
            key = (row[2] if parent_col is not None else 0, row[1])
            if key in keys:
                ids[key] = row[0]
    return ids


def _rubric_rows(analysis: Analysis) -> Iterable[dict[str, Any]]:
    for result in analysis.rubric_results:
        indicators = list(result.indicators)
        if result.overall is not None:
            indicators.append(result.overall)
        for ind in indicators:
            level = 0 if ind is result.overall else ind.level
            yield {"lesson_id": analysis.lesson.id, "rubric": result.rubric, "kind": result.kind,
                   "indicator": "overall" if level == 0 else ind.id, "level": level,
                   "n_raters": ind.n_raters, "mean": ind.mean, "share": ind.share, "band": ind.band}


def _finding_rows(analysis: Analysis) -> Iterable[dict[str, Any]]:
    for finding in analysis.findings:
        yield {"lesson_id": analysis.lesson.id, "finding_id": finding.id, "rule": finding.rule,
               "severity": str(finding.severity), "title_zh": finding.title.get("zh-CN", ""),
               "title_en": finding.title.get("en", "")}


def _document(analysis: Analysis) -> str:
    try:
        return dumps(analysis, indent=None)
    except ValueError as exc:  # NaN or infinity somewhere: JSON cannot hold it
        raise InputError(_NOT_JSON, f"lesson {analysis.lesson.id}", error=exc) from None


@attrs.frozen
class PreparedLesson:
    """A lesson's store rows, made from its analysis without a database (plain values, picklable).

    Preparing costs a few milliseconds per lesson (the document's JSON, indexed metrics); a batch
    prepares lessons on its workers so the process that writes the store only inserts rows.
    """

    meta: LessonMeta
    #: the ``lesson`` row less the ids of its names and the timestamps
    lesson: dict[str, Any]
    #: the ``analysis`` row, its ``document`` the analysis as JSON
    analysis: dict[str, Any]
    rubric: tuple[dict[str, Any], ...]
    findings: tuple[dict[str, Any], ...]


def prepare_lesson(analysis: Analysis, keep_observations: bool = False) -> PreparedLesson:
    """The store rows of ``analysis``: of its raw detector observations only the transcript (ASR
    segments, :func:`transcript_only`) is kept, all of them with ``keep_observations``."""
    if analysis.observations and not keep_observations:
        analysis = transcript_only(analysis)
    m = analysis.lesson
    metrics = analysis.metrics
    return PreparedLesson(
        meta=m,
        lesson={"id": m.id, "title": m.title, "subject": m.subject, "grade": m.grade, "date": m.date,
                "duration": m.duration, "media": json.dumps([{"path": s.path, "role": str(s.role)}
                                                             for s in analysis.media], ensure_ascii=False)},
        analysis={"lesson_id": m.id, "doc_schema": schema_tag(Analysis),
                  "scheme": metrics.scheme if metrics is not None else "",
                  "n_samples": metrics.n_samples if metrics is not None else None,
                  "mode": mode_of(metrics), "n_findings": len(analysis.findings),
                  "document": _document(analysis), **indexed_values(metrics)},
        rubric=tuple(_rubric_rows(analysis)), findings=tuple(_finding_rows(analysis)))


def add_analyses(conn: Connection, analyses: Iterable[Analysis], now: dt.datetime | None = None,
                 keep_observations: bool = False) -> AddResult:
    """Insert or replace the records of ``analyses`` on ``conn`` (the caller owns the transaction).

    Re-adding a lesson id replaces its analysis, rubric results and findings and keeps ``added_at``;
    when the same id comes twice, the last one wins. Raw detector observations other than the
    transcript are dropped unless ``keep_observations``: they can run to megabytes per lesson and the
    coded timeline keeps its evidence.
    """
    by_id = {analysis.lesson.id: analysis for analysis in analyses}
    return write_lessons(conn, [prepare_lesson(a, keep_observations) for a in by_id.values()], now)


def write_lessons(conn: Connection, prepared: Iterable[PreparedLesson], now: dt.datetime | None = None) -> AddResult:
    """Insert or replace prepared lessons on ``conn`` (the caller owns the transaction); see :func:`add_analyses`."""
    by_id = {p.meta.id: p for p in prepared}
    if not by_id:
        return AddResult()
    now = now or dt.datetime.now(dt.UTC)
    # rows go in id order so that concurrent writers take row locks in one order (no deadlock)
    metas = sorted((p.meta for p in by_id.values()), key=lambda m: m.id)

    regions = _ensure_names(conn, region_table, None, {(0, m.region) for m in metas})
    school_ids = _ensure_names(conn, school_table, "region_id",
                               {(regions[(0, m.region)], m.school) for m in metas})

    def school_of(m: Any) -> int:
        return school_ids[(regions[(0, m.region)], m.school)]

    teacher_ids = _ensure_names(conn, teacher_table, "school_id", {(school_of(m), m.teacher) for m in metas})

    ids = sorted(by_id)
    existing: set[str] = set()
    for part in chunks(ids):
        existing.update(conn.scalars(select(lesson_table.c.id).where(lesson_table.c.id.in_(part))))

    lesson_rows = []
    for m in metas:
        school = school_of(m)
        lesson_rows.append({**by_id[m.id].lesson, "teacher_id": teacher_ids[(school, m.teacher)],
                            "school_id": school, "region_id": regions[(0, m.region)], "added_at": now,
                            "updated_at": now})
    upsert = dialect_insert(conn, lesson_table)
    # the upsert takes the lesson's row lock first, so concurrent re-imports of one lesson serialise
    conn.execute(upsert.on_conflict_do_update(
        index_elements=[lesson_table.c.id],
        set_={c.name: upsert.excluded[c.name] for c in lesson_table.c if c.name not in ("id", "added_at")},
    ), lesson_rows)

    # every id, not only those seen above: another process may have added one since (PostgreSQL)
    for table in (analysis_table, rubric_table, finding_table):
        for part in chunks(ids):
            conn.execute(delete(table).where(table.c.lesson_id.in_(part)))

    conn.execute(analysis_table.insert(), [p.analysis for p in by_id.values()])
    rubric_rows = [row for p in by_id.values() for row in p.rubric]
    finding_rows = [row for p in by_id.values() for row in p.findings]
    if rubric_rows:
        conn.execute(rubric_table.insert(), rubric_rows)
    if finding_rows:
        conn.execute(finding_table.insert(), finding_rows)
    return AddResult(added=tuple(i for i in ids if i not in existing), updated=tuple(i for i in ids if i in existing))


def remove_lessons(conn: Connection, lesson_ids: Sequence[str]) -> tuple[str, ...]:
    """Delete lessons (their analysis, rubric results and findings go with them); return those found."""
    found: list[str] = []
    for part in chunks(list(dict.fromkeys(lesson_ids))):
        found.extend(conn.scalars(select(lesson_table.c.id).where(lesson_table.c.id.in_(part))))
        conn.execute(delete(lesson_table).where(lesson_table.c.id.in_(part)))
    return tuple(found)
