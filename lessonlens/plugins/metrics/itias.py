"""The ITIAS interaction matrix, its ratios and the dynamic curves of the four groups.

With ``n(c)`` the samples coded ``c`` among the N known samples and ``M`` the 18 x 18 matrix of
consecutive pairs (row: the code at one sample, column: at the next; pairs across an unknown sample
or a hole in the sampling are not counted, so a sequence of N codes gives N − 1 pairs):

- ``itias_teacher_talk`` = n(1..8)/N, ``itias_student_talk`` = n(9..12)/N, ``itias_silence`` =
  n(13..15)/N, ``itias_technology`` = n(16..18)/N (they sum to 1);
- ``itias_indirect_direct`` = n(1..5)/n(6..8) (indirect over direct influence);
- ``itias_positive_negative`` = n(1..3)/n(7..8) (positive over negative reinforcement);
- ``itias_open_closed`` = n(4)/n(5) (open over closed questions);
- ``itias_student_initiated`` = n(10..11)/n(9..12) (student talk that is an active response or a question);
- ``itias_technology_teacher`` = n(16..18)/n(1..8) (technology time over teacher talk);
- ``itias_steady_state`` = trace(M)/ΣM (a behaviour lasting more than one sample);
- ``itias_content_cross`` = pairs in rows or columns 4-6 (questions and lecture) / ΣM;
- table ``itias_matrix`` (M), series ``itias_curve_teacher`` / ``_student`` / ``_silence`` /
  ``_technology``: each group's share of the known samples per block of ``block_samples``
  samples (default 20: one minute at 3 s), at the block's start;
- table ``itias_counts`` (metric, hits, of) behind the four group shares, for pooling lessons.

Option ``itias_frame`` (true/false, default false): frame the sequence with code 13 before the
first and after the last sample, as Flanders framed his with silence (10); the matrix then has N + 1 pairs.
Ratios with a zero denominator are ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lessonlens.columnar.columns import IntArray, TimelineColumns, time_gaps, timeline_columns
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import MetricValues, Scalar, Series, Table
from lessonlens.core.timeline import CodedTimeline, CodingScheme

CODES = tuple(str(i) for i in range(1, 19))
#: code index ranges (0-based, end exclusive) of the four groups
GROUPS: dict[str, tuple[int, int]] = {"teacher": (0, 8), "student": (8, 12), "silence": (12, 15),
                                      "technology": (15, 18)}
FRAME = 12  # index of code 13
BLOCK = 20


def transition_matrix(code: IntArray, gaps: np.ndarray[Any, Any], frame: bool = False) -> IntArray:
    """The 18 x 18 counts of consecutive known pairs; with ``frame`` code 13 is put before and after."""
    size = len(CODES)
    if frame and code.size:
        code = np.concatenate([[FRAME], code, [FRAME]])
        gaps = np.concatenate([[False], gaps, [False]])
    if code.size < 2:
        return np.zeros((size, size), dtype=np.int64)
    a, b = code[:-1], code[1:]
    ok = (a >= 0) & (b >= 0) & ~gaps[1:]
    return np.bincount(a[ok] * size + b[ok], minlength=size * size).reshape(size, size)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 6) if den else None


def group_curves(cols: TimelineColumns, block: int) -> dict[str, Series]:
    """Each group's share of the known samples per block of ``block`` samples."""
    n = cols.n
    starts = np.arange(0, n, block)
    if not n:
        return {f"itias_curve_{g}": Series((), ()) for g in GROUPS}
    known = cols.code >= 0
    block_of = np.arange(n) // block
    totals = np.bincount(block_of[known], minlength=starts.size).astype(np.float64)
    out = {}
    for group, (lo, hi) in GROUPS.items():
        inside = known & (cols.code >= lo) & (cols.code < hi)
        counts = np.bincount(block_of[inside], minlength=starts.size)
        values = [round(c / k, 6) if k else None for c, k in zip(counts.tolist(), totals.tolist(), strict=True)]
        out[f"itias_curve_{group}"] = Series(cols.t[starts].tolist(), values)
    return out


