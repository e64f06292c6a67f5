"""Episodes: uninterrupted runs of one behaviour, their count, total and longest duration, and where.

A teacher behaviour is on at a sample when it is the teacher's code there; a student behaviour when
at least ``episode_min_share`` (default 0.1) of the class does it. One-code schemes (S-T, FIAS) get
runs of each code. Unknown samples and holes in the sampling end a run. Each sample lasts one
interval, so a run of k samples lasts k * interval seconds.
Scalars: ``longest_lecture`` (s) and ``teacher_switches_per_10min`` (changes of teacher behaviour).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from lessonlens.columnar.columns import BoolArray, FloatArray, IntArray, positive_option, time_gaps
from lessonlens.columnar.runs import row_runs
from lessonlens.columnar.stacks import StackedColumns, by_grid
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.metrics import Episodes, MetricValues, Scalar, TimeRange
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

MIN_SHARE = 0.1


def episodes_by_lesson(stack: StackedColumns, names: list[str], rows: BoolArray,
                       gaps: BoolArray) -> list[dict[str, Episodes]]:
    """Per lesson, the episodes of each behaviour (``rows``: lessons x behaviours x samples) that has
    runs; their time ranges are made as objects only when read."""
    lessons, k, n = rows.shape
    row, starts, ends = row_runs(rows.reshape(lessons * k, n), gaps)
    found: list[dict[str, Episodes]] = [{} for _ in range(lessons)]
    if starts.size == 0:
        return found
    lengths = (ends - starts) * stack.interval
    counts = np.bincount(row, minlength=lessons * k)
    present = counts.nonzero()[0]
    firsts = (counts.cumsum() - counts)[present]
    totals = np.bincount(row, weights=lengths, minlength=lessons * k)[present].round(6).tolist()
    longest = np.maximum.reduceat(lengths, firsts).round(6).tolist()
    for j, lo, count, total, top in zip(present.tolist(), firsts.tolist(), counts[present].tolist(), totals,
                                        longest, strict=True):
        ranges = LazyTuple(partial(_time_ranges, stack.t, stack.interval, starts, ends, lo, lo + count), count)
        found[j // k][names[j % k]] = Episodes(count=count, total=total, longest=top, ranges=ranges)
    return found


def _time_ranges(t: FloatArray, interval: float, starts: IntArray, ends: IntArray, lo: int,
                 hi: int) -> tuple[TimeRange, ...]:
    """The time ranges of runs ``lo:hi``: from the start of a run's first sample to the end of its last."""
    begin = t[starts[lo:hi]].round(6).tolist()
    finish = (t[ends[lo:hi] - 1] + interval).round(6).tolist()
    return tuple(map(TimeRange, begin, finish))


_TEACHER_CODES = np.arange(len(TEACHER_BEHAVIOURS))[:, None]


def behaviour_masks(stack: StackedColumns, scheme_id: str, min_share: float) -> tuple[list[str], BoolArray]:
    """Behaviour names and, per lesson and behaviour, at which samples it is on: (L, behaviours, N)."""
    if scheme_id != "platform-9":
        codes = np.arange(len(stack.code_ids))[:, None]
        return list(stack.code_ids), stack.code[:, None, :] == codes
    teachers = len(TEACHER_BEHAVIOURS)
    rows = np.empty((stack.lessons, teachers + len(STUDENT_BEHAVIOURS), stack.n), dtype=np.bool_)
    np.equal(stack.teacher[:, None, :], _TEACHER_CODES, out=rows[:, :teachers])
    students = rows[:, teachers:]
    np.greater_equal(stack.shares, min_share, out=students)
    students &= stack.students_known[:, None, :]  # unknown samples are zeros, but a min_share of 0 would count them
    return [*TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS], rows


def teacher_switches(stack: StackedColumns, gaps: BoolArray) -> list[int]:
    """Per lesson, changes of teacher behaviour between consecutive samples that both have one."""
    if stack.n < 2:
        return [0] * stack.lessons
    a, b = stack.teacher[:, :-1], stack.teacher[:, 1:]
    switches: list[int] = ((a >= 0) & (b >= 0) & (a != b) & ~gaps[1:]).sum(axis=1).tolist()
    return switches


def episode_values(stack: StackedColumns, scheme_id: str, min_share: float = MIN_SHARE) -> list[MetricValues]:
    gaps = time_gaps(stack)
    names, rows = behaviour_masks(stack, scheme_id, min_share)
    found = episodes_by_lesson(stack, names, rows, gaps)
    if scheme_id != "platform-9":
        return [MetricValues(episodes=episodes) for episodes in found]
    duration = stack.duration
    out = []
    coded = (stack.teacher >= 0).any(axis=1).tolist()
    for episodes, is_coded, switches in zip(found, coded, teacher_switches(stack, gaps), strict=True):
        lecture = episodes.get("lecturing")
        scalars: dict[str, Scalar] = {
            "longest_lecture": (lecture.longest if lecture else 0.0) if is_coded else None,
            "teacher_switches_per_10min": round(switches * 600.0 / duration, 6) if is_coded and duration else None,
        }
        out.append(MetricValues(scalars=scalars, episodes=episodes))
    return out


SECONDS = Text(zh="秒", en="s")
#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField(
        "teacher_switches_per_10min", Text(zh="每 10 分钟教师行为切换次数", en="Teacher behaviour changes per 10 min"),
    ),
    MetricField("longest_lecture", Text(zh="最长连续讲授", en="Longest uninterrupted lecture"), unit=SECONDS),
)


class EpisodeMetric(Metric):
    name = "episodes"
    fields = FIELDS
    schemes = ("*",)

    def __init__(self, min_share: float = MIN_SHARE) -> None:
        self.min_share = min_share

    def configured(self, options: Mapping[str, Any]) -> Metric:
        return EpisodeMetric(positive_option(options, "episode_min_share", self.min_share))

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return self.compute_many([timeline], scheme)[0]

    def compute_many(self, timelines: Sequence[CodedTimeline], scheme: CodingScheme) -> list[MetricValues]:
        return by_grid(timelines, scheme, lambda stack: episode_values(stack, scheme.id, self.min_share))


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(EpisodeMetric())
