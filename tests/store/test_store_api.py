"""The store's Python API on SQLite and on a real PostgreSQL server: import, update, delete, queries."""

from __future__ import annotations

import datetime as dt
import math

import attrs
import numpy as np
import pytest
from sqlalchemy import func, select

from lessonlens import Analysis, Finding, LessonMeta, Metrics, to_dict
from lessonlens.core.errors import InputError
from lessonlens.core.metrics import CurveSummary
from lessonlens.core.observations import Keypoint, PoseObservation
from lessonlens.core.rubric import IndicatorResult, RubricResult
from lessonlens.store import METRIC_IDS, LessonQuery, Store
from lessonlens.store.models import analysis_table, finding_table, lesson_table, rubric_table, teacher_table
from lessonlens.store.synthetic import synthetic_district


def lesson(lesson_id: str, teacher: str = "王老师", date: dt.date | None = dt.date(2026, 9, 1), rt: float = 0.5,
           ch: float = 0.2, school: str = "一中", region: str = "东区", subject: str = "英语", grade: str = "六年级",
           findings: tuple[str, ...] = (), answering: float = 0.1) -> Analysis:
    """A small analysis built straight from the core classes (metric ids of CONTRACTS.md)."""
    mode = "practice" if rt <= 0.3 else "lecture" if rt >= 0.7 else "dialogue" if ch >= 0.4 else "mixed"
    metrics = Metrics(
        scheme="platform-9", interval=6.0, n_samples=400,
        scalars={"rt": rt, "ch": ch, "mode": mode, "n_t": round(rt * 400), "n_s": 400 - round(rt * 400),
                 "duration": 2400.0},
        shares={"teacher_shares": {"lecturing": rt, "board_writing": 0.1, "patrolling": 0.1,
                                   "teacher_student_interaction": 0.8 - rt},
                "student_shares": {"listening": 0.6, "hand_raising": 0.05, "answering": answering,
                                   "reading_writing": 0.25 - answering, "peer_interaction": 0.1}},
        summaries={"participation": CurveSummary(mean=0.7, max=None, min=None)},
    )
    return Analysis(
        lesson=LessonMeta(id=lesson_id, title=f"课 {lesson_id}", subject=subject, grade=grade, teacher=teacher,
                          school=school, region=region, date=date),
        metrics=metrics,
        findings=tuple(Finding(id=f, rule=f"r.{f}", severity="notice", explanation={"en": "x"},
                               title={"zh-CN": f"诊断{f}", "en": f"finding {f}"}) for f in findings),
        rubric_results=(RubricResult(
            rubric="classroom", kind="teaching", lesson=lesson_id, raters=("a",),
            indicators=(IndicatorResult(id="questions", level=2, n_raters=1, mean=8.0, share=0.8, band="good"),),
            overall=IndicatorResult(id="overall", level=0, n_raters=1, mean=8.0, share=0.8, band="good")),),
    )


