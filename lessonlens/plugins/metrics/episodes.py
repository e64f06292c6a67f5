"""Episodes: uninterrupted runs of one behaviour, their count, total and longest duration, and where.

A teacher behaviour is on at a sample when it is the teacher's code there; a student behaviour when
at least ``episode_min_share`` (default 0.1) of the class does it. One-code schemes (S-T, FIAS) get
runs of each code. Unknown samples and holes in the sampling end a run. Each sample lasts one
interval, so a run of k samples lasts k * interval seconds.
Scalars: ``longest_lecture`` (s) and ``teacher_switches_per_10min`` (changes of teacher behaviour).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from lessonlens.core.columns import (
    BoolArray,
    FloatArray,
    IntArray,
    TimelineColumns,
    positive_option,
    time_gaps,
    timeline_columns,
)
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.metrics import Episodes, MetricValues, Scalar, TimeRange
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

MIN_SHARE = 0.1


def all_runs(rows: BoolArray, gaps: BoolArray) -> tuple[IntArray, IntArray, IntArray]:
    """Runs of True along each row of ``rows`` (behaviours x samples), all rows at once:
    (row, start, end exclusive), ordered by row then time. A gap splits a run."""
    k, n = rows.shape
    padded = np.zeros((k, n + 2), dtype=np.int8)  # a False before and after each row
    padded[:, 1:-1] = rows
    flat = padded.ravel()
    # edges of the rows laid end to end (the pads keep rows apart); along a row starts and ends alternate
    row, at = np.divmod((flat[1:] != flat[:-1]).nonzero()[0], n + 2)
    row, starts, ends = row[0::2], at[0::2], at[1::2]
    if gaps.any():
        cut = rows & gaps[None, :]
        cut[:, 1:] &= rows[:, :-1]
        cut[:, 0] = False
        row_c, at_c = cut.nonzero()
        if at_c.size:
            rows_all = np.concatenate((row, row_c))
            order_s = np.lexsort((np.concatenate((starts, at_c)), rows_all))
            order_e = np.lexsort((np.concatenate((ends, at_c)), rows_all))
            row, starts = rows_all[order_s], np.concatenate((starts, at_c))[order_s]
            ends = np.concatenate((ends, at_c))[order_e]
    return row, starts, ends


def episodes_by_behaviour(cols: TimelineColumns, names: list[str], rows: BoolArray,
                          gaps: BoolArray) -> dict[str, Episodes]:
    """Episodes of each behaviour (row of ``rows``) that has runs; their time ranges are made as
    objects only when read."""
    row, starts, ends = all_runs(rows, gaps)
    if starts.size == 0:
        return {}
    lengths = (ends - starts) * cols.interval
    counts = np.bincount(row, minlength=len(names))
    present = counts.nonzero()[0]
    bounds = counts.cumsum()
    firsts = (bounds - counts)[present]
    totals = np.bincount(row, weights=lengths, minlength=len(names))[present].round(6).tolist()
    longest = np.maximum.reduceat(lengths, firsts).round(6).tolist()
    found: dict[str, Episodes] = {}
    for j, lo, n, total, top in zip(present.tolist(), firsts.tolist(), counts[present].tolist(), totals, longest,
                                    strict=True):
        ranges = LazyTuple(partial(_time_ranges, cols.t, cols.interval, starts, ends, lo, lo + n), n)
        found[names[j]] = Episodes(count=n, total=total, longest=top, ranges=ranges)
    return found


def _time_ranges(t: FloatArray, interval: float, starts: IntArray, ends: IntArray, lo: int,
                 hi: int) -> tuple[TimeRange, ...]:
    """The time ranges of runs ``lo:hi``: from the start of a run's first sample to the end of its last."""
    begin = t[starts[lo:hi]].round(6).tolist()
    finish = (t[ends[lo:hi] - 1] + interval).round(6).tolist()
    return tuple(map(TimeRange, begin, finish))


_TEACHER_CODES = np.arange(len(TEACHER_BEHAVIOURS))[:, None]


def behaviour_masks(cols: TimelineColumns, scheme_id: str, min_share: float) -> tuple[list[str], BoolArray]:
    """Behaviour names and, per behaviour (row), at which samples it is on."""
    if scheme_id != "platform-9":
        return list(cols.code_ids), cols.code[None, :] == np.arange(len(cols.code_ids))[:, None]
    rows = np.empty((len(TEACHER_BEHAVIOURS) + len(STUDENT_BEHAVIOURS), cols.n), dtype=np.bool_)
    np.equal(cols.teacher[None, :], _TEACHER_CODES, out=rows[:len(TEACHER_BEHAVIOURS)])
    students = rows[len(TEACHER_BEHAVIOURS):]
    np.greater_equal(cols.shares, min_share, out=students)
    students &= cols.students_known  # unknown rows are zeros, but a min_share of 0 would count them
    return [*TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS], rows


def teacher_switches(cols: TimelineColumns, gaps: BoolArray) -> int:
    """Changes of teacher behaviour between consecutive samples that both have one."""
    if cols.n < 2:
        return 0
    a, b = cols.teacher[:-1], cols.teacher[1:]
    return int(np.count_nonzero((a >= 0) & (b >= 0) & (a != b) & ~gaps[1:]))


def episode_values(cols: TimelineColumns, scheme_id: str, min_share: float = MIN_SHARE) -> MetricValues:
    gaps = time_gaps(cols)
    names, rows = behaviour_masks(cols, scheme_id, min_share)
    found = episodes_by_behaviour(cols, names, rows, gaps)
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
