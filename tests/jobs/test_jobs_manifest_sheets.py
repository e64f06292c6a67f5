"""A manifest kept in Excel: an XLSX's first worksheet, a school or teacher merged over the rows of
their lessons, date cells; and Chinese Excel's ``2026/9/2`` dates in a CSV it saved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from lessonlens.jobs.manifest import read_manifest


def test_an_xlsx_manifest_with_merged_names_and_date_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "第一学期"
    sheet.append(["lesson_id", "school", "teacher", "date", "video"])
    sheet.append(["L1", "明德小学", "王丽", dt.datetime(2026, 9, 2), "a.mp4"])
    sheet.append(["L2", None, None, dt.datetime(2026, 9, 9), "b.mp4"])
    sheet.append([None, None, None, None, None])  # an empty row between the teachers
    sheet.append(["L3", None, "李强", "2026/9/16", "c.mp4"])
    sheet.merge_cells("B2:B5")  # one school over every row
    sheet.merge_cells("C2:C3")  # a teacher over their two lessons
    sheet.merge_cells("A6:E6")  # a footnote across the table is not copied anywhere
    sheet["A6"] = None
    book.save(tmp_path / "term.xlsx")
    lessons = read_manifest(tmp_path / "term.xlsx")
    assert [(s.lesson.id, s.lesson.school, s.lesson.teacher, s.lesson.date) for s in lessons] == [
        ("L1", "明德小学", "王丽", dt.date(2026, 9, 2)), ("L2", "明德小学", "王丽", dt.date(2026, 9, 9)),
        ("L3", "明德小学", "李强", dt.date(2026, 9, 16))]
    assert lessons[2].source == f"{tmp_path / 'term.xlsx'}:5"
    assert [m.path for m in lessons[0].media] == [str(tmp_path / "a.mp4")]


def test_dates_as_chinese_excel_saves_them_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "term.csv"
    path.write_bytes("lesson_id,date,video\nL1,2026/9/2,a.mp4\nL2,2026年9月9日,b.mp4\nL3,２０２６-09-16,c.mp4\n"
                     .encode("gb18030"))
    assert [s.lesson.date for s in read_manifest(path)] == [dt.date(2026, 9, 2), dt.date(2026, 9, 9),
                                                             dt.date(2026, 9, 16)]
