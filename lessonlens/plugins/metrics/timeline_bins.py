"""The behaviour timeline 时序图: how much of each behaviour per bin (2 minutes by default).

platform-9 table ``timeline``: columns ``start``, ``end``, the 4 teacher behaviours (number of
samples with that teacher code) and the 5 student behaviours (sum of the shares over the bin's
samples, i.e. sample-equivalents: 20 samples of the whole class listening give 20.0).
One-code schemes get one count column per code. Bins start at t = 0; the last one ends with the lesson.
A batch of lessons on one grid is measured at once (``columnar/stacks.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.columnar.columns import MIN_BIN_SECONDS, FloatArray, bin_edges, bin_sums, code_counts, positive_option
from lessonlens.columnar.stacks import StackedColumns, by_grid
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.metrics import MetricValues, Scalar, Table
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

BIN_SECONDS = 120.0


def timeline_tables(stack: StackedColumns, scheme_id: str, width: float = BIN_SECONDS) -> list[Table]:
    index, starts = bin_edges(stack, width)
    bins = starts.size
    ends = np.minimum(starts + width, stack.duration).round(6)
    parts: tuple[npt.NDArray[Any], ...]
    if scheme_id == "platform-9":
        parts = (code_counts(index, stack.teacher, len(TEACHER_BEHAVIOURS), bins),
                 bin_sums(stack.shares, index, bins).transpose(0, 2, 1).round(4))
        columns = ("start", "end", *TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS)
    else:
        parts = (code_counts(index, stack.code, len(stack.code_ids), bins),)
        columns = ("start", "end", *stack.code_ids)
    return [Table(columns=columns, rows=LazyTuple(partial(_bin_rows, starts, ends, tuple(p[k] for p in parts)), bins))
            for k in range(stack.lessons)]


def _bin_rows(starts: FloatArray, ends: FloatArray, parts: tuple[npt.NDArray[Any], ...]) -> tuple[tuple[Any, ...], ...]:
    """Rows (start, end, counts ...): integer counts stay ints, summed shares floats."""
    lists = [p.tolist() for p in parts]
    return tuple((s, e, *chain.from_iterable(cells)) for s, e, *cells in zip(starts.tolist(), ends.tolist(), *lists,
                                                                               strict=True))


SECONDS = Text(zh="秒", en="s")
#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("bin_seconds", Text(zh="时序图分段", en="Timeline bin"), unit=SECONDS),
)


class TimelineBins(Metric):
    name = "timeline"
    fields = FIELDS
    schemes = ("*",)

    def __init__(self, bin_seconds: float = BIN_SECONDS) -> None:
        self.bin_seconds = bin_seconds

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return TimelineBins(positive_option(options, "bin_seconds", self.bin_seconds, least=MIN_BIN_SECONDS))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return self.compute_many([timeline], scheme)[0]

    def compute_many(self, timelines: Sequence[CodedTimeline], scheme: CodingScheme) -> list[MetricValues]:
        tables = by_grid(timelines, scheme, lambda stack: timeline_tables(stack, scheme.id, self.bin_seconds))
        scalars: dict[str, Scalar] = {"bin_seconds": self.bin_seconds}
        return [MetricValues(scalars=dict(scalars), tables={"timeline": table}) for table in tables]


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(TimelineBins())
