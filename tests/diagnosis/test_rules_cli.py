"""``lessonlens diagnose`` and ``lessonlens rules check`` as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lessonlens.core.analysis import Analysis
from lessonlens.files.documents import load, save
from lessonlens.samples import sample_path
from tests.support.cli import run
from tests.support.rules import archetypes

pytestmark = pytest.mark.slow  # each test starts the command line a few times


def test_diagnose_coded_csv_as_json_with_explanation() -> None:
    result = run("diagnose", str(sample_path("li-qiang-01")), "--json", "--explain")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "lessonlens.findings/1" and doc["lesson"] == "li-qiang-01"
    ids = [f["rule"] for f in doc["findings"]]
    assert "mode.lecture" in ids
    lecture = next(f for f in doc["findings"] if f["rule"] == "mode.lecture")
    assert lecture["title"] == {"zh-CN": "讲授型课堂", "en": "Lecture-type lesson"}
    assert lecture["time_ranges"] and {"start", "end"} <= set(lecture["time_ranges"][0])
    steps = doc["explanation"]
    assert [s["order"] for s in steps] == list(range(len(steps)))
    first = next(s for s in steps if s["rule"] == "mode.lecture")
    assert first["values"]["lecture_rt"] == 0.7 and first["values"]["rt"] >= 0.7
    assert first["asserts"] == ["teacher_centred"]
    assert doc["params"]["lecture_rt"] == 0.7


def test_diagnose_analysis_json_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "choral.json"
    save(archetypes()["choral"], path)
    zh = run("diagnose", str(path), "--explain", "--save", str(tmp_path / "out.json"))
    assert zh.returncode == 0, zh.stderr
    saved = load(tmp_path / "out.json")
    assert isinstance(saved, Analysis) and "interaction.closed_evaluation" in [f.id for f in saved.findings]
    assert saved.provenance.rules and saved.provenance.rules[0].endswith("10-mode.yaml")
    assert "集体应答较多" in zh.stdout and "评价方式单一、封闭" in zh.stdout and "触发的规则" in zh.stdout
    en = run("diagnose", str(path), "--lang", "en")
    assert "Much choral answering" in en.stdout and "Monotonous, closed evaluation" in en.stdout
    assert "When: 00:00–03:30" in en.stdout


def test_diagnose_with_extra_pack_and_param(tmp_path: Path) -> None:
    pack = tmp_path / "school"
    pack.mkdir()
    (pack / "school.yaml").write_text("params:\n  lecture_rt: 0.95\n", encoding="utf-8")
    csv = str(sample_path("li-qiang-01"))
    raised = json.loads(run("diagnose", csv, "--json", "--rules", str(pack)).stdout)
    assert "mode.lecture" not in [f["rule"] for f in raised["findings"]]
    lowered = json.loads(run("diagnose", csv, "--json", "--rules", str(pack), "--param", "lecture_rt=50%").stdout)
    assert "mode.lecture" in [f["rule"] for f in lowered["findings"]]


def test_rules_check_reports_every_error_and_fails(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "rules:\n"
        "  - id: bad.metric\n    severity: notice\n    when: rt_x > 1\n"
        "    title: {zh-CN: 标题, en: Title}\n    explanation: {zh-CN: 说明}\n",
        encoding="utf-8",
    )
    result = run("rules", "check", "--alone", str(tmp_path), lang="en")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert f"{tmp_path / 'bad.yaml'}:6: [bad.metric] `explanation` has no en translation" in lines
    assert f"{tmp_path / 'bad.yaml'}:4: [bad.metric] bad expression `rt_x > 1` in `when`: unknown metric or " \
           "parameter `rt_x`" in lines
    assert lines[-1] == "2 problem(s) found"
    # on top of the default pack (the default), a school pack may use its parameters
    (tmp_path / "bad.yaml").write_text(
        "params:\n  max_lecture_seconds: 480\nrules:\n"
        "  - id: school.long\n    severity: notice\n    when: longest_lecture > max_lecture_seconds + 60\n"
        "    title: {zh-CN: 标题, en: Title}\n    explanation: {zh-CN: 说明, en: Explanation}\n",
        encoding="utf-8",
    )
    ok = run("rules", "check", str(tmp_path), lang="en")
    assert ok.returncode == 0 and ok.stdout.startswith("rules OK: 1 file(s) checked; 43 rule(s)"), ok.stderr


def test_rules_check_default_pack_and_bad_input() -> None:
    ok = run("rules", "check", str(Path(__file__).parents[2] / "lessonlens" / "rules"), lang="en")
    assert ok.returncode == 0 and ok.stdout.startswith("rules OK: 7 file(s) checked; 42 rule(s)")
    missing = run("diagnose", "no-such-lesson.csv")
    assert missing.returncode == 2 and missing.stderr.startswith("lessonlens: no-such-lesson.csv")
