"""Episodes: uninterrupted runs of one behaviour, their count, total and longest duration, and where.

A teacher behaviour is on at a sample when it is the teacher's code there; a student behaviour when
at least ``episode_min_share`` (default 0.1) of the class does it. One-code schemes (S-T, FIAS) get
runs of each code. Unknown samples and holes in the sampling end a run. Each sample lasts one
interval, so a run of k samples lasts k * interval seconds.
Scalars: ``longest_lecture`` (s) and ``teacher_switches_per_10min`` (changes of teacher behaviour).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lessonlens.core.columns import (
    BoolArray,
    IntArray,
    TimelineColumns,
    positive_option,
    time_gaps,
    timeline_columns,
)
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.metrics import Episodes, MetricValues, Scalar, TimeRange
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

MIN_SHARE = 0.1


def all_runs(active: BoolArray, gaps: BoolArray) -> tuple[IntArray, IntArray, IntArray]:
    """Runs of True down each column of ``active`` (samples x behaviours), all columns at once:
    (column, start, end exclusive), ordered by column then time. A gap splits a run."""
    n, k = active.shape
    padded = np.zeros((k, n + 2), dtype=np.int8)
    padded[:, 1:-1] = active.T
    edges = padded[:, 1:] - padded[:, :-1]
    col_s, starts = (edges == 1).nonzero()
    col_e, ends = (edges == -1).nonzero()
    if gaps.any():
        cut = active & gaps[:, None]
        cut[1:] &= active[:-1]
        cut[0] = False
        col_c, at = cut.T.nonzero()
        if at.size:
            order_s = np.lexsort((np.concatenate((starts, at)), np.concatenate((col_s, col_c))))
            order_e = np.lexsort((np.concatenate((ends, at)), np.concatenate((col_e, col_c))))
            col_s, starts = np.concatenate((col_s, col_c))[order_s], np.concatenate((starts, at))[order_s]
            ends = np.concatenate((ends, at))[order_e]
    return col_s, starts, ends


def episodes_by_behaviour(cols: TimelineColumns, names: list[str], active: BoolArray,
                          gaps: BoolArray) -> dict[str, Episodes]:
    """Episodes of each behaviour (column of ``active``) that has runs."""
    column, starts, ends = all_runs(active, gaps)
    if starts.size == 0:
        return {}
    lengths = (ends - starts) * cols.interval
    begin = cols.t[starts].round(6).tolist()
    finish = (cols.t[ends - 1] + cols.interval).round(6).tolist()
    ranges = list(map(TimeRange, begin, finish))
    counts = np.bincount(column, minlength=len(names))
    present = counts.nonzero()[0]
    firsts = np.concatenate(([0], counts.cumsum()[:-1]))[present]
    totals = np.bincount(column, weights=lengths, minlength=len(names))[present].round(6).tolist()
    longest = np.maximum.reduceat(lengths, firsts).round(6).tolist()
    found: dict[str, Episodes] = {}
    for j, lo, n, total, top in zip(present.tolist(), firsts.tolist(), counts[present].tolist(), totals, longest,
                                    strict=True):
        found[names[j]] = Episodes(count=n, total=total, longest=top, ranges=tuple(ranges[lo:lo + n]))
    return found


def behaviour_masks(cols: TimelineColumns, scheme_id: str, min_share: float) -> tuple[list[str], BoolArray]:
    """Behaviour names and, per sample, which of them is on."""
    if scheme_id != "platform-9":
        codes = np.arange(len(cols.code_ids))
        return list(cols.code_ids), cols.code[:, None] == codes[None, :]
    teacher = cols.teacher[:, None] == np.arange(len(TEACHER_BEHAVIOURS))[None, :]
    students = cols.students_known[:, None] & (cols.students >= min_share)
    return [*TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS], np.concatenate((teacher, students), axis=1)


def teacher_switches(cols: TimelineColumns, gaps: BoolArray) -> int:
    """Changes of teacher behaviour between consecutive samples that both have one."""
    if cols.n < 2:
        return 0
    a, b = cols.teacher[:-1], cols.teacher[1:]
    return int(np.count_nonzero((a >= 0) & (b >= 0) & (a != b) & ~gaps[1:]))


def episode_values(cols: TimelineColumns, scheme_id: str, min_share: float = MIN_SHARE) -> MetricValues:
    gaps = time_gaps(cols)
    names, active = behaviour_masks(cols, scheme_id, min_share)
    found = episodes_by_behaviour(cols, names, active, gaps)
    scalars: dict[str, Scalar] = {}
    if scheme_id == "platform-9":
        coded = bool((cols.teacher >= 0).any())
        lecture = found.get("lecturing")
        scalars["longest_lecture"] = (lecture.longest if lecture else 0.0) if coded else None
        duration = cols.duration
        scalars["teacher_switches_per_10min"] = (
            round(teacher_switches(cols, gaps) * 600.0 / duration, 6) if coded and duration else None
        )
    return MetricValues(scalars=scalars, episodes=found)


class EpisodeMetric(Metric):
    name = "episodes"
    schemes = ("*",)

    def __init__(self, min_share: float = MIN_SHARE) -> None:
        self.min_share = min_share

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return EpisodeMetric(positive_option(options, "episode_min_share", self.min_share))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return episode_values(timeline_columns(timeline, scheme), scheme.id, self.min_share)


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(EpisodeMetric())