def itias_values(cols: TimelineColumns, frame: bool = False, block: int = BLOCK) -> MetricValues:
    matrix = transition_matrix(cols.code, time_gaps(cols), frame)
    n_of = np.bincount(cols.code[cols.code >= 0], minlength=len(CODES))

    def n(lo: int, hi: int) -> int:  # codes lo..hi (1-based, inclusive)
        return int(n_of[lo - 1:hi].sum())

    total = int(n_of.sum())
    pairs = int(matrix.sum())
    cross = int(matrix[3:6, :].sum() + matrix[:, 3:6].sum() - matrix[3:6, 3:6].sum())
    scalars: dict[str, Scalar] = {
        "itias_teacher_talk": _ratio(n(1, 8), total),
        "itias_student_talk": _ratio(n(9, 12), total),
        "itias_silence": _ratio(n(13, 15), total),
        "itias_technology": _ratio(n(16, 18), total),
        "itias_indirect_direct": _ratio(n(1, 5), n(6, 8)),
        "itias_positive_negative": _ratio(n(1, 3), n(7, 8)),
        "itias_open_closed": _ratio(n(4, 4), n(5, 5)),
        "itias_student_initiated": _ratio(n(10, 11), n(9, 12)),
        "itias_technology_teacher": _ratio(n(16, 18), n(1, 8)),
        "itias_steady_state": _ratio(int(np.trace(matrix)), pairs),
        "itias_content_cross": _ratio(cross, pairs),
        "itias_pairs": pairs,
    }
    rows = tuple((code, *row) for code, row in zip(CODES, matrix.tolist(), strict=True))
    counts = tuple((f"itias_{name}", n(lo + 1, hi), total) for name, (lo, hi) in
                   (("teacher_talk", GROUPS["teacher"]), ("student_talk", GROUPS["student"]),
                    ("silence", GROUPS["silence"]), ("technology", GROUPS["technology"])))
    tables = {"itias_matrix": Table(columns=("from", *CODES), rows=rows),
              "itias_counts": Table(columns=("metric", "hits", "of"), rows=counts)}
    return MetricValues(scalars=scalars, series=group_curves(cols, block), tables=tables)


def _flag(options: Mapping[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("itias_teacher_talk", Text(zh="教师言语比率", en="Teacher talk ratio")),
    MetricField("itias_student_talk", Text(zh="学生言语比率", en="Student talk ratio")),
    MetricField("itias_silence", Text(zh="沉寂比率", en="Silence ratio")),
    MetricField("itias_technology", Text(zh="技术比率", en="Technology ratio")),
    MetricField("itias_indirect_direct", Text(zh="间接/直接影响比", en="Indirect/direct influence ratio")),
    MetricField("itias_positive_negative", Text(zh="积极/消极强化比", en="Positive/negative reinforcement ratio")),
    MetricField("itias_open_closed", Text(zh="开放/封闭问题比", en="Open/closed questions ratio")),
    MetricField("itias_student_initiated", Text(zh="学生主动言语比率", en="Student-initiated talk ratio")),
    MetricField("itias_technology_teacher", Text(zh="技术/教师言语比", en="Technology/teacher talk ratio")),
    MetricField("itias_steady_state", Text(zh="稳态格比率", en="Steady-state cells ratio")),
    MetricField("itias_content_cross", Text(zh="内容十字区比率", en="Content-cross cells ratio")),
    MetricField("itias_pairs", Text(zh="矩阵中的编码对数", en="Code pairs in the matrix")),
    MetricField("itias_curve_teacher", Text(zh="教师言语（动态）", en="Teacher talk (dynamic)"), part="series"),
    MetricField("itias_curve_student", Text(zh="学生言语（动态）", en="Student talk (dynamic)"), part="series"),
    MetricField("itias_curve_silence", Text(zh="沉寂（动态）", en="Silence (dynamic)"), part="series"),
    MetricField("itias_curve_technology", Text(zh="技术（动态）", en="Technology (dynamic)"), part="series"),
)


class ItiasMatrix(Metric):
    name = "itias-matrix"
    fields = FIELDS
    schemes = ("itias",)

    def __init__(self, frame: bool = False, block: int = BLOCK) -> None:
        self.frame = frame
        self.block = block

    def configured(self, options: Mapping[str, Any]) -> Metric:
        block = int(options.get("block_samples", self.block) or self.block)
        return ItiasMatrix(_flag(options, "itias_frame", self.frame), max(block, 1))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        cols = timeline_columns(timeline, scheme)
        if cols.code_ids != CODES:  # a scheme calling itself itias must keep the 18 codes in order
            raise ValueError(f"the itias scheme must have codes {CODES}, got {cols.code_ids}")
        return itias_values(cols, self.frame, self.block)


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(ItiasMatrix())
