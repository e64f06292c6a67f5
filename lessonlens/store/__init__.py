"""The lesson store: every analysed lesson, its rubric results and findings, kept over time.

SQLite by default (``$LESSONLENS_DB`` or ``--db`` for a PostgreSQL server); see ``docs/store.md``.
The database layer (SQLAlchemy, alembic) loads on first use of :func:`open_store`, so importing
the result classes stays cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lessonlens.store.indexed import INDEXED_METRICS, METRIC_IDS, IndexedMetric
from lessonlens.store.results import (
    PERCENTILES,
    AddResult,
    Comparison,
    FindingCount,
    LessonQuery,
    LessonRecord,
    MetricStats,
    MetricTrend,
    MonthStats,
    Norm,
    Norms,
    Portrait,
    TeacherPeriod,
    TeacherSummary,
    TrendPoint,
    parse_date,
)

if TYPE_CHECKING:
    from lessonlens.store.api import Store, open_store
    from lessonlens.store.db import default_path, resolve_url

_LAZY = {"Store": "api", "open_store": "api", "default_path": "db", "resolve_url": "db"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"lessonlens.store.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INDEXED_METRICS", "METRIC_IDS", "PERCENTILES", "AddResult", "Comparison", "FindingCount", "IndexedMetric",
    "LessonQuery", "LessonRecord", "MetricStats", "MetricTrend", "MonthStats", "Norm", "Norms", "Portrait", "Store",
    "TeacherPeriod", "TeacherSummary", "TrendPoint", "default_path", "open_store", "parse_date", "resolve_url",
]
