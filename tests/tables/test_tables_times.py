"""One reader of times for every table: coded sheets and score sheets agree (full-width colon too)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessonlens import InputError, read_coded_sheet
from lessonlens.rubric.sheet_io import parse_time
from lessonlens.tables.times import parse_seconds


def test_parse_seconds() -> None:
    assert parse_seconds("75") == 75 and parse_seconds("1:15") == 75 and parse_seconds("1：15") == 75
    assert parse_seconds("0:01:15.5") == 75.5 and parse_seconds(dt.time(0, 1, 15)) == 75
    assert parse_seconds(dt.timedelta(minutes=2)) == 120 and parse_seconds(" ") is None
    for bad in ("1::2", "1:2:3:4", "nan", "inf", "x", True):
        with pytest.raises(ValueError):
            parse_seconds(bad)
    assert parse_time("1：02:03") == parse_seconds("1:02:03") == 3723


def test_coded_sheets_accept_a_full_width_colon_like_score_sheets(tmp_path: Path) -> None:
    sheet = tmp_path / "st.csv"
    sheet.write_text("t,code\n0:00,T\n0：30,S\n1:00,T\n", encoding="utf-8")
    timeline = read_coded_sheet(sheet, scheme="st")
    assert [s.t for s in timeline.samples] == [0.0, 30.0, 60.0]
    sheet.write_text("t,code\n0:00,T\n0:x0,S\n", encoding="utf-8")
    with pytest.raises(InputError, match="0:x0"):
        read_coded_sheet(sheet, scheme="st")


def test_full_width_digits_and_point_read_as_ascii() -> None:
    assert parse_seconds("１２：３０") == 750 and parse_seconds("１：０２．５") == 62.5


def _excel_times(path: Path, header: tuple[str, ...], rows: list[tuple[object, ...]], fmt: str) -> Path:
    """An XLSX whose first column holds time cells shown as ``fmt`` (what Excel makes of ``0:30``)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        sheet.cell(sheet.max_row, 1).number_format = fmt
    book.save(path)
    return path


def test_excel_time_cells_typed_as_minutes_and_seconds_read_as_in_a_csv(tmp_path: Path) -> None:
    """``0:30`` typed into Excel is stored as 0 h 30 min (format h:mm); the rater meant 30 s, as
    the same text in a CSV file reads. A cell that shows seconds (h:mm:ss) is taken literally."""
    typed = [(dt.time(0, 0), "T"), (dt.time(0, 30), "S"), (dt.time(1, 0), "T"), (dt.timedelta(hours=75), "S"),
             (dt.timedelta(hours=76), "T")]
    sheet = _excel_times(tmp_path / "st.xlsx", ("t", "code"), typed, "h:mm")
    # 75:00 and past: Excel shows [h]:mm (a timedelta) or, reformatted, h:mm (a date on its calendar)
    assert [s.t for s in read_coded_sheet(sheet, scheme="st").samples] == [0.0, 30.0, 60.0, 4500.0, 4560.0]
    literal = [(dt.time(0, 0, 0), "T"), (dt.time(0, 0, 30), "S"), (dt.time(0, 1, 0), "T")]
    sheet = _excel_times(tmp_path / "st-seconds.xlsx", ("t", "code"), literal, "h:mm:ss")
    assert [s.t for s in read_coded_sheet(sheet, scheme="st").samples] == [0.0, 30.0, 60.0]


def test_score_sheet_times_in_excel_read_as_typed(tmp_path: Path) -> None:
    from lessonlens.rubric.sheet_io import parse_time
    from lessonlens.tables.read import read_tables

    rows: list[tuple[object, ...]] = [(dt.time(12, 30), "王老师", "questioning.feedback", 3),
                                      (dt.timedelta(minutes=3, seconds=5), "王老师", "questioning.design", 4)]
    sheet = _excel_times(tmp_path / "王老师.xlsx", ("时间 time", "评分者 rater", "指标 indicator", "得分 score"),
                         rows, "h:mm")
    [table] = read_tables(sheet)
    assert [parse_time(cells[0]) for _, cells in table.rows] == [750.0, 185.0]  # 3:05 has seconds: as stored


def test_dates_as_people_and_spreadsheets_write_them() -> None:
    from lessonlens.tables.times import parse_date, parse_datetime

    assert parse_datetime("2026/11/3 9:05") == dt.datetime(2026, 11, 3, 9, 5)  # Chinese Excel's CSV
    assert parse_datetime("2026-11-03T09:05:30") == dt.datetime(2026, 11, 3, 9, 5, 30)
    assert parse_date("2026年11月3日") == parse_date("2026.11.3") == dt.date(2026, 11, 3)
    assert parse_date("２０２６／１１／３") == dt.date(2026, 11, 3)  # full-width, as typed with a Chinese IME
    assert parse_date(dt.datetime(2026, 11, 3, 8)) == dt.date(2026, 11, 3) and parse_date(" ") is None
    for bad in ("2026-13-01", "2026/2/30", "next week", 46329, True):
        with pytest.raises(ValueError):
            parse_datetime(bad)


def test_a_score_sheet_made_at_as_excel_saves_it(tmp_path: Path) -> None:
    from lessonlens.rubric.sheet_io import parse_made_at

    assert parse_made_at("2026/11/3 9:05") == dt.datetime(2026, 11, 3, 9, 5)
    assert parse_made_at("2026-11-03") == dt.datetime(2026, 11, 3)
