"""Tables from the files raters use: CSV (UTF-8, or GB18030 as Chinese Excel saves it) and XLSX.

A table is a header and its rows, each row keeping its number in the file so messages can name it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.gates import check_input, read_input_bytes
from lessonlens.tables.problems import Problem, RubricProblems
from lessonlens.tables.safety import MAX_SHEET_BYTES, XLSX_ERRORS, check_xlsx, csv_rows, restore
from lessonlens.tables.text import decode_sheet, delimiter_of, is_workbook
from lessonlens.tables.times import typed_cell
from lessonlens.tables.xlsx_merges import column_merges, filled_down

_NOT_TEXT = Text(zh="无法按 UTF-8 或 GB18030 编码读取该 CSV 文件",
                 en="cannot read this CSV file as UTF-8 or GB18030 text")
_BAD_XLSX = Text(zh="不是有效的 XLSX 工作簿：{error}", en="not a valid XLSX workbook: {error}")
_NO_OPENPYXL = Text(zh="读取 XLSX 需要 openpyxl：pip install openpyxl",
                    en="reading XLSX needs openpyxl: pip install openpyxl")


@attrs.frozen
class Table:
    """One table: ``sheet`` is the worksheet name (``None`` for CSV); rows are ``(row number, cells)``."""

    source: str
    sheet: str | None
    header: tuple[str, ...]
    header_row: int
    rows: tuple[tuple[int, tuple[Any, ...]], ...]


def read_tables(path: str | Path) -> list[Table]:
    """The tables of a CSV file (one) or an XLSX workbook (one per non-empty worksheet)."""
    file = Path(path)
    try:
        check_input(file, MAX_SHEET_BYTES)
        if is_workbook(file):
            check_xlsx(file)
            return list(_xlsx_tables(file))
        return [_csv_table(file)]
    except RubricProblems:
        raise
    except InputError as exc:  # the gate's and the limits' errors, as the one problem of this file
        raise RubricProblems([Problem(exc.text, exc.path, params=exc.params)]) from None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table(source: str, sheet: str | None, rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Table | None:
    header: tuple[str, ...] | None = None
    header_row = 0
    body = []
    for number, cells in rows:
        if all(_blank(c) for c in cells):
            continue
        cells = tuple(restore(c) for c in cells)  # a cell lessonlens neutralised reads back as written
        if header is None:
            header, header_row = tuple("" if c is None else str(c).strip() for c in cells), number
        else:
            body.append((number, cells))
    if header is None:
        return None
    return Table(source=source, sheet=sheet, header=header, header_row=header_row, rows=tuple(body))


def _csv_table(file: Path) -> Table:
    raw = read_input_bytes(file, MAX_SHEET_BYTES)
    try:
        text = decode_sheet(raw)
    except UnicodeDecodeError:
        raise RubricProblems([Problem(_NOT_TEXT, str(file))]) from None
    rows = list(csv_rows(text, file, delimiter_of(text.split("\n", 1)[0])))
    table = _table(str(file), None, ((i, tuple(r)) for i, r in rows))
    return table or Table(str(file), None, (), 0, ())


def _xlsx_tables(file: Path) -> Iterator[Table]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a base dependency
        raise RubricProblems([Problem(_NO_OPENPYXL, str(file))]) from None
    try:
        data = io.BytesIO(read_input_bytes(file, MAX_SHEET_BYTES))  # openpyxl refuses a workbook named .csv
        book = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise RubricProblems([Problem(_BAD_XLSX, str(file), params={"error": exc})]) from None
    try:
        tables = []
        for ws in book.worksheets:
            typed = ((i, tuple(typed_cell(c) for c in r)) for i, r in enumerate(ws.iter_rows(), start=1))
            rows = filled_down(typed, column_merges(file, ws))  # a name merged over several rows
            tables.append(_table(str(file), ws.title, rows))
    except XLSX_ERRORS as exc:  # a broken worksheet inside a sound archive
        raise RubricProblems([Problem(_BAD_XLSX, str(file), params={"error": exc})]) from None
    finally:
        book.close()
    yield from (t for t in tables if t is not None)
