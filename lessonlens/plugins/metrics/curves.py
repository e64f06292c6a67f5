"""Participation, consistency and attention curves (platform-9), per sample and per bin.

- participation 参与度 = share listening + hand raising + answering + peer interaction;
- consistency 表现度 = share of the most common student behaviour (how uniform the class is);
- attention 关注度 = share listening + hand raising + answering, only where the teacher lectures,
  writes on the board or interacts (questions); undefined elsewhere.
All are undefined (None) where the students were not observed. Binned curves are the mean of the
defined values in each bin; summaries give the mean and the (first) time of the maximum and minimum;
tables ``<curve>_extrema`` list the local maxima and minima of the binned curve.
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
    binned_means,
    nullable_rows,
    positive_option,
    timeline_columns,
)
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.metrics import CurveSummary, Extreme, MetricValues, Scalar, Series, Table
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

BIN_SECONDS = 120.0
_S = {b: i for i, b in enumerate(STUDENT_BEHAVIOURS)}
_ENGAGED = [_S[b] for b in ("listening", "hand_raising", "answering", "peer_interaction")]
_ATTENDING = [_S[b] for b in ("listening", "hand_raising", "answering")]
_TEACHING = [TEACHER_BEHAVIOURS.index(b) for b in ("lecturing", "board_writing", "teacher_student_interaction")]


_IS_TEACHING = np.zeros(len(TEACHER_BEHAVIOURS) + 1, dtype=np.bool_)  # index -1 (unknown) is the last
_IS_TEACHING[_TEACHING] = True
_WEIGHTS = np.zeros((len(STUDENT_BEHAVIOURS), 2))  # shares -> (participation, attention)
_WEIGHTS[_ENGAGED, 0] = 1.0
_WEIGHTS[_ATTENDING, 1] = 1.0
NAMES = ("participation", "consistency", "attention")


def curve_arrays(cols: TimelineColumns) -> tuple[FloatArray, BoolArray]:
    """The three curves as rows of one (3, N) array, and where each is defined."""
    sums = cols.students @ _WEIGHTS
    values = np.empty((3, cols.n))
    values[0] = sums[:, 0]
    values[1] = cols.students.max(axis=1) if cols.n else 0.0
    values[2] = sums[:, 1]
    known = cols.students_known
    defined = np.empty((3, cols.n), dtype=np.bool_)
    defined[0] = defined[1] = known
    defined[2] = known & _IS_TEACHING[cols.teacher]
    return values, defined


def summaries_of(t: FloatArray, values: FloatArray, defined: BoolArray) -> list[CurveSummary]:
    """Mean, and the first maximum and minimum in time, of each curve over its defined points."""
    if values.shape[1] == 0:
        return [CurveSummary(mean=None, max=None, min=None) for _ in range(values.shape[0])]
    counts = defined.sum(axis=1)
    means = np.where(defined, values, 0.0).sum(axis=1) / np.maximum(counts, 1)
    hi = np.where(defined, values, -np.inf).argmax(axis=1).tolist()
    lo = np.where(defined, values, np.inf).argmin(axis=1).tolist()
    rounded = values.round(6)
    out = []
    for row, (count, mean, h, low) in enumerate(zip(counts.tolist(), means.tolist(), hi, lo, strict=True)):
        if not count:
            out.append(CurveSummary(mean=None, max=None, min=None))
            continue
        out.append(CurveSummary(mean=round(mean, 6), max=Extreme(t=float(t[h]), value=float(rounded[row, h])),
                                min=Extreme(t=float(t[low]), value=float(rounded[row, low]))))
    return out


def turning_points(t: tuple[float, ...], values: tuple[float | None, ...]) -> Table:
    """Local maxima and minima of a binned curve over its defined bins (ends excluded; on a plateau
    the first bin counts): the peaks and dips a teacher looks up in the video."""
    points = [(when, v) for when, v in zip(t, values, strict=True) if v is not None]
    rows = []
    for (_, before), (when, v), (_, after) in zip(points, points[1:], points[2:], strict=False):
        if v > before and v >= after:
            rows.append((when, v, "max"))
        elif v < before and v <= after:
            rows.append((when, v, "min"))
    return Table(columns=("t", "value", "kind"), rows=tuple(rows))


def curve_values(cols: TimelineColumns, bin_seconds: float = BIN_SECONDS) -> MetricValues:
    index, starts = bin_edges(cols, bin_seconds)
    values, defined = curve_arrays(cols)
    per_sample = nullable_rows(np.where(defined, values, np.nan))
    binned = nullable_rows(binned_means(values, defined, index, starts.size))
    t = tuple(cols.t.tolist())
    bin_t = tuple(starts.tolist())
    series: dict[str, Series] = {}
    summaries: dict[str, CurveSummary] = {}
    scalars: dict[str, Scalar] = {}
    tables: dict[str, Table] = {}
    for name, sample_row, bin_row, summary in zip(NAMES, per_sample, binned, summaries_of(cols.t, values, defined),
                                                  strict=True):
        series[name] = Series(t=t, values=sample_row)
        series[f"{name}_binned"] = Series(t=bin_t, values=bin_row)
        summaries[name] = summary
        scalars[f"{name}_mean"] = summary.mean
        turns = tables[f"{name}_extrema"] = turning_points(bin_t, bin_row)
        kinds = [row[2] for row in turns.rows]
        scalars[f"{name}_local_maxima"] = kinds.count("max")
        scalars[f"{name}_local_minima"] = kinds.count("min")
    return MetricValues(scalars=scalars, series=series, summaries=summaries, tables=tables)


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
