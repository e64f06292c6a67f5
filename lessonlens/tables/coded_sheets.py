"""Reading hand-coded CSV sheets: rows with their line numbers, times, and errors that point at a cell.

Each coding scheme parses its own columns (in its coder plugin); what every sheet shares is here:
the encodings spreadsheets save (UTF-8 with or without BOM, GB18030 from Chinese Excel), comma or
tab separators, times in seconds or ``mm:ss``, and one error line naming file, line and column.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import attrs
import numpy as np

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.timeline import CodedSample, CodedTimeline, CodingScheme
from lessonlens.files.gates import read_input_bytes
from lessonlens.tables.safety import MAX_SHEET_BYTES, csv_rows
from lessonlens.tables.text import ZIP_MAGIC, decode_sheet, delimiter_of
from lessonlens.tables.times import parse_seconds

_EMPTY = Text(zh="文件为空，没有编码数据", en="the sheet is empty: no coded rows")
_UNREADABLE = Text(zh="无法按 UTF-8 或 GB18030 读取：{error}", en="cannot be read as UTF-8 or GB18030: {error}")
_AT = Text(zh="第 {line} 行第 {column} 列（{name}）：{problem}", en="line {line}, column {column} ({name}): {problem}")
_AT_LINE = Text(zh="第 {line} 行：{problem}", en="line {line}: {problem}")
_COLUMNS = Text(zh="有 {found} 列，表头有 {wanted} 列", en="has {found} columns, the header has {wanted}")
_BAD_TIME = Text(zh="时间 {value!r} 不是秒数或 分:秒", en="time {value!r} is neither seconds nor mm:ss")
_NEGATIVE_TIME = Text(zh="时间 {value} 为负数", en="time {value} is negative")
_NOT_INCREASING = Text(
    zh="时间 {value} 不大于上一行的 {previous}",
    en="time {value} is not after the previous row's {previous}",
)
_MISSING_COLUMN = Text(zh="表头缺少列 {name}（应为 {header}）", en="the header lacks column {name} (expected {header})")
_BAD_INTERVAL = Text(zh="采样间隔必须为正数且不超过 {limit:g} 秒，收到 {value}",
                     en="the sampling interval must be positive and at most {limit:g} seconds, got {value}")
_TOO_LATE = Text(zh="时间 {value} 超过 {hours} 小时", en="time {value} is past {hours} hours")

#: the longest lesson a sheet may describe (a school day); later times are typing errors
MAX_LESSON_SECONDS = 24 * 3600
#: the longest sampling interval (one sample an hour)
MAX_INTERVAL = 3600.0


@attrs.frozen
class SheetRow:
    """One data row: its 1-based line number in the file and its cells, stripped."""

    line: int
    cells: tuple[str, ...]


@attrs.frozen
class Sheet:
    """A CSV sheet: its path (for messages), header (lower-cased, stripped) and data rows."""

    path: str
    header: tuple[str, ...]
    rows: tuple[SheetRow, ...]

    def column(self, name: str) -> int:
        """The 0-based index of ``name`` in the header, or an error naming the expected header."""
        try:
            return self.header.index(name)
        except ValueError:
            raise InputError(_MISSING_COLUMN, self.path, name=name, header=",".join(self.header)) from None

    def error(self, row: SheetRow, column: int, problem: Text, **params: object) -> InputError:
        """An error pointing at one cell: file, line, column number and column name."""
        name = self.header[column] if column < len(self.header) else "-"
        return InputError(_AT, self.path, line=row.line, column=column + 1, name=name,
                          problem=_formatted(problem, params))

    def span_error(self, row: SheetRow, first: int, last: int, problem: Text, **params: object) -> InputError:
        """An error about several adjacent cells of one row (e.g. shares that must sum to 1)."""
        names = "..".join((self.header[first], self.header[last]))
        return InputError(_AT, self.path, line=row.line, column=f"{first + 1}-{last + 1}", name=names,
                          problem=_formatted(problem, params))

    def row_error(self, row: SheetRow, problem: Text, **params: object) -> InputError:
        return InputError(_AT_LINE, self.path, line=row.line, problem=_formatted(problem, params))


def _formatted(text: Text, params: dict[str, object]) -> Text:
    """A nested message filled in both languages, so the outer message can show either."""
    return Text(zh=text.format("zh-CN", **params), en=text.format("en", **params))


def read_text(path: str | Path) -> str:
    """The text of a sheet, through the input gate (a regular file of at most ``MAX_SHEET_BYTES``);
    an XLSX workbook's first worksheet as CSV text."""
    file = Path(path)
    data = read_input_bytes(file, MAX_SHEET_BYTES)
    if data.startswith(ZIP_MAGIC):  # a workbook, whatever its name says
        from lessonlens.tables.xlsx_sheet import xlsx_text  # it builds on this module's Sheet

        return xlsx_text(file)
    try:
        return decode_sheet(data)
    except UnicodeDecodeError as exc:
        raise InputError(_UNREADABLE, file, error=exc) from None


def header_cells(text: str, source: str | Path = "") -> tuple[str, ...]:
    """The first non-blank row of sheet ``text`` split like every row (the header's separator, quoting),
    lower-cased: what a coder looks at to tell a table from a bare code sequence."""
    first = next(_row_reader(text, source), None)
    return tuple(c.lower() for c in first.cells) if first else ()


def _row_reader(text: str, source: str | Path) -> Iterator[SheetRow]:
    """The non-blank rows of CSV (or tab-separated) text, cells stripped, with their line numbers."""
    for line, cells in csv_rows(text, source, delimiter_of(text.split("\n", 1)[0])):
        if any(c.strip() for c in cells):
            yield SheetRow(line, tuple(c.strip() for c in cells))


