"""Rule files: errors with file, rule and line; chaining; overrides from another directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.metrics import Metrics
from lessonlens.diagnosis import Diagnoser, RuleSetError, check_rules, diagnose, load_rules
from lessonlens.rules import RULES_DIR
from tests.support.rules import archetypes

TEXTS = """
    title: {zh-CN: 标题, en: Title}
    explanation: {zh-CN: "说明 {rt:.2f}", en: "Explanation {rt:.2f}"}
"""


def pack(tmp_path: Path, body: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def rule(rule_id: str, when: str, extra: str = "") -> str:
    return f"  - id: {rule_id}\n    severity: notice\n    when: {when}\n{extra}" + textwrap.indent(
        textwrap.dedent(TEXTS).strip("\n"), "    ") + "\n"


def lesson(**scalars: object) -> Analysis:
    metrics = Metrics(scheme="platform-9", interval=6.0, n_samples=400, scalars=dict(scalars))  # type: ignore[arg-type]
    return Analysis(lesson=LessonMeta(id="l1", school="实验小学", subject="数学", grade="五年级"), metrics=metrics)


def messages(paths: list[Path]) -> list[str]:
    return [issue.message("en") for issue in check_rules(paths)]


def test_errors_name_file_rule_and_line(tmp_path: Path) -> None:
    body = "params:\n  limit: 0.7\nrules:\n" + rule("a.unknown", "rt_typo > limit") + rule("b.syntax", "rt >= (limit")
    body += "  - id: c.untranslated\n    severity: notice\n    when: rt > limit\n"
    body += "    title: {zh-CN: 标题}\n    explanation: {zh-CN: 说明, en: ''}\n"
    body += rule("a.unknown", "ch > 0.1")
    path = pack(tmp_path, body)
    found = messages([path])
    assert f"{path}:6: [a.unknown] bad expression `rt_typo > limit` in `when`: unknown metric or parameter " \
           "`rt_typo`" in found
    assert f"{path}:11: [b.syntax] bad expression `rt >= (limit` in `when`: expected ')' at column 13, found end " \
           "of expression" in found
    assert f"{path}:17: [c.untranslated] `title` has no en translation" in found
    assert f"{path}:18: [c.untranslated] `explanation` has no en translation" in found
    assert f"{path}:19: [a.unknown] duplicate rule id `a.unknown` (first in {path}:4)" in found
    assert len(found) == 5
    with pytest.raises(RuleSetError) as info:
        load_rules([path])
    assert "5 problem(s) in the rules; first:" in info.value.message("en")
    assert "处错误" in info.value.message("zh-CN")


def test_template_and_structure_errors(tmp_path: Path) -> None:
    body = """
        rules:
          - id: t.bad
            severity: dreadful
            when: rt > 0.5
            colour: red
            title: {zh-CN: "标题 {nope}", en: Title}
            explanation: {zh-CN: 说明, en: Explanation}
            ranges: rt + 1
    """
    path = pack(tmp_path, body)
    found = messages([path])
    assert f"{path}:4: [t.bad] severity `dreadful` is invalid; use one of info, strength, notice, warning, concern" \
        in found
    assert any(m.startswith(f"{path}:6: [t.bad] unknown key `colour`") for m in found)
    assert f"{path}:7: [t.bad] bad expression `标题 {{nope}}` in `title.zh-CN`: unknown metric or parameter `nope`" \
        in found
    assert f"{path}:9: [t.bad] bad expression `rt + 1` in `ranges`: time ranges needed, not a number" in found


def test_cycle_through_not_is_reported(tmp_path: Path) -> None:
    body = "rules:\n" + rule("x.calm", "[not noisy, rt > 0.1]", "    asserts: [calm]\n")
    body += rule("x.noisy", "[not calm, ch > 0.1]", "    asserts: [noisy]\n")
    body += rule("x.self", "[not x.self]")
    path = pack(tmp_path, body)
    found = messages([path])
    assert any(m.startswith(f"{path}:4: [x.calm] rules x.calm → x.noisy form a cycle through `not`") for m in found)
    assert any(m.startswith(f"{path}:") and "[x.self] rules x.self form a cycle" in m for m in found)
    # a positive cycle settles (each rule fires once) and is allowed
    ok = "rules:\n" + rule("y.a", "[y.b]") + rule("y.b", "[y.a]") + rule("y.c", "rt > 0.5", "    asserts: [y.a]\n")
    assert messages([pack(tmp_path, ok, "ok.yaml")]) == []


def test_chaining_derived_facts_trigger_later_rules(tmp_path: Path) -> None:
    body = "params:\n  lecture_rt: 0.7\nrules:\n"
    # listed before the rules it depends on: the engine, not the file order, makes it wait
    body += rule("c.quiet_lecture", "[lecture, not talkative]")
    body += rule("c.lecture", "rt >= lecture_rt", "    asserts: [lecture]\n")
    body += rule("c.talkative", "[lecture, ch >= 0.3]", "    asserts: [talkative]\n")
    path = pack(tmp_path, body)
    for engine in ("experta", "simple"):
        rules = load_rules([path])
        quiet = Diagnoser(rules, engine).diagnose(lesson(rt=0.8, ch=0.1))
        assert [s.rule for s in quiet.explanation] == ["c.lecture", "c.quiet_lecture"], engine
        assert quiet.explanation[1].needs == ("lecture",) and quiet.explanation[1].absent == ("talkative",)
        talk = Diagnoser(rules, engine).diagnose(lesson(rt=0.8, ch=0.35))
        assert [s.rule for s in talk.explanation] == ["c.lecture", "c.talkative"], engine
        assert [f.id for f in Diagnoser(rules, engine).diagnose(lesson(rt=0.5, ch=0.35)).findings] == []


def test_rule_ids_are_facts_and_silent_rules_only_assert(tmp_path: Path) -> None:
    body = "rules:\n" + rule("s.base", "rt > 0.5", "    finding: false\n") + rule("s.next", "[s.base]")
    result = diagnose(lesson(rt=0.6), rules=load_rules([pack(tmp_path, body)]))
    assert [f.id for f in result.findings] == ["s.next"]
    assert [s.rule for s in result.explanation] == ["s.base", "s.next"]


def test_pack_in_temp_dir_overrides_default_threshold(tmp_path: Path) -> None:
    monologue = archetypes()["monologue"]
    longest = monologue.metrics.scalars["longest_lecture"] if monologue.metrics else 0
    assert longest == 660.0
    assert "st.long_lecture" in {f.id for f in diagnose(monologue).findings}
    school = tmp_path / "school"
    school.mkdir()
    pack(school, "params:\n  max_lecture_seconds: 720\n")
    result = diagnose(monologue, rules=[school])
    assert "st.long_lecture" not in {f.id for f in result.findings}
    assert result.params["max_lecture_seconds"] == 720
    assert str(school / "pack.yaml") in result.rule_files
    # and the call's own parameters win over every pack
    again = diagnose(monologue, rules=[school], params={"max_lecture_seconds": 600})
    assert "st.long_lecture" in {f.id for f in again.findings}


def test_overrides_per_school_subject_and_grade(tmp_path: Path) -> None:
    body = """
        params:
          limit: 0.7
        overrides:
          - school: 实验小学
            params: {limit: 0.6}
          - school: 实验小学
            subject: [数学, 物理]
            grade: 五年级
            params: {limit: 0.5}
          - subject: 英语
            params: {limit: 0.9}
    """
    path = pack(tmp_path, textwrap.dedent(body) + "rules:\n" + rule("o.high", "rt >= limit"))
    rules = load_rules([path])
    assert rules.params_for(LessonMeta(id="a"))["limit"] == 0.7
    assert rules.params_for(LessonMeta(id="a", school="实验小学"))["limit"] == 0.6
    assert rules.params_for(LessonMeta(id="a", school="实验小学", subject="数学", grade="五年级"))["limit"] == 0.5
    assert rules.params_for(LessonMeta(id="a", school="实验小学", subject="数学", grade="六年级"))["limit"] == 0.6
    assert [f.id for f in diagnose(lesson(rt=0.55), rules=rules).findings] == ["o.high"]


def test_override_and_disable_errors(tmp_path: Path) -> None:
    path = pack(tmp_path, """
        params:
          limit: 0.7
        overrides:
          - campus: north
            params: {limit: 0.6}
          - subject: 数学
            params: {limitt: 0.6, limit: high}
        disable: [no.such.rule]
    """)
    found = messages([path])
    assert f"{path}:5: unknown key `campus`; allowed: school, subject, grade, teacher, region, params" in found
    assert f"{path}:8: parameter `limitt` is not declared in any pack" in found
    assert f"{path}:8: parameter `limit` must be a number, got 'high'" in found
    assert f"{path}:9: [no.such.rule] rule `no.such.rule` to disable does not exist" in found


def test_later_directory_replaces_and_disables_default_rules(tmp_path: Path) -> None:
    school = tmp_path / "school"
    school.mkdir()
    replacement = pack(school, "disable: [mode.mixed]\nrules:\n" + rule("mode.lecture", "rt >= 0.9"))
    # the default st.monologue builds on the fact the old mode.lecture asserted: dropping it is an error
    assert any("[st.monologue]" in m and "`teacher_centred`" in m for m in messages([RULES_DIR, school]))
    replacement.write_text(replacement.read_text(encoding="utf-8") + "    asserts: [teacher_centred]\n",
                           encoding="utf-8")
    rules = load_rules([RULES_DIR, school])
    ids = [r.id for r in rules.rules]
    assert "mode.mixed" not in ids and ids.count("mode.lecture") == 1
    replaced = next(r for r in rules.rules if r.id == "mode.lecture")
    assert replaced.path == str(school / "pack.yaml") and replaced.condition_source == "rt >= 0.9"
    assert "teacher_centred" in replaced.asserts


def test_missing_paths_and_empty_dirs(tmp_path: Path) -> None:
    assert messages([tmp_path / "nope"]) == [f"{tmp_path / 'nope'}: no such file or directory"]
    assert messages([tmp_path]) == [f"{tmp_path}: no rule files (*.yaml) found"]
    broken = pack(tmp_path, "rules:\n  - id: a\n    when: [rt > 1\n")
    assert messages([broken])[0].startswith(f"{broken}:4: not valid YAML")


def test_plugin_registered_pack_is_loaded_after_the_default(tmp_path: Path) -> None:
    from lessonlens.core.hookspecs import hookimpl
    from lessonlens.core.plugins import get_manager

    pack(tmp_path, "params:\n  max_lecture_seconds: 720\n", "district.yaml")

    class DistrictRules:
        @hookimpl
        def register_rules(self, register: object) -> None:
            register(tmp_path)  # type: ignore[operator]

    manager = get_manager()
    assert manager.registry.rule_paths  # built-ins load first, as entry-point plugins come after them
    manager.register(DistrictRules(), "district-rules")
    result = diagnose(archetypes()["monologue"])
    assert result.rule_files[-1] == str(tmp_path / "district.yaml")
    assert result.params["max_lecture_seconds"] == 720
    assert "st.long_lecture" not in {f.id for f in result.findings}