def count(store: Store, table: object, lesson_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(table)  # type: ignore[arg-type]
    if lesson_id is not None:
        stmt = stmt.where(table.c.lesson_id == lesson_id)  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def test_import_round_trips_the_document_and_indexes_metrics(store: Store) -> None:
    original = lesson("a1", rt=0.62, ch=0.31, findings=("choral",))
    result = store.add([original])
    assert result.added == ("a1",) and result.updated == ()
    assert to_dict(store.get("a1")) == to_dict(original)
    [record] = store.lessons()
    assert record.mode == "mixed" and record.metrics["rt"] == pytest.approx(0.62)
    assert record.metrics["student_shares.answering"] == pytest.approx(0.1)
    assert record.metrics["participation_mean"] == pytest.approx(0.7)  # from the curve summary
    assert record.metrics["switches_per_10min"] is None  # not measured stays None, never 0
    assert (record.teacher, record.school, record.region, record.n_findings) == ("王老师", "一中", "东区", 1)
    assert count(store, rubric_table, "a1") == 2 and count(store, finding_table, "a1") == 1


def test_raw_observations_are_kept_only_on_request(store: Store) -> None:
    seen = (PoseObservation(t=6.0, detector="pose", person="teacher",
                            keypoints=(Keypoint(name="nose", x=0.5, y=0.2),)),)
    store.add([attrs.evolve(lesson("a1"), observations=seen)])
    stored = store.get("a1")
    assert stored is not None and stored.observations == () and stored.metrics is not None
    store.add([attrs.evolve(lesson("a1"), observations=seen)], keep_observations=True)
    kept = store.get("a1")
    assert kept is not None and kept.observations == seen


def test_re_adding_updates_and_never_duplicates(store: Store) -> None:
    store.add([lesson("a1", rt=0.5, findings=("x", "y")), lesson("a2")])
    with store.engine.connect() as conn:
        added_at = conn.scalar(select(lesson_table.c.added_at).where(lesson_table.c.id == "a1"))
    result = store.add([lesson("a1", rt=0.8, findings=("z",), teacher="李老师")])
    assert result.updated == ("a1",) and result.added == ()
    assert count(store, lesson_table) == 2 and count(store, analysis_table) == 2
    assert count(store, finding_table, "a1") == 1 and count(store, rubric_table, "a1") == 2
    [record] = store.lessons(LessonQuery(lesson_ids=("a1",)))
    assert record.metrics["rt"] == pytest.approx(0.8) and record.mode == "lecture" and record.teacher == "李老师"
    with store.engine.connect() as conn:
        assert conn.scalar(select(lesson_table.c.added_at).where(lesson_table.c.id == "a1")) == added_at
    # the same lesson twice in one batch: the last one wins
    store.add([lesson("a3", rt=0.2), lesson("a3", rt=0.4)])
    assert store.lessons(LessonQuery(lesson_ids=("a3",)))[0].metrics["rt"] == pytest.approx(0.4)


def test_remove_deletes_every_row_of_the_lesson(store: Store) -> None:
    store.add([lesson("a1", findings=("x",)), lesson("a2", findings=("x",))])
    assert store.remove(["a1"]) == ("a1",)
    assert store.get("a1") is None
    for table in (analysis_table, finding_table, rubric_table):
        assert count(store, table, "a1") == 0
    assert count(store, lesson_table) == 1 and count(store, finding_table, "a2") == 1


def test_remove_of_an_unknown_lesson_removes_nothing(store: Store) -> None:
    store.add([lesson("a1")])
    with pytest.raises(InputError, match="nope"):
        store.remove(["a1", "nope"])
    assert count(store, lesson_table) == 1
    assert store.remove(["a1", "nope"], missing_ok=True) == ("a1",)


def test_a_failing_batch_writes_nothing(store: Store) -> None:
    store.add([lesson("a0", rt=0.5)])
    broken = lesson("b2")
    # NaN cannot be stored as JSON: found after the first rows of the batch are already written
    broken = attrs.evolve(broken, metrics=attrs.evolve(broken.metrics, scalars={"rt": math.nan}))
    with pytest.raises(InputError, match="b2"):
        store.add([lesson("a0", rt=0.9), lesson("b1"), broken])
    assert [r.lesson_id for r in store.lessons()] == ["a0"]
    assert store.lessons()[0].metrics["rt"] == pytest.approx(0.5)
    assert count(store, teacher_table) == 1


def test_filters(store: Store) -> None:
    store.add([
        lesson("a", teacher="王", date=dt.date(2026, 9, 1), school="一中", subject="英语"),
        lesson("b", teacher="王", date=dt.date(2026, 9, 30), school="一中", subject="英语"),
        lesson("c", teacher="李", date=dt.date(2026, 10, 5), school="二中", region="西区", subject="数学"),
        lesson("d", teacher="王", date=None, school="二中", region="西区", grade="五年级"),
    ])

    def ids(**kw: object) -> list[str]:
        return [r.lesson_id for r in store.lessons(LessonQuery(**kw))]  # type: ignore[arg-type]

    assert ids() == ["a", "b", "c", "d"]  # by date, undated last
    assert ids(teacher="王") == ["a", "b", "d"]
    assert ids(teacher="王", school="二中") == ["d"]
    assert ids(region="西区") == ["c", "d"]
    assert ids(subject="数学") == ["c"] and ids(grade="五年级") == ["d"]
    assert ids(date_from=dt.date(2026, 9, 30), date_to=dt.date(2026, 10, 5)) == ["b", "c"]
    assert [a.lesson.id for a in store.analyses(LessonQuery(teacher="王", date_to=dt.date(2026, 9, 30)))] == ["a", "b"]


def test_teacher_period_has_trends_and_documents(store: Store) -> None:
    start = dt.date(2026, 9, 1)
    store.add([lesson(f"p{i}", date=start + dt.timedelta(days=10 * i), rt=0.4 + 0.01 * i) for i in range(10)])
    store.add([lesson("other", teacher="李老师", rt=0.9)])
    period = store.teacher_period("王老师", LessonQuery(date_from=start + dt.timedelta(days=10)))
    assert [r.lesson_id for r in period.lessons] == [f"p{i}" for i in range(1, 10)]
    assert [a.lesson.id for a in period.analyses] == [f"p{i}" for i in range(1, 10)]
    trend = period.trends["rt"]
    assert trend.slope_per_30_days == pytest.approx(0.03)  # +0.01 every 10 days
    assert trend.first == pytest.approx(0.41) and trend.last == pytest.approx(0.49)
    assert period.trends["switches_per_10min"].slope_per_30_days is None
    assert period.portrait.n_lessons == 9 and period.portrait.n_teachers == 1
    with pytest.raises(InputError, match="nobody"):
        store.teacher_period("nobody")


def test_compare_teachers_side_by_side(store: Store) -> None:
    store.add([lesson(f"w{i}", teacher="王", rt=r) for i, r in enumerate((0.4, 0.6))])
    store.add([lesson(f"l{i}", teacher="李", rt=r, school="二中") for i, r in enumerate((0.8, 0.9, 0.75))])
    comparison = store.compare(["李", "王"], LessonQuery(subject="英语"))
    assert [t.teacher for t in comparison.teachers] == ["李", "王"]
    li, wang = comparison.teachers
    assert li.portrait.n_lessons == 3 and li.schools == ("二中",)
    assert li.portrait.metrics["rt"].mean == pytest.approx(np.mean([0.8, 0.9, 0.75]))
    assert li.portrait.modes == {"lecture": 3} and wang.portrait.modes == {"mixed": 2}
    assert li.analyses == () and [a.lesson.id for a in store.compare(["王"], with_analyses=True).teachers[0].analyses
                                  ] == ["w0", "w1"]
    with pytest.raises(InputError, match="nobody"):
        store.compare(["王", "nobody"])


def test_portrait_matches_numpy_over_the_documents(store: Store) -> None:
    lessons = synthetic_district(300, seed=3, n_schools=4)
    store.add(lessons)
    portrait = store.portrait(LessonQuery(region="示范区"))
    assert portrait.n_lessons == 300
    assert portrait.n_teachers == len({(a.lesson.school, a.lesson.teacher) for a in lessons})
    modes: dict[str, int] = {}
    for a in lessons:
        modes[str(a.metrics.scalars["mode"])] = modes.get(str(a.metrics.scalars["mode"]), 0) + 1  # type: ignore[union-attr]
    assert portrait.modes == modes
    answering = np.array([a.metrics.shares["student_shares"]["answering"] for a in lessons])  # type: ignore[union-attr]
    stats = portrait.metrics["student_shares.answering"]
    assert stats.mean == pytest.approx(answering.mean())
    assert stats.percentiles[90] == pytest.approx(np.percentile(answering, 90))
    assert stats.percentiles[10] == pytest.approx(np.percentile(answering, 10))
    assert set(portrait.metrics) == set(METRIC_IDS)
    counts: dict[str, int] = {}
    for a in lessons:
        for f in a.findings:
            counts[f.id] = counts.get(f.id, 0) + 1
    top = portrait.findings[0]
    assert top.lessons == max(counts.values()) and counts[top.finding_id] == top.lessons
    assert [f.lessons for f in portrait.findings] == sorted(counts.values(), reverse=True)
    assert top.share == pytest.approx(top.lessons / 300) and top.title["en"]
    methods = np.array([i.share for a in lessons for i in a.rubric_results[0].indicators if i.id == "methods"])
    rubric = portrait.rubrics["rubric.classroom-teaching.methods.share"]
    assert rubric.n == 300 and rubric.mean == pytest.approx(methods.mean())
    assert rubric.percentiles[25] == pytest.approx(np.percentile(methods, 25))
    assert len(portrait.rubrics) == 6  # five indicators and overall
    by_school = store.portraits(("school",), LessonQuery(region="示范区"))
    assert sorted(by_school) == [("S00",), ("S01",), ("S02",), ("S03",)]
    assert sum(p.n_lessons for p in by_school.values()) == 300
    assert by_school[("S01",)].query.school == "S01"
    empty = store.portrait(LessonQuery(region="nowhere"))
    assert empty.n_lessons == 0 and empty.metrics["rt"].mean is None and empty.findings == ()


def test_monthly_means_of_a_group(store: Store) -> None:
    store.add([lesson("s1", date=dt.date(2026, 9, 3), rt=0.4), lesson("s2", date=dt.date(2026, 9, 28), rt=0.6),
               lesson("o1", date=dt.date(2026, 11, 2), rt=0.8, teacher="李"), lesson("u", date=None, rt=0.1)])
    months = store.monthly(LessonQuery(school="一中"))
    assert [m.month for m in months] == [dt.date(2026, 9, 1), dt.date(2026, 11, 1)]  # empty October left out
    september, november = months
    assert september.n_lessons == 2 and september.n_teachers == 1 and september.modes == {"mixed": 2}
    assert september.means["rt"] == pytest.approx(0.5) and november.means["rt"] == pytest.approx(0.8)
    assert september.means["switches_per_10min"] is None
    assert store.monthly(LessonQuery(school="none")) == ()


def test_norms_per_subject_and_grade_for_rules(store: Store) -> None:
    shares = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
    store.add([lesson(f"e{i}", answering=s / 2, subject="英语", grade="六年级") for i, s in enumerate(shares)])
    store.add([lesson(f"m{i}", answering=0.01, subject="数学", grade="六年级") for i in range(3)])
    norms = store.norms()
    assert [(n.subject, n.grade, n.n_lessons) for n in norms.norms] == [("数学", "六年级", 3), ("英语", "六年级", 10)]
    english = norms.get("英语", "六年级")
    assert english is not None
    p90 = np.percentile(np.array(shares) / 2, 90)
    facts = english.facts()
    assert facts["norm.student_shares.answering.p90"] == pytest.approx(p90)
    assert facts["norm.n_lessons"] == 10
    assert facts["norm.rubric.classroom.questions.share.p50"] == pytest.approx(0.8)
    assert english.percentile_rank("rubric.classroom.overall.share", 0.8) is not None
    assert english.percentile_rank("student_shares.answering", 0.25) == pytest.approx(100)
    assert english.percentile_rank("student_shares.answering", float(np.percentile(np.array(shares) / 2, 50))) \
        == pytest.approx(50)
    assert store.norms(min_lessons=5).norms[0].subject == "英语"
    assert store.norms(LessonQuery(subject="数学")).norms[0].n_lessons == 3
