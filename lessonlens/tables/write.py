"""Tables written for researchers: CSV (always, with a BOM so that Excel reads Chinese) or Parquet
(with the ``parquet`` extra), atomically."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.atomic import atomic_open, atomic_path
from lessonlens.tables.safety import neutralise_row

FORMATS = ("csv", "parquet")

_NO_PYARROW = Text(
    zh="导出 Parquet 需要 pyarrow：pip install 'lessonlens[parquet]'（或改用 .csv）",
    en="Parquet export needs pyarrow: pip install 'lessonlens[parquet]' (or export .csv)",
)
_BAD_FORMAT = Text(zh="未知的导出格式 {fmt}（可用：csv、parquet）",
                   en="unknown export format {fmt} (use csv or parquet)")


def format_of(path: Path, fmt: str | None) -> str:
    """The format named, else the one of the file's suffix, else CSV."""
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
        writer.writerow(neutralise_row(columns))  # no cell a spreadsheet would run as a formula
        writer.writerows(neutralise_row(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in rows)
