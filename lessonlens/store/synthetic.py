"""Synthetic analyses with plausible metrics: fixtures for tests, benchmarks and demos of the store.

Deterministic for a seed. The documents carry metrics (scalars, shares, curve summaries, episodes,
the 2-minute timeline table), findings and a rubric result; with ``full`` also the per-sample coded
timeline and curves, as a real analysis has (about ten times the size).
"""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np

from lessonlens.core.analysis import Analysis, Provenance
from lessonlens.core.findings import Finding, Severity
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.metrics import CurveSummary, Episodes, Extreme, Metrics, Series, Table, TimeRange
from lessonlens.core.rubric import IndicatorResult, RubricResult
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedSample, CodedTimeline

SUBJECTS = ("语文", "数学", "英语", "物理")
GRADES = ("七年级", "八年级", "九年级")
_FINDINGS = (
    ("choral_answering", Severity.WARNING, "齐答多、举手少", "much choral answering, little hand raising"),
    ("long_lecture", Severity.NOTICE, "连续讲授过长", "long stretches of lecturing"),
    ("low_participation", Severity.CONCERN, "学生参与度偏低", "low student participation"),
    ("rich_dialogue", Severity.STRENGTH, "师生对话充分", "rich teacher-student dialogue"),
    ("little_peer_work", Severity.NOTICE, "生生互动少", "little peer interaction"),
    ("board_heavy", Severity.INFO, "板书时间较多", "much board writing"),
)
_INDICATORS = ("objectives", "questions", "methods", "climate", "feedback")


def teaching_mode(rt: float, ch: float) -> str:
    """SPEC.md section 3: practice / lecture / dialogue / mixed from Rt and Ch."""
    if rt <= 0.3:
        return "practice"
    if rt >= 0.7:
        return "lecture"
    if ch >= 0.4:
        return "dialogue"
    return "mixed"


