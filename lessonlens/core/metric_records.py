"""Metrics as plain records (lists of flat dicts): what ``pandas.DataFrame(records)`` takes.

No pandas needed here: ``to_records`` gives one long-format table per part of the document,
``to_row`` one wide row per lesson, for comparing many lessons side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lessonlens.core.metrics import Metrics

Record = dict[str, Any]


def to_records(metrics: Metrics) -> dict[str, list[Record]]:
    """``scalars``, ``shares``, ``series``, ``summaries``, ``episodes``, ``episode_ranges`` and one
    entry per table (``timeline``, ``st_curve`` ...), each a list of flat dicts."""
    out: dict[str, list[Record]] = {
        "scalars": [{"metric": k, "value": v} for k, v in metrics.scalars.items()],
        "shares": [
            {"group": group, "behaviour": b, "share": v}
            for group, shares in metrics.shares.items() for b, v in shares.items()
        ],
        "series": [
            {"series": name, "t": t, "value": v}
            for name, series in metrics.series.items() for t, v in zip(series.t, series.values, strict=True)
        ],
        "summaries": [
            {
                "curve": name, "mean": s.mean,
                "max_t": s.max.t if s.max else None, "max_value": s.max.value if s.max else None,
                "min_t": s.min.t if s.min else None, "min_value": s.min.value if s.min else None,
            }
            for name, s in metrics.summaries.items()
        ],
        "episodes": [
            {"behaviour": b, "count": e.count, "total": e.total, "longest": e.longest}
            for b, e in metrics.episodes.items()
        ],
        "episode_ranges": [
            {"behaviour": b, "start": r.start, "end": r.end}
            for b, e in metrics.episodes.items() for r in e.ranges
        ],
    }
    for name, table in metrics.tables.items():
        out[name] = table.records()
    return out


def to_row(metrics: Metrics) -> Record:
    """One flat dict: scalars by id, shares as ``teacher_shares.lecturing``, episodes as
    ``episodes.answering.count`` / ``.total`` / ``.longest``."""
    row: Record = {"scheme": metrics.scheme, "interval": metrics.interval, "n_samples": metrics.n_samples}
    row.update(metrics.scalars)
    for group, shares in metrics.shares.items():
        row.update({f"{group}.{b}": v for b, v in shares.items()})
    for b, e in metrics.episodes.items():
        row.update({f"episodes.{b}.count": e.count, f"episodes.{b}.total": e.total,
                    f"episodes.{b}.longest": e.longest})
    return row


def wide_table(records: Sequence[Record]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Records as one table: the union of their keys in first-seen order, None where one lacks a key
    (lessons of different schemes side by side)."""
    columns = list(dict.fromkeys(key for record in records for key in record))
    return columns, [tuple(record.get(column) for column in columns) for record in records]
