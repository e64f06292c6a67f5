"""The rule expression language: parsing, checking against known names, evaluation, templates."""

from __future__ import annotations

import pytest

from lessonlens.core.metrics import Episodes, Metrics, Series, TimeRange
from lessonlens.diagnosis.compile import CompileError, Scope, compile_expr, compile_template
from lessonlens.diagnosis.env import LessonEnv, metrics_values
from lessonlens.diagnosis.expr import BoolOp, Compare, ExprSyntaxError, Num, parse, source_of

SCOPE = Scope(params={"limit": "num", "name": "str", "on": "bool"}, facts=frozenset({"choral"}))


def env(**scalars: object) -> LessonEnv:
    metrics = Metrics(
        scheme="platform-9", interval=6.0, n_samples=10,
        scalars={"rt": 0.55, "ch": 0.23, "mode": "mixed", "duration": 60.0, **scalars},  # type: ignore[dict-item]
        shares={"student_shares": {"answering": 0.2566, "hand_raising": 0.0281}},
        series={"attention": Series(t=tuple(float(i * 6) for i in range(10)),
                                    values=(0.9, 0.9, 0.3, 0.2, None, 0.9, 0.4, 0.9, 0.9, 0.1))},
        episodes={"lecturing": Episodes(count=2, total=36.0, longest=24.0,
                                        ranges=(TimeRange(0.0, 24.0), TimeRange(36.0, 48.0))),
                  "hand_raising": Episodes(count=1, total=6.0, longest=6.0, ranges=(TimeRange(30.0, 36.0),))},
    )
    return LessonEnv("x", metrics_values(metrics), {"limit": 0.5, "name": "a", "on": True}, metrics)


def value(source: str, lesson: LessonEnv | None = None) -> object:
    return compile_expr(source, SCOPE).fn(lesson or env())


def test_precedence_and_chained_comparison() -> None:
    node = parse("not a or b and c")
    assert isinstance(node, BoolOp) and node.op == "or"
    assert value("1 + 2 * 3 - 4 / 2") == 5.0
    assert value("-(1 + 2) * 2") == -6.0
    chained = parse("0.3 < rt < 0.7")
    assert isinstance(chained, Compare) and chained.ops == ("<", "<")
    assert value("0.3 < rt < 0.7") is True
    assert value("0.6 < rt < 0.7") is False
    assert parse("5%") == Num(0.05, 1)
    assert value("share('answering') >= 25%") is True
    assert source_of(parse("share('answering') >= 0.15 and not (rt < 0.3)")) == \
        "(share('answering') >= 0.15) and (not rt < 0.3)"


@pytest.mark.parametrize(("source", "column"), [
    ("rt >", 5), ("rt >= (0.5", 11), ("share('a' 'b')", 11), ("rt $ 3", 4), ("", None), ("and rt", 1),
])
def test_syntax_errors_name_the_column(source: str, column: int | None) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(source)
    assert info.value.params.get("pos") == column


@pytest.mark.parametrize(("source", "message"), [
    ("rt_typo > 0.5", "unknown metric or parameter `rt_typo`"),
    ("__import__('os') > 0", "unknown function `__import__()`"),
    ("share('singing') > 0", "argument 'singing' of `share()` is not a known behaviour"),
    ("share(name) > 0", "argument 1 of `share()` must be a quoted behaviour name"),
    ("share() > 0", "`share()` takes 1 argument(s), 0 given"),
    ("mode > 0.5", "cannot compare `mode` (text) with `0.5` (number)"),
    ("episodes('lecturing') > 1", "cannot compare"),
    ("rt and ch", "`rt` is a number, true/false needed here"),
    ("choral or rt > 0.5", "fact `choral` can only be a whole condition"),
    ("mean('focus') > 0", "not a known curve"),
    ("student_shares.singing > 0", "unknown metric or parameter `student_shares.singing`"),
])
def test_check_errors(source: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_expr(source, SCOPE, want="bool")
    assert message in str(info.value)


def test_known_names_cover_contract_ids() -> None:
    for name in ("rt", "ch", "mode", "n_t", "n_s", "runs", "rt_30s", "ch_30s", "duration", "participation_mean",
                 "consistency_mean", "attention_mean", "longest_lecture", "switches_per_10min",
                 "teacher_shares.patrolling", "student_shares.peer_interaction", "attention.min_t",
                 "rubric.classroom.q1.share", "rubric.classroom.overall.share", "rubric.design.goals.band",
                 # shipped leaf ids are dotted paths under their perspective
                 "rubric.classroom-teaching.questioning.feedback.share", "rubric.primary-english.skills.see.band"):
        compile_expr(f"has({name})", SCOPE, want="bool")


def test_missing_values_never_fire() -> None:
    lesson = env()
    assert value("attention_mean > 0.5", lesson) is None  # not measured
    assert value("attention_mean > 0.5 or rt > 0.5", lesson) is True
    assert value("attention_mean > 0.5 and rt > 0.9", lesson) is False
    assert value("not (attention_mean > 0.5)", lesson) is None
    assert value("rt / 0 > 1", lesson) is None
    assert value("has(attention_mean)", lesson) is False


def test_functions_over_episodes_and_series() -> None:
    lesson = env()
    assert value("count('lecturing')", lesson) == 2
    assert value("count('peer_interaction')", lesson) == 0  # no runs: zero, not unknown
    assert value("max_run('lecturing')", lesson) == 24.0
    assert value("below('attention', limit)", lesson) == ((12.0, 24.0), (36.0, 42.0), (54.0, 60.0))
    assert value("overlap(below('attention', limit), episodes('lecturing'))", lesson) == \
        ((12.0, 24.0), (36.0, 42.0))
    assert value("minus(episodes('lecturing'), below('attention', limit))", lesson) == \
        ((0.0, 12.0), (42.0, 48.0))
    assert value("without(episodes('lecturing'), episodes('hand_raising'), 6)", lesson) == ((0.0, 24.0),)
    assert value("total(below('attention', limit))", lesson) == 24.0
    assert value("min(rt, ch, 0.1)", lesson) == 0.1
    assert value("clock(125)", lesson) == "02:05"
    assert value("mode == 'mixed' and on", lesson) is True


def test_templates_fill_numbers_and_check_placeholders() -> None:
    lesson = env()
    template = compile_template("举手 {share('hand_raising'):.2%}, 应答 {share('answering'):.2%}; "
                                "Rt={rt}, {{literal}} {below('attention', limit)} {attention_mean}", SCOPE)
    assert template.render(lesson) == \
        "举手 2.81%, 应答 25.66%; Rt=0.55, {literal} 00:12–00:24, 00:36–00:42, 00:54–01:00 —"
    with pytest.raises(CompileError, match="unknown metric"):
        compile_template("{nope:.1f}", SCOPE)
    with pytest.raises(CompileError, match="invalid format"):
        compile_template("{rt:!r}", SCOPE)
    with pytest.raises(CompileError, match="unbalanced"):
        compile_template("{rt", SCOPE)
