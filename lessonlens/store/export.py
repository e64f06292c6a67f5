"""Export store tables for researchers: CSV (always) and Parquet (with the ``parquet`` extra)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from lessonlens.core.atomic import atomic_open, atomic_path
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.store.indexed import METRIC_IDS
from lessonlens.store.models import finding_table, lesson_table, rubric_table
from lessonlens.store.queries import conditions, lesson_records
from lessonlens.store.results import LessonQuery

TABLES = ("lessons", "findings", "rubric")
FORMATS = ("csv", "parquet")

_NO_PYARROW = Text(
    zh="导出 Parquet 需要 pyarrow：pip install 'lessonlens[parquet]'（或改用 .csv）",
    en="Parquet export needs pyarrow: pip install 'lessonlens[parquet]' (or export .csv)",
)
_BAD_FORMAT = Text(zh="未知的导出格式 {fmt}（可用：csv、parquet）",
                   en="unknown export format {fmt} (use csv or parquet)")
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


def format_of(path: Path, fmt: str | None) -> str:
    chosen = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if chosen not in FORMATS:
        raise InputError(_BAD_FORMAT, path, fmt=chosen)
    return chosen


def write_table(path: Path, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], fmt: str) -> None:
    """Write atomically; a missing pyarrow is reported before anything is written."""
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(_NO_PYARROW, path) from None
        data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
        table = pa.table(data) if rows else pa.table({name: pa.array([], pa.string()) for name in columns})
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return
    with atomic_open(path, "w", encoding="utf-8-sig") as handle:
        # utf-8 with BOM: Excel, which many teaching researchers open CSVs with, then reads Chinese right
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in rows)
