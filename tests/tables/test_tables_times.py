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
