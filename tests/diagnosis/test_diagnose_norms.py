"""District norms in diagnosis: a norms file written by a real store, ``diagnose --norms/--db``, ``facts=``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import lessonlens
from lessonlens import save
from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.diagnosis import Diagnoser
from lessonlens.rules import RULES_DIR
from lessonlens.store import LessonQuery, Norm, open_store
from lessonlens.store.norms_io import write_norms
from lessonlens.store.synthetic import synthetic_district

LESSONLENS = Path(sys.executable).with_name("lessonlens")
NORM_RULES = {"norms.teacher_talk_high", "norms.answering_low", "norms.participation_low"}


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LESSONLENS_PLUGINS": "", "LESSONLENS_LANG": lang}
    env.pop("LESSONLENS_DB", None)
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Norm]:
    """A SQLite store of 40 synthetic lessons of two teachers (one subject and grade each) and its norms file."""
    root = tmp_path_factory.mktemp("district")
    url = str(root / "lessons.sqlite")
    with open_store(url) as store:
        store.add(synthetic_district(40, seed=3, n_schools=1, teachers_per_school=2))
        norms = store.norms()
    norms_file = write_norms(norms, root / "norms.json")
    norm = max(norms.norms, key=lambda n: n.n_lessons)
    assert norm.n_lessons >= 10
    return url, norms_file, norm


def _lesson(norm: Norm, lesson_id: str, **values: float) -> Analysis:
    """A synthetic lesson of the norm's subject and grade at the norm's medians, then ``values``."""
    [base] = synthetic_district(1, seed=99)
    assert base.metrics is not None
    scalars = dict(base.metrics.scalars)
    shares = {group: dict(s) for group, s in base.metrics.shares.items()}
    medians = {name: norm.metrics[name].percentiles[50]
               for name in ("rt", "participation_mean", "student_shares.answering")} | values
    for name, value in medians.items():
        group, _, behaviour = name.partition(".")
        if behaviour:
            shares[group][behaviour] = value
        else:
            scalars[name] = value
    metrics = attrs.evolve(base.metrics, scalars=scalars, shares=shares, summaries={})
    lesson = attrs.evolve(base.lesson, id=lesson_id, subject=norm.subject, grade=norm.grade)
    return attrs.evolve(base, lesson=lesson, metrics=metrics, findings=())


def _fired(result: subprocess.CompletedProcess[str]) -> set[str]:
    assert result.returncode == 0, result.stderr
    return {f["id"] for f in json.loads(result.stdout)["findings"]}


def test_norms_file_fires_the_norm_rule_above_p90_only(district: tuple[str, Path, Norm], tmp_path: Path) -> None:
    _, norms_file, norm = district
    talkative = save(_lesson(norm, "talkative", rt=norm.metrics["rt"].percentiles[90] + 0.05),
                     tmp_path / "talkative.json")
    ordinary = save(_lesson(norm, "ordinary"), tmp_path / "ordinary.json")

    result = run("diagnose", str(talkative), "--norms", str(norms_file), "--json")
    fired = _fired(result)
    assert "norms.teacher_talk_high" in fired and not fired & (NORM_RULES - {"norms.teacher_talk_high"})
    assert result.stderr == ""
    assert json.loads(result.stdout)["norm"] == {"subject": norm.subject, "grade": norm.grade,
                                                 "n_lessons": norm.n_lessons}
    assert not _fired(run("diagnose", str(ordinary), "--norms", str(norms_file), "--json")) & NORM_RULES
    assert "norms.teacher_talk_high" not in _fired(run("diagnose", str(talkative), "--json"))  # no norms given

    text = run("diagnose", str(talkative), "--norms", str(norms_file), lang="zh")
    p90 = f"{norm.metrics['rt'].percentiles[90]:.2f}"
    flat = "".join(text.stdout.split())  # the console wraps long lines
    assert text.returncode == 0 and "教师占有率高于区域同类课的90%分位" in flat
    assert f"P90={p90}" in flat and f"{norm.n_lessons}节课" in flat
    # a norm of too few lessons is not used: the rule's parameter
    few = run("diagnose", str(talkative), "--norms", str(norms_file), "--json",
              "--param", f"norm_min_lessons={norm.n_lessons + 1}")
    assert "norms.teacher_talk_high" not in _fired(few)


def test_low_answering_and_participation_against_the_norm(district: tuple[str, Path, Norm], tmp_path: Path) -> None:
    _, norms_file, norm = district
    quiet = _lesson(norm, "quiet", **{
        "student_shares.answering": norm.metrics["student_shares.answering"].percentiles[10] / 2,
        "participation_mean": norm.metrics["participation_mean"].percentiles[10] - 0.05})
    fired = _fired(run("diagnose", str(save(quiet, tmp_path / "quiet.json")), "--norms", str(norms_file), "--json"))
    assert {"norms.answering_low", "norms.participation_low"} <= fired
    assert "norms.teacher_talk_high" not in fired


def test_norms_computed_from_the_store(district: tuple[str, Path, Norm], tmp_path: Path) -> None:
    url, _, norm = district
    talkative = save(_lesson(norm, "talkative", rt=0.99), tmp_path / "talkative.json")
    assert "norms.teacher_talk_high" in _fired(run("diagnose", str(talkative), "--db", url, "--json"))
    other = _lesson(norm, "other-grade", rt=0.99)
    other = attrs.evolve(other, lesson=attrs.evolve(other.lesson, grade="九年级"))
    result = run("diagnose", str(save(other, tmp_path / "other.json")), "--db", url, "--json")
    assert "norms.teacher_talk_high" not in _fired(result)
    [note] = result.stderr.strip().splitlines()
    assert note.startswith(f"lessonlens: no norm for {norm.subject} 九年级 in sqlite:")
    assert note.endswith(f"{url}: diagnosed without norms")


def test_lesson_without_subject_or_grade_is_diagnosed_without_norms(
        district: tuple[str, Path, Norm], tmp_path: Path) -> None:
    _, norms_file, norm = district
    lesson = _lesson(norm, "anonymous", rt=0.99)
    lesson = attrs.evolve(lesson, lesson=attrs.evolve(lesson.lesson, subject="", grade=""))
    path = save(lesson, tmp_path / "anonymous.json")
    result = run("diagnose", str(path), "--norms", str(norms_file), "--json")
    assert _fired(result) == _fired(run("diagnose", str(path), "--json"))  # the ordinary diagnosis
    assert "mode.lecture" in _fired(result)
    assert result.stderr.splitlines() == [
        "lessonlens: the lesson has no subject or grade to pick a norm by: diagnosed without norms"]
    zh = run("diagnose", str(path), "--norms", str(norms_file), lang="zh")
    assert zh.returncode == 0
    assert zh.stderr.splitlines() == ["lessonlens: 课例没有学科或年级，无法选取常模：本次诊断不使用常模"]


def test_corrupt_or_missing_norms_file_is_one_line_exit_2(district: tuple[str, Path, Norm], tmp_path: Path) -> None:
    _, _, norm = district
    path = save(_lesson(norm, "ordinary"), tmp_path / "ordinary.json")
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"schema": "lessonlens.norms/1", "norms": [{"subject": 1', encoding="utf-8")
    for bad in (corrupt, tmp_path / "missing.json", path):  # an analysis is not a norms file either
        result = run("diagnose", str(path), "--norms", str(bad))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"lessonlens: {bad}: not a lessonlens norms file"), lines
        assert result.stdout == ""
    both = run("diagnose", str(path), "--norms", str(corrupt), "--db", str(tmp_path / "x.sqlite"))
    assert both.returncode == 2 and both.stderr.strip() == "lessonlens: use --norms or --db, not both"
    empty = run("diagnose", str(path), "--db", str(tmp_path / "empty.sqlite"))
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1
    assert empty.stderr.startswith("lessonlens: sqlite:") and "is not a lesson store" in empty.stderr


def test_facts_in_the_python_api(district: tuple[str, Path, Norm]) -> None:
    url, _, norm = district
    with open_store(url) as store:
        [from_store] = store.norms(LessonQuery(subject=norm.subject, grade=norm.grade)).norms
    assert from_store.facts() == norm.facts()
    lesson = _lesson(norm, "talkative", rt=0.99)
    facts = norm.facts()
    assert "norms.teacher_talk_high" in {f.id for f in lessonlens.diagnose(lesson, facts=facts).findings}
    assert "norms.teacher_talk_high" not in {f.id for f in lessonlens.diagnose(lesson).findings}
    diagnoser = Diagnoser([RULES_DIR])
    result = diagnoser.diagnose(lesson, facts=facts)
    finding = next(f for f in result.findings if f.id == "norms.teacher_talk_high")
    assert finding.facts["norm.rt.p90"] == pytest.approx(norm.metrics["rt"].percentiles[90])
    assert f"{norm.metrics['rt'].percentiles[90]:.2f}" in finding.explanation["en"]
    assert finding.rule in {f.rule.id for f in diagnoser.firings(lesson, facts=facts)}
    # facts add names, never replace the lesson's own values (even one it did not measure: None)
    env = diagnoser.env(lesson, facts={**facts, "rt": 0.1, "lesson.region": "elsewhere"})
    assert env.values["rt"] == 0.99 and env.values["norm.rt.p90"] == facts["norm.rt.p90"]
    unplaced = Analysis(lesson=LessonMeta(id="x"), metrics=lesson.metrics)
    assert diagnoser.env(unplaced, facts={"lesson.region": "elsewhere"}).values["lesson.region"] is None


def test_norm_rules_need_a_norm_of_enough_lessons(district: tuple[str, Path, Norm]) -> None:
    _, _, norm = district
    lesson = _lesson(norm, "talkative", rt=0.99)
    diagnoser = Diagnoser([RULES_DIR])
    few = {**norm.facts(), "norm.n_lessons": 9.0}
    assert "norms.teacher_talk_high" not in {f.id for f in diagnoser.diagnose(lesson, facts=few).findings}
    assert "norms.teacher_talk_high" in {f.id for f in diagnoser.diagnose(lesson, facts=norm.facts()).findings}


def test_norm_names_are_checked_like_metric_names(tmp_path: Path) -> None:
    from lessonlens.diagnosis import check_rules

    pack = tmp_path / "norms.yaml"
    rule = "  - id: n.{i}\n    severity: notice\n    when: {when}\n" \
           "    title: {{zh-CN: 标题, en: Title}}\n    explanation: {{zh-CN: 说明, en: Explanation}}\n"
    conditions = ["rt > norm.rt.p90 and norm.n_lessons >= 10",
                  "student_shares.answering < norm.student_shares.answering.mean",
                  "rt > norm.rt_typo.p90", "rt > norm.lesson.subject.p50", "rt > norm.norm.rt.p90.p90"]
    pack.write_text("rules:\n" + "".join(rule.format(i=i, when=c) for i, c in enumerate(conditions)), encoding="utf-8")
    problems = [p.message("en") for p in check_rules([pack])]
    assert len(problems) == 3, problems
    assert all("unknown metric or parameter `norm." in p for p in problems)
