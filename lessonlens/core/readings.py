"""What a student detector reads in one still frame: the contract between a detector's per-frame
part (its ``frame_reader()``) and the real-footage harness (``lessonlens evaluate-frames``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

Rect = tuple[float, float, float, float]  # x, y, w, h in pixels

#: Head states a reader reports: looking up (front), head down, turned/looking around (side), on a phone.
HEAD_STATES: tuple[str, ...] = ("front", "down", "side", "phone")


@attrs.frozen
class StudentReading:
    """One student found in a frame: the head box (pixels), the head state (None: not readable),
    whether a hand is raised and, where located, the raised hand's box; standing if seen."""

    box: Rect
    state: str | None = None
    raised: bool = False
    hand: Rect | None = None
    standing: bool = False
    score: float = 1.0


class FrameReader(Protocol):
    """A student detector's per-frame part: every student in one RGB frame."""

    def __call__(self, image: npt.NDArray[np.uint8]) -> Sequence[StudentReading]: ...
