"""Lessons, findings and rubric results made in code for the report tests and the report benchmark.

A lesson is a script of segments (what the teacher does, what share of students do what) sampled
every 6 s with seeded noise, then coded and measured by the real metric plugins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from lessonlens import compute_metrics
from lessonlens.core.analysis import Analysis
from lessonlens.core.findings import Finding
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.metrics import TimeRange
from lessonlens.core.rubric import Band, Indicator, RubricResult, RubricSchema, ScoreSheet, TimedNote
from lessonlens.core.rubric_aggregate import aggregate
from lessonlens.core.timeline import CodedSample, CodedTimeline

Segment = tuple[float, str, dict[str, float]]  # (minutes, teacher behaviour, student shares)

#: A 40-minute maths lesson in the shape of the source's case 1 (four student explorations).
MATHS: tuple[Segment, ...] = (
    (3, "lecturing", {"listening": 0.92, "reading_writing": 0.08}),
    (3, "teacher_student_interaction", {"listening": 0.55, "hand_raising": 0.2, "answering": 0.25}),
    (4, "patrolling", {"peer_interaction": 0.75, "reading_writing": 0.2, "listening": 0.05}),
    (3, "board_writing", {"listening": 0.4, "reading_writing": 0.6}),
    (4, "patrolling", {"peer_interaction": 0.8, "reading_writing": 0.2}),
    (3, "teacher_student_interaction", {"answering": 0.6, "listening": 0.3, "hand_raising": 0.1}),
    (5, "lecturing", {"listening": 0.85, "reading_writing": 0.15}),
    (4, "patrolling", {"reading_writing": 0.9, "peer_interaction": 0.1}),
    (3, "teacher_student_interaction", {"answering": 0.5, "listening": 0.4, "hand_raising": 0.1}),
    (4, "patrolling", {"peer_interaction": 0.7, "reading_writing": 0.3}),
    (4, "lecturing", {"listening": 0.8, "reading_writing": 0.2}),
)

#: A lecture-heavy lesson of another teacher.
LECTURE: tuple[Segment, ...] = (
    (12, "lecturing", {"listening": 0.8, "reading_writing": 0.2}),
    (4, "board_writing", {"listening": 0.3, "reading_writing": 0.7}),
    (10, "lecturing", {"listening": 0.75, "reading_writing": 0.25}),
    (3, "teacher_student_interaction", {"answering": 0.3, "listening": 0.6, "hand_raising": 0.1}),
    (11, "lecturing", {"listening": 0.85, "reading_writing": 0.15}),
)


def timeline(script: Sequence[Segment], seed: int = 0, interval: float = 6.0) -> CodedTimeline:
    rng = np.random.default_rng(seed)
    samples = []
    t = 0.0
    for minutes, teacher, shares in script:
        stop = t + minutes * 60
        while t < stop - 1e-9:
            ids = list(shares)
            noisy = np.clip(np.array([shares[b] for b in ids]) + rng.normal(0, 0.06, len(ids)), 0.0, None)
            noisy = noisy / noisy.sum() if noisy.sum() > 0 else np.full(len(ids), 1 / len(ids))
            students = {b: round(float(v), 4) for b, v in zip(ids, noisy, strict=True)}
            # questions and answers alternate within an interaction; a patrolling teacher sometimes speaks up
            switch = rng.random()
            st = ("T" if teacher in ("lecturing", "board_writing") else
                  ("T" if switch < 0.15 else "S") if teacher == "patrolling" else ("S" if switch < 0.5 else "T"))
            samples.append(CodedSample(t=round(t, 3), teacher=teacher, students=students, st=st))
            t += interval
    return CodedTimeline(scheme="platform-9", interval=interval, samples=tuple(samples), coder="platform-9")


def findings() -> tuple[Finding, ...]:
    return (
        Finding(
            id="choral-answering", rule="choral_answering", severity="warning",
            title={"zh-CN": "集体应答较多", "en": "Much choral answering"},
            explanation={"zh-CN": "举手占比 2.8%，应答占比 25.7%，二者差距较大，说明学生集体应答较多。",
                         "en": "Hand raising 2.8 % but answering 25.7 %: many answers come from the whole class."},
            suggestion={"zh-CN": "采用开放、有针对性的评价方式，请个别学生作答并追问。",
                        "en": "Use open, targeted feedback: ask individual students and follow up."},
            time_ranges=(TimeRange(360.0, 540.0), TimeRange(1020.0, 1200.0)),
        ),
        Finding(
            id="explorations", rule="student_exploration", severity="strength",
            title={"zh-CN": "学生探究活动充分", "en": "Rich student exploration"},
            explanation={"zh-CN": "S-T 曲线出现四次纵向断层，对应四次学生探究活动。",
                         "en": "The S-T curve rises steeply four times: four student explorations."},
            time_ranges=(TimeRange(360.0, 600.0),),
        ),
    )


def lesson(lesson_id: str = "maths-2026-03-02", script: Sequence[Segment] = MATHS, seed: int = 0,
           teacher: str = "王老师", date: dt.date = dt.date(2026, 3, 2), title: str = "表面涂色的正方体",
           video: str | None = None, with_findings: bool = True) -> Analysis:
    coded = timeline(script, seed)
    duration = len(coded.samples) * coded.interval
    meta = LessonMeta(id=lesson_id, title=title, subject="数学", grade="五年级", teacher=teacher,
                      school="泉山实验小学", date=date, duration=duration)
    media = (MediaSource(path=video, role="mixed", duration=duration),) if video else ()
    return Analysis(lesson=meta, media=media, timeline=coded, metrics=compute_metrics(coded),
                    findings=findings() if with_findings else ())


def term(teacher: str = "王老师", n: int = 5) -> list[Analysis]:
    """One teacher over a term: lessons drift from lecture-heavy towards more student activity."""
    out = []
    for k in range(n):
        script = LECTURE if k < n // 2 else MATHS
        out.append(lesson(f"term-{k}", script, seed=10 + k, teacher=teacher,
                          date=dt.date(2026, 3, 2) + dt.timedelta(days=14 * k), title=f"第 {k + 1} 课",
                          with_findings=k % 2 == 0))
    return out


BANDS = (
    Band("excellent", {"zh-CN": "优秀", "en": "Excellent"}, 0.9, 1.01, "#2e9e5b"),
    Band("good", {"zh-CN": "良好", "en": "Good"}, 0.75, 0.9, "#8cc152"),
    Band("pass", {"zh-CN": "合格", "en": "Pass"}, 0.6, 0.75, "#f6bb42"),
    Band("improve", {"zh-CN": "待改进", "en": "Needs work"}, 0.0, 0.6, "#e9573f"),
)


def rubric_schema(kind: str = "classroom_teaching") -> RubricSchema:
    def ind(i: str, zh: str, en: str, parent: str | None = None, max_score: float | None = None) -> Indicator:
        return Indicator(id=i, name={"zh-CN": zh, "en": en}, parent=parent, max_score=max_score)

    indicators = (
        ind("goals", "教学目标达成", "Achievement of objectives"),
        ind("goals.clear", "目标清晰、可检测", "Clear, checkable objectives", "goals", 10),
        ind("goals.met", "大多数学生达成目标", "Most students reach them", "goals", 10),
        ind("questions", "问题设计与处理", "Question design and handling"),
        ind("questions.open", "开放性问题比例", "Share of open questions", "questions", 10),
        ind("questions.feedback", "反馈方式和评价效果", "Feedback and evaluation", "questions", 10),
        ind("methods", "教学方法", "Teaching methods"),
        ind("methods.fit", "方法与内容匹配", "Methods fit the content", "methods", 10),
        ind("climate", "课堂文化与氛围", "Classroom culture and climate"),
        ind("climate.respect", "尊重与鼓励", "Respect and encouragement", "climate", 10),
        ind("climate.voice", "学生表达机会", "Students get to speak", "climate", 10),
    )
    name = ({"zh-CN": "课堂教学质量量规", "en": "Classroom teaching rubric"} if kind == "classroom_teaching"
            else {"zh-CN": "教学设计量规", "en": "Teaching design rubric"})
    return RubricSchema(id=kind.replace("_", "-"), name=name, kind=kind, indicators=indicators, bands=BANDS)


def rubric_result(kind: str = "classroom_teaching",
                  comment: str = "<script>alert(1)</script> 评价方式单一") -> RubricResult:
    schema = rubric_schema(kind)
    rng = np.random.default_rng(3)
    base = {"goals.clear": 9, "goals.met": 8, "questions.open": 6, "questions.feedback": 5, "methods.fit": 8,
            "climate.respect": 9, "climate.voice": 7}
    sheets = []
    for k, rater in enumerate(("李老师", "张老师", "陈老师", "Ms. Zhao")):
        scores = {i: float(np.clip(v + rng.integers(-1, 2), 0, 10)) for i, v in base.items()}
        sheets.append(ScoreSheet(
            rubric=schema.id, rater=rater, scores=scores, lesson="maths-2026-03-02",
            mode="live" if k < 2 else "recording",
            comments={"questions.feedback": comment} if k == 0 else {"overall": "目标达成较好，学生参与积极。"},
            notes=(TimedNote(t=420.0 + 60 * k, text="学生齐答 “Is she right? — Yes”", indicator="questions.feedback"),),
        ))
    return aggregate(schema, sheets, lesson="maths-2026-03-02")
