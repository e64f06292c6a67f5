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

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from lessonlens.core.columns import (
    BoolArray,
    FloatArray,
    TimelineColumns,
    bin_edges,
    bin_sums,
    float_tuple,
    nullable_tuple,
    positive_option,
    timeline_columns,
)
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.metrics import CurveSummary, Extreme, MetricValues, Scalar, Series, Table
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

BIN_SECONDS = 120.0
_S = {b: i for i, b in enumerate(STUDENT_BEHAVIOURS)}
_ENGAGED = [_S[b] for b in ("listening", "hand_raising", "answering", "peer_interaction")]
_ATTENDING = [_S[b] for b in ("listening", "hand_raising", "answering")]
_TEACHING = [TEACHER_BEHAVIOURS.index(b) for b in ("lecturing", "board_writing", "teacher_student_interaction")]


_IS_TEACHING = np.zeros(len(TEACHER_BEHAVIOURS) + 1, dtype=np.bool_)  # index -1 (unknown) is the last
_IS_TEACHING[_TEACHING] = True
_WEIGHTS = np.zeros((2, len(STUDENT_BEHAVIOURS)))  # shares -> participation, attention
_WEIGHTS[0, _ENGAGED] = 1.0
_WEIGHTS[1, _ATTENDING] = 1.0
NAMES = ("participation", "consistency", "attention")


def curve_arrays(cols: TimelineColumns) -> tuple[FloatArray, BoolArray]:
    """The three curves as rows of one (3, N) array, and where each is defined."""
    values = np.empty((3, cols.n))
    np.matmul(_WEIGHTS[0], cols.shares, out=values[0])
    if cols.n:
        cols.shares.max(axis=0, out=values[1])
    np.matmul(_WEIGHTS[1], cols.shares, out=values[2])
    known = cols.students_known
    defined = np.empty((3, cols.n), dtype=np.bool_)
    defined[0] = defined[1] = known
    defined[2] = known & _IS_TEACHING[cols.teacher]
    return values, defined


def summaries_of(t: FloatArray, values: FloatArray, defined: BoolArray,
                 sums: FloatArray | None = None) -> list[CurveSummary]:
    """Mean, and the first maximum and minimum in time (of the values rounded to 6 digits, as
    reported), of each curve over its defined points (``sums``: the defined values' sums and
    counts per curve, when already known)."""
    k = values.shape[0]
    if values.shape[1] == 0:
        return [CurveSummary(mean=None, max=None, min=None) for _ in range(k)]
    if sums is None:
        sums = np.concatenate((np.where(defined, values, 0.0), defined), axis=0).sum(axis=1)
    counts = sums[k:]
    means = (sums[:k] / np.maximum(counts, 1)).round(6).tolist()
    shown = values.round(6)  # extremes of the values as reported, so that ties go to the earliest time
    hi = np.where(defined, shown, -np.inf).argmax(axis=1)
    lo = np.where(defined, shown, np.inf).argmin(axis=1)
    rows = np.arange(k)
    hi_t, lo_t = t[hi].tolist(), t[lo].tolist()
    hi_v, lo_v = shown[rows, hi].tolist(), shown[rows, lo].tolist()
    return [
        CurveSummary(mean=mean, max=Extreme(t=ht, value=hv), min=Extreme(t=lt, value=lv)) if count
        else CurveSummary(mean=None, max=None, min=None)
        for count, mean, ht, hv, lt, lv in zip(counts.tolist(), means, hi_t, hi_v, lo_t, lo_v, strict=True)
    ]


def _turn_flags(values: FloatArray) -> tuple[BoolArray, BoolArray]:
    """Whether each inner point of each row (NaN-free) is a local maximum / minimum."""
    mid, before, after = values[..., 1:-1], values[..., :-2], values[..., 2:]
    return (mid > before) & (mid >= after), (mid < before) & (mid <= after)


def turn_counts(values: FloatArray) -> tuple[list[int], list[int]]:
    """Numbers of local maxima and minima of each row of ``values`` (NaN: undefined, skipped)."""
    holes = np.isnan(values).any(axis=1)
    is_max, is_min = _turn_flags(values)  # right for the rows without holes
    maxima, minima = is_max.sum(axis=1).tolist(), is_min.sum(axis=1).tolist()
    for row in holes.nonzero()[0].tolist():
        line = values[row]
        row_max, row_min = _turn_flags(line[~np.isnan(line)])
        maxima[row], minima[row] = int(row_max.sum()), int(row_min.sum())
    return maxima, minima


def _turn_rows(t: FloatArray, values: FloatArray) -> tuple[tuple[float, float, str], ...]:
    keep = ~np.isnan(values)
    when, v = t[keep], values[keep]
    is_max, is_min = _turn_flags(v)
    at = (is_max | is_min).nonzero()[0]
    kinds = np.where(is_max[at], "max", "min").tolist()
    return tuple(zip(when[at + 1].tolist(), v[at + 1].tolist(), kinds, strict=True))


def turning_points(t: Sequence[float] | FloatArray, values: Sequence[float | None] | FloatArray) -> Table:
    """Local maxima and minima of a binned curve over its defined bins (ends excluded; on a plateau
    the first bin counts): the peaks and dips a teacher looks up in the video. ``values`` may hold
    None or NaN for undefined bins."""
    times, v = np.asarray(t, dtype=np.float64), np.array(values, dtype=np.float64)
    maxima, minima = turn_counts(v[None, :])
    return _turn_table(times, v, maxima[0] + minima[0])


def _turn_table(t: FloatArray, values: FloatArray, count: int) -> Table:
    return Table(columns=("t", "value", "kind"), rows=LazyTuple(partial(_turn_rows, t, values), count))


def curve_values(cols: TimelineColumns, bin_seconds: float = BIN_SECONDS) -> MetricValues:
    index, starts = bin_edges(cols, bin_seconds)
    values, defined = curve_arrays(cols)
    n, bins, k = cols.n, starts.size, len(NAMES)
    both = np.concatenate((np.where(defined, values, 0.0), defined), axis=0)  # defined values, then counts
    sums = bin_sums(both, index, bins)
    binned = np.full((k, bins), np.nan)
    np.divide(sums[:k], sums[k:], out=binned, where=sums[k:] > 0)
    binned = binned.round(6)
    per_sample = np.where(defined, values, np.nan)
    maxima, minima = turn_counts(binned)
    summaries_all = summaries_of(cols.t, values, defined, sums.sum(axis=1))
    t = LazyTuple(partial(float_tuple, cols.t), n)
    bin_t = LazyTuple(partial(float_tuple, starts), bins)
    series: dict[str, Series] = {}
    summaries: dict[str, CurveSummary] = {}
    scalars: dict[str, Scalar] = {}
    tables: dict[str, Table] = {}
    for row, name in enumerate(NAMES):
        series[name] = Series(t=t, values=LazyTuple(partial(nullable_tuple, per_sample[row]), n))
        series[f"{name}_binned"] = Series(t=bin_t, values=LazyTuple(partial(nullable_tuple, binned[row]), bins))
        summary = summaries[name] = summaries_all[row]
        scalars[f"{name}_mean"] = summary.mean
        tables[f"{name}_extrema"] = _turn_table(starts, binned[row], maxima[row] + minima[row])
        scalars[f"{name}_local_maxima"] = maxima[row]
        scalars[f"{name}_local_minima"] = minima[row]
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
