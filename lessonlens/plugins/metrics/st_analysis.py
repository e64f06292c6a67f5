"""S-T analysis: Rt, Ch, the teaching mode, the S-T curve, and Rt/Ch re-sampled to 30 s.

Rt = N_T / N and Ch = (g - 1) / N over the samples with a known S/T code, g the number of runs of
equal consecutive codes. The mode follows the classic Rt-Ch chart (Fu Degang): Rt <= 0.3 practice,
Rt >= 0.7 lecture, and only between them Ch >= 0.4 dialogue, else mixed -- the source's example
Rt 0.55, Ch 0.23 is mixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import attrs
import numpy as np

from lessonlens.columnar.columns import MIN_BIN_SECONDS, ST_T, FloatArray, IntArray, TimelineColumns, positive_option
from lessonlens.columnar.stacks import StackedColumns, by_grid
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.metrics import MetricValues, Scalar, Table
from lessonlens.core.timeline import CodedTimeline, CodingScheme

RESAMPLE_SECONDS = 30.0


@attrs.frozen
class ModeThresholds:
    """Boundaries of the Rt-Ch chart's four regions."""

    practice: float = 0.3
    lecture: float = 0.7
    dialogue: float = 0.4


THRESHOLDS = ModeThresholds()


def teaching_mode(rt: float | None, ch: float | None, limits: ModeThresholds = THRESHOLDS) -> str | None:
    """``practice``, ``lecture``, ``dialogue`` or ``mixed``; Rt decides first (the chart's side bands)."""
    if rt is None or ch is None:
        return None
    if rt <= limits.practice:
        return "practice"
    if rt >= limits.lecture:
        return "lecture"
    return "dialogue" if ch >= limits.dialogue else "mixed"


@attrs.frozen
class StCounts:
    n: int
    n_t: int
    runs: int

    @property
    def rt(self) -> float | None:
        return self.n_t / self.n if self.n else None

    @property
    def ch(self) -> float | None:
        return (self.runs - 1) / self.n if self.n else None


def st_counts_many(st: IntArray) -> list[StCounts]:
    """N, N_T and the number of runs g of each row of ``st`` (L, N), unknown samples (-1) left out,
    all rows at once: the known codes of all rows laid end to end, a run starting wherever the code
    or the row changes."""
    lessons = st.shape[0]
    known = st >= 0
    row = known.nonzero()[0]
    codes = st[known]
    starts = np.ones(codes.size, dtype=np.bool_)
    starts[1:] = (codes[1:] != codes[:-1]) | (row[1:] != row[:-1])
    sizes = np.bincount(row, minlength=lessons).tolist()
    n_t = np.bincount(row[codes == ST_T], minlength=lessons).tolist()
    runs = np.bincount(row[starts], minlength=lessons).tolist()
    return [StCounts(k, t, r) for k, t, r in zip(sizes, n_t, runs, strict=True)]


def resampled_st(cols: TimelineColumns | StackedColumns, seconds: float) -> IntArray:
    """The S/T code in effect at 0, seconds, 2*seconds ... (what an observer ticking every
    ``seconds`` would note): the code of the last sample at or before each tick (per lesson of a stack)."""
    if cols.n == 0:
        return np.zeros((*cols.st.shape[:-1], 0), dtype=np.int64)
    ticks = np.arange(0.0, cols.duration - 1e-9, seconds)
    index = cols.t.searchsorted(ticks + 1e-9, side="right") - 1
    picked: IntArray = cols.st[..., index[index >= 0]]
    return picked


def st_curves(stack: StackedColumns) -> list[Table]:
    """Per lesson, points (t, N_T so far, N_S so far) from (0, 0, 0); each sample steps one axis at its end."""
    n_t = (stack.st == ST_T).cumsum(axis=1)
    n_s = (stack.st == 0).cumsum(axis=1)
    ends = (stack.t + stack.interval).round(6)
    return [Table(columns=("t", "n_t", "n_s"), rows=LazyTuple(partial(_curve_rows, ends, n_t[k], n_s[k]), stack.n + 1))
            for k in range(stack.lessons)]


