"""The facts of one lesson as rules see them: flat named values plus the documents functions read.

Flattening happens once per lesson; conditions then read plain dict entries. ``None`` means
"not measured" and makes any comparison with it false, so a rule never fires on a missing value.
"""

from __future__ import annotations

from typing import Any

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.metrics import Metrics
from lessonlens.core.rubric import RubricResult
from lessonlens.core.timeline import CodedTimeline
from lessonlens.rubric.facts import rubric_facts

CURVE_FIELDS = ("mean", "max", "min", "max_t", "min_t")
LESSON_FIELDS = ("subject", "grade", "school", "teacher", "region", "title")


@attrs.define(eq=False)
class LessonEnv:
    """What one lesson offers the rules. Compared and hashed by identity (it sits inside an engine fact)."""

    lesson_id: str
    values: dict[str, Any]
    params: dict[str, Any]
    metrics: Metrics | None = None
    timeline: CodedTimeline | None = None
    rubrics: tuple[RubricResult, ...] = ()
    cache: dict[Any, Any] = attrs.field(factory=dict)


def lesson_values(analysis: Analysis) -> dict[str, Any]:
    """The flat values of an analysis: scalars, shares, curve summaries, rubric results, lesson fields."""
    values: dict[str, Any] = {}
    lesson = analysis.lesson
    for name in LESSON_FIELDS:
        values[f"lesson.{name}"] = getattr(lesson, name) or None
    metrics = analysis.metrics
    if metrics is not None:
        values.update(metrics_values(metrics))
    if analysis.rubric_results:
        values.update(rubric_facts(analysis.rubric_results))
    return values


def metrics_values(metrics: Metrics) -> dict[str, Any]:
    values: dict[str, Any] = {"n_samples": metrics.n_samples, "interval": metrics.interval}
    values.update(metrics.scalars)
    for group, shares in metrics.shares.items():
        for behaviour, share in shares.items():
            values[f"{group}.{behaviour}"] = share
    for curve, summary in metrics.summaries.items():
        values[f"{curve}.mean"] = summary.mean
        if summary.max is not None:
            values[f"{curve}.max"] = summary.max.value
            values[f"{curve}.max_t"] = summary.max.t
        if summary.min is not None:
            values[f"{curve}.min"] = summary.min.value
            values[f"{curve}.min_t"] = summary.min.t
    return values

