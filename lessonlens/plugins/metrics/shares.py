"""Behaviour shares (the rose chart): teacher side per sample, student side as mean shares.

platform-9: ``teacher_shares`` = share of samples (with a known teacher behaviour) per teacher
behaviour; ``student_shares`` = mean over samples (with known students) of each behaviour's share.
One-code schemes (S-T, FIAS): ``code_shares`` = share of known samples per code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonlens.core.columns import IntArray, TimelineColumns, timeline_columns
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.metrics import MetricValues
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme


def _count_shares(index: IntArray, names: tuple[str, ...]) -> dict[str, float]:
    known = index[index >= 0]
    if known.size == 0:
        return {}
    counts = np.bincount(known, minlength=len(names)) / known.size
    return dict(zip(names, counts.round(6).tolist(), strict=True))


def teacher_shares(cols: TimelineColumns) -> dict[str, float]:
    return _count_shares(cols.teacher, TEACHER_BEHAVIOURS)


def student_shares(cols: TimelineColumns) -> dict[str, float]:
    known = int(np.count_nonzero(cols.students_known))
    if not known:
        return {}
    mean = cols.shares.sum(axis=1) / known  # unknown samples are zeros
    return dict(zip(STUDENT_BEHAVIOURS, mean.round(6).tolist(), strict=True))


def code_shares(cols: TimelineColumns) -> dict[str, float]:
    return _count_shares(cols.code, cols.code_ids)


def share_values(cols: TimelineColumns, scheme_id: str) -> MetricValues:
    if scheme_id == "platform-9":
        found = {"teacher_shares": teacher_shares(cols), "student_shares": student_shares(cols)}
    else:
        found = {"code_shares": code_shares(cols)}
    return MetricValues(shares={k: v for k, v in found.items() if v})


class Shares(Metric):
    name = "shares"
    schemes = ("*",)

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return share_values(timeline_columns(timeline, scheme), scheme.id)


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(Shares())
