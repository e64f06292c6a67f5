"""Times in the tables people fill: the one reader of ``75``, ``1:15``, ``0:01:15`` (a full-width colon
``1：15`` too, as Chinese input methods type it) and spreadsheet time cells."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any


def parse_seconds(cell: Any) -> float | None:
    """Seconds into the lesson; ``None`` for an empty cell; ``ValueError`` for anything else."""
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, dt.time):
        return cell.hour * 3600 + cell.minute * 60 + cell.second + cell.microsecond / 1e6
    if isinstance(cell, dt.timedelta):
        return cell.total_seconds()
    text = ("" if cell is None else str(cell)).strip().replace("：", ":")
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3 or any(not p.strip() for p in parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        value = float(part)
        if not math.isfinite(value):
            raise ValueError(text)
        seconds = seconds * 60 + value
    return seconds
