"""Neutral chart specs: what a chart shows, not how it is drawn.

Builders in core fill these from results; report renderers (HTML, PDF ...) draw them. Every label
is a ``{"zh-CN": ..., "en": ...}`` mapping, so one spec serves both languages.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class LegendBand:
    """One grade band of the legend: its id, label, colour and range as a share of the maximum."""

    id: str
    label: dict[str, str]
    color: str
    low: float
    high: float


@attrs.frozen
class MatrixColumn:
    """One column of a matrix chart: the mean of all raters, one rater, or one lesson."""

    id: str
    label: dict[str, str]


@attrs.frozen
class MatrixCell:
    """One indicator in one column; ``band``/``score`` are ``None`` where nobody scored it."""

    band: str | None
    color: str
    score: float | None
    max_score: float | None
    share: float | None


@attrs.frozen
class MatrixRow:
    """One indicator: its label, its level in the rubric tree (1 = observation perspective), its cells."""

    indicator: str
    label: dict[str, str]
    level: int
    parent: str | None
    cells: tuple[MatrixCell, ...]


@attrs.frozen
class MatrixChart:
    """Matrix chart (矩阵图): one coloured cell per indicator and column, coloured by grade band."""

    id: str
    title: dict[str, str]
    columns: tuple[MatrixColumn, ...]
    rows: tuple[MatrixRow, ...]
    legend: tuple[LegendBand, ...]
    #: colour of a cell nobody scored
    empty_color: str = "#e0e0e0"


@attrs.frozen
class RadarAxis:
    """One axis of a radar chart: an indicator, its label and the maximum the axis reaches."""

    id: str
    label: dict[str, str]
    max: float


@attrs.frozen
class RadarSeries:
    """One polygon: a value per axis (``None`` where unscored) and each value's band colour."""

    id: str
    label: dict[str, str]
    values: tuple[float | None, ...]
    colors: tuple[str, ...] = ()
    bands: tuple[str | None, ...] = ()


@attrs.frozen
class RadarChart:
    """Radar chart (雷达图) of the indicators of one level of a rubric."""

    id: str
    title: dict[str, str]
    level: int
    axes: tuple[RadarAxis, ...]
    series: tuple[RadarSeries, ...]
    legend: tuple[LegendBand, ...] = ()
