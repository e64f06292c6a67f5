"""Typed results of store queries: what reports, rules and the CLI receive."""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text

#: the percentiles every group summary reports (the bands of a portrait, the norms rules use)
PERCENTILES: tuple[int, ...] = (10, 25, 50, 75, 90)


@attrs.frozen
class LessonQuery:
    """Which lessons: every given field must match (``None`` = any); dates are inclusive."""

    teacher: str | None = None
    school: str | None = None
    region: str | None = None
    subject: str | None = None
    grade: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lesson_ids: tuple[str, ...] | None = None


def parse_date(value: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` option value as a date (``None`` or ``""`` give ``None``)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(Text(zh="日期 {value} 应为 YYYY-MM-DD", en="date {value} should be YYYY-MM-DD"),
                         value=value) from None


@attrs.frozen
class AddResult:
    """What an import did: lesson ids newly added and ids whose earlier records were replaced."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()


@attrs.frozen
class LessonRecord:
    """One stored lesson with its indexed metrics (metric id -> value, ``None`` where not measured)."""

    lesson_id: str
    title: str
    subject: str
    grade: str
    date: dt.date | None
    teacher: str
    school: str
    region: str
    mode: str | None
    scheme: str
    n_findings: int
    metrics: dict[str, float | None]


@attrs.frozen
class MetricStats:
    """Distribution of one metric over a group; ``percentiles`` maps 10/25/50/75/90 to values."""

    metric: str
    n: int
    mean: float | None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    percentiles: dict[int, float] = attrs.field(factory=dict)


@attrs.frozen
class TrendPoint:
    lesson_id: str
    date: dt.date | None
    value: float | None


@attrs.frozen
class MetricTrend:
    """One metric over a teacher's period: the points, first/last/mean and a least-squares slope.

    ``slope_per_30_days`` is ``None`` with fewer than two dated values or all on one day.
    """

    metric: str
    points: tuple[TrendPoint, ...]
    first: float | None
    last: float | None
    mean: float | None
    slope_per_30_days: float | None


@attrs.frozen
class FindingCount:
    """How many lessons of a group have a finding, with its title in both languages."""

    finding_id: str
    rule: str
    severity: str
    title: dict[str, str]
    lessons: int
    share: float


@attrs.frozen
class Portrait:
    """A group portrait (周期画像 / 区域群体画像): modes, metric bands and most frequent findings."""

    query: LessonQuery
    n_lessons: int
    n_teachers: int
    date_from: dt.date | None
    date_to: dt.date | None
    modes: dict[str, int]
    metrics: dict[str, MetricStats]
    findings: tuple[FindingCount, ...]
    #: ``rubric.<rubric>.<indicator>.share`` (``overall`` too) -> distribution of the score shares
    rubrics: dict[str, MetricStats] = attrs.field(factory=dict)


@attrs.frozen
class MonthStats:
    """A group's lessons of one calendar month: how many, their modes and metric means."""

    month: dt.date
    n_lessons: int
    n_teachers: int
    modes: dict[str, int]
    means: dict[str, float | None]


@attrs.frozen
class TeacherPeriod:
    """One teacher's lessons over a period, oldest first, with trends of every indexed metric.

    ``analyses`` holds the full documents in the same order when they were asked for.
    """

    teacher: str
    query: LessonQuery
    lessons: tuple[LessonRecord, ...]
    trends: dict[str, MetricTrend]
    portrait: Portrait
    analyses: tuple[Analysis, ...] = ()


@attrs.frozen
class TeacherSummary:
    """One teacher in a side-by-side comparison (``analyses`` when they were asked for)."""

    teacher: str
    schools: tuple[str, ...]
    portrait: Portrait
    lessons: tuple[LessonRecord, ...]
    analyses: tuple[Analysis, ...] = ()


@attrs.frozen
class Comparison:
    """Several teachers side by side over the same filter (subject, grade, dates ...)."""

    query: LessonQuery
    teachers: tuple[TeacherSummary, ...]


@attrs.frozen
class Norm:
    """Percentiles of every indexed metric over the lessons of one subject and grade."""

    subject: str
    grade: str
    n_lessons: int
    metrics: dict[str, MetricStats]
    rubrics: dict[str, MetricStats] = attrs.field(factory=dict)

    def facts(self) -> dict[str, float]:
        """Rule facts ``norm.<metric>.p<NN>``, ``norm.<metric>.mean`` and ``norm.n_lessons``.

        Rubric shares come as ``norm.rubric.<rubric>.<indicator>.share.p<NN>``.
        """
        facts: dict[str, float] = {"norm.n_lessons": float(self.n_lessons)}
        for metric, stats in (self.metrics | self.rubrics).items():
            for pct, value in stats.percentiles.items():
                facts[f"norm.{metric}.p{pct}"] = value
            if stats.mean is not None:
                facts[f"norm.{metric}.mean"] = stats.mean
        return facts

    def percentile_rank(self, metric: str, value: float) -> float | None:
        """Where ``value`` falls in the norm (0-100), interpolated between min, percentiles and max."""
        stats = self.metrics.get(metric) or self.rubrics.get(metric)
        if stats is None or not stats.percentiles or stats.min is None or stats.max is None:
            return None
        ranks = [0.0, *map(float, stats.percentiles), 100.0]
        values = [stats.min, *stats.percentiles.values(), stats.max]
        return float(np.interp(value, values, ranks))


@attrs.frozen
class Norms:
    """Norms of several subject/grade groups (what ``lessonlens store norms`` prints or saves)."""

    norms: tuple[Norm, ...]

    def get(self, subject: str, grade: str) -> Norm | None:
        for norm in self.norms:
            if norm.subject == subject and norm.grade == grade:
                return norm
        return None