def head_rows(text: str, path: str | Path, count: int) -> list[SheetRow]:
    """The first ``count`` non-blank rows only (what telling a sheet's scheme needs)."""
    rows = list(itertools.islice(_row_reader(text, path), count))
    if not rows:
        raise InputError(_EMPTY, str(path))
    return rows


def parse_rows(text: str, path: str | Path, header: bool = True) -> Sheet:
    """Split CSV text into a header and data rows, skipping blank lines; all rows as wide as the header."""
    rows = list(_row_reader(text, path))
    if not rows:
        raise InputError(_EMPTY, str(path))
    if not header:
        return Sheet(str(path), (), tuple(rows))
    head = tuple(c.lower() for c in rows[0].cells)
    sheet = Sheet(str(path), head, tuple(rows[1:]))
    for row in sheet.rows:
        if len(row.cells) != len(head):
            raise sheet.row_error(row, _COLUMNS, found=len(row.cells), wanted=len(head))
    if not sheet.rows:
        raise InputError(_EMPTY, str(path))
    return sheet


def parse_time(sheet: Sheet, row: SheetRow, column: int) -> float:
    """Seconds from the lesson start: ``75``, ``75.5``, ``1:15``, ``1：15`` or ``0:01:15``."""
    value = row.cells[column]
    try:
        seconds = parse_seconds(value)
    except ValueError:
        seconds = None
    if seconds is None:
        raise sheet.error(row, column, _BAD_TIME, value=value)
    if seconds < 0:
        raise sheet.error(row, column, _NEGATIVE_TIME, value=value)
    if seconds > MAX_LESSON_SECONDS:
        raise sheet.error(row, column, _TOO_LATE, value=value, hours=MAX_LESSON_SECONDS // 3600)
    return seconds


def parse_times(sheet: Sheet, column: int) -> list[float]:
    """The time column, checked to increase strictly row by row."""
    times: list[float] = []
    for row in sheet.rows:
        t = parse_time(sheet, row, column)
        if times and t <= times[-1]:
            raise sheet.error(row, column, _NOT_INCREASING, value=row.cells[column], previous=times[-1])
        times.append(t)
    return times


def sheet_interval(times: Sequence[float], given: float | None, default: float, path: str) -> float:
    """The sampling interval: the one given, else the typical step between rows, else the default."""
    if given is not None:
        if not 0 < given <= MAX_INTERVAL:
            raise InputError(_BAD_INTERVAL, path, value=given, limit=MAX_INTERVAL)
        return float(given)
    if len(times) < 2:
        return default
    return round(float(np.median(np.diff(np.asarray(times)))), 6)


_UNKNOWN_CODE = Text(zh="未知的编码 {value!r}（可用：{known}）", en="unknown code {value!r} (known: {known})")
_NEEDS_INTERVAL = Text(
    zh="只有一列编码、没有时间列的表需要给出采样间隔（--interval 秒）",
    en="a sheet with a single code column and no time column needs the sampling interval (--interval SECONDS)",
)
_ONE_COLUMN = Text(
    zh="表头应为 t,code 或仅 code，实际为 {header}",
    en="the header should be t,code or code alone, got {header}",
)


def read_code_sheet(
    path: str | Path, scheme: CodingScheme, code_of: Callable[[str], str | None], interval: float | None = None,
    coder: str = "", bare: bool = False,
) -> CodedTimeline:
    """A one-code-per-sample sheet (S-T, FIAS): ``t,code``, or one ``code`` column at a fixed interval.

    ``code_of`` turns a cell into a code id of ``scheme`` (``None``: not a code); an empty cell is an
    unknown sample. With ``bare`` a single column may also come without a header.
    """
    text = read_text(path)
    raw = parse_rows(text, path, header=False)
    first = raw.rows[0].cells
    headless = bare and len(first) == 1 and code_of(first[0]) is not None
    sheet = Sheet(raw.path, ("code",), raw.rows) if headless else parse_rows(text, path)
    if "code" not in sheet.header:
        if len(sheet.header) == 1 and sheet.header[0] in ("st", "s/t", "编码"):
            sheet = Sheet(sheet.path, ("code",), sheet.rows)
        else:
            raise InputError(_ONE_COLUMN, sheet.path, header=",".join(sheet.header))
    code_col = sheet.column("code")
    if "t" in sheet.header:
        times = parse_times(sheet, sheet.column("t"))
        step = sheet_interval(times, interval, scheme.interval, sheet.path)
    elif len(sheet.header) == 1:
        if interval is None:
            raise InputError(_NEEDS_INTERVAL, sheet.path)
        step = sheet_interval((), interval, scheme.interval, sheet.path)
        times = [round(i * step, 6) for i in range(len(sheet.rows))]
    else:
        sheet.column("t")  # raises: names the missing column
        raise AssertionError("unreachable")
    mapping = scheme.st_mapping()
    known = ", ".join(c.id for c in scheme.codes)
    samples = []
    for t, row in zip(times, sheet.rows, strict=True):
        cell = row.cells[code_col]
        code = code_of(cell) if cell else None
        if cell and code is None:
            raise sheet.error(row, code_col, _UNKNOWN_CODE, value=cell, known=known)
        samples.append(CodedSample(t=t, code=code, st=mapping.get(code) if code else None))
    return CodedTimeline(scheme=scheme.id, interval=step, samples=tuple(samples), st_mapping=mapping, coder=coder)
