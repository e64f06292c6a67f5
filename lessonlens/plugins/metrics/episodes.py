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

from lessonlens.core.columns import BoolArray, TimelineColumns, positive_option, run_bounds, time_gaps, timeline_columns
from lessonlens.core.extensions import Metric
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.metrics import Episodes, MetricValues, Scalar, TimeRange
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

MIN_SHARE = 0.1


def episodes_of(cols: TimelineColumns, active: BoolArray, gaps: BoolArray) -> Episodes | None:
    """The runs of ``active`` as :class:`Episodes`; None when there are none."""
    starts, ends = run_bounds(active, gaps)
    if starts.size == 0:
        return None
    lengths = (ends - starts) * cols.interval
    begin = cols.t[starts]
    finish = cols.t[ends - 1] + cols.interval
    ranges = tuple(TimeRange(round(a, 6), round(b, 6)) for a, b in zip(begin.tolist(), finish.tolist(), strict=True))
    return Episodes(count=int(starts.size), total=round(float(lengths.sum()), 6),
                    longest=round(float(lengths.max()), 6), ranges=ranges)


def behaviour_masks(cols: TimelineColumns, scheme_id: str, min_share: float) -> dict[str, BoolArray]:
    if scheme_id != "platform-9":
        return {code: cols.code == i for i, code in enumerate(cols.code_ids)}
    masks = {b: cols.teacher == i for i, b in enumerate(TEACHER_BEHAVIOURS)}
    on = cols.students_known[:, None] & (cols.students >= min_share)
    masks.update({b: on[:, i] for i, b in enumerate(STUDENT_BEHAVIOURS)})
    return masks


def teacher_switches(cols: TimelineColumns, gaps: BoolArray) -> int:
    """Changes of teacher behaviour between consecutive samples that both have one."""
    if cols.n < 2:
        return 0
    a, b = cols.teacher[:-1], cols.teacher[1:]
    return int(np.count_nonzero((a >= 0) & (b >= 0) & (a != b) & ~gaps[1:]))


def episode_values(cols: TimelineColumns, scheme_id: str, min_share: float = MIN_SHARE) -> MetricValues:
    gaps = time_gaps(cols)
    found: dict[str, Episodes] = {}
    for behaviour, active in behaviour_masks(cols, scheme_id, min_share).items():
        runs = episodes_of(cols, active, gaps)
        if runs is not None:
            found[behaviour] = runs
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
