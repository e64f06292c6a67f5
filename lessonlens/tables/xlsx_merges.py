"""Merged cells of an XLSX worksheet, filled down: a teacher's or rater's name merged over the rows
of their lessons (as district sheets are laid out) is that name on every one of those rows.

openpyxl's read-only mode (the only one bounded in memory) does not report merged ranges, so they are
read from the worksheet's XML, streamed. Only ranges within one column are filled: a range across
columns is a heading spread over a table, and copying it would make duplicate column names.
"""

from __future__ import annotations

import bisect
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

import attrs
from openpyxl.utils.cell import range_boundaries

_MERGE = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
#: merged ranges read at most (a real sheet has tens; a hostile one could list millions)
MAX_MERGES = 100_000


@attrs.frozen
class Merges:
    """The one-column merged ranges of a worksheet: column -> sorted ``(first row, last row)``."""

    ranges: dict[int, tuple[tuple[int, int], ...]] = attrs.field(factory=dict)

    def top(self, row: int, column: int) -> int | None:
        """The first row of the range covering ``(row, column)`` below its top, else None."""
        spans = self.ranges.get(column, ())
        i = bisect.bisect_right(spans, (row, row)) - 1
        return spans[i][0] if i >= 0 and spans[i][0] < row <= spans[i][1] else None


def column_merges(file: Path, worksheet: Any) -> Merges:
    """The one-column merged ranges of ``worksheet`` (openpyxl read-only), from its XML."""
    member = getattr(worksheet, "_worksheet_path", None)
    if not member:  # pragma: no cover - a future openpyxl without it: nothing filled
        return Merges()
    found: dict[int, list[tuple[int, int]]] = {}
    count = 0
    with zipfile.ZipFile(file) as archive, archive.open(member.lstrip("/")) as xml:
        for _, element in iterparse(xml):
            if element.tag == _MERGE and count < MAX_MERGES:
                first_col, first_row, last_col, last_row = range_boundaries(element.get("ref", ""))
                if first_col == last_col and first_row is not None and last_row is not None and last_row > first_row:
                    found.setdefault(int(first_col or 0), []).append((first_row, last_row))
                    count += 1
            element.clear()
    return Merges({column: tuple(sorted(spans)) for column, spans in found.items()})


def filled_down(rows: Iterable[tuple[int, tuple[Any, ...]]], merges: Merges
                ) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(row number, cells)`` with every covered cell holding its range's top value (an otherwise
    empty row stays empty: a blank line between groups is not a row of the group)."""
    if not merges.ranges:
        yield from rows
        return
    tops: dict[tuple[int, int], Any] = {}  # (first row, column) -> the value there
    for number, cells in rows:
        out = list(cells)
        own = any(not (v is None or (isinstance(v, str) and not v.strip())) for v in cells)
        for index, value in enumerate(cells):
            column = index + 1
            if column not in merges.ranges:
                continue
            first = merges.top(number, column)
            if first is None:
                tops[(number, column)] = value
            elif own and value is None:
                out[index] = tops.get((first, column))
        yield number, tuple(out)
