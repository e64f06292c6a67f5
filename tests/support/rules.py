"""Lessons for the rule tests, built from segments and measured by the real metric plugins.

A segment is ``(minutes, teacher behaviour, {student behaviour: share})``; samples every 6 s.
"""

from __future__ import annotations

from collections.abc import Sequence

from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.rubric import IndicatorResult, RubricResult
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.pipeline.measure import measure

Segment = tuple[float, str, dict[str, float]]
INTERVAL = 6.0

LISTEN = {"listening": 1.0}
TALK = {"answering": 0.4, "hand_raising": 0.3, "listening": 0.3}
CHORUS = {"answering": 0.6, "listening": 0.4}
PEER = {"peer_interaction": 0.85, "listening": 0.15}
WRITE = {"reading_writing": 0.9, "listening": 0.1}
COPY = {"listening": 0.5, "reading_writing": 0.5}
SCATTERED = {"listening": 0.35, "reading_writing": 0.35, "peer_interaction": 0.3}


def timeline(segments: Sequence[Segment], repeat: int = 1) -> CodedTimeline:
    samples: list[CodedSample] = []
    t = 0.0
    for _ in range(repeat):
        for minutes, teacher, students in segments:
            for _ in range(round(minutes * 60 / INTERVAL)):
                st = None
                if teacher == "teacher_student_interaction":
                    st = "S" if students.get("answering", 0) > students.get("listening", 0) else "T"
                samples.append(CodedSample(t=t, teacher=teacher, students=dict(students), st=st))
                t += INTERVAL
    return CodedTimeline(scheme="platform-9", interval=INTERVAL, samples=tuple(samples), coder="test")


def lesson(segments: Sequence[Segment], repeat: int = 1, lesson_id: str = "test", subject: str = "数学",
           grade: str = "五年级", rubrics: tuple[RubricResult, ...] = ()) -> Analysis:
    tl = timeline(segments, repeat)
    meta = LessonMeta(id=lesson_id, subject=subject, grade=grade, school="测试学校")
    return Analysis(lesson=meta, timeline=tl, metrics=measure(tl), rubric_results=rubrics)


def rubric(overall: float, indicators: dict[str, float]) -> RubricResult:
    """A classroom-teaching rubric result with the given shares of the maximum score."""
    items = tuple(IndicatorResult(id=i, level=2, n_raters=3, mean=s * 10, max_score=10, share=s)
                  for i, s in indicators.items())
    total = IndicatorResult(id="overall", level=0, n_raters=3, mean=overall * 100, max_score=100, share=overall)
    return RubricResult(rubric="classroom", kind="classroom", lesson="test", raters=("a", "b", "c"),
                        indicators=items, overall=total)


def archetypes() -> dict[str, Analysis]:
    """Eight contrasting 40-ish-minute lessons; together they fire every default rule."""
    good_rubric = rubric(0.9, {"objectives": 0.9, "questions": 0.85, "methods": 0.9})
    weak_rubric = rubric(0.5, {"objectives": 0.55, "questions": 0.4, "methods": 0.5})
    return {
        # teacher monologue: 11-minute lectures, a little choral answering, no hands, no peer work
        "monologue": lesson([(11, "lecturing", LISTEN), (1, "teacher_student_interaction", CHORUS),
                             (1, "board_writing", COPY)], repeat=3, rubrics=(good_rubric,)),
        # the seed paper's case 3: choral answers inside the lecture, short reporting, some group work
        "choral": lesson([(3, "lecturing", {"listening": 0.6, "answering": 0.4}),
                          (0.5, "teacher_student_interaction", {"answering": 0.5, "listening": 0.5}),
                          (2, "patrolling", PEER), (1, "board_writing", COPY)], repeat=6),
        # dialogue: short lecture / question turns, supported group work, a board summary
        "dialogue": lesson([*[(0.1, "lecturing", LISTEN), (0.1, "teacher_student_interaction", TALK)] * 10,
                            (1, "patrolling", PEER), (0.5, "board_writing", LISTEN)], repeat=11,
                           rubrics=(weak_rubric,)),
        # students busy at their desks while the teacher writes on the board, unsupported group work
        "seatwork": lesson([(2, "lecturing", LISTEN), (9, "board_writing", WRITE),
                            (3, "teacher_student_interaction", PEER)], repeat=3),
        # lecture the class does not follow: reading, writing and chatting while the teacher talks
        "scattered": lesson([(8, "lecturing", SCATTERED), (1, "teacher_student_interaction", TALK),
                             (1, "patrolling", WRITE)], repeat=4),
        # practice lesson: the teacher patrols while students work
        "practice": lesson([(1, "lecturing", LISTEN), (6, "patrolling", WRITE), (2, "patrolling", PEER),
                            (1, "teacher_student_interaction", TALK)], repeat=4),
        # a new behaviour every few samples, never at the board
        "fragmented": lesson([(0.2, "lecturing", LISTEN), (0.2, "teacher_student_interaction", TALK),
                              (0.2, "patrolling", PEER), (0.2, "lecturing", WRITE)], repeat=50),
        # mixed lesson without board writing or patrolling
        "no_board": lesson([(4, "lecturing", LISTEN), (2, "teacher_student_interaction", TALK),
                            (2, "teacher_student_interaction", PEER)], repeat=5),
    }