def synthetic_analysis(rng: np.random.Generator, lesson_id: str, teacher: str, school: str, region: str,
                       subject: str, grade: str, date: dt.date, n_samples: int = 400, full: bool = False
                       ) -> Analysis:
    """One lesson with random but internally consistent metrics, findings and rubric scores."""
    rt = float(rng.beta(5, 4))
    ch = float(rng.beta(2, 6))
    n_t = round(rt * n_samples)
    runs = max(1, round(ch * n_samples) + 1)
    teacher_shares = rng.dirichlet((6, 1.5, 1, 3))
    student_shares = rng.dirichlet((6, 0.5, 1.5, 2, 1.2))
    curves = rng.uniform(0.3, 0.95, 3)
    duration = n_samples * 6.0
    bins = rng.integers(0, 20, size=(20, 9))
    scalars: dict[str, float | int | str | bool | None] = {
        "rt": rt, "ch": ch, "mode": teaching_mode(rt, ch), "n_t": n_t, "n_s": n_samples - n_t, "runs": runs,
        "rt_30s": float(np.clip(rt + rng.normal(0, 0.03), 0, 1)),
        "ch_30s": float(np.clip(ch + rng.normal(0, 0.03), 0, 1)), "duration": duration,
        "participation_mean": float(curves[0]), "consistency_mean": float(curves[1]),
        "attention_mean": float(curves[2]), "longest_lecture": float(rng.uniform(60, 900)),
        "switches_per_10min": float(runs / (duration / 600)),
        "teacher_switches_per_10min": float(rng.uniform(2, 12)),
    }
    episodes = {
        name: Episodes(count=count, total=count * 30.0, longest=60.0,
                       ranges=tuple(TimeRange(i * 120.0, i * 120.0 + 30.0) for i in range(count)))
        for name, count in (("answering", int(rng.integers(1, 12))), ("board_writing", int(rng.integers(0, 6))))
    }
    metrics = Metrics(
        scheme="platform-9", interval=6.0, n_samples=n_samples, scalars=scalars,
        shares={"teacher_shares": dict(zip(TEACHER_BEHAVIOURS, map(float, teacher_shares), strict=True)),
                "student_shares": dict(zip(STUDENT_BEHAVIOURS, map(float, student_shares), strict=True))},
        summaries={name: CurveSummary(mean=float(value), max=Extreme(600.0, min(1.0, float(value) + 0.1)),
                                      min=Extreme(1800.0, max(0.0, float(value) - 0.2)))
                   for name, value in zip(("participation", "consistency", "attention"), curves, strict=True)},
        episodes=episodes,
        tables={"timeline": Table(
            columns=("start", "end", *TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS),
            rows=tuple((i * 120.0, (i + 1) * 120.0, *map(int, bins[i])) for i in range(20)))},
    )
    picked = rng.choice(len(_FINDINGS), size=int(rng.integers(0, 4)), replace=False)
    findings = tuple(
        Finding(id=_FINDINGS[i][0], rule=f"default.{_FINDINGS[i][0]}", severity=_FINDINGS[i][1],
                title={"zh-CN": _FINDINGS[i][2], "en": _FINDINGS[i][3]},
                explanation={"zh-CN": "合成数据", "en": "synthetic data"},
                time_ranges=(TimeRange(300.0, 420.0),), facts={"rt": rt})
        for i in sorted(picked)
    )
    scores = rng.uniform(5, 10, len(_INDICATORS))
    indicators = tuple(
        IndicatorResult(id=name, level=2, n_raters=3, mean=float(score), max_score=10.0, share=float(score) / 10,
                        band="good" if score >= 7.5 else "pass")
        for name, score in zip(_INDICATORS, scores, strict=True)
    )
    overall_share = float(scores.mean() / 10)
    rubric = RubricResult(
        rubric="classroom-teaching", kind="teaching", lesson=lesson_id, raters=("a", "b", "c"),
        indicators=indicators,
        overall=IndicatorResult(id="overall", level=0, n_raters=3, mean=float(scores.mean()), share=overall_share,
                                band="good" if overall_share >= 0.75 else "pass"),
    )
    timeline = None
    if full:
        t = np.arange(n_samples) * 6.0
        codes = rng.integers(0, len(TEACHER_BEHAVIOURS), n_samples)
        spread = rng.dirichlet(np.ones(len(STUDENT_BEHAVIOURS)), n_samples).round(3)
        timeline = CodedTimeline(scheme="platform-9", interval=6.0, coder="platform-9", samples=tuple(
            CodedSample(t=float(t[i]), teacher=TEACHER_BEHAVIOURS[codes[i]], st="T" if codes[i] < 2 else "S",
                        students=dict(zip(STUDENT_BEHAVIOURS, map(float, spread[i]), strict=True)))
            for i in range(n_samples)))
        curve_values = rng.uniform(0, 1, (3, n_samples)).round(4)
        metrics = attrs.evolve(metrics, series={
            name: Series(t=tuple(map(float, t)), values=tuple(map(float, curve_values[k])))
            for k, name in enumerate(("participation", "consistency", "attention"))})
    return Analysis(
        timeline=timeline,
        lesson=LessonMeta(id=lesson_id, title=f"{subject} {grade} {date.isoformat()}", subject=subject,
                          grade=grade, teacher=teacher, school=school, region=region, date=date,
                          duration=duration),
        media=(MediaSource(path=f"/recordings/{lesson_id}.mp4", role=MediaRole.MIXED),),
        metrics=metrics, findings=findings, rubric_results=(rubric,),
        provenance=Provenance(lessonlens="synthetic", created="2026-11-24T00:00:00+00:00", coder="platform-9"),
    )


def synthetic_district(n_lessons: int, seed: int = 0, n_schools: int = 20, teachers_per_school: int = 10,
                       region: str = "示范区", start: dt.date = dt.date(2026, 2, 1), full: bool = False
                       ) -> list[Analysis]:
    """``n_lessons`` lessons spread over schools, teachers, subjects, grades and one year of dates."""
    rng = np.random.default_rng(seed)
    school_of = rng.integers(0, n_schools, n_lessons)
    teacher_of = rng.integers(0, teachers_per_school, n_lessons)
    day_of = rng.integers(0, 365, n_lessons)
    lessons = []
    for i in range(n_lessons):
        school, teacher = int(school_of[i]), int(teacher_of[i])
        # a teacher keeps one subject and grade, as in a real school
        subject = SUBJECTS[(school + teacher) % len(SUBJECTS)]
        grade = GRADES[(school * 7 + teacher) % len(GRADES)]
        lessons.append(synthetic_analysis(
            rng, f"L{seed}-{i:06d}", f"T{school:02d}-{teacher:02d}", f"S{school:02d}", region, subject, grade,
            start + dt.timedelta(days=int(day_of[i])), full=full))
    return lessons
