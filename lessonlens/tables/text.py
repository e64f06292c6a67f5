"""The text of a sheet file, as every table reader takes it: UTF-8 (with or without a BOM), else GB18030
as Chinese Excel saves CSV; and the separator its header line uses."""

from __future__ import annotations


def decode_sheet(data: bytes) -> str:
    """``data`` as text; ``UnicodeDecodeError`` (GB18030's) when it is neither encoding."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def delimiter_of(first_line: str) -> str:
    """The separator of a CSV file by its header line: the most frequent of comma, semicolon and tab."""
    return max(",;\t", key=first_line.count) if first_line else ","
