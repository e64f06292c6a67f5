"""Export store tables for researchers: CSV (always) and Parquet (with the ``parquet`` extra).

``lessons`` has one column per indexed metric; ``metrics`` is long (lesson, scheme, metric, value) and
holds every numeric scalar and share of every lesson's metrics, whatever its scheme (COPUS fractions,
ITIAS ratios ...), read from the stored documents.

The files are written by ``tables/write.py`` (shared with ``lessonlens metrics --table``)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.store.indexed import METRIC_IDS
from lessonlens.store.models import analysis_table, finding_table, lesson_table, rubric_table
from lessonlens.store.queries import conditions, lesson_records
from lessonlens.store.results import LessonQuery

TABLES = ("lessons", "findings", "rubric", "metrics")

_BAD_TABLE = Text(zh="未知的表 {table}（可用：{known}）", en="unknown table {table} (use one of {known})")


def table_rows(conn: Connection, table: str, query: LessonQuery) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one exportable table, restricted to the lessons ``query`` matches."""
    if table == "lessons":
        records = lesson_records(conn, query)
        fixed = ["lesson_id", "title", "subject", "grade", "date", "teacher", "school", "region", "mode",
                 "scheme", "n_findings"]
        rows = [(r.lesson_id, r.title, r.subject, r.grade, r.date, r.teacher, r.school, r.region, r.mode,
                 r.scheme, r.n_findings, *(r.metrics[m] for m in METRIC_IDS)) for r in records]
        return fixed + list(METRIC_IDS), rows
    if table == "metrics":
        return ["lesson_id", "scheme", "metric", "value"], _metric_rows(conn, query)
    if table == "findings":
        source = finding_table
        cols = ["lesson_id", "finding_id", "rule", "severity", "title_zh", "title_en"]
    elif table == "rubric":
        source = rubric_table
        cols = ["lesson_id", "rubric", "kind", "indicator", "level", "n_raters", "mean", "share", "band"]
    else:
        raise InputError(_BAD_TABLE, table=table, known=", ".join(TABLES))
    stmt = (select(*(source.c[c] for c in cols))
            .select_from(source.join(lesson_table, lesson_table.c.id == source.c.lesson_id))
            .where(*conditions(query)).order_by(source.c.lesson_id, source.c.id))
    return cols, [tuple(row) for row in conn.execute(stmt)]


def _metric_rows(conn: Connection, query: LessonQuery) -> list[tuple[Any, ...]]:
    stmt = (select(analysis_table.c.lesson_id, analysis_table.c.scheme, analysis_table.c.document)
            .select_from(analysis_table.join(lesson_table, lesson_table.c.id == analysis_table.c.lesson_id))
            .where(*conditions(query)).order_by(analysis_table.c.lesson_id))
    rows: list[tuple[Any, ...]] = []
    for lesson_id, scheme, document in conn.execute(stmt):
        metrics = json.loads(document).get("metrics") or {}
        values = dict(metrics.get("scalars") or {})
        for group, shares in (metrics.get("shares") or {}).items():
            values.update({f"{group}.{key}": share for key, share in shares.items()})
        rows.extend((lesson_id, scheme, name, float(value)) for name, value in values.items()
                    if isinstance(value, int | float) and not isinstance(value, bool))
    return rows
