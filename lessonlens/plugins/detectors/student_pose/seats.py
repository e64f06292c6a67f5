"""Seat tracking: the same student keeps the same id (``seat-01`` ...) across samples 6 s apart.

Students stay in their seats, so a person is matched to the seat whose usual place is nearest,
sideways mostly: standing up moves the shoulders up by two shoulder widths but hardly sideways,
while the neighbour is a shoulder width or more away. Each seat keeps what is usual for it (the
median shoulder height and size, the nose's height above the shoulders), which the standing and
head-down rules compare against.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from lessonlens.plugins.detectors.student_pose.cues import (
    DEFAULT,
    Frame,
    Person,
    Thresholds,
    frame_of,
    head_height,
    scale,
    shoulder_mid,
)

HISTORY = 15  # samples a seat remembers


@attrs.define
class Seat:
    id: str
    xs: list[float] = attrs.Factory(list)
    ys: list[float] = attrs.Factory(list)
    scales: list[float] = attrs.Factory(list)
    heads: list[float] = attrs.Factory(list)

    def x(self) -> float:
        return float(np.median(self.xs[-HISTORY:]))

    def y(self) -> float:
        return float(np.median(self.ys[-HISTORY:]))

    def scale(self) -> float:
        return float(np.median(self.scales[-HISTORY:]))

    def usual_y(self) -> float | None:
        """The seat's usual shoulder height, once it has been seen three times."""
        return self.y() if len(self.ys) >= 3 else None

    def usual_head(self) -> float | None:
        return float(np.median(self.heads[-HISTORY:])) if len(self.heads) >= 3 else None


@attrs.define
class SeatTracker:
    """Assigns seat ids to the people of each sample (greedy, nearest pairs first)."""

    max_cost: float = 1.0
    th: Thresholds = DEFAULT
    seats: list[Seat] = attrs.Factory(list)

    def assign(self, people: Sequence[Person], frame: Frame | None = None) -> list[Seat | None]:
        """The seat of each person (None: too little of the body seen to place it)."""
        return self.place(frame or frame_of(people, self.th))

    def place(self, f: Frame) -> list[Seat | None]:
        """The seat of each place of a frame (its people's scales and shoulders' middles; None where
        the scale is 0), new seats for the unmatched."""
        chosen: list[Seat | None] = [None] * len(f.scales)
        placed = np.flatnonzero(f.scales > 0)
        if len(self.seats) and len(placed):
            sx = np.array([seat.x() for seat in self.seats])
            sy = np.array([seat.y() for seat in self.seats])
            ss = np.array([seat.scale() for seat in self.seats])
            s = f.scales[placed][:, None]
            unit = np.maximum(s, ss[None, :])
            cost = (np.abs(f.mids[placed, 0][:, None] - sx) + 0.3 * np.abs(f.mids[placed, 1][:, None] - sy)) / unit
            cost[(cost >= self.max_cost) | (s / ss <= 0.5) | (s / ss >= 2.0)] = np.inf
            used: set[int] = set()
            for flat in np.argsort(cost, axis=None):
                row, k = divmod(int(flat), len(self.seats))
                if not np.isfinite(cost[row, k]):
                    break
                i = int(placed[row])
                if chosen[i] is None and k not in used:
                    chosen[i] = self.seats[k]
                    used.add(k)
        for i in placed:
            if chosen[i] is None:
                seat = Seat(f"seat-{len(self.seats) + 1:02d}")
                self.seats.append(seat)
                chosen[i] = seat
        return chosen

    def remember(self, seat: Seat, p: Person, standing: bool) -> None:
        """Add a sample to the seat's history (a standing sample does not move the seat's usual height)."""
        x, y = (float(v) for v in shoulder_mid(p))
        seat.xs.append(x)
        if not standing:
            seat.ys.append(y)
            seat.scales.append(scale(p, self.th))
            head = head_height(p, self.th)
            if head is not None:
                seat.heads.append(head)
        if not seat.ys:  # first sighting standing: a place to start from
            seat.ys.append(y)
            seat.scales.append(scale(p, self.th))
