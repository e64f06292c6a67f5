"""Score sheets: templates, CSV and XLSX round trips in both layouts, JSON, and every sheet problem."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from lessonlens.core.documents import to_dict
from lessonlens.core.rubric import ScoreSheet, TimedNote
from lessonlens.rubric.schema_io import read_rubric_schema
from lessonlens.rubric.sheet_io import parse_time, read_score_file, read_score_sheets
from lessonlens.rubric.sheet_write import template_sheets, write_score_sheets
from lessonlens.rubric.tree import rubric_tree
from lessonlens.rubric_schemas import SCHEMAS_DIR
from lessonlens.tables.problems import RubricProblems
from tests.support.rubric import flat_schema, weighted_schema

TREE = rubric_tree(weighted_schema())


def full_sheets() -> list[ScoreSheet]:
    made = dt.datetime(2024, 5, 17, 10, 30)
    return [
        ScoreSheet("mixed", "王老师", {"A1": 8, "A2": 4.5, "B1": 3, "B2": 2}, lesson="L-6A", mode="live", made_at=made,
                   comments={"A1": "目标清楚", "B2": "评价单一, \"Is she right?\"", "overall": "整体流畅"},
                   notes=(TimedNote(12.5, "导入用歌曲", None, "王老师"),
                          TimedNote(750, "齐答代替个别回答", "B2", "王老师"))),
        ScoreSheet("mixed", "Li Ming", {"A1": 6, "B1": 4, "B2": 4}, lesson="L-6A", mode="recording",
                   comments={}, notes=(TimedNote(3723, "good wrap-up; pairs", "A", "Li Ming"),)),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_round_trip(tmp_path: Path, fmt: str, layout: str) -> None:
    path = write_score_sheets(TREE, full_sheets(), tmp_path / f"sheets.{fmt}", layout=layout)
    sheets, problems = read_score_file(path, TREE)
    assert sheets == full_sheets()
    # Li Ming left A2 blank: a warning, not an error
    assert [p.message("en") for p in problems] == [
        f"{path}: rater Li Ming left 1 observation point(s) blank: A2 (treated as missing)"]


def test_csv_template_is_bilingual_and_reads_back_once_filled(tmp_path: Path) -> None:
    path = write_score_sheets(TREE, template_sheets(TREE), tmp_path / "template.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel shows the Chinese
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["评分者 rater", "指标编号 indicator", "指标名称 name", "满分 max_score", "得分 score"]
    assert [r[1] for r in rows[1:]] == ["A", "A1", "A2", "B", "B1", "B2"]
    assert [r[3] for r in rows[1:]] == ["15", "10", "5", "8", "4", "4"]
    for r, score in zip(rows[1:], ["", "7", "", "", "2", "3.5"], strict=True):
        r[4] = score
    filled = tmp_path / "张老师.csv"
    with filled.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    sheets, problems = read_score_file(filled, TREE)
    assert [(s.rater, s.scores, s.mode) for s in sheets] == [("张老师", {"A1": 7, "B1": 2, "B2": 3.5}, "recording")]
    assert "A2" in problems[0].message("en") and problems[0].warning


def test_xlsx_template_has_validation_and_a_readme_and_reads_back(tmp_path: Path) -> None:
    tree = rubric_tree(read_rubric_schema(SCHEMAS_DIR / "primary-english.yaml"))
    path = write_score_sheets(tree, template_sheets(tree, ["王老师"]), tmp_path / "english.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["评分 scores", "说明 README"]
    ws = book["评分 scores"]
    assert ws["A1"].value == "评分者 rater" and ws["B2"].value == "skills"
    assert ws.data_validations.dataValidation[0].formula2 == "5"
    readme = [c.value for c in book["说明 README"]["A"] if c.value]
    assert any("优秀" in str(v) for v in readme) and any("skills.viewing.media" in str(v) for v in readme)
    leaves = set(tree.leaf_ids)
    for row in ws.iter_rows(min_row=2):
        if row[1].value in leaves:
            row[4].value = 4
    ws.append(["王老师", "practice.feedback.effect", None, None, None, "只用 Is she right 评价", "25:40"])
    book.save(path)
    sheets, problems = read_score_file(path, tree)
    assert problems == []
    assert sheets[0].rater == "王老师" and len(sheets[0].scores) == 24 and set(sheets[0].scores.values()) == {4}
    assert sheets[0].notes == (TimedNote(1540, "只用 Is she right 评价", "practice.feedback.effect", "王老师"),)


def test_chinese_headers_gb18030_and_excel_cells(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("评分者,指标,得分,评语,时间\n陈老师,A1,9分,很好,\n陈老师,,,学生参与面广,05:00\n"
                     .encode("gb18030"))
    sheets, _ = read_score_file(path, TREE)
    assert sheets[0].scores == {"A1": 9} and sheets[0].notes == (TimedNote(300, "学生参与面广", None, "陈老师"),)
    assert parse_time(dt.time(0, 12, 30)) == 750 and parse_time("1：02:03") == 3723 and parse_time(" ") is None


def test_wide_notes_cell(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("rater,A1,A2,B1,B2,notes\n"
                    "r1,1,2,3,4,\"12:30 [B2] closed questions; 1:02:03 summary\"\n", encoding="utf-8")
    sheets, problems = read_score_file(path, TREE)
    assert problems == []
    assert sheets[0].notes == (TimedNote(750, "closed questions", "B2", "r1"), TimedNote(3723, "summary", None, "r1"))


def test_json_sheets(tmp_path: Path) -> None:
    path = tmp_path / "sheets.json"
    path.write_text(json.dumps([to_dict(s) for s in full_sheets()], ensure_ascii=False), encoding="utf-8")
    read = read_score_sheets([path], TREE)
    assert list(read.sheets) == full_sheets() and read.sources == (str(path), str(path))
    path.write_text(json.dumps({"schema": "lessonlens.metrics/1"}), encoding="utf-8")
    with pytest.raises(RubricProblems, match="document is a metrics, expected a score_sheet"):
        read_score_sheets([path], TREE)


def _lines(path: Path, tree: object = TREE) -> list[str]:
    with pytest.raises(RubricProblems) as caught:
        read_score_sheets([path], tree)  # type: ignore[arg-type]
    return caught.value.message("en").replace("–", "-").splitlines()


def test_every_long_layout_problem_names_file_row_and_indicator(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "rater,indicator,score,comment,time,mode,made_at\n"
        "r1,A1,11,,,,\n"          # row 2: out of range
        "r1,A9,3,,,,\n"           # row 3: unknown indicator
        "r1,A2,five,,,,\n"        # row 4: not a number
        "r1,B1,2,,,,\n"
        "r1,B1,3,,,,\n"           # row 6: scored twice
        "r1,B2,1,note,99:aa,,\n"  # row 7: bad time
        "r1,A,5,,,,\n"            # row 8: a parent
        "r2,B1,1,,,tv,\n"         # row 9: bad mode
        "r2,B2,1,,,,yesterday\n"  # row 10: bad date
        "r2,,3,,,,\n",            # row 11: score without indicator
        encoding="utf-8")
    lines = _lines(path)
    expected = [
        "row 2, indicator A1: score 11 is outside 0-10",
        "row 3, indicator A9: rubric mixed has no such indicator",
        "row 4, indicator A2: score 'five' is not a number",
        "row 6, indicator B1: rater r1 scored this indicator twice (see also row 5)",
        "row 7, indicator B2: time '99:aa' is not valid",
        "row 8, indicator A: not an observation point",
        "row 9: observation mode 'tv' is not valid",
        "row 10: date 'yesterday' is not valid",
        "row 11: a score without an indicator id",
    ]
    assert len(lines) == len(expected)
    for line, fragment in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: ") and fragment in line, (line, fragment)


def test_every_wide_layout_problem(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "scores"
    ws.append(["rater", "A1 目标", "A2", "B1", "B2", "colour"])
    ws.append(["r1", 5, 5, 4, 4, None])
    ws.append(["r2", 5, -1, 4, 4, None])
    ws.append(["r1", 5, 5, 4, 4, None])
    book.save(path)
    lines = _lines(path)
    assert lines == [
        f"{path}: sheet scores, row 1, column colour: unknown column 'colour': neither an indicator of this rubric "
        "nor a known field",
        f"{path}: sheet scores, row 3, indicator A2: score -1 is outside 0-5",
        f"{path}: sheet scores, row 4: rater r1 has two rows (see also row 2)",
    ]
    no_rater = tmp_path / "norater.csv"
    no_rater.write_text("A1,A2\n1,2\n3,4\n", encoding="utf-8")
    assert _lines(no_rater) == [f"{no_rater}: row 1: several rows of scores but no rater column"]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("foo,bar\n1,2\n", encoding="utf-8")
    assert _lines(unknown) == [f"{unknown}: row 1: cannot read the header: need indicator and score columns (one row "
                               "per indicator) or rater and one column per observation point (one row per rater)"]
    for name, text in {"empty.csv": "", "blank.csv": "\n\n"}.items():  # one line each, no "row 0"
        empty = tmp_path / name
        empty.write_text(text, encoding="utf-8")
        assert _lines(empty) == [f"{empty}: the file holds no score table"]


def test_missing_files_and_problems_of_several_files_together(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,score\nA1,12\n", encoding="utf-8")
    lines = _lines(bad)
    with pytest.raises(RubricProblems) as caught:
        read_score_sheets([tmp_path / "none.csv", bad], TREE)
    both = caught.value.message("en").replace("–", "-").splitlines()
    assert both[0] == f"{tmp_path / 'none.csv'}: file not found" and both[1] == lines[0]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert "not a valid XLSX workbook" in _lines(broken)[0]


def test_flat_schema_sheets_feed_the_aggregation(tmp_path: Path) -> None:
    import lessonlens

    tree = rubric_tree(flat_schema())
    paths = []
    for rater, row in {"r1": [9, 7, 6, 8], "r2": [8, 6, 5, 9], "r3": [10, 8, 4, 7]}.items():
        sheet = ScoreSheet("flat", rater, dict(zip(["P.1", "P.2", "P.3", "P.4"], row, strict=True)))
        paths.append(write_score_sheets(tree, [sheet], tmp_path / f"{rater}.xlsx"))
    result = lessonlens.score(flat_schema(), paths, lesson="L1")
    assert result.raters == ("r1", "r2", "r3") and result.lesson == "L1"
    assert result.agreement is not None and result.agreement.icc2k == pytest.approx(15 / 17, abs=1e-6)
    assert [s.source for s in result.sheets] == [str(p) for p in paths]