def _curve_rows(ends: FloatArray, n_t: IntArray, n_s: IntArray) -> tuple[tuple[float, int, int], ...]:
    return ((0.0, 0, 0), *zip(ends.tolist(), n_t.tolist(), n_s.tolist(), strict=True))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def st_values(stack: StackedColumns, resample_seconds: float = RESAMPLE_SECONDS) -> list[MetricValues]:
    duration = stack.duration
    out = []
    for counts, coarse, curve in zip(st_counts_many(stack.st), st_counts_many(resampled_st(stack, resample_seconds)),
                                     st_curves(stack), strict=True):
        scalars: dict[str, Scalar] = {
            "n": counts.n,
            "n_t": counts.n_t,
            "n_s": counts.n - counts.n_t,
            "runs": counts.runs,
            "rt": _round(counts.rt),
            "ch": _round(counts.ch),
            "mode": teaching_mode(counts.rt, counts.ch),
            "rt_30s": _round(coarse.rt),
            "ch_30s": _round(coarse.ch),
            "mode_30s": teaching_mode(coarse.rt, coarse.ch),
            "duration": round(duration, 6),
            "switches_per_10min": _round((counts.runs - 1) * 600.0 / duration) if counts.n and duration else None,
        }
        out.append(MetricValues(scalars=scalars, tables={"st_curve": curve}))
    return out


SECONDS = Text(zh="秒", en="s")
#: labels of the teaching modes (values of ``mode`` and ``mode_30s``)
MODES: dict[str, Text] = {
    "practice": Text(zh="练习型", en="practice"),
    "lecture": Text(zh="讲授型", en="lecture"),
    "dialogue": Text(zh="对话型", en="dialogue"),
    "mixed": Text(zh="混合型", en="mixed"),
}
#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("rt", Text(zh="教师行为占有率", en="Teacher occupancy"), symbol="Rt"),
    MetricField("ch", Text(zh="师生行为转换率", en="Behaviour conversion rate"), symbol="Ch"),
    MetricField("mode", Text(zh="教学模式", en="Teaching mode"), type="str", values=MODES),
    MetricField("rt_30s", Text(zh="Rt（30 秒采样）", en="Rt (30-s sampling)")),
    MetricField("ch_30s", Text(zh="Ch（30 秒采样）", en="Ch (30-s sampling)")),
    MetricField(
        "mode_30s", Text(zh="教学模式（30 秒采样）", en="Teaching mode (30-s sampling)"),
        type="str", values=MODES,
    ),
    MetricField("n", Text(zh="有 S/T 编码的采样点数", en="Samples with an S/T code"), symbol="N"),
    MetricField("n_t", Text(zh="T 行为采样点数", en="T samples")),
    MetricField("n_s", Text(zh="S 行为采样点数", en="S samples")),
    MetricField("runs", Text(zh="连续段数", en="Runs"), symbol="g"),
    MetricField("duration", Text(zh="时长", en="Duration"), unit=SECONDS),
    MetricField("switches_per_10min", Text(zh="每 10 分钟 S/T 转换次数", en="S/T switches per 10 min")),
)


class StAnalysis(Metric):
    name = "st-analysis"
    fields = FIELDS
    schemes = ("*",)

    def __init__(self, resample_seconds: float = RESAMPLE_SECONDS) -> None:
        self.resample_seconds = resample_seconds

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return StAnalysis(positive_option(options, "resample_seconds", self.resample_seconds, least=MIN_BIN_SECONDS))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return self.compute_many([timeline], scheme)[0]

    def compute_many(self, timelines: Sequence[CodedTimeline], scheme: CodingScheme) -> list[MetricValues]:
        return by_grid(timelines, scheme, lambda stack: st_values(stack, self.resample_seconds))


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(StAnalysis())
