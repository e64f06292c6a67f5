"""Tables in and out safely: CSV cells within a size, XLSX archives within an uncompressed size, and
text cells that a spreadsheet would run as formulas neutralised on the way out.

Formula injection (OWASP "CSV injection"): a cell such as ``=HYPERLINK(...)`` or ``=cmd|' calc'!A0``
in a CSV or XLSX file is executed by the spreadsheet that opens it. Every table lessonlens writes
passes its cells through :func:`neutralise`: text beginning with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return gets a leading apostrophe; numbers (and text that is just a number, ``-0.5``) are
never touched.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.gates import MIB, size_text

#: the longest CSV cell read (the csv module's own default limit is 128 KB)
MAX_CSV_FIELD = 128 * 1024
#: the largest CSV sheet or XLSX workbook file accepted (a 45-minute coded lesson is ~20 KB)
MAX_SHEET_BYTES = 64 * MIB
#: the most an XLSX archive may expand to (what openpyxl would have to inflate)
MAX_XLSX_UNCOMPRESSED = 256 * MIB
#: the highest compression ratio of one archive member over 1 MB (real workbooks stay under 30)
MAX_XLSX_RATIO = 200

#: what openpyxl raises on a damaged workbook (XML errors are SyntaxErrors, inflating errors zlib.error)
XLSX_ERRORS = (zipfile.BadZipFile, OSError, EOFError, KeyError, IndexError, ValueError, TypeError, AttributeError,
               SyntaxError, zlib.error)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

LONG_FIELD = Text(zh="第 {line} 行的单元格超过 {limit} 个字符",
                  en="a cell on line {line} is longer than {limit} characters")
BAD_CSV = Text(zh="第 {line} 行不是有效的 CSV：{error}", en="line {line} is not valid CSV: {error}")
ZIP_BOMB = Text(zh="XLSX 解压后过大：{size}（上限 {limit}）", en="the XLSX expands to {size} (limit {limit})")
ZIP_RATIO = Text(zh="XLSX 中 {member} 的压缩比异常（{ratio:.0f} 倍）",
                 en="{member} in the XLSX is compressed {ratio:.0f} times (a zip bomb?)")
NOT_XLSX = Text(zh="不是有效的 XLSX 工作簿：{error}", en="not a valid XLSX workbook: {error}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(cell: Any) -> Any:
    """``cell`` safe to put in a spreadsheet: formula-like text gets a leading ``'``; others unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not _is_number(cell):
        return "'" + cell
    return cell


def restore(cell: Any) -> Any:
    """A cell read back from a table lessonlens wrote: the apostrophe :func:`neutralise` added is dropped."""
    if isinstance(cell, str) and cell.startswith("'") and cell[1:].startswith(FORMULA_START) \
            and not _is_number(cell[1:]):
        return cell[1:]
    return cell


def neutralise_row(row: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(neutralise(cell) for cell in row)


def csv_rows(text: str, source: str | Path, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """The rows of CSV ``text`` with their line numbers; a cell over :data:`MAX_CSV_FIELD` or broken
    quoting is one InputError naming the file and line."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InputError(LONG_FIELD, source, line=reader.line_num, limit=MAX_CSV_FIELD) from None
            raise InputError(BAD_CSV, source, line=reader.line_num, error=exc) from None
        yield reader.line_num, cells


def check_xlsx(path: str | Path) -> None:
    """Refuse an XLSX whose archive would expand past the limits, before openpyxl inflates anything.

    Python's zipfile never inflates a member past its declared size (it fails the CRC check
    instead), so checking the declared sizes bounds what reading can cost.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(NOT_XLSX, path, error=exc) from None
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InputError(ZIP_BOMB, path, size=size_text(total), limit=size_text(MAX_XLSX_UNCOMPRESSED))
    for member in members:
        if member.file_size > MIB and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            raise InputError(ZIP_RATIO, path, member=member.filename[:60],
                             ratio=member.file_size / max(member.compress_size, 1))


def finite_or_none(value: float) -> float | None:
    """``value`` when finite, else ``None`` (how a table writes a value that is not a number)."""
    return value if math.isfinite(value) else None


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows of a table about to be written, every text cell neutralised."""
    return [neutralise_row(row) for row in rows]
