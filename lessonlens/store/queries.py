"""Read queries: lesson records, teacher periods, group portraits and norms.

Filters touch only the ``lesson`` table (names resolve through sub-selects) and the statistics are
computed with numpy over one fetch of the indexed metric columns, so a district portrait over ten
thousand lessons is one query plus a few vectorised reductions.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Connection, Select, func, select

from lessonlens.core.analysis import Analysis
from lessonlens.files.documents import loads
from lessonlens.store.indexed import INDEXED_METRICS, METRIC_IDS
from lessonlens.store.models import (
    analysis_table,
    finding_table,
    lesson_table,
    region_table,
    rubric_table,
    school_table,
    teacher_table,
)
from lessonlens.store.results import (
    PERCENTILES,
    FindingCount,
    LessonQuery,
    LessonRecord,
    MetricStats,
    MetricTrend,
    MonthStats,
    Norm,
    Norms,
    Portrait,
    TrendPoint,
)

L, A = lesson_table.c, analysis_table.c
_METRIC_COLUMNS = [analysis_table.c[m.column] for m in INDEXED_METRICS]
#: lesson properties a portrait can be grouped by, and the column each reads
GROUPS: dict[str, ColumnElement[Any]] = {
    "region": region_table.c.name, "school": school_table.c.name, "teacher": teacher_table.c.name,
    "subject": L.subject, "grade": L.grade,
}


def raw_rows(conn: Connection, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows as the driver returns them, skipping SQLAlchemy's per-row processing.

    For the bulk numeric fetches of portraits (tens of thousands of rows) building ``Row`` objects
    costs more than the query; dates come back as the driver gives them (see :func:`as_date`).
    """
    result = conn.execute(stmt)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def as_date(value: Any) -> dt.date | None:
    """A date from a raw row: SQLite hands back ISO text, PostgreSQL a ``date``."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def conditions(query: LessonQuery) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``lesson`` for ``query``."""
    where: list[ColumnElement[bool]] = []
    if query.teacher is not None:
        where.append(L.teacher_id.in_(select(teacher_table.c.id).where(teacher_table.c.name == query.teacher)))
    if query.school is not None:
        where.append(L.school_id.in_(select(school_table.c.id).where(school_table.c.name == query.school)))
    if query.region is not None:
        where.append(L.region_id.in_(select(region_table.c.id).where(region_table.c.name == query.region)))
    if query.subject is not None:
        where.append(L.subject == query.subject)
    if query.grade is not None:
        where.append(L.grade == query.grade)
    if query.date_from is not None:
        where.append(L.date >= query.date_from)
    if query.date_to is not None:
        where.append(L.date <= query.date_to)
    if query.lesson_ids is not None:
        where.append(L.id.in_(query.lesson_ids))
    return where


def _joined() -> Any:
    return (lesson_table.join(analysis_table, A.lesson_id == L.id)
            .join(teacher_table, teacher_table.c.id == L.teacher_id)
            .join(school_table, school_table.c.id == L.school_id)
            .join(region_table, region_table.c.id == L.region_id))


def _ordered(stmt: Select[Any]) -> Select[Any]:
    # undated lessons last, on every database
    return stmt.order_by(L.date.is_(None), L.date, L.id)


def lesson_records(conn: Connection, query: LessonQuery, limit: int | None = None) -> list[LessonRecord]:
    stmt = _ordered(select(
        L.id, L.title, L.subject, L.grade, L.date, teacher_table.c.name, school_table.c.name,
        region_table.c.name, A.mode, A.scheme, A.n_findings, *_METRIC_COLUMNS,
    ).select_from(_joined()).where(*conditions(query))).limit(limit)
    records = []
    for row in conn.execute(stmt):
        records.append(LessonRecord(
            lesson_id=row[0], title=row[1], subject=row[2], grade=row[3], date=row[4], teacher=row[5],
            school=row[6], region=row[7], mode=row[8], scheme=row[9], n_findings=row[10],
            metrics=dict(zip(METRIC_IDS, row[11:], strict=True)),
        ))
    return records


def analyses(conn: Connection, query: LessonQuery) -> list[Analysis]:
    """The full analysis documents of the matching lessons, oldest first."""
    stmt = _ordered(select(A.document, L.id).select_from(
        lesson_table.join(analysis_table, A.lesson_id == L.id)).where(*conditions(query)))
    return [loads(row[0], Analysis, source=f"store:{row[1]}") for row in conn.execute(stmt)]


