"""Write the bundled sample lessons: ``python -m lessonlens.samples._make`` (deterministic).

Each lesson is a hand-coded platform-9 sheet (one row per 6 s, student columns as counts of the
students seen, as observers tally them, and the observer's S/T code: S whenever a student speaks,
even a single one) generated from a lesson plan of phases: what the teacher
mostly does in each phase, how sticky it is, and what the class does meanwhile. The same seed always
gives the same files, so the committed CSVs can be regenerated and checked.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import attrs
import numpy as np

from lessonlens.core.timeline import STUDENT_BEHAVIOURS

HERE = Path(__file__).parent
INTERVAL = 6.0

# student profiles: expected share of the class per behaviour
LISTEN = {"listening": 0.9, "reading_writing": 0.06, "hand_raising": 0.02, "answering": 0.01, "peer_interaction": 0.01}
COPY = {"listening": 0.45, "reading_writing": 0.52, "hand_raising": 0.01, "answering": 0.01, "peer_interaction": 0.01}
HANDS = {"listening": 0.48, "hand_raising": 0.46, "reading_writing": 0.03, "answering": 0.02, "peer_interaction": 0.01}
SINGLE = {"listening": 0.88, "answering": 0.06, "hand_raising": 0.03, "reading_writing": 0.02, "peer_interaction": 0.01}
CHORAL = {"answering": 0.84, "listening": 0.13, "hand_raising": 0.01, "reading_writing": 0.01, "peer_interaction": 0.01}
REPORT = {"listening": 0.74, "answering": 0.16, "hand_raising": 0.06, "reading_writing": 0.03, "peer_interaction": 0.01}
GROUP = {"peer_interaction": 0.78, "reading_writing": 0.12, "listening": 0.06, "answering": 0.02, "hand_raising": 0.02}
PAIRS = {"peer_interaction": 0.86, "answering": 0.06, "listening": 0.05, "reading_writing": 0.02, "hand_raising": 0.01}
PRACTICE = {"reading_writing": 0.86, "listening": 0.05, "peer_interaction": 0.05, "hand_raising": 0.03,
            "answering": 0.01}


@attrs.frozen
class Phase:
    """A stretch of the lesson: teacher behaviour probabilities and their stickiness; for an
    interaction sample the weights of a choral answer, a single student's answer (both S), a
    hands-up question and the teacher questioning or evaluating (both T); ``alternate`` is the
    chance that an interaction turns S after T (and T after S), None for independent turns."""

    minutes: float
    teacher: dict[str, float]
    stick: float = 0.75
    choral: float = 0.2
    single: float = 0.3
    hands: float = 0.3
    alternate: float | None = None
    patrol_profile: dict[str, float] = attrs.field(factory=lambda: GROUP)
    lecture_profile: dict[str, float] = attrs.field(factory=lambda: LISTEN)


def intro(minutes: float, choral: float, single: float = 0.2) -> Phase:
    return Phase(minutes, {"lecturing": 0.6, "teacher_student_interaction": 0.4}, 0.6, choral, single)


def teach(minutes: float, interact: float, choral: float, single: float = 0.25, hands: float = 0.3,
          alternate: float | None = None) -> Phase:
    lecture = 1.0 - interact - 0.12
    return Phase(minutes, {"lecturing": lecture, "board_writing": 0.12, "teacher_student_interaction": interact},
                 0.8, choral, single, hands, alternate)


def board(minutes: float) -> Phase:
    return Phase(minutes, {"board_writing": 0.8, "lecturing": 0.2}, 0.85)


def discuss(minutes: float, profile: dict[str, float] = GROUP) -> Phase:
    return Phase(minutes, {"patrolling": 0.85, "teacher_student_interaction": 0.1, "lecturing": 0.05}, 0.9,
                 choral=0.0, single=0.3, hands=0.0, patrol_profile=profile)


def report(minutes: float, choral: float, single: float = 0.45) -> Phase:
    """Groups report back: students present (single answers), the teacher evaluates."""
    return Phase(minutes, {"teacher_student_interaction": 0.75, "lecturing": 0.2, "board_writing": 0.05}, 0.6,
                 choral, single, 0.15, alternate=0.6, lecture_profile=REPORT)


def practice(minutes: float) -> Phase:
    return Phase(minutes, {"patrolling": 0.85, "lecturing": 0.08, "teacher_student_interaction": 0.07}, 0.9,
                 choral=0.0, single=0.3, hands=0.2, patrol_profile=PRACTICE)


def summary(minutes: float, choral: float, single: float = 0.2) -> Phase:
    return Phase(minutes, {"lecturing": 0.55, "teacher_student_interaction": 0.35, "board_writing": 0.1}, 0.7,
                 choral, single)


@attrs.frozen
class Plan:
    id: str
    seed: int  # picked once so that the lesson shows its intended Rt, Ch and participation
    class_size: int
    phases: tuple[Phase, ...]
    meta: dict[str, object]


def _turn(phase: Phase, previous_st: str, rng: np.random.Generator) -> tuple[dict[str, float], str]:
    """What an interaction sample is: (student profile, S/T code)."""
    evaluate = max(0.0, 1.0 - phase.choral - phase.single - phase.hands)
    s_weight, t_weight = phase.choral + phase.single, phase.hands + evaluate
    if phase.alternate is not None and s_weight and t_weight:
        to_s = phase.alternate if previous_st == "T" else 1.0 - phase.alternate
    else:
        to_s = s_weight / (s_weight + t_weight)
    if rng.random() < to_s:
        return (CHORAL, "S") if rng.random() * s_weight < phase.choral else (SINGLE, "S")
    return (HANDS, "T") if rng.random() * t_weight < phase.hands else (LISTEN, "T")


def _sample(phase: Phase, teacher: str, previous_st: str, rng: np.random.Generator) -> tuple[dict[str, float], str]:
    if teacher == "patrolling":
        return phase.patrol_profile, "S"
    if teacher == "board_writing":
        return COPY, "T"
    if teacher == "lecturing":
        return phase.lecture_profile, "T"
    if phase.patrol_profile is PAIRS and rng.random() < 0.5:
        return PAIRS, "S"  # the teacher joins a pair's dialogue
    return _turn(phase, previous_st, rng)


def rows_of(plan: Plan) -> list[list[object]]:
    """The sheet rows of one lesson plan: t, teacher, student counts, the observer's S/T."""
    rng = np.random.default_rng(plan.seed)
    rows: list[list[object]] = []
    t = 0.0
    teacher, st = "", "T"
    for phase in plan.phases:
        names = list(phase.teacher)
        probs = np.array([phase.teacher[n] for n in names])
        for _ in range(round(phase.minutes * 60 / INTERVAL)):
            if teacher not in phase.teacher or rng.random() > phase.stick:
                teacher = names[int(rng.choice(len(names), p=probs / probs.sum()))]
            profile, st = _sample(phase, teacher, st, rng)
            expected = np.array([profile.get(b, 0.0) for b in STUDENT_BEHAVIOURS]) + 1e-3
            present = plan.class_size - int(rng.integers(0, 3))  # a few students hidden from the camera
            counts = rng.multinomial(present, rng.dirichlet(expected * 80))
            rows.append([f"{t:g}", teacher, *counts.tolist(), st])
            t += INTERVAL
    return rows


