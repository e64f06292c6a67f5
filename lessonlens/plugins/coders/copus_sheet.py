"""Hand-coded COPUS sheets (CSV or XLSX): one row per 2-minute interval, one column per code.

The first column is ``interval`` (1, 2, 3 ...) or ``time`` (the interval's start minute: 0, 2, 4
...); then ``S.<code>`` / ``I.<code>`` columns (any case: ``S.AnQ``, ``i.d/v``), each cell ticked
(``1``, ``x``, ``✓``, ``✔``, ``√``) or not (``0`` or blank); an optional ``comment`` column. The
codes a sheet has no column for are not coded (absent from every sample's ticks), never zero.
``S.GW`` (group work of any kind) may be a column only in a sheet without ``S.CG``, ``S.WG`` and
``S.OG`` (a video draft cannot tell them apart).
Intervals must follow one another without a gap. Errors name the file, line and column.
"""

from __future__ import annotations

from pathlib import Path

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.timeline import CodedSample, CodedTimeline, CodingScheme
from lessonlens.plugin import Sheet, SheetRow, parse_rows, read_text

TICKED = frozenset({"1", "x", "✓", "✔", "√", "1.0"})
NOT_TICKED = frozenset({"0", "", "0.0"})

_FIRST = Text(zh="第一列应为 interval（1、2、3…）或 time（起始分钟 0、2、4…），实际为 {name!r}",
              en="the first column must be interval (1, 2, 3 ...) or time (start minute 0, 2, 4 ...), got {name!r}")
_HEADER_AT = Text(zh="第 {line} 行第 {column} 列（{name}）：{problem}", en="line {line}, column {column} ({name}): "
                  "{problem}")
_UNKNOWN_CODE = Text(zh="未知的 COPUS 编码列（可用：{known}）", en="unknown COPUS code column (known: {known})")
_GW = Text(zh="GW 由 CG、WG、OG 推出：有这些列时不能再有 S.GW 列",
           en="GW is derived from CG, WG and OG: a sheet with those columns cannot also have S.GW")
_UNKNOWN_COLUMN = Text(zh="未知的列：应为 S.<编码>、I.<编码> 或 comment",
                       en="unknown column: expected S.<code>, I.<code> or comment")
_TWICE = Text(zh="该编码列重复出现", en="this code column appears twice")
_NO_CODES = Text(zh="表中没有任何 S.<编码> 或 I.<编码> 列", en="the sheet has no S.<code> or I.<code> column")
_CELL = Text(zh="单元格 {value!r} 应为 1/0、x/空白 或 ✓/空白", en="cell {value!r} must be 1/0, x/blank or ✓/blank")
_NUMBER = Text(zh="{value!r} 不是整数", en="{value!r} is not a whole number")
_GAP = Text(zh="区间不连续：上一行之后应为 {expected}，实际为 {value}",
            en="intervals are not consecutive: {expected} should follow the previous row, got {value}")
_NEGATIVE = Text(zh="{value!r} 小于第一个区间（interval 从 1、time 从 0 起）",
                 en="{value!r} is before the first interval (interval starts at 1, time at 0)")
_TIME_STEP = Text(zh="起始分钟 {value} 不是 2 的倍数", en="start minute {value} is not a multiple of 2")


def _sheet(path: str | Path) -> Sheet:
    return parse_rows(read_text(path), path)  # an XLSX (by its content) as its first worksheet's rows


def _header_error(sheet: Sheet, column: int, problem: Text, **params: object) -> InputError:
    line = sheet.rows[0].line - 1 if sheet.rows else 1
    filled = Text(zh=problem.format("zh-CN", **params), en=problem.format("en", **params))
    return InputError(_HEADER_AT, sheet.path, line=max(line, 1), column=column + 1, name=sheet.header[column],
                      problem=filled)


def code_columns(sheet: Sheet, scheme: CodingScheme) -> tuple[dict[int, str], int | None]:
    """Column index -> code id of each code column, and the comment column (if any)."""
    by_lower = {c.id.lower(): c.id for c in scheme.codes}
    known = ", ".join(c.id for c in scheme.codes)
    columns: dict[int, str] = {}
    comment = None
    for j, name in enumerate(sheet.header[1:], start=1):
        if name in ("comment", "comments", "备注", "note", "notes"):
            comment = j
        elif name in by_lower:
            if by_lower[name] in columns.values():
                raise _header_error(sheet, j, _TWICE)
            columns[j] = by_lower[name]
        elif name == "s.gw":  # group work not told apart (a video draft): only without CG, WG, OG
            if any(c in sheet.header for c in ("s.cg", "s.wg", "s.og")):
                raise _header_error(sheet, j, _GW)
            columns[j] = "S.GW"
        elif name[:2] in ("s.", "i."):
            raise _header_error(sheet, j, _UNKNOWN_CODE, known=known)
        else:
            raise _header_error(sheet, j, _UNKNOWN_COLUMN)
    if not columns:
        raise InputError(_NO_CODES, sheet.path)
    return columns, comment


def _start(sheet: Sheet, row: SheetRow, by_time: bool) -> int:
    """The interval number of a row (0-based: interval 1 and time 0 are 0)."""
    value = row.cells[0]
    try:
        number = float(value)
        if not number.is_integer():
            raise ValueError(value)
    except ValueError:
        raise sheet.error(row, 0, _NUMBER, value=value) from None
    if number < (0 if by_time else 1):
        raise sheet.error(row, 0, _NEGATIVE, value=value)
    if by_time:
        if number % 2:
            raise sheet.error(row, 0, _TIME_STEP, value=value)
        return int(number) // 2
    return int(number) - 1


def _tick(sheet: Sheet, row: SheetRow, column: int) -> bool:
    value = row.cells[column].strip().lower()
    if value in TICKED:
        return True
    if value in NOT_TICKED:
        return False
    raise sheet.error(row, column, _CELL, value=row.cells[column])


def read_copus_sheet(path: str | Path, scheme: CodingScheme, coder: str = "copus") -> CodedTimeline:
    """A COPUS sheet as a timeline: one sample per interval at its start second, with its ticks."""
    sheet = _sheet(path)
    first = sheet.header[0] if sheet.header else ""
    if first not in ("interval", "time", "区间", "时间"):
        raise InputError(_FIRST, sheet.path, name=first)
    by_time = first in ("time", "时间")
    columns, _comment = code_columns(sheet, scheme)
    samples = []
    previous: int | None = None
    for row in sheet.rows:
        index = _start(sheet, row, by_time)
        if previous is not None and index != previous + 1:
            shown = (previous + 1) * 2 if by_time else previous + 2
            raise sheet.error(row, 0, _GAP, expected=shown, value=row.cells[0])
        previous = index
        ticks = {code: _tick(sheet, row, j) for j, code in columns.items()}
        samples.append(CodedSample(t=index * scheme.interval, ticks=ticks))
    return CodedTimeline(scheme=scheme.id, interval=scheme.interval, samples=tuple(samples), coder=coder)