def metric_stats(matrix: npt.NDArray[np.float64], metric_ids: Sequence[str] = METRIC_IDS) -> dict[str, MetricStats]:
    """Mean, spread and percentile bands of each column of ``matrix`` (NaN = not measured)."""
    n = np.sum(~np.isnan(matrix), axis=0) if matrix.size else np.zeros(len(metric_ids), dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, reported as None
        if matrix.shape[0]:
            mean, std = np.nanmean(matrix, axis=0), np.nanstd(matrix, axis=0)
            low, high = np.nanmin(matrix, axis=0), np.nanmax(matrix, axis=0)
            bands = np.nanpercentile(matrix, PERCENTILES, axis=0)
        else:
            mean = std = low = high = np.full(len(metric_ids), np.nan)
            bands = np.full((len(PERCENTILES), len(metric_ids)), np.nan)

    def value(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    stats = {}
    for j, metric in enumerate(metric_ids):
        has = int(n[j]) > 0
        stats[metric] = MetricStats(
            metric=metric, n=int(n[j]), mean=value(mean[j]), std=value(std[j]), min=value(low[j]),
            max=value(high[j]),
            percentiles={p: float(bands[i, j]) for i, p in enumerate(PERCENTILES)} if has else {},
        )
    return stats


def _matrix(rows: Sequence[Sequence[Any]], start: int) -> npt.NDArray[np.float64]:
    if not rows:
        return np.empty((0, len(METRIC_IDS)))
    return np.array([row[start:] for row in rows], dtype=float)


def top_findings(conn: Connection, query: LessonQuery, n_lessons: int, limit: int = 10) -> tuple[
        FindingCount, ...]:
    """The findings most lessons of the group have (counted once per lesson)."""
    if n_lessons == 0:
        return ()
    lessons = func.count(func.distinct(finding_table.c.lesson_id))
    stmt = (select(finding_table.c.finding_id, finding_table.c.rule, func.max(finding_table.c.severity),
                   func.max(finding_table.c.title_zh), func.max(finding_table.c.title_en), lessons)
            .select_from(finding_table.join(lesson_table, L.id == finding_table.c.lesson_id))
            .where(*conditions(query))
            .group_by(finding_table.c.finding_id, finding_table.c.rule)
            .order_by(lessons.desc(), finding_table.c.finding_id).limit(limit))
    return tuple(
        FindingCount(finding_id=row[0], rule=row[1], severity=row[2], title={"zh-CN": row[3], "en": row[4]},
                     lessons=row[5], share=row[5] / n_lessons)
        for row in conn.execute(stmt)
    )


def rubric_stats(conn: Connection, query: LessonQuery) -> dict[str, MetricStats]:
    """Distribution of the score share of every rubric indicator over the matching lessons."""
    R = rubric_table.c
    stmt = (select(R.rubric, R.indicator, R.share)
            .select_from(rubric_table.join(lesson_table, L.id == R.lesson_id))
            .where(R.share.is_not(None), *conditions(query)))
    rows = raw_rows(conn, stmt)
    if not rows:
        return {}
    index: dict[tuple[str, str], int] = {}
    group = np.fromiter((index.setdefault((row[0], row[1]), len(index)) for row in rows), dtype=np.int64,
                        count=len(rows))
    shares = np.fromiter((row[2] for row in rows), dtype=float, count=len(rows))
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(index) + 1))
    stats = {}
    for (rubric, indicator), i in sorted(index.items()):
        name = f"rubric.{rubric}.{indicator}.share"
        stats[name] = metric_stats(shares[order[bounds[i]:bounds[i + 1]]].reshape(-1, 1), (name,))[name]
    return stats


def portrait(conn: Connection, query: LessonQuery, findings_limit: int = 10) -> Portrait:
    """Mode distribution, metric bands and most frequent findings of the matching lessons."""
    stmt = (select(A.mode, L.teacher_id, L.date, *_METRIC_COLUMNS)
            .select_from(lesson_table.join(analysis_table, A.lesson_id == L.id)).where(*conditions(query)))
    rows = raw_rows(conn, stmt)
    return _portrait_of(conn, query, rows, findings_limit)


def _portrait_of(conn: Connection, query: LessonQuery, rows: Sequence[Sequence[Any]],
                 findings_limit: int) -> Portrait:
    """``rows`` are (mode, teacher id, date, *indexed metrics)."""
    modes: dict[str, int] = {}
    for row in rows:
        key = row[0] or "unknown"
        modes[key] = modes.get(key, 0) + 1
    # ISO text and dates both order correctly, so only the two ends need converting
    dates = [row[2] for row in rows if row[2] is not None]
    return Portrait(
        query=query, n_lessons=len(rows), n_teachers=len({row[1] for row in rows}),
        date_from=as_date(min(dates, default=None)), date_to=as_date(max(dates, default=None)),
        modes=dict(sorted(modes.items(), key=lambda kv: (-kv[1], kv[0]))),
        metrics=metric_stats(_matrix(rows, 3)),
        findings=top_findings(conn, query, len(rows), findings_limit) if findings_limit else (),
        rubrics=rubric_stats(conn, query) if rows else {},
    )


