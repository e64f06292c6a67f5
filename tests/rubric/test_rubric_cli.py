"""``lessonlens rubric``: list, validate, template, score (JSON, result file, attaching to an analysis)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.rubric import RubricResult
from lessonlens.files.documents import load, save
from lessonlens.rubric_schemas import SCHEMAS_DIR

LESSONLENS = Path(sys.executable).with_name("lessonlens")

pytestmark = pytest.mark.slow  # a dozen real ``lessonlens`` processes


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LESSONLENS_PLUGINS": "", "LESSONLENS_LANG": lang, "COLUMNS": "200"}
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three raters' filled classroom-teaching templates (CSV)."""
    folder = tmp_path_factory.mktemp("sheets")
    template = folder / "template.csv"
    assert run("rubric", "template", "classroom-teaching", "--format", "csv", "-o", str(template)).returncode == 0
    rows = list(csv.reader(template.read_text(encoding="utf-8-sig").splitlines()))
    paths = []
    for offset, rater in enumerate(["王老师", "李老师", "张老师"]):
        out = [rows[0]]
        for i, row in enumerate(rows[1:]):
            row = list(row)
            if "." in row[1]:
                row[4] = str(max(1, 2 + i % 4 - (offset == 2)))  # items differ, raters nearly agree
            out.append(row)
        out.append(["", "questioning.feedback", "", "", "", "多为齐答", "12:30", "", "live", "2024-05-17"])
        path = folder / f"{rater}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(out)
        paths.append(path)
    return paths


def test_list_and_validate_shipped() -> None:
    listing = json.loads(run("rubric", "list", "--json").stdout)
    assert [e["id"] for e in listing] == ["classroom-teaching", "primary-english", "teaching-design"]
    assert all(e["problems"] == [] for e in listing)
    ok = run("rubric", "validate", "primary-english")
    assert ok.returncode == 0 and "24 observation points, 3 levels, 4 bands, maximum 120" in ok.stdout
    zh = run("rubric", "validate", str(SCHEMAS_DIR / "teaching-design.yaml"), lang="zh")
    assert zh.returncode == 0 and "6 个" not in zh.stdout and "满分 100" in zh.stdout


def test_validate_reports_every_problem_one_line_each(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "id": "bad", "kind": "other", "name": {"zh-CN": "坏量规"},
        "bands": [{"id": "all", "name": {"zh-CN": "全部", "en": "all"}, "low": 0.1, "high": 1, "color": "#000"}],
        "indicators": [{"id": "A", "name": {"zh-CN": "甲", "en": "A"}}, {"id": "A", "name": {"zh-CN": "乙", "en": "B"},
                                                                        "max_score": 2}],
    }, allow_unicode=True), encoding="utf-8")
    result = run("rubric", "validate", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"✗ {bad}: 4 problem(s)"
    assert [line.strip().split(": ", 1)[1] for line in lines[1:]] == [
        "name has no English text",
        "indicator A: duplicate indicator id (already used)",
        "indicator A: observation point (leaf) has no max_score",
        "the lowest band all starts at 0.1, so lower scores belong to no band; start at 0",
    ]
    unknown = run("rubric", "validate", "no-such-rubric")
    assert unknown.returncode == 2 and "no rubric no-such-rubric" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_template_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "sheet.xlsx"
    result = run("rubric", "template", "teaching-design", "-o", str(out), "--layout", "wide", "--rater", "王老师")
    assert result.returncode == 0 and out.stat().st_size > 0
    import openpyxl

    ws = openpyxl.load_workbook(out)["评分 scores"]
    assert ws["A2"].value == "王老师" and str(ws["E1"].value).startswith("objectives.basis")


def test_score_prints_a_table_and_json(filled: list[Path]) -> None:
    table = run("rubric", "score", "classroom-teaching", *map(str, filled))
    assert table.returncode == 0, table.stderr
    assert "Question design and handling" in table.stdout and "Agreement:" in table.stdout
    as_json = run("rubric", "score", "classroom-teaching", *map(str, filled), "--json")
    data = json.loads(as_json.stdout)
    assert data["schema"] == "lessonlens.rubric_result/1" and data["raters"] == ["王老师", "李老师", "张老师"]
    assert data["overall"]["n_raters"] == 3 and data["agreement"]["icc2k"] is not None
    assert len(data["notes"]) == 3 and data["notes"][0]["t"] == 750


def test_score_writes_a_result_and_attaches_it_to_the_analysis(filled: list[Path], tmp_path: Path) -> None:
    analysis = tmp_path / "lesson.json"
    save(Analysis(lesson=LessonMeta(id="2024-05-17-g6-en", teacher="王芳")), analysis)
    out = tmp_path / "result.json"
    run_ = run("rubric", "score", "classroom-teaching", *map(str, filled), "--lesson", str(analysis), "--attach",
               "-o", str(out))
    assert run_.returncode == 0, run_.stderr
    result = load(out, RubricResult)
    assert result.lesson == "2024-05-17-g6-en" and result.rubric == "classroom-teaching"
    attached = load(analysis, Analysis)
    assert attached.rubric_results == (result,) and attached.lesson.teacher == "王芳"
    # scoring again replaces the result of the same rubric instead of adding a second one
    assert run("rubric", "score", "classroom-teaching", *map(str, filled[:2]), "--lesson", str(analysis),
               "--attach").returncode == 0
    again = load(analysis, Analysis)
    assert len(again.rubric_results) == 1 and again.rubric_results[0].raters == ("王老师", "李老师")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left behind


def test_score_errors_are_lines_with_file_row_and_indicator(filled: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("rater,indicator,score\nr9,questioning.asking,7\nr9,nothing,1\n", encoding="utf-8")
    result = run("rubric", "score", "classroom-teaching", str(filled[0]), str(bad))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"lessonlens: {bad}: row 2, indicator questioning.asking: score 7 is outside 0–5"
    assert lines[1] == f"{bad}: row 3, indicator nothing: rubric classroom-teaching has no such indicator"
    partial = tmp_path / "partial.csv"
    partial.write_text("rater,indicator,score\nr8,questioning.asking,4\n", encoding="utf-8")
    warned = run("rubric", "score", "classroom-teaching", str(filled[0]), str(partial), "--json")
    assert warned.returncode == 0 and "rater r8 left 12 observation point(s) blank" in warned.stderr
    assert run("rubric", "score", "classroom-teaching", str(filled[0]), "--attach").returncode == 2
    docx = run("rubric", "score", "classroom-teaching", str(filled[0]), "-o", str(tmp_path / "r.docx"))
    assert docx.returncode == 2 and "r.docx" in docx.stderr and not (tmp_path / "r.docx").exists()


def test_score_straight_to_an_html_report(filled: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run("rubric", "score", "classroom-teaching", *map(str, filled), "-o", str(out), lang="zh")
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "课堂教学质量观察量规" in html and "反馈评价" in html
