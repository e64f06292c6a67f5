"""The behaviour timeline 时序图: how much of each behaviour per bin (2 minutes by default).

platform-9 table ``timeline``: columns ``start``, ``end``, the 4 teacher behaviours (number of
samples with that teacher code) and the 5 student behaviours (sum of the shares over the bin's
samples, i.e. sample-equivalents: 20 samples of the whole class listening give 20.0).
One-code schemes get one count column per code. Bins start at t = 0; the last one ends with the lesson.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lessonlens.core.columns import IntArray, TimelineColumns, bin_edges, bin_sums, positive_option, timeline_columns
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.metrics import MetricValues, Scalar, Table
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

BIN_SECONDS = 120.0


def _code_counts(index: IntArray, codes: IntArray, n_codes: int, bins: int) -> IntArray:
    known = codes >= 0
    flat = np.bincount(index[known] * n_codes + codes[known], minlength=bins * n_codes)
    return flat.reshape(bins, n_codes)


def timeline_table(cols: TimelineColumns, scheme_id: str, width: float = BIN_SECONDS) -> Table:
    index, starts = bin_edges(cols, width)
    bins = starts.size
    ends = np.minimum(starts + width, cols.duration)
    if scheme_id == "platform-9":
        teacher = _code_counts(index, cols.teacher, len(TEACHER_BEHAVIOURS), bins)
        students = bin_sums(cols.students, index, bins)
        columns = ("start", "end", *TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS)
        body = [a + b for a, b in zip(teacher.tolist(), students.round(4).tolist(), strict=True)]
    else:
        counts = _code_counts(index, cols.code, len(cols.code_ids), bins)
        columns = ("start", "end", *cols.code_ids)
        body = counts.tolist()
    rows = tuple((s, e, *r) for s, e, r in zip(starts.tolist(), ends.round(6).tolist(), body, strict=True))
    return Table(columns=columns, rows=rows)


class TimelineBins(Metric):
    name = "timeline"
    schemes = ("*",)

    def __init__(self, bin_seconds: float = BIN_SECONDS) -> None:
        self.bin_seconds = bin_seconds

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return TimelineBins(positive_option(options, "bin_seconds", self.bin_seconds))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        cols = timeline_columns(timeline, scheme)
        scalars: dict[str, Scalar] = {"bin_seconds": self.bin_seconds}
        return MetricValues(scalars=scalars, tables={"timeline": timeline_table(cols, scheme.id, self.bin_seconds)})


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(TimelineBins())
