"""Rubrics (量规): schemas of indicators with bands, raters' score sheets, and aggregated results."""

from __future__ import annotations

import datetime as dt

import attrs


@attrs.frozen
class Indicator:
    """A node of the rubric tree: level 1 = observation perspective, level 2/3 = observation point.

    Leaves carry ``max_score``; ``weight`` (optional) weighs a node within its parent.
    """

    id: str
    name: dict[str, str]
    parent: str | None = None
    description: dict[str, str] = attrs.field(factory=dict)
    max_score: float | None = None
    weight: float | None = None


@attrs.frozen
class Band:
    """A grade band (优秀, 良好 ...) covering ``[low, high)`` of the share of the maximum score."""

    id: str
    name: dict[str, str]
    low: float
    high: float
    color: str


@attrs.frozen
class RubricSchema:
    id: str
    name: dict[str, str]
    kind: str
    indicators: tuple[Indicator, ...]
    bands: tuple[Band, ...]
    description: dict[str, str] = attrs.field(factory=dict)
    weights_sum_to_one: bool = False
    subject: str = ""
    version: str = "1"


@attrs.frozen
class TimedNote:
    """An observer's note at ``t`` seconds into the lesson video, optionally about one indicator."""

    t: float
    text: str
    indicator: str | None = None
    rater: str = ""


@attrs.frozen
class ScoreSheet:
    """One rater's scores of one lesson; ``mode`` is ``live`` or ``recording``."""

    rubric: str
    rater: str
    scores: dict[str, float]
    lesson: str = ""
    mode: str = "recording"
    made_at: dt.datetime | None = None
    comments: dict[str, str] = attrs.field(factory=dict)
    notes: tuple[TimedNote, ...] = ()


@attrs.frozen
class IndicatorResult:
    """Aggregated scores of one indicator (leaf or rolled-up node) over raters."""

    id: str
    level: int
    n_raters: int
    mean: float | None
    median: float | None = None
    min: float | None = None
    max: float | None = None
    std: float | None = None
    max_score: float | None = None
    share: float | None = None
    band: str | None = None
    missing: tuple[str, ...] = ()
    #: rater -> that rater's score of this indicator (rolled up for higher levels)
    scores: dict[str, float] = attrs.field(factory=dict)


@attrs.frozen
class Agreement:
    """Inter-rater agreement: ICC(2,k), Kendall's W, and a plain-language reading of them."""

    icc2k: float | None
    kendall_w: float | None
    reading: dict[str, str] = attrs.field(factory=dict)
    outlier_raters: tuple[str, ...] = ()
    #: number of leaves every rater scored (the items both statistics are computed on)
    n_items: int = 0
    #: rater -> mean absolute distance (share of the maximum) from the other raters' mean
    rater_deviation: dict[str, float] = attrs.field(factory=dict)


@attrs.frozen
class SheetInfo:
    """How and when one rater's sheet was made: ``live`` in the room or later from the ``recording``."""

    rater: str
    mode: str = "recording"
    made_at: dt.datetime | None = None
    source: str = ""


@attrs.frozen
class RubricResult:
    """One lesson scored on one rubric by several raters.

    ``indicators`` follow the schema's tree order; ``overall`` has id ``overall`` and level 0.
    ``comments`` maps an indicator id (or ``overall``) to the raters' comments on it.
    """

    rubric: str
    kind: str
    lesson: str
    raters: tuple[str, ...]
    indicators: tuple[IndicatorResult, ...]
    overall: IndicatorResult | None = None
    agreement: Agreement | None = None
    comments: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    notes: tuple[TimedNote, ...] = ()
    sheets: tuple[SheetInfo, ...] = ()
