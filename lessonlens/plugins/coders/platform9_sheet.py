"""Hand-coded platform-9 sheets (CSV), as researchers keep them.

Header ``t,teacher,listening,hand_raising,answering,reading_writing,peer_interaction`` and an
optional ``st`` column. ``t`` is seconds (or mm:ss); ``teacher`` a behaviour id or its Chinese or
English label; the five student cells are fractions summing to about 1, or counts of students
(normalised here). An empty teacher cell, or five empty (or all-zero) student cells, mean "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from lessonlens.core.i18n import Text
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, CodedSample, CodedTimeline, CodingScheme
from lessonlens.plugin import Sheet, SheetRow, parse_rows, parse_times, read_text, sheet_interval

HEADER: tuple[str, ...] = ("t", "teacher", *STUDENT_BEHAVIOURS)
#: rows whose shares sum to 1 within this are fractions; otherwise they must be whole counts
SUM_TOLERANCE = 0.02

_UNKNOWN_TEACHER = Text(zh="未知的教师行为 {value!r}（可用：{known}）",
                        en="unknown teacher behaviour {value!r} (known: {known})")
_NOT_A_NUMBER = Text(zh="{value!r} 不是数字", en="{value!r} is not a number")
_NEGATIVE = Text(zh="份额为负数 {value}", en="negative share {value}")
_BAD_SUM = Text(
    zh="学生行为份额之和为 {total}，既不约等于 1，也不是学生人数（整数）",
    en="student shares sum to {total}: neither about 1 nor a count of students (whole numbers)",
)
_BAD_ST = Text(zh="未知的 S/T 编码 {value!r}（应为 S 或 T）", en="unknown S/T code {value!r} (expected S or T)")

StCode = Callable[[str | None, Mapping[str, float], Mapping[str, str]], str | None]


def _teacher_lookup(scheme: CodingScheme) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code_id in scheme.codes_of("teacher"):
        label = scheme.code(code_id).label
        lookup.update({code_id: code_id, label.zh: code_id, label.en.lower(): code_id})
    return lookup


def _teacher(sheet: Sheet, row: SheetRow, column: int, lookup: Mapping[str, str]) -> str | None:
    value = row.cells[column]
    if not value:
        return None
    found = lookup.get(value) or lookup.get(value.lower())
    if found is None:
        known = ", ".join(sorted({v for v in lookup.values()}))
        raise sheet.error(row, column, _UNKNOWN_TEACHER, value=value, known=known)
    return found


def _students(sheet: Sheet, row: SheetRow, columns: tuple[int, ...]) -> dict[str, float]:
    cells = [row.cells[c] for c in columns]
    if not any(cells):
        return {}
    values: list[float] = []
    for column, cell in zip(columns, cells, strict=True):
        try:
            value = float(cell) if cell else 0.0
        except ValueError:
            raise sheet.error(row, column, _NOT_A_NUMBER, value=cell) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise sheet.error(row, column, _NOT_A_NUMBER, value=cell)
        if value < 0:
            raise sheet.error(row, column, _NEGATIVE, value=cell)
        values.append(value)
    total = sum(values)
    if total == 0:  # nobody detected: unknown, not "nobody listening"
        return {}
    if abs(total - 1.0) > SUM_TOLERANCE and not (total > 1 and all(v.is_integer() for v in values)):
        raise sheet.span_error(row, columns[0], columns[-1], _BAD_SUM, total=round(total, 4))
    return {b: v / total for b, v in zip(STUDENT_BEHAVIOURS, values, strict=True)}


def _st(sheet: Sheet, row: SheetRow, column: int | None) -> str | None:
    if column is None or not row.cells[column]:
        return None
    value = row.cells[column].upper()
    if value not in ("S", "T"):
        raise sheet.error(row, column, _BAD_ST, value=row.cells[column])
    return value


def read_platform9_sheet(
    path: str | Path, scheme: CodingScheme, mapping: Mapping[str, str], st_code: StCode,
    interval: float | None = None, coder: str = "",
) -> CodedTimeline:
    """The timeline of a platform-9 sheet; samples without an ``st`` cell get ``st_code``'s S/T."""
    sheet = parse_rows(read_text(path), path)
    t_col, teacher_col = sheet.column("t"), sheet.column("teacher")
    share_cols = tuple(sheet.column(b) for b in STUDENT_BEHAVIOURS)
    st_col = sheet.header.index("st") if "st" in sheet.header else None
    lookup = _teacher_lookup(scheme)
    times = parse_times(sheet, t_col)
    samples = []
    for t, row in zip(times, sheet.rows, strict=True):
        teacher = _teacher(sheet, row, teacher_col, lookup)
        students = _students(sheet, row, share_cols)
        st = _st(sheet, row, st_col) or st_code(teacher, students, mapping)
        samples.append(CodedSample(t=t, teacher=teacher, students=students, st=st))
    step = sheet_interval(times, interval, scheme.interval, sheet.path)
    return CodedTimeline(scheme=scheme.id, interval=step, samples=tuple(samples), st_mapping=dict(mapping),
                         coder=coder)
