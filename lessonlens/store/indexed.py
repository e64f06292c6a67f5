"""The key metrics the store indexes: one column each, so queries never open the analysis JSON.

A metric id is the name reports and rules use (``rt``, ``teacher_shares.lecturing`` ...); the column
name is the same id with dots turned into double underscores. Adding a metric here needs a migration.
"""

from __future__ import annotations

import math

import attrs

from lessonlens.core.i18n import Text
from lessonlens.core.metrics import Metrics
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import BEHAVIOUR_LABELS, STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS


@attrs.frozen
class IndexedMetric:
    """One indexed metric: its id, where it is read from in :class:`Metrics`, and its label (declared by
    the metric plugin that fills it; a behaviour share's from the behaviour's label)."""

    id: str
    #: ``scalar`` (``scalars[key]``), ``share`` (``shares[group][key]``) or ``curve`` (``summaries[key].mean``)
    source: str
    key: str
    group: str = ""

    @property
    def column(self) -> str:
        return self.id.replace(".", "__")

    @property
    def label(self) -> Text:
        if self.source != "share":
            return get_manager().metric_label(self.id)
        side = Text(zh="教师", en="teacher") if self.group == "teacher_shares" else Text(zh="学生", en="student")
        label = BEHAVIOUR_LABELS[self.key]
        return Text(zh=f"{side.zh}{label.zh}占比", en=f"{side.en} {label.en.lower()} share")


_SCALARS: tuple[str, ...] = (
    "rt", "ch", "rt_30s", "ch_30s", "n_t", "n_s", "runs", "duration", "longest_lecture", "switches_per_10min",
    "teacher_switches_per_10min",
)
_CURVES: tuple[str, ...] = ("participation", "consistency", "attention")


INDEXED_METRICS: tuple[IndexedMetric, ...] = (
    *(IndexedMetric(id=name, source="scalar", key=name) for name in _SCALARS),
    *(IndexedMetric(id=f"{name}_mean", source="curve", key=name) for name in _CURVES),
    *(IndexedMetric(id=f"{group}.{b}", source="share", key=b, group=group)
      for group, behaviours in (("teacher_shares", TEACHER_BEHAVIOURS), ("student_shares", STUDENT_BEHAVIOURS))
      for b in behaviours),
)
METRIC_IDS: tuple[str, ...] = tuple(m.id for m in INDEXED_METRICS)
METRIC_BY_ID: dict[str, IndexedMetric] = {m.id: m for m in INDEXED_METRICS}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def indexed_values(metrics: Metrics | None) -> dict[str, float | None]:
    """Column name -> value of every indexed metric (``None`` where the lesson lacks it)."""
    values: dict[str, float | None] = {}
    for metric in INDEXED_METRICS:
        value: object = None
        if metrics is not None:
            if metric.source == "scalar":
                value = metrics.scalars.get(metric.key)
            elif metric.source == "share":
                value = metrics.shares.get(metric.group, {}).get(metric.key)
            else:
                # the contract has both a ``<curve>_mean`` scalar and the curve summary; either will do
                value = metrics.scalars.get(metric.id)
                summary = metrics.summaries.get(metric.key)
                if value is None and summary is not None:
                    value = summary.mean
        values[metric.column] = _number(value)
    return values


def mode_of(metrics: Metrics | None) -> str | None:
    value = metrics.scalars.get("mode") if metrics is not None else None
    return value if isinstance(value, str) and value else None