def _meta(lesson: str, teacher: tuple[str, str, str], school: tuple[str, str], subject: tuple[str, str],
          grade: tuple[str, str], title: tuple[str, str], date: str) -> dict[str, object]:
    return {
        "id": lesson, "title": title[0], "subject": subject[0], "grade": grade[0], "teacher": teacher[0],
        "school": school[0], "region": "江南区", "date": date, "duration": 2400.0,
        "extra": {"teacher_id": teacher[2], "teacher_en": teacher[1], "school_en": school[1],
                  "subject_en": subject[1], "grade_en": grade[1], "title_en": title[1],
                  "region_en": "Jiangnan District",
                  "class_size": "", "coded_by": "lessonlens sample generator"},
    }


WANG = ("王丽", "Wang Li", "T0101")
LI = ("李强", "Li Qiang", "T0102")
CHEN = ("陈静", "Chen Jing", "T0201")
MINGDE = ("明德实验小学", "Mingde Experimental Primary School")
YUCAI = ("育才小学", "Yucai Primary School")
MATH = ("数学", "Mathematics")
ENGLISH = ("英语", "English")
G5 = ("五年级", "Grade 5")
G6 = ("六年级", "Grade 6")

PLANS: tuple[Plan, ...] = (
    # Wang Li over the autumn term: from lecture with much choral answering towards group
    # exploration, single students explaining and open dialogue
    Plan("wang-li-01", 256, 42, (
        intro(3, 0.5, 0.05), teach(13, 0.15, 0.45, 0.05), board(3), report(4, 0.4, 0.15), practice(9),
        summary(8, 0.5, 0.05),
    ), _meta("wang-li-01", WANG, MINGDE, MATH, G5, ("小数乘整数", "Multiplying decimals by whole numbers"),
             "2026-09-15")),
    Plan("wang-li-02", 25, 42, (
        intro(3, 0.4, 0.15), teach(11, 0.2, 0.35, 0.15), board(2), discuss(5), report(5, 0.3, 0.3), practice(8),
        summary(6, 0.35, 0.15),
    ), _meta("wang-li-02", WANG, MINGDE, MATH, G5, ("用字母表示数", "Using letters for numbers"), "2026-10-20")),
    # the showcase lesson: intro, teaching with questions, board work, group exploration, reports,
    # practice and a summary -- a mixed lesson (Rt about 0.55, Ch about 0.2) like the source's case 1
    Plan("wang-li-03", 161, 42, (
        intro(3, 0.35, 0.2), teach(7, 0.3, 0.25, 0.25), board(2), discuss(8), report(4, 0.25, 0.45), practice(9),
        summary(7, 0.3, 0.2),
    ), _meta("wang-li-03", WANG, MINGDE, MATH, G5, ("三角形的面积", "The area of a triangle"), "2026-11-17")),
    Plan("wang-li-04", 373, 42, (
        intro(2, 0.15, 0.35), teach(7, 0.4, 0.1, 0.4, hands=0.35, alternate=0.7), discuss(8), report(7, 0.1, 0.55),
        board(2), practice(7), summary(7, 0.15, 0.4),
    ), _meta("wang-li-04", WANG, MINGDE, MATH, G5, ("梯形的面积", "The area of a trapezium"), "2026-12-15")),
    # Li Qiang: lecture-heavy, choral answers, little student activity
    Plan("li-qiang-01", 111, 48, (
        intro(2, 0.6, 0.05), teach(18, 0.1, 0.6, 0.05, hands=0.15), board(5), teach(6, 0.1, 0.6, 0.05), practice(5),
        summary(4, 0.6, 0.05),
    ), _meta("li-qiang-01", LI, MINGDE, MATH, G5, ("三角形的面积", "The area of a triangle"), "2026-11-18")),
    # Chen Jing: dialogue-rich English lesson, quick exchanges between the teacher and students
    Plan("chen-jing-01", 218, 38, (
        Phase(4, {"teacher_student_interaction": 0.75, "lecturing": 0.25}, 0.6, 0.35, 0.35, 0.2, alternate=0.85),
        Phase(10, {"teacher_student_interaction": 0.7, "lecturing": 0.2, "board_writing": 0.1}, 0.6,
              0.3, 0.4, 0.2, alternate=0.85),
        Phase(8, {"patrolling": 0.5, "teacher_student_interaction": 0.5}, 0.4, 0.0, 0.5, 0.1, alternate=0.8,
              patrol_profile=PAIRS),
        Phase(10, {"teacher_student_interaction": 0.75, "lecturing": 0.15, "patrolling": 0.1}, 0.6,
              0.25, 0.45, 0.2, alternate=0.85),
        practice(4), summary(4, 0.3, 0.35),
    ), _meta("chen-jing-01", CHEN, YUCAI, ENGLISH, G6, ("Unit 4 I have a pen pal（B Let's talk）",
                                                       "Unit 4 I have a pen pal (B Let's talk)"), "2026-11-19")),
)
#: the lesson shown first in the README and by ``lessonlens.samples.load_sample()``
DEFAULT = "wang-li-03"
HEADER = ("t", "teacher", *STUDENT_BEHAVIOURS, "st")


def write_all(target: Path = HERE) -> list[Path]:
    written = []
    lessons = []
    for plan in PLANS:
        path = target / f"{plan.id}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows_of(plan))
        meta = json.loads(json.dumps(plan.meta))
        meta["extra"]["class_size"] = str(plan.class_size)
        lessons.append({"file": path.name, "scheme": "platform-9", "lesson": meta})
        written.append(path)
    index = target / "lessons.json"
    index.write_text(json.dumps({"default": DEFAULT, "lessons": lessons}, ensure_ascii=False, indent=2) + "\n",
                     encoding="utf-8")
    return [*written, index]


if __name__ == "__main__":
    for p in write_all():
        print(p)
