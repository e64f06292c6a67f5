"""Participation, consistency and attention curves (platform-9), per sample and per bin.

- participation 参与度 = share listening + hand raising + answering + peer interaction;
- consistency 表现度 = share of the most common student behaviour (how uniform the class is);
- attention 关注度 = share listening + hand raising + answering, only where the teacher lectures,
  writes on the board or interacts (questions); undefined elsewhere.
All are undefined (None) where the students were not observed. Binned curves are the mean of the
defined values in each bin; summaries give the mean and the (first) time of the maximum and minimum;
tables ``<curve>_extrema`` list the local maxima and minima of the binned curve.
A batch of lessons on one grid is measured at once (``columnar/stacks.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from lessonlens.columnar.columns import (
    MIN_BIN_SECONDS,
    BoolArray,
    FloatArray,
    IntArray,
    bin_edges,
    bin_sums,
    float_tuple,
    nullable_tuple,
    positive_option,
)
from lessonlens.columnar.stacks import StackedColumns, by_grid
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
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


def curve_arrays(stack: StackedColumns) -> tuple[FloatArray, BoolArray]:
    """The three curves of each lesson as rows of one (L, 3, N) array, and where each is defined."""
    lessons, n = stack.lessons, stack.n
    values = np.empty((lessons, 3, n))
    sums = np.matmul(_WEIGHTS, stack.shares)  # (L, 2, N): participation, attention
    values[:, 0] = sums[:, 0]
    if n:
        stack.shares.max(axis=1, out=values[:, 1])
    values[:, 2] = sums[:, 1]
    known = stack.students_known
    defined = np.empty((lessons, 3, n), dtype=np.bool_)
    defined[:, 0] = defined[:, 1] = known
    defined[:, 2] = known & _IS_TEACHING[stack.teacher]
    return values, defined


def summaries_of(t: FloatArray, values: FloatArray, defined: BoolArray, sums: FloatArray) -> list[list[CurveSummary]]:
    """Per lesson and curve (``values``: L, k, N), the mean and the first maximum and minimum in time
    (of the values rounded to 6 digits, as reported) over its defined points; ``sums`` (L, 2k) are
    the defined values' sums and counts per curve."""
    lessons, k, n = values.shape
    if n == 0:
        return [[CurveSummary(mean=None, max=None, min=None) for _ in range(k)] for _ in range(lessons)]
    counts = sums[:, k:]
    means = (sums[:, :k] / np.maximum(counts, 1)).round(6).tolist()
    shown = values.round(6)  # extremes of the values as reported, so that ties go to the earliest time
    hi = np.where(defined, shown, -np.inf).argmax(axis=2)
    lo = np.where(defined, shown, np.inf).argmin(axis=2)
    lesson, curve = np.arange(lessons)[:, None], np.arange(k)[None, :]
    hi_t, lo_t = t[hi].tolist(), t[lo].tolist()
    hi_v, lo_v = shown[lesson, curve, hi].tolist(), shown[lesson, curve, lo].tolist()
    return [
        [CurveSummary(mean=mean, max=Extreme(t=ht, value=hv), min=Extreme(t=lt, value=lv)) if count
         else CurveSummary(mean=None, max=None, min=None)
         for count, mean, ht, hv, lt, lv in zip(*rows, strict=True)]
        for rows in zip(counts.tolist(), means, hi_t, hi_v, lo_t, lo_v, strict=True)
    ]


def _turn_flags(values: FloatArray) -> tuple[BoolArray, BoolArray]:
    """Whether each inner point of each row (NaN-free) is a local maximum / minimum."""
    mid, before, after = values[..., 1:-1], values[..., :-2], values[..., 2:]
    return (mid > before) & (mid >= after), (mid < before) & (mid <= after)


def turn_counts(values: FloatArray) -> tuple[IntArray, IntArray]:
    """Numbers of local maxima and minima of each row (last axis) of ``values``, NaN (undefined)
    skipped: the defined values of all rows laid end to end, a point counting only between two
    neighbours of its own row."""
    rows = values.reshape(math.prod(values.shape[:-1]), values.shape[-1])
    defined = ~np.isnan(rows)
    row = defined.nonzero()[0]
    flat = rows[defined]
    is_max, is_min = _turn_flags(flat)
    inner = row[1:-1]
    same = (row[:-2] == inner) & (row[2:] == inner)
    count = rows.shape[0]
    maxima = np.bincount(inner[is_max & same], minlength=count)
    minima = np.bincount(inner[is_min & same], minlength=count)
    return maxima.reshape(values.shape[:-1]), minima.reshape(values.shape[:-1])


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
    return _turn_table(times, v, int(maxima[0] + minima[0]))


