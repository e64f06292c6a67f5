"""Behaviour shares (the rose chart): teacher side per sample, student side as mean shares.

platform-9: ``teacher_shares`` = share of samples (with a known teacher behaviour) per teacher
behaviour; ``student_shares`` = mean over samples (with known students) of each behaviour's share.
One-code schemes (S-T, FIAS): ``code_shares`` = share of known samples per code.
A batch of lessons on one grid is measured at once (``columnar/stacks.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lessonlens.columnar.columns import FloatArray, IntArray, code_counts
from lessonlens.columnar.stacks import StackedColumns, by_grid
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import MetricValues
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme


def count_shares(codes: IntArray, n_codes: int) -> tuple[list[list[float]], list[int]]:
    """Per lesson (row of ``codes``), the share of its known samples per code (rounded to 6 digits),
    and its number of known samples."""
    counts = code_counts(np.zeros(codes.shape[1], dtype=np.int64), codes, n_codes, 1)[:, 0]  # one bin
    totals = counts.sum(axis=1)
    shares: FloatArray = counts / np.maximum(totals, 1)[:, None]
    rows: list[list[float]] = shares.round(6).tolist()
    return rows, totals.tolist()


def mean_shares(shares: FloatArray, known: IntArray) -> list[list[float]]:
    """Per lesson, the mean share of each student behaviour over the samples with students seen."""
    means: FloatArray = shares.sum(axis=2) / np.maximum(known, 1)[:, None]  # unknown samples are zeros
    rows: list[list[float]] = means.round(6).tolist()
    return rows


def share_values(stack: StackedColumns, scheme_id: str) -> list[MetricValues]:
    out = []
    if scheme_id == "platform-9":
        teacher, n_teacher = count_shares(stack.teacher, len(TEACHER_BEHAVIOURS))
        n_students = stack.students_known.sum(axis=1)
        students = mean_shares(stack.shares, n_students)
        for t_row, t_n, s_row, s_n in zip(teacher, n_teacher, students, n_students.tolist(), strict=True):
            found: dict[str, dict[str, float]] = {}
            if t_n:
                found["teacher_shares"] = dict(zip(TEACHER_BEHAVIOURS, t_row, strict=True))
            if s_n:
                found["student_shares"] = dict(zip(STUDENT_BEHAVIOURS, s_row, strict=True))
            out.append(MetricValues(shares=found))
        return out
    codes, n_codes = count_shares(stack.code, len(stack.code_ids))
    for row, n in zip(codes, n_codes, strict=True):
        out.append(MetricValues(shares={"code_shares": dict(zip(stack.code_ids, row, strict=True))} if n else {}))
    return out


#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("teacher_shares", Text(zh="教师行为占比", en="Teacher behaviour shares"), part="shares"),
    MetricField("student_shares", Text(zh="学生行为占比", en="Student behaviour shares"), part="shares"),
    MetricField("code_shares", Text(zh="编码占比", en="Code shares"), part="shares"),
)


class Shares(Metric):
    name = "shares"
    fields = FIELDS
    schemes = ("*",)

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return self.compute_many([timeline], scheme)[0]

    def compute_many(self, timelines: Sequence[CodedTimeline], scheme: CodingScheme) -> list[MetricValues]:
        return by_grid(timelines, scheme, lambda stack: share_values(stack, scheme.id))


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(Shares())
