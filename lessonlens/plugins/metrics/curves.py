"""Participation, consistency and attention curves (platform-9), per sample and per bin.

- participation 参与度 = share listening + hand raising + answering + peer interaction;
- consistency 表现度 = share of the most common student behaviour (how uniform the class is);
- attention 关注度 = share listening + hand raising + answering, only where the teacher lectures,
  writes on the board or interacts (questions); undefined elsewhere.
All are undefined (None) where the students were not observed. Binned curves are the mean of the
defined values in each bin; summaries give the mean and the (first) time of the maximum and minimum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lessonlens.core.columns import (
    BoolArray,
    FloatArray,
    TimelineColumns,
    bin_edges,
    binned_mean,
    nullable,
    positive_option,
    timeline_columns,
)
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.metrics import CurveSummary, Extreme, MetricValues, Scalar, Series
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

BIN_SECONDS = 120.0
_S = {b: i for i, b in enumerate(STUDENT_BEHAVIOURS)}
_ENGAGED = [_S[b] for b in ("listening", "hand_raising", "answering", "peer_interaction")]
_ATTENDING = [_S[b] for b in ("listening", "hand_raising", "answering")]
_TEACHING = [TEACHER_BEHAVIOURS.index(b) for b in ("lecturing", "board_writing", "teacher_student_interaction")]


def curve_arrays(cols: TimelineColumns) -> dict[str, tuple[FloatArray, BoolArray]]:
    """Each curve's values and where it is defined."""
    shares = cols.students
    known = cols.students_known
    teaching = np.isin(cols.teacher, _TEACHING) & known
    return {
        "participation": (shares[:, _ENGAGED].sum(axis=1), known),
        "consistency": (shares.max(axis=1) if cols.n else np.zeros(0), known),
        "attention": (shares[:, _ATTENDING].sum(axis=1), teaching),
    }


def summary(t: FloatArray, values: FloatArray, defined: BoolArray) -> CurveSummary:
    if not defined.any():
        return CurveSummary(mean=None, max=None, min=None)
    where = np.flatnonzero(defined)
    picked = values[where]
    hi, lo = where[int(np.argmax(picked))], where[int(np.argmin(picked))]
    return CurveSummary(
        mean=round(float(picked.mean()), 6),
        max=Extreme(t=float(t[hi]), value=round(float(values[hi]), 6)),
        min=Extreme(t=float(t[lo]), value=round(float(values[lo]), 6)),
    )


def curve_values(cols: TimelineColumns, bin_seconds: float = BIN_SECONDS) -> MetricValues:
    index, starts = bin_edges(cols, bin_seconds)
    t = tuple(cols.t.tolist())
    bin_t = tuple(starts.tolist())
    series: dict[str, Series] = {}
    summaries: dict[str, CurveSummary] = {}
    scalars: dict[str, Scalar] = {}
    for name, (values, defined) in curve_arrays(cols).items():
        series[name] = Series(t=t, values=nullable(np.where(defined, values, np.nan)))
        series[f"{name}_binned"] = Series(t=bin_t, values=nullable(binned_mean(values, defined, index, starts.size)))
        summaries[name] = summary(cols.t, values, defined)
        scalars[f"{name}_mean"] = summaries[name].mean
    return MetricValues(scalars=scalars, series=series, summaries=summaries)


class Curves(Metric):
    name = "curves"
    schemes = ("platform-9",)

    def __init__(self, bin_seconds: float = BIN_SECONDS) -> None:
        self.bin_seconds = bin_seconds

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return Curves(positive_option(options, "bin_seconds", self.bin_seconds))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return curve_values(timeline_columns(timeline, scheme), self.bin_seconds)


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(Curves())