def _turn_table(t: FloatArray, values: FloatArray, count: int) -> Table:
    return Table(columns=("t", "value", "kind"), rows=LazyTuple(partial(_turn_rows, t, values), count))


def curve_values(stack: StackedColumns, bin_seconds: float = BIN_SECONDS) -> list[MetricValues]:
    index, starts = bin_edges(stack, bin_seconds)
    values, defined = curve_arrays(stack)
    n, bins, k = stack.n, starts.size, len(NAMES)
    both = np.concatenate((np.where(defined, values, 0.0), defined), axis=1)  # defined values, then counts
    sums = bin_sums(both, index, bins)  # (L, 2k, bins)
    binned = np.full((stack.lessons, k, bins), np.nan)
    np.divide(sums[:, :k], sums[:, k:], out=binned, where=sums[:, k:] > 0)
    binned = binned.round(6)
    per_sample = np.where(defined, values, np.nan)
    maxima, minima = (part.tolist() for part in turn_counts(binned))
    summaries_all = summaries_of(stack.t, values, defined, sums.sum(axis=2))
    t = LazyTuple(partial(float_tuple, stack.t), n)  # one tuple of times for the whole stack
    bin_t = LazyTuple(partial(float_tuple, starts), bins)
    out = []
    for lesson, lesson_summaries in enumerate(summaries_all):
        series: dict[str, Series] = {}
        summaries: dict[str, CurveSummary] = {}
        scalars: dict[str, Scalar] = {}
        tables: dict[str, Table] = {}
        for row, (name, summary) in enumerate(zip(NAMES, lesson_summaries, strict=True)):
            series[name] = Series(t=t, values=LazyTuple(partial(nullable_tuple, per_sample[lesson, row]), n))
            series[f"{name}_binned"] = Series(
                t=bin_t, values=LazyTuple(partial(nullable_tuple, binned[lesson, row]), bins))
            summaries[name] = summary
            scalars[f"{name}_mean"] = summary.mean
            n_max, n_min = maxima[lesson][row], minima[lesson][row]
            tables[f"{name}_extrema"] = _turn_table(starts, binned[lesson, row], n_max + n_min)
            scalars[f"{name}_local_maxima"] = n_max
            scalars[f"{name}_local_minima"] = n_min
        out.append(MetricValues(scalars=scalars, series=series, summaries=summaries, tables=tables))
    return out


#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("participation_mean", Text(zh="平均参与度", en="Mean participation")),
    MetricField("consistency_mean", Text(zh="平均表现度（一致性）", en="Mean consistency")),
    MetricField("attention_mean", Text(zh="平均关注度", en="Mean attention")),
    MetricField("participation_local_maxima", Text(zh="参与度极大值个数", en="Participation peaks")),
    MetricField("participation_local_minima", Text(zh="参与度极小值个数", en="Participation dips")),
    MetricField("consistency_local_maxima", Text(zh="表现度极大值个数", en="Consistency peaks")),
    MetricField("consistency_local_minima", Text(zh="表现度极小值个数", en="Consistency dips")),
    MetricField("attention_local_maxima", Text(zh="关注度极大值个数", en="Attention peaks")),
    MetricField("attention_local_minima", Text(zh="关注度极小值个数", en="Attention dips")),
    MetricField("participation", Text(zh="参与度", en="Participation"), part="series"),
    MetricField("consistency", Text(zh="表现度", en="Consistency"), part="series"),
    MetricField("attention", Text(zh="关注度", en="Attention"), part="series"),
)


class Curves(Metric):
    name = "curves"
    fields = FIELDS
    schemes = ("platform-9",)

    def __init__(self, bin_seconds: float = BIN_SECONDS) -> None:
        self.bin_seconds = bin_seconds

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return Curves(positive_option(options, "bin_seconds", self.bin_seconds, least=MIN_BIN_SECONDS))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return self.compute_many([timeline], scheme)[0]

    def compute_many(self, timelines: Sequence[CodedTimeline], scheme: CodingScheme) -> list[MetricValues]:
        return by_grid(timelines, scheme, lambda stack: curve_values(stack, self.bin_seconds))


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(Curves())
