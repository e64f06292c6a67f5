"""Category shares of the 16-behaviour verbal–activity scheme, and its condensation to platform-9.

Over the N known samples (unknown samples left out; every value ``None`` when N = 0):

- ``va_teacher_verbal`` = count(t_feedback, t_instruction, t_questioning, t_lecturing) / N,
  ``va_teacher_activity`` = count(t_guidance, t_patrolling, t_demonstration, t_board_writing) / N,
  ``va_student_verbal`` = count(s_questioning, s_answering, s_dialogue, s_discussion) / N,
  ``va_student_activity`` = count(s_observing, s_exercises, s_experiment, s_thinking) / N;
  the four sum to 1.
- shares ``va_condensed``: the share of known samples per platform-9 behaviour after mapping every
  code onto the behaviour the platform would have coded (:data:`CONDENSED`); the nine sum to 1.

The condensation, as the platform's own definitions read (SPEC.md section 2):

============================  =====================================================================
platform-9 behaviour          verbal–activity codes, and why
============================  =====================================================================
lecturing 讲授                t_lecturing; t_instruction (the teacher addressing the whole class,
                              as a source of information); t_demonstration (the teacher presenting
                              to the class — the platform has no demonstration behaviour)
board_writing 板书            t_board_writing
patrolling 巡视               t_patrolling; t_guidance (the teacher among the desks, stopping at
                              one student or group: what the platform's position detector sees)
teacher_student_interaction   t_questioning, t_feedback (SPEC: "questioning, evaluating, dialogue
师生互动                      with a student"); s_dialogue (a back-and-forth with the teacher)
listening 听讲                s_observing (watching the front); s_thinking (silent and facing the
                              front: a camera sees it as listening)
hand_raising 举手             none: the sixteen codes do not code raised hands, so it stays 0
answering 应答                s_answering; s_questioning (one student speaking up to the teacher:
                              the platform's only category for a student's voice in class)
reading_writing 读写          s_exercises (note-taking, written exercises)
peer_interaction 生生互动     s_discussion; s_experiment (practical work and experiments are done
                              in pairs or groups at the desks in most classrooms)
============================  =====================================================================

So ``va_condensed`` is one distribution over the nine behaviours of a one-code timeline, not
platform-9's two per-side distributions (each sample here is one side's behaviour).

Plugins do not import each other: the categories are written out here again (the coder's
``CATEGORY_OF`` is the same table; a test keeps them equal) and the scheme's codes are checked.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonlens.columnar.columns import IntArray, timeline_columns
from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import MetricValues, Scalar
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

CATEGORIES: tuple[str, ...] = ("teacher_verbal", "teacher_activity", "student_verbal", "student_activity")
CATEGORY_OF: dict[str, str] = {
    "t_feedback": "teacher_verbal", "t_instruction": "teacher_verbal", "t_questioning": "teacher_verbal",
    "t_lecturing": "teacher_verbal",
    "t_guidance": "teacher_activity", "t_patrolling": "teacher_activity", "t_demonstration": "teacher_activity",
    "t_board_writing": "teacher_activity",
    "s_questioning": "student_verbal", "s_answering": "student_verbal", "s_dialogue": "student_verbal",
    "s_discussion": "student_verbal",
    "s_observing": "student_activity", "s_exercises": "student_activity", "s_experiment": "student_activity",
    "s_thinking": "student_activity",
}
#: every verbal–activity code -> the platform-9 behaviour it condenses to (see the module docstring)
CONDENSED: dict[str, str] = {
    "t_feedback": "teacher_student_interaction",
    "t_instruction": "lecturing",
    "t_questioning": "teacher_student_interaction",
    "t_lecturing": "lecturing",
    "t_guidance": "patrolling",
    "t_patrolling": "patrolling",
    "t_demonstration": "lecturing",
    "t_board_writing": "board_writing",
    "s_questioning": "answering",
    "s_answering": "answering",
    "s_dialogue": "teacher_student_interaction",
    "s_discussion": "peer_interaction",
    "s_observing": "listening",
    "s_exercises": "reading_writing",
    "s_experiment": "peer_interaction",
    "s_thinking": "listening",
}
BEHAVIOURS: tuple[str, ...] = TEACHER_BEHAVIOURS + STUDENT_BEHAVIOURS


def verbal_activity_values(code: IntArray, code_ids: tuple[str, ...]) -> MetricValues:
    """The category shares and the condensed shares of the code column (indices into ``code_ids``; -1 unknown)."""
    counts = np.bincount(code[code >= 0], minlength=len(code_ids)).astype(np.float64)
    n = float(counts.sum())
    category = np.array([CATEGORIES.index(CATEGORY_OF[c]) for c in code_ids], dtype=np.int64)
    behaviour = np.array([BEHAVIOURS.index(CONDENSED[c]) for c in code_ids], dtype=np.int64)
    by_category = np.bincount(category, weights=counts, minlength=len(CATEGORIES))
    by_behaviour = np.bincount(behaviour, weights=counts, minlength=len(BEHAVIOURS))
    scalars: dict[str, Scalar] = {
        f"va_{name}": (round(float(k) / n, 6) if n else None) for name, k in zip(CATEGORIES, by_category, strict=True)
    }
    shares = {"va_condensed": dict(zip(BEHAVIOURS, (by_behaviour / n).round(6).tolist(), strict=True))} if n else {}
    return MetricValues(scalars=scalars, shares=shares)


#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    MetricField("va_teacher_verbal", Text(zh="教师言语占比", en="Teacher verbal share")),
    MetricField("va_teacher_activity", Text(zh="教师活动占比", en="Teacher activity share")),
    MetricField("va_student_verbal", Text(zh="学生言语占比", en="Student verbal share")),
    MetricField("va_student_activity", Text(zh="学生活动占比", en="Student activity share")),
    MetricField(
        "va_condensed", Text(zh="归并为九类行为的占比", en="Shares condensed to the nine behaviours"),
        part="shares",
    ),
)


class VerbalActivityShares(Metric):
    name = "verbal-activity-shares"
    fields = FIELDS
    schemes = ("verbal-activity",)

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        cols = timeline_columns(timeline, scheme)
        if set(cols.code_ids) != set(CATEGORY_OF):  # a scheme calling itself verbal-activity keeps the 16 codes
            raise ValueError(f"the verbal-activity scheme must have codes {tuple(CATEGORY_OF)}, got {cols.code_ids}")
        return verbal_activity_values(cols.code, cols.code_ids)


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(VerbalActivityShares())
