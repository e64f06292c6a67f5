"""A hand-coded sheet saved from Excel as XLSX reads as the same sheet in CSV: every scheme, found
by its header (not only COPUS), names merged down over rows and blank rows as in CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

import lessonlens
from lessonlens.pipeline.measure import detect_scheme

SAMPLE = Path(__file__).parents[2] / "lessonlens" / "samples" / "li-qiang-01.csv"


def _as_xlsx(source: Path, target: Path) -> Path:
    rows = list(csv.reader(source.open(encoding="utf-8")))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(rows[0])
    sheet.append([])  # a blank row, as people leave them
    for row in rows[1:]:
        sheet.append([float(c) if c.replace(".", "", 1).isdigit() else c for c in row])
    book.save(target)
    return target


def test_a_coded_sheet_in_xlsx_measures_as_in_csv(tmp_path: Path) -> None:
    workbook = _as_xlsx(SAMPLE, tmp_path / "李强 第1课.xlsx")
    assert detect_scheme(workbook) == detect_scheme(SAMPLE) == "platform-9"
    assert lessonlens.measure(workbook).scalars == lessonlens.measure(SAMPLE).scalars


def test_an_st_sheet_in_xlsx_with_a_merged_code(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["t", "code"])
    for i in range(8):
        sheet.append([i * 30, "T" if i < 4 else ("S" if i == 4 else None)])
    sheet.merge_cells("B6:B9")  # S for the last four samples
    book.save(tmp_path / "st.xlsx")
    assert detect_scheme(tmp_path / "st.xlsx") == "st"
    timeline = lessonlens.read_coded_sheet(tmp_path / "st.xlsx")
    assert [s.st for s in timeline.samples] == list("TTTTSSSS")


def test_a_sheet_whose_name_lies_is_read_as_what_it_is(tmp_path: Path) -> None:
    """A workbook saved (or renamed, as chat apps do) as ``.csv`` and a CSV named ``.xlsx``;
    Excel's "Unicode text" (UTF-16, tab-separated) too."""
    from lessonlens.tables.read import read_tables

    workbook = _as_xlsx(SAMPLE, tmp_path / "lesson.csv")
    assert lessonlens.measure(workbook).scalars == lessonlens.measure(SAMPLE).scalars
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "gb.xlsx").write_bytes(text.encode("gb18030"))
    assert lessonlens.measure(tmp_path / "gb.xlsx").scalars == lessonlens.measure(SAMPLE).scalars
    (tmp_path / "unicode.txt").write_text(text.replace(",", "\t"), encoding="utf-16")
    assert lessonlens.measure(tmp_path / "unicode.txt", scheme="platform-9").scalars == \
        lessonlens.measure(SAMPLE).scalars
    [table] = read_tables(_as_xlsx(SAMPLE, tmp_path / "scores.csv"))
    assert table.header[0] == "t" and len(table.rows) == len(text.splitlines()) - 1
