"""The default rule pack: every rule fires on one lesson and stays quiet on another (real metrics)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.metrics import Metrics
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.diagnosis import Diagnoser, check_rules, load_rules
from lessonlens.pipeline.measure import measure
from lessonlens.rules import RULES_DIR
from tests.support.rules import archetypes

#: rule id -> (a lesson it fires on, a lesson it does not fire on)
EXPECTED: dict[str, tuple[str, str]] = {
    "mode.lecture": ("monologue", "dialogue"),
    "mode.practice": ("practice", "monologue"),
    "mode.dialogue": ("dialogue", "fragmented"),
    "mode.mixed": ("choral", "dialogue"),
    "st.lecture_dominated": ("monologue", "choral"),
    "st.long_lecture": ("monologue", "scattered"),
    "st.monologue": ("monologue", "scattered"),
    "st.few_transitions": ("monologue", "dialogue"),
    "st.fragmented": ("fragmented", "monologue"),
    "st.balanced": ("dialogue", "monologue"),
    "interaction.choral_answering": ("choral", "dialogue"),
    "interaction.little_dialogue": ("choral", "dialogue"),
    "interaction.closed_evaluation": ("choral", "monologue"),
    "interaction.few_hand_raises": ("monologue", "dialogue"),
    "interaction.no_peer_work": ("monologue", "choral"),
    "interaction.peer_unsupported": ("seatwork", "dialogue"),
    "interaction.rich": ("dialogue", "monologue"),
    "interaction.student_voice_low": ("monologue", "choral"),
    "engagement.attention_drop_in_lecture": ("scattered", "monologue"),
    "engagement.low_attention": ("scattered", "dialogue"),
    "engagement.disengaged_lecture": ("scattered", "fragmented"),
    "engagement.high_attention": ("dialogue", "scattered"),
    "engagement.participation_dip": ("fragmented", "monologue"),
    "engagement.low_consistency_whole_class": ("scattered", "monologue"),
    "engagement.high_participation": ("dialogue", "seatwork"),
    "structure.no_board_writing": ("no_board", "monologue"),
    "structure.board_heavy": ("seatwork", "monologue"),
    "structure.unsupervised_seatwork": ("seatwork", "practice"),
    "structure.no_patrol": ("monologue", "practice"),
    "rubric.indicator_low": ("dialogue", "monologue"),
    "rubric.gap_high_score_low_engagement": ("monologue", "dialogue"),
    "rubric.gap_low_score_good_engagement": ("dialogue", "monologue"),
}
#: rules that compare the lesson with the district norm of its subject and grade: they fire only
#: with norm facts; here a made-up norm of 20 lessons (tests/diagnosis/test_diagnose_norms.py uses a real store)
NORM_FACTS = {
    "norm.n_lessons": 20.0, "norm.rt.p90": 0.85, "norm.rt.p50": 0.55,
    "norm.student_shares.answering.p10": 0.08, "norm.student_shares.answering.p50": 0.12,
    "norm.participation_mean.p10": 0.6, "norm.participation_mean.p50": 0.75,
}
NORM_EXPECTED: dict[str, tuple[str, str]] = {
    "norms.teacher_talk_high": ("monologue", "dialogue"),
    "norms.answering_low": ("monologue", "choral"),
    "norms.participation_low": ("seatwork", "dialogue"),
}


#: the observation protocols' rules, on COPUS and ITIAS lessons (tests/pipeline/test_protocols_pipeline.py: from sheets)
PROTOCOL_EXPECTED: dict[str, tuple[str, str]] = {
    "copus.didactic_lecture": ("copus_lecture", "copus_groups"),
    "copus.students_silent": ("copus_lecture", "copus_groups"),
    "copus.active_learning": ("copus_groups", "copus_lecture"),
    "itias.technology_dominates": ("itias_tech", "itias_closed"),
    "itias.closed_questions": ("itias_closed", "itias_media"),
    "itias.teacher_dominated": ("itias_media", "itias_closed"),
    "itias.little_initiative": ("itias_closed", "itias_media"),
}


def _copus(rows: list[dict[str, bool]]) -> Analysis:
    timeline = CodedTimeline("copus", 120.0, tuple(CodedSample(t=i * 120.0, ticks=r) for i, r in enumerate(rows)))
    return Analysis(lesson=LessonMeta(id="copus"), timeline=timeline, metrics=measure(timeline))


def _itias(block: str) -> Analysis:
    codes = block.split() * 5
    timeline = CodedTimeline("itias", 3.0, tuple(CodedSample(t=i * 3.0, code=c) for i, c in enumerate(codes)))
    return Analysis(lesson=LessonMeta(id="itias"), timeline=timeline, metrics=measure(timeline))


def protocol_lessons() -> dict[str, Analysis]:
    none = dict.fromkeys(("S.CG", "S.WG", "S.OG", "S.AnQ", "S.SQ", "S.WC", "S.SP", "I.MG"), False)
    lecture = [{**none, "S.L": True, "I.Lec": True} for _ in range(12)]
    groups = [{**none, "S.L": i % 2 == 0, "I.Lec": i % 2 == 0, "S.WG": i % 2 == 1, "I.MG": i % 2 == 1,
               "S.AnQ": i % 2 == 1} for i in range(12)]
    return {
        "copus_lecture": _copus(lecture), "copus_groups": _copus(groups),
        "itias_closed": _itias("6 6 6 5 9 6 6 5 9 6 4 9 6 5 9 6 5 9 18 18"),
        "itias_media": _itias("6 6 6 6 6 6 6 6 6 6 6 6 6 6 4 10 11 18 18 18"),
        "itias_tech": _itias("16 18 18 18 18 18 18 18 18 18 6 6 6 4 9 10 18 18 18 18"),
    }


@pytest.mark.parametrize("rule_id", sorted(PROTOCOL_EXPECTED))
def test_protocol_rule_fires_on_one_lesson_and_not_another(rule_id: str) -> None:
    lessons = protocol_lessons()
    fires_on, quiet_on = PROTOCOL_EXPECTED[rule_id]
    diagnoser = Diagnoser([RULES_DIR])
    fired_on = {f.id: f for f in diagnoser.diagnose(lessons[fires_on]).findings}
    assert rule_id in fired_on and fired_on[rule_id].time_ranges
    assert rule_id not in {f.id for f in diagnoser.diagnose(lessons[quiet_on]).findings}


def test_platform_rules_stay_quiet_on_protocol_lessons() -> None:
    """A lesson coded without student behaviours (ITIAS) has no hand raising to count: no finding."""
    found = {f.id for f in Diagnoser([RULES_DIR]).diagnose(protocol_lessons()["itias_closed"]).findings}
    assert "interaction.few_hand_raises" not in found


@pytest.fixture(scope="module")
def fired() -> dict[str, set[str]]:
    diagnoser = Diagnoser([RULES_DIR])
    return {name: {f.id for f in diagnoser.diagnose(lesson).findings} for name, lesson in archetypes().items()}


def test_default_pack_is_clean_and_large_enough() -> None:
    assert check_rules([RULES_DIR]) == []
    rules = load_rules([RULES_DIR])
    assert len(rules.rules) >= 25
    assert {r.id for r in rules.rules} == set(EXPECTED) | set(NORM_EXPECTED) | set(PROTOCOL_EXPECTED), \
        "every default rule needs a firing and a quiet lesson"
    for rule in rules.rules:
        for field in ("title", "explanation", "suggestion"):
            assert set(rule.texts[field]) == {"zh-CN", "en"}, (rule.id, field)


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_rule_fires_on_one_lesson_and_not_another(rule_id: str, fired: dict[str, set[str]]) -> None:
    fires_on, quiet_on = EXPECTED[rule_id]
    assert rule_id in fired[fires_on]
    assert rule_id not in fired[quiet_on]


@pytest.fixture(scope="module")
def fired_with_norm() -> dict[str, set[str]]:
    diagnoser = Diagnoser([RULES_DIR])
    return {name: {f.id for f in diagnoser.diagnose(lesson, facts=NORM_FACTS).findings}
            for name, lesson in archetypes().items()}


@pytest.mark.parametrize("rule_id", sorted(NORM_EXPECTED))
def test_norm_rule_fires_only_with_a_norm(rule_id: str, fired: dict[str, set[str]],
                                          fired_with_norm: dict[str, set[str]]) -> None:
    fires_on, quiet_on = NORM_EXPECTED[rule_id]
    assert rule_id in fired_with_norm[fires_on]
    assert rule_id not in fired_with_norm[quiet_on]
    assert not any(rule_id in ids for ids in fired.values())  # no norm, no finding
    # the other rules do not change with a norm
    assert {n: ids - set(NORM_EXPECTED) for n, ids in fired_with_norm.items()} == fired


def test_findings_carry_filled_texts_and_time_ranges() -> None:
    lesson = archetypes()["choral"]
    findings = {f.id: f for f in Diagnoser([RULES_DIR]).diagnose(lesson).findings}
    choral = findings["interaction.choral_answering"]
    answering = lesson.metrics.shares["student_shares"]["answering"] if lesson.metrics else 0
    assert f"{answering:.2%}" in choral.explanation["en"]
    assert f"{answering:.2%}" in choral.explanation["zh-CN"]
    assert "{" not in choral.explanation["en"] and "{" not in choral.suggestion["zh-CN"]
    # the answers given in the lecture parts with no hand raised: 3 minutes of every 6.5-minute cycle
    assert len(choral.time_ranges) == 6
    first = choral.time_ranges[0]
    assert (first.start, first.end) == (0.0, 180.0 + 30.0)  # lecture then reporting, both answered in chorus
    assert choral.facts["share('hand_raising')"] == 0.0


def test_seed_paper_case_three() -> None:
    """Hand raising 2.81 %, answering 25.66 %, teacher-student interaction 8.82 %: choral answers, closed evaluation."""
    metrics = Metrics(
        scheme="platform-9", interval=6.0, n_samples=400,
        scalars={"rt": 0.55, "ch": 0.23, "duration": 2400.0, "longest_lecture": 300.0},
        shares={
            "teacher_shares": {"lecturing": 0.45, "board_writing": 0.1, "patrolling": 0.3618,
                               "teacher_student_interaction": 0.0882},
            "student_shares": {"listening": 0.4, "hand_raising": 0.0281, "answering": 0.2566,
                               "reading_writing": 0.0207, "peer_interaction": 0.2946},
        },
    )
    result = Diagnoser([RULES_DIR]).diagnose(Analysis(lesson=LessonMeta(id="case3"), metrics=metrics))
    ids = [f.id for f in result.findings]
    assert "mode.mixed" in ids  # case 1 of the paper: Rt 0.55, Ch 0.23 -> mixed
    assert "interaction.choral_answering" in ids and "interaction.closed_evaluation" in ids
    closed = next(f for f in result.findings if f.id == "interaction.closed_evaluation")
    assert "2.81%" in closed.explanation["zh-CN"] and "25.66%" in closed.explanation["zh-CN"]
    assert "8.82%" in closed.explanation["en"]
    step = next(s for s in result.explanation if s.rule == "interaction.closed_evaluation")
    assert step.needs == ("choral_answering", "little_interaction")


def test_subject_override_silences_board_rule(tmp_path: Path) -> None:
    """The default pack's own override: PE lessons are not expected to leave a board summary."""
    diagnoser = Diagnoser([RULES_DIR])
    lesson = archetypes()["no_board"]
    pe = Analysis(lesson=LessonMeta(id="pe", subject="体育"), timeline=lesson.timeline, metrics=lesson.metrics)
    assert "structure.no_board_writing" in {f.id for f in diagnoser.diagnose(lesson).findings}
    assert "structure.no_board_writing" not in {f.id for f in diagnoser.diagnose(pe).findings}


def test_experta_and_simple_engines_agree() -> None:
    experta, simple = Diagnoser([RULES_DIR], "experta"), Diagnoser([RULES_DIR], "simple")
    for name, lesson in archetypes().items():
        a = [f.id for f in experta.diagnose(lesson).findings]
        b = [f.id for f in simple.diagnose(lesson).findings]
        assert sorted(a) == sorted(b), name
