"""The first worksheet of an XLSX workbook as a :class:`~lessonlens.tables.coded_sheets.Sheet` (rows keep
their numbers)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.gates import check_input, read_input_bytes
from lessonlens.tables.coded_sheets import Sheet, SheetRow
from lessonlens.tables.safety import MAX_SHEET_BYTES, XLSX_ERRORS, check_xlsx, restore
from lessonlens.tables.times import typed_cell
from lessonlens.tables.xlsx_merges import column_merges, filled_down

_MISSING = Text(zh="文件不存在", en="file not found")
_BAD_XLSX = Text(zh="不是有效的 XLSX 工作簿：{error}", en="not a valid XLSX workbook: {error}")
_EMPTY = Text(zh="文件为空，没有编码数据", en="the sheet is empty: no coded rows")
_COLUMNS = Text(zh="第 {line} 行有 {found} 列，表头有 {wanted} 列",
                en="line {line} has {found} columns, the header has {wanted}")


def cell_text(value: Any) -> str:
    """A cell as a sheet's text: blank for empty cells, ``1`` for ``True`` and ``1.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(path: str | Path) -> list[SheetRow]:
    """The non-blank rows of the first worksheet as text cells, trailing empty cells dropped."""
    file = Path(path)
    if not os.path.lexists(file):
        raise InputError(_MISSING, file)
    check_input(file, MAX_SHEET_BYTES)  # a regular file (never a FIFO) of a sheet's size
    check_xlsx(file)  # within its uncompressed size before openpyxl inflates anything
    import openpyxl

    try:
        data = io.BytesIO(read_input_bytes(file, MAX_SHEET_BYTES))  # openpyxl refuses a workbook named .csv
        book = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise InputError(_BAD_XLSX, file, error=exc) from None
    try:
        rows = []
        sheet = book.worksheets[0]
        typed = ((i, tuple(typed_cell(c) for c in r)) for i, r in enumerate(sheet.iter_rows(), start=1))
        for number, values in filled_down(typed, column_merges(file, sheet)):
            cells = [cell_text(restore(v)) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append(SheetRow(number, tuple(cells)))
    except XLSX_ERRORS as exc:
        raise InputError(_BAD_XLSX, file, error=exc) from None
    finally:
        book.close()
    return rows


def xlsx_text(path: str | Path) -> str:
    """The first worksheet as CSV text, one line per worksheet row (so errors name the row), for the
    readers of coded sheets that take text (S-T, FIAS, ITIAS, platform-9 saved from Excel as XLSX)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    line = 0
    rows = _xlsx_rows(path)
    width = len(rows[0].cells) if rows else 0  # the header's: empty cells at a row's end are cells too
    for row in rows:
        out.write("\n" * (row.line - line - 1))
        writer.writerow(row.cells + ("",) * (width - len(row.cells)))
        line = row.line
    return out.getvalue()


def read_xlsx_sheet(path: str | Path) -> Sheet:
    """Header (lower-cased) and non-blank rows of the first worksheet; trailing empty cells dropped."""
    file = Path(path)
    rows = _xlsx_rows(file)
    if len(rows) < 2:
        raise InputError(_EMPTY, file)
    header = tuple(c.lower() for c in rows[0].cells)
    body = []
    for row in rows[1:]:
        if len(row.cells) > len(header):
            raise InputError(_COLUMNS, file, line=row.line, found=len(row.cells), wanted=len(header))
        body.append(SheetRow(row.line, row.cells + ("",) * (len(header) - len(row.cells))))
    return Sheet(str(file), header, tuple(body))
