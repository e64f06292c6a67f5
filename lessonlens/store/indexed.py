"""The key metrics the store indexes: one column each, so queries never open the analysis JSON.

A metric id is the name reports and rules use (``rt``, ``teacher_shares.lecturing`` ...); the column
name is the same id with dots turned into double underscores. Adding a metric here needs a migration.
"""

from __future__ import annotations

import math

import attrs

from lessonlens.core.i18n import Text
from lessonlens.core.metrics import Metrics
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS


@attrs.frozen
class IndexedMetric:
    """One indexed metric: its id, where it is read from in :class:`Metrics`, and its label."""

    id: str
    label: Text
    #: ``scalar`` (``scalars[key]``), ``share`` (``shares[group][key]``) or ``curve`` (``summaries[key].mean``)
    source: str
    key: str
    group: str = ""

    @property
    def column(self) -> str:
        return self.id.replace(".", "__")


_SCALARS: tuple[tuple[str, Text], ...] = (
    ("rt", Text(zh="教师行为占有率 Rt", en="teacher-talk ratio Rt")),
    ("ch", Text(zh="师生行为转换率 Ch", en="conversion ratio Ch")),
    ("rt_30s", Text(zh="Rt（30 秒采样）", en="Rt (30 s sampling)")),
    ("ch_30s", Text(zh="Ch（30 秒采样）", en="Ch (30 s sampling)")),
    ("n_t", Text(zh="T 采样数", en="T samples")),
    ("n_s", Text(zh="S 采样数", en="S samples")),
    ("runs", Text(zh="连续段数 g", en="runs g")),
    ("duration", Text(zh="时长（秒）", en="duration (s)")),
    ("longest_lecture", Text(zh="最长连续讲授（秒）", en="longest lecture (s)")),
    ("switches_per_10min", Text(zh="每 10 分钟 S-T 转换数", en="S-T switches per 10 min")),
    ("teacher_switches_per_10min", Text(zh="每 10 分钟教师行为切换数", en="teacher behaviour switches per 10 min")),
)
_CURVES: tuple[tuple[str, Text], ...] = (
    ("participation", Text(zh="参与度均值", en="mean participation")),
    ("consistency", Text(zh="表现度均值", en="mean consistency")),
    ("attention", Text(zh="关注度均值", en="mean attention")),
)
_SHARE_LABELS: dict[str, Text] = {
    "lecturing": Text(zh="讲授", en="lecturing"),
    "board_writing": Text(zh="板书", en="board writing"),
    "patrolling": Text(zh="巡视", en="patrolling"),
    "teacher_student_interaction": Text(zh="师生互动", en="teacher-student interaction"),
    "listening": Text(zh="听讲", en="listening"),
    "hand_raising": Text(zh="举手", en="hand raising"),
    "answering": Text(zh="应答", en="answering"),
    "reading_writing": Text(zh="读写", en="reading/writing"),
    "peer_interaction": Text(zh="生生互动", en="peer interaction"),
}


def _share(group: str, behaviour: str) -> IndexedMetric:
    side = Text(zh="教师", en="teacher") if group == "teacher_shares" else Text(zh="学生", en="student")
    label = _SHARE_LABELS[behaviour]
    return IndexedMetric(
        id=f"{group}.{behaviour}",
        label=Text(zh=f"{side.zh}{label.zh}占比", en=f"{side.en} {label.en} share"),
        source="share", key=behaviour, group=group,
    )


INDEXED_METRICS: tuple[IndexedMetric, ...] = (
    *(IndexedMetric(id=name, label=label, source="scalar", key=name) for name, label in _SCALARS),
    *(IndexedMetric(id=f"{name}_mean", label=label, source="curve", key=name) for name, label in _CURVES),
    *(_share("teacher_shares", b) for b in TEACHER_BEHAVIOURS),
    *(_share("student_shares", b) for b in STUDENT_BEHAVIOURS),
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
