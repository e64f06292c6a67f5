"""The metrics document: scalars, shares, curves, episodes and tables computed from a timeline.

Metric plugins each fill some of these maps under the snake_case ids of SPEC.md (``rt``, ``ch``,
``mode``, ``teacher_shares`` ...); the pipeline merges their outputs into one :class:`Metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from lessonlens.core.lazy import frozen_sequence

Scalar = float | int | str | bool | None


@attrs.frozen
class TimeRange:
    """A stretch of the lesson video, in seconds from the lesson start."""

    start: float
    end: float


@attrs.frozen
class Series:
    """A curve: one value per time (``None`` where the quantity is undefined). Both are tuples, or
    :class:`~lessonlens.core.lazy.LazyTuple` views that metric plugins hand out (made on first read)."""

    t: Sequence[float] = attrs.field(converter=frozen_sequence)
    values: Sequence[float | None] = attrs.field(converter=frozen_sequence)


@attrs.frozen
class Extreme:
    t: float
    value: float


@attrs.frozen
class CurveSummary:
    """Mean of a curve over its defined points and where its maximum and minimum lie."""

    mean: float | None
    max: Extreme | None
    min: Extreme | None


@attrs.frozen
class Episodes:
    """Runs of one behaviour: how many, total and longest duration, and where they are."""

    count: int
    total: float
    longest: float
    ranges: Sequence[TimeRange] = attrs.field(default=(), converter=frozen_sequence)


@attrs.frozen
class Table:
    """A small table (e.g. the 2-minute timeline bins, the FIAS matrix) as column names and rows."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]] = attrs.field(converter=frozen_sequence)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@attrs.frozen
class Metrics:
    """All metrics of one coded lesson."""

    scheme: str
    interval: float
    n_samples: int
    scalars: dict[str, Scalar] = attrs.field(factory=dict)
    shares: dict[str, dict[str, float]] = attrs.field(factory=dict)
    series: dict[str, Series] = attrs.field(factory=dict)
    summaries: dict[str, CurveSummary] = attrs.field(factory=dict)
    episodes: dict[str, Episodes] = attrs.field(factory=dict)
    tables: dict[str, Table] = attrs.field(factory=dict)

    def to_records(self) -> dict[str, list[dict[str, Any]]]:
        """Each part as a list of flat dicts (``pandas.DataFrame(m.to_records()["timeline"])``)."""
        from lessonlens.core.metric_records import to_records

        return to_records(self)

    def to_row(self) -> dict[str, Any]:
        """One flat dict of scalars, shares and episode counts: a row for comparing lessons."""
        from lessonlens.core.metric_records import to_row

        return to_row(self)


@attrs.frozen
class MetricValues:
    """What one metric plugin computes: a partial :class:`Metrics`, merged by the pipeline."""

    scalars: dict[str, Scalar] = attrs.field(factory=dict)
    shares: dict[str, dict[str, float]] = attrs.field(factory=dict)
    series: dict[str, Series] = attrs.field(factory=dict)
    summaries: dict[str, CurveSummary] = attrs.field(factory=dict)
    episodes: dict[str, Episodes] = attrs.field(factory=dict)
    tables: dict[str, Table] = attrs.field(factory=dict)
