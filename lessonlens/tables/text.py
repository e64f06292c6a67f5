"""The text of a sheet file, as every table reader takes it: UTF-8 (with or without a BOM), UTF-16
with its BOM (Excel's "Unicode text"), else GB18030 as Chinese Excel saves CSV; the separator its
header line uses; and whether a file is a workbook whatever its name says."""

from __future__ import annotations

from pathlib import Path

XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: an XLSX is a ZIP archive; a CSV never starts with these bytes
ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` is an XLSX workbook by its content (a workbook saved as ``.csv``, or a CSV
    named ``.xlsx``, is read as what it is); by its name when it cannot be read (the reader says why).
    Call it after the input gate: it opens the file."""
    file = Path(path)
    named = file.suffix.lower() in XLSX_SUFFIXES
    try:
        with file.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return named
    if head.startswith(ZIP_MAGIC) or not named:
        return head.startswith(ZIP_MAGIC)
    # named .xlsx but no archive: a CSV when its first line is text with separators, else a broken workbook
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    first = head.decode("utf-16" if utf16 else "utf-8", errors="replace").split("\n", 1)[0]
    return not any(separator in first for separator in ",;\t")


def decode_sheet(data: bytes) -> str:
    """``data`` as text; ``UnicodeDecodeError`` (GB18030's) when it is neither encoding."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def delimiter_of(first_line: str) -> str:
    """The separator of a CSV file by its header line: the most frequent of comma, semicolon and tab."""
    return max(",;\t", key=first_line.count) if first_line else ","
