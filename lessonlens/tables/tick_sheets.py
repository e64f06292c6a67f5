"""A multi-code timeline (COPUS) as the sheet an observer fills in: one row per interval, one column per code.

The rows of a COPUS draft made from video go back to an observer as the sheet they would have
filled in (``interval``, a column per code the draft coded, ``1``/blank, a ``comment`` with the
evidence); corrected, the sheet is read like any other. A code the draft did not code has no column.
"""

from __future__ import annotations

from collections.abc import Sequence

from lessonlens.core.timeline import CodedTimeline


def tick_sheet(timeline: CodedTimeline, codes: Sequence[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """Columns and rows: ``interval`` (1, 2 …), the codes coded somewhere (in ``codes`` order), ``comment``."""
    coded = [c for c in codes if any(c in s.ticks for s in timeline.samples)]
    rows = []
    for i, sample in enumerate(timeline.samples, start=1):
        cells = tuple("1" if sample.ticks.get(c) else "" for c in coded)
        comment = "; ".join(e.detail for e in sample.evidence)
        rows.append((str(i), *cells, comment))
    return ["interval", *coded, "comment"], rows
