"""Hand-coded CSV sheets: the three formats, scheme detection, and errors naming file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonlens import InputError, read_coded_sheet
from lessonlens.pipeline.measure import detect_scheme

P9 = "t,teacher,listening,hand_raising,answering,reading_writing,peer_interaction\n"


def write(tmp_path: Path, text: str, name: str = "sheet.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def error_of(path: Path, scheme: str | None = None, interval: float | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        read_coded_sheet(path, scheme, interval)
    return caught.value


# -- platform-9 ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("row", "line", "column", "problem_en", "problem_zh"), [
    ("12,lecturing,0.5,0,0,-0.5,1", 4, 6, "(reading_writing): negative share -0.5", "份额为负数"),
    ("12,singing,1,0,0,0,0", 4, 2, "(teacher): unknown teacher behaviour 'singing' "
     "(known: board_writing, lecturing, patrolling, teacher_student_interaction)", "未知的教师行为"),
    ("12,lecturing,0.5,x,0,0,0", 4, 4, "(hand_raising): 'x' is not a number", "不是数字"),
    ("6,lecturing,1,0,0,0,0", 4, 1, "(t): time 6 is not after the previous row's 6.0", "不大于上一行"),
    ("1:xx,lecturing,1,0,0,0,0", 4, 1, "(t): time '1:xx' is neither seconds nor mm:ss", "不是秒数"),
    ("-6,lecturing,1,0,0,0,0", 4, 1, "(t): time -6 is negative", "为负数"),
])
def test_malformed_cells_are_named_by_file_line_and_column(
    tmp_path: Path, row: str, line: int, column: int, problem_en: str, problem_zh: str,
) -> None:
    path = write(tmp_path, P9 + "0,lecturing,1,0,0,0,0\n6,lecturing,1,0,0,0,0\n" + row + "\n")
    err = error_of(path)
    assert err.message("en") == f"{path}: line {line}, column {column} {problem_en}"
    zh = err.message("zh-CN")
    assert zh.startswith(f"{path}: 第 {line} 行第 {column} 列") and problem_zh in zh
    assert err.params["line"] == line and err.params["column"] == column


def test_shares_that_sum_neither_to_one_nor_to_a_count(tmp_path: Path) -> None:
    path = write(tmp_path, P9 + "0,lecturing,0.5,0.2,0,0,0\n")
    msg = error_of(path).message("en")
    assert msg == (f"{path}: line 2, column 3-7 (listening..peer_interaction): student shares sum to 0.7: "
                   "neither about 1 nor a count of students (whole numbers)")
    path = write(tmp_path, P9 + "0,lecturing,30.5,2,0,0,0\n")
    assert "sum to 32.5" in error_of(path).message("en")


def test_counts_and_near_one_fractions_are_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, P9 + "0,lecturing,38,2,0,0,0\n6,lecturing,0.6,0.2,0.2,0,0.01\n12,patrolling,0,0,0,0,0\n")
    samples = read_coded_sheet(path).samples
    assert samples[0].students["listening"] == pytest.approx(0.95)
    assert sum(samples[1].students.values()) == pytest.approx(1.0)
    assert samples[2].students == {}  # nobody seen: unknown, not zero


def test_a_row_with_too_few_cells(tmp_path: Path) -> None:
    path = write(tmp_path, P9 + "0,lecturing,1,0,0\n")
    assert error_of(path).message("en") == f"{path}: line 2: has 5 columns, the header has 7"


def test_missing_column_names_the_expected_header(tmp_path: Path) -> None:
    path = write(tmp_path, "t,teacher,listening\n0,lecturing,1\n")
    msg = error_of(path, "platform-9").message("en")
    assert "the header lacks column hand_raising" in msg and msg.startswith(str(path))


def test_st_column_overrides_the_mapping_and_labels_are_accepted(tmp_path: Path) -> None:
    text = ("t,teacher,listening,hand_raising,answering,reading_writing,peer_interaction,st\n"
            "0:00,讲授,1,0,0,0,0,\n0:06,Teacher-student interaction,0.9,0,0.1,0,0,S\n0:12,巡视,0,0,0,1,0,t\n")
    samples = read_coded_sheet(write(tmp_path, text)).samples
    assert [s.teacher for s in samples] == ["lecturing", "teacher_student_interaction", "patrolling"]
    assert [s.st for s in samples] == ["T", "S", "T"]
    assert [s.t for s in samples] == [0.0, 6.0, 12.0]
    bad = write(tmp_path, text.replace(",t\n", ",X\n"), "bad.csv")
    assert error_of(bad).message("en").endswith("line 4, column 8 (st): unknown S/T code 'X' (expected S or T)")


def test_excel_gb18030_tab_separated_sheet(tmp_path: Path) -> None:
    text = P9.replace(",", "\t") + "0\t讲授\t40\t0\t0\t2\t0\n6\t板书\t20\t0\t0\t22\t0\n"
    timeline = read_coded_sheet(write(tmp_path, text, encoding="gb18030"))
    assert [s.teacher for s in timeline.samples] == ["lecturing", "board_writing"]


def test_interval_given_overrides_the_inferred_one(tmp_path: Path) -> None:
    path = write(tmp_path, P9 + "0,lecturing,1,0,0,0,0\n10,lecturing,1,0,0,0,0\n")
    assert read_coded_sheet(path).interval == 10.0
    assert read_coded_sheet(path, interval=5).interval == 5.0
    assert "must be positive" in error_of(path, interval=-1).message("en")


def test_missing_and_empty_files(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.csv", "platform-9").message("en").endswith("file not found")
    assert "empty" in error_of(write(tmp_path, "\n\n"), "st").message("en")
    assert "no coded rows" in error_of(write(tmp_path, P9, "head.csv"), "platform-9").message("en")


# -- S-T and FIAS -------------------------------------------------------------------------------

def test_st_sheet_with_times(tmp_path: Path) -> None:
    timeline = read_coded_sheet(write(tmp_path, "t,code\n0,T\n30,s\n60,\n90,T\n"))
    assert timeline.scheme == "st" and timeline.interval == 30.0
    assert [s.st for s in timeline.samples] == ["T", "S", None, "T"]


def test_st_single_column_needs_the_interval(tmp_path: Path) -> None:
    bare = write(tmp_path, "T\nT\nS\nT\n")
    assert "needs the sampling interval" in error_of(bare, "st").message("en")
    timeline = read_coded_sheet(bare, "st", interval=6)
    assert [s.t for s in timeline.samples] == [0.0, 6.0, 12.0, 18.0]
    assert "".join(s.st or "" for s in timeline.samples) == "TTST"
    headed = read_coded_sheet(write(tmp_path, "code\nS\nT\n", "headed.csv"), interval=30)
    assert [s.st for s in headed.samples] == ["S", "T"]


def test_st_unknown_code(tmp_path: Path) -> None:
    path = write(tmp_path, "t,code\n0,T\n30,X\n")
    assert error_of(path).message("en") == f"{path}: line 3, column 2 (code): unknown code 'X' (known: T, S)"


def test_fias_sheet(tmp_path: Path) -> None:
    timeline = read_coded_sheet(write(tmp_path, "t,code\n0,5\n3,04\n6,8\n9,10\n"))
    assert timeline.scheme == "fias" and timeline.interval == 3.0
    assert [s.code for s in timeline.samples] == ["5", "4", "8", "10"]
    assert [s.st for s in timeline.samples] == ["T", "T", "S", "S"]


def test_fias_code_out_of_range(tmp_path: Path) -> None:
    path = write(tmp_path, "t,code\n0,5\n3,11\n")
    msg = error_of(path, "fias").message("en")
    assert msg.startswith(f"{path}: line 3, column 2 (code): unknown code '11'")
    assert "第 3 行第 2 列（code）：未知的编码 '11'" in error_of(path, "fias").message("zh-CN")


def test_scheme_detection_by_header(tmp_path: Path) -> None:
    assert detect_scheme(write(tmp_path, P9 + "0,lecturing,1,0,0,0,0\n", "a.csv")) == "platform-9"
    assert detect_scheme(write(tmp_path, "t,code\n0,7\n", "b.csv")) == "fias"
    assert detect_scheme(write(tmp_path, "t,code\n0,S\n", "c.csv")) == "st"
    assert detect_scheme(write(tmp_path, "S\nT\n", "d.csv")) == "st"
    unknown = write(tmp_path, "time,who\n0,teacher\n", "e.csv")
    with pytest.raises(InputError, match="cannot tell the coding scheme"):
        detect_scheme(unknown)
