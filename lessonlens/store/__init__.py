"""The lesson store: every analysed lesson, its rubric results and findings, kept over time.

SQLite by default (``$LESSONLENS_DB`` or ``--db`` for a PostgreSQL server); see ``docs/store.md``.
"""

from lessonlens.store.api import Store, open_store, parse_date
from lessonlens.store.db import default_path, resolve_url
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
    Norm,
    Norms,
    Portrait,
    TeacherPeriod,
    TeacherSummary,
    TrendPoint,
)

__all__ = [
    "INDEXED_METRICS", "METRIC_IDS", "PERCENTILES", "AddResult", "Comparison", "FindingCount", "IndexedMetric",
    "LessonQuery", "LessonRecord", "MetricStats", "MetricTrend", "Norm", "Norms", "Portrait", "Store",
    "TeacherPeriod", "TeacherSummary", "TrendPoint", "default_path", "open_store", "parse_date", "resolve_url",
]