def trends(records: Sequence[LessonRecord]) -> dict[str, MetricTrend]:
    """Each indexed metric over ``records`` (in date order) with a least-squares slope per 30 days."""
    days = np.array([r.date.toordinal() if r.date else np.nan for r in records], dtype=float)
    values = np.array([[r.metrics[m] for m in METRIC_IDS] for r in records], dtype=float).reshape(
        len(records), len(METRIC_IDS))
    result = {}
    for j, metric in enumerate(METRIC_IDS):
        column = values[:, j]
        defined = ~np.isnan(column)
        fit = defined & ~np.isnan(days)
        slope = None
        if fit.sum() >= 2 and np.ptp(days[fit]) > 0:
            slope = float(np.polyfit(days[fit], column[fit], 1)[0] * 30)
        points = tuple(TrendPoint(r.lesson_id, r.date, r.metrics[metric]) for r in records)
        kept = column[defined]
        result[metric] = MetricTrend(
            metric=metric, points=points,
            first=float(kept[0]) if kept.size else None, last=float(kept[-1]) if kept.size else None,
            mean=float(kept.mean()) if kept.size else None, slope_per_30_days=slope,
        )
    return result


def grouped_portraits(conn: Connection, by: Sequence[str], query: LessonQuery, findings_limit: int = 10,
                      min_lessons: int = 1) -> dict[tuple[str, ...], Portrait]:
    """One portrait per value of the ``by`` properties (``school``, ``region``, ``subject`` ...)."""
    keys = [GROUPS[name] for name in by]
    stmt = (select(*keys, A.mode, L.teacher_id, L.date, *_METRIC_COLUMNS)
            .select_from(_joined()).where(*conditions(query)))
    groups: dict[tuple[str, ...], list[Any]] = {}
    for row in raw_rows(conn, stmt):
        groups.setdefault(tuple(row[:len(keys)]), []).append(row[len(keys):])
    portraits = {}
    for key, rows in sorted(groups.items()):
        if len(rows) < min_lessons:
            continue
        narrowed = attrs.evolve(query, **dict(zip(by, key, strict=True)))  # type: ignore[arg-type]
        portraits[key] = _portrait_of(conn, narrowed, rows, findings_limit)
    return portraits


def norms(conn: Connection, query: LessonQuery, min_lessons: int = 1) -> Norms:
    """Percentiles of every indexed metric per subject and grade (filters narrow the lessons used)."""
    portraits = grouped_portraits(conn, ("subject", "grade"), query, findings_limit=0, min_lessons=min_lessons)
    return Norms(tuple(
        Norm(subject=key[0], grade=key[1], n_lessons=p.n_lessons, metrics=p.metrics, rubrics=p.rubrics)
        for key, p in portraits.items()
    ))


def monthly(conn: Connection, query: LessonQuery) -> tuple[MonthStats, ...]:
    """Month by month: lessons, teachers, modes and the mean of every indexed metric (dated lessons only)."""
    stmt = (select(A.mode, L.teacher_id, L.date, *_METRIC_COLUMNS)
            .select_from(lesson_table.join(analysis_table, A.lesson_id == L.id))
            .where(L.date.is_not(None), *conditions(query)))
    rows = raw_rows(conn, stmt)
    if not rows:
        return ()
    dates = [as_date(row[2]) for row in rows]
    month = np.array([d.year * 12 + d.month - 1 for d in dates if d is not None], dtype=np.int64)
    first = int(month.min())
    index = month - first
    size = int(index.max()) + 1
    values = _matrix(rows, 3)
    defined = ~np.isnan(values)
    counts = np.zeros((size, values.shape[1]))
    sums = np.zeros((size, values.shape[1]))
    np.add.at(counts, index, defined)
    np.add.at(sums, index, np.where(defined, values, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    lessons = np.bincount(index, minlength=size)
    result = []
    for i in np.flatnonzero(lessons):
        members = np.flatnonzero(index == i)
        modes: dict[str, int] = {}
        for k in members:
            key = rows[k][0] or "unknown"
            modes[key] = modes.get(key, 0) + 1
        year, month0 = divmod(first + int(i), 12)
        result.append(MonthStats(
            month=dt.date(year, month0 + 1, 1), n_lessons=int(lessons[i]),
            n_teachers=len({rows[k][1] for k in members}),
            modes=dict(sorted(modes.items(), key=lambda kv: (-kv[1], kv[0]))),
            means={m: None if np.isnan(means[i, j]) else float(means[i, j]) for j, m in enumerate(METRIC_IDS)},
        ))
    return tuple(result)
