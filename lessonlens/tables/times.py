"""Times in the tables people fill: the one reader of ``75``, ``1:15``, ``0:01:15`` (a full-width colon
``1：15`` too, as Chinese input methods type it) and spreadsheet time cells.

Excel reads ``12:30`` typed into a cell as 12 hours 30 minutes (format ``h:mm``), where a rater means
12 min 30 s, as the same text in a CSV file is read. :func:`typed_cell` gives such a cell back as the
text typed, so both files read alike; a cell showing seconds (``h:mm:ss``) is taken as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any


def parse_seconds(cell: Any) -> float | None:
    """Seconds into the lesson; ``None`` for an empty cell; ``ValueError`` for anything else."""
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, dt.time):
        return cell.hour * 3600 + cell.minute * 60 + cell.second + cell.microsecond / 1e6
    if isinstance(cell, dt.timedelta):
        return cell.total_seconds()
    # full-width forms (１２：３０．５, as Chinese input methods type them) read as their ASCII twins
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell)).strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3 or any(not p.strip() for p in parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        value = float(part)
        if not math.isfinite(value):
            raise ValueError(text)
        seconds = seconds * 60 + value
    return seconds


_QUOTED = re.compile(r'"[^"]*"|\\.')  # literal text in a number format


def typed_cell(cell: Any) -> Any:
    """An openpyxl cell's value; a time shown as hours and minutes only (``h:mm``, ``[h]:mm``: what
    Excel makes of ``12:30`` typed in) as that text, ``"12:30"``, to be read as min:sec."""
    value = getattr(cell, "value", None)
    if not isinstance(value, dt.time | dt.timedelta | dt.datetime):
        return value
    shown = _QUOTED.sub("", str(getattr(cell, "number_format", "") or "")).lower()
    if "h" not in shown or "m" not in shown or any(part in shown for part in ("s", "am/pm", "a/p", "d", "y")):
        return value
    if isinstance(value, dt.datetime):  # past 24 h shown as h:mm: a day count on Excel's calendar
        from openpyxl.utils.datetime import to_excel  # its 1900 leap-year quirk included

        value = dt.timedelta(days=float(to_excel(value)))
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds(), 3)
        if seconds < 0 or seconds % 60:
            return value
        minutes = int(seconds) // 60
    else:
        if value.second or value.microsecond:
            return value
        minutes = value.hour * 60 + value.minute
    return f"{minutes // 60}:{minutes % 60:02d}"


_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d*)?)?)?")


def parse_datetime(cell: Any) -> dt.datetime | None:
    """A date (and time) as people and spreadsheets write them: a date cell, ISO ``2026-11-03``,
    Chinese Excel's ``2026/11/3 9:05`` (what it saves in CSV), ``2026.11.3``, ``2026年11月3日``;
    ``None`` for an empty cell; ``ValueError`` for anything else (an impossible date too)."""
    if isinstance(cell, dt.datetime):
        return cell
    if isinstance(cell, dt.date):
        return dt.datetime(cell.year, cell.month, cell.day)
    if cell is None or isinstance(cell, bool | int | float):
        if cell is None:
            return None
        raise ValueError(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if not text:
        return None
    text = text.replace("年", "-").replace("月", "-").replace("日", " ").replace("号", " ").strip()
    found = _DATE.fullmatch(text)
    if found is None:
        return dt.datetime.fromisoformat(text)  # the rest of ISO 8601 (a time zone ...), else ValueError
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in found.groups())
    return dt.datetime(year, month, day, hour, minute, second)


def parse_date(cell: Any) -> dt.date | None:
    """The day of :func:`parse_datetime` (a time, if any, dropped)."""
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        return cell
    moment = parse_datetime(cell)
    return None if moment is None else moment.date()
