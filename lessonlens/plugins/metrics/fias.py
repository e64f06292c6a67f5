"""Flanders interaction matrix and ratios (FIAS scheme).

``fias_matrix``: 10 x 10 counts of consecutive code pairs (row = code at one sample, column = code
at the next); pairs across an unknown sample or a hole in the sampling are not counted.
Ratios over the known samples: ``fias_teacher_talk`` (codes 1-7), ``fias_student_talk`` (8-9),
``fias_silence`` (10), ``fias_indirect_direct`` = count(1-4) / count(5-7) (None without 5-7), and
``fias_steady_state`` = share of pairs on the diagonal (a behaviour kept for more than one sample).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonlens.columnar.columns import IntArray, TimelineColumns, time_gaps, timeline_columns
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import MetricValues, Scalar, Table
from lessonlens.core.timeline import CodedTimeline, CodingScheme

CODES = tuple(str(i) for i in range(1, 11))


def transition_counts(cols: TimelineColumns) -> IntArray:
    """The 10 x 10 matrix of consecutive pairs of known codes."""
    size = len(cols.code_ids)
    if cols.n < 2:
        return np.zeros((size, size), dtype=np.int64)
    a, b = cols.code[:-1], cols.code[1:]
    ok = (a >= 0) & (b >= 0) & ~time_gaps(cols)[1:]
    flat = np.bincount(a[ok] * size + b[ok], minlength=size * size)
    return flat.reshape(size, size)


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def fias_values(cols: TimelineColumns) -> MetricValues:
    matrix = transition_counts(cols)
    counts = np.bincount(cols.code[cols.code >= 0], minlength=len(cols.code_ids))
    n = int(counts.sum())
    pairs = int(matrix.sum())
    scalars: dict[str, Scalar] = {
        "fias_teacher_talk": _ratio(int(counts[:7].sum()), n),
        "fias_student_talk": _ratio(int(counts[7:9].sum()), n),
        "fias_silence": _ratio(int(counts[9]), n),
        "fias_indirect_direct": _ratio(int(counts[:4].sum()), int(counts[4:7].sum())),
        "fias_steady_state": _ratio(int(np.trace(matrix)), pairs),
    }
    rows = tuple((code, *row) for code, row in zip(cols.code_ids, matrix.tolist(), strict=True))
    return MetricValues(scalars=scalars, tables={"fias_matrix": Table(columns=("from", *cols.code_ids), rows=rows)})


#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("fias_teacher_talk", Text(zh="教师语言比率", en="Teacher talk ratio")),
    MetricField("fias_student_talk", Text(zh="学生语言比率", en="Student talk ratio")),
    MetricField("fias_silence", Text(zh="沉寂或混乱比率", en="Silence or confusion ratio")),
    MetricField("fias_indirect_direct", Text(zh="间接/直接影响比", en="Indirect/direct ratio")),
    MetricField("fias_steady_state", Text(zh="稳态格比率", en="Steady-state cells ratio")),
)


class FiasMatrix(Metric):
    name = "fias-matrix"
    fields = FIELDS
    schemes = ("fias",)

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        cols = timeline_columns(timeline, scheme)
        if cols.code_ids != CODES:  # a scheme calling itself fias must keep Flanders' ten codes in order
            raise ValueError(f"the fias scheme must have codes {CODES}, got {cols.code_ids}")
        return fias_values(cols)


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(FiasMatrix())
