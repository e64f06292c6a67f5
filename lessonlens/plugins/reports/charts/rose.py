"""教学行为分布玫瑰图: teacher's 4 behaviours on the left half, the students' 5 on the right half."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup

from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.palette import BEHAVIOUR_COLORS

HEIGHT = 280.0
RADIUS = 100.0
INNER = 10.0


def _point(cx: float, cy: float, r: float, angle: float) -> tuple[float, float]:
    # angle in degrees, clockwise from 12 o'clock
    rad = math.radians(angle)
    return cx + r * math.sin(rad), cy - r * math.cos(rad)


def _sector(cx: float, cy: float, r: float, a0: float, a1: float) -> str:
    x0, y0 = _point(cx, cy, INNER, a0)
    x1, y1 = _point(cx, cy, r, a0)
    x2, y2 = _point(cx, cy, r, a1)
    x3, y3 = _point(cx, cy, INNER, a1)
    large = 1 if abs(a1 - a0) > 180 else 0
    sweep = 1 if a1 > a0 else 0
    n = svg.num
    return (f"M{n(x0)},{n(y0)} L{n(x1)},{n(y1)} A{n(r)},{n(r)} 0 {large} {sweep} {n(x2)},{n(y2)} "
            f"L{n(x3)},{n(y3)} A{n(INNER)},{n(INNER)} 0 {large} {1 - sweep} {n(x0)},{n(y0)} Z")


def rose_svg(teacher: Mapping[str, float | None], students: Mapping[str, float | None], labels: dict[str, str],
             side_labels: tuple[str, str], label: str, not_measured: str, width: float = svg.WIDTH) -> Markup:
    """A Nightingale rose: sector radius grows with the square root of the share, so areas compare honestly."""
    cx, cy = width / 2, HEIGHT / 2 + 8
    values = [v for v in (*teacher.values(), *students.values()) if v is not None]
    peak = max(values, default=0.0) or 1.0
    parts: list[svg.Child] = []
    for ring in (0.25, 0.5, 1.0):
        parts.append(svg.el("circle", {"cx": cx, "cy": cy, "r": INNER + (RADIUS - INNER) * math.sqrt(ring),
                                       "fill": "none", "stroke": svg.GRID, "stroke-dasharray": "2 3"}))

    def draw(shares: Mapping[str, float | None], start: float, stop: float, left: bool) -> None:
        ids: Sequence[str] = list(shares)
        step = (stop - start) / max(len(ids), 1)
        for k, behaviour in enumerate(ids):
            share = shares[behaviour]
            a0 = start + k * step
            a1 = a0 + step
            mid = (a0 + a1) / 2
            name = labels.get(behaviour, behaviour)
            shown = not_measured if share is None else svg.percent(share)
            if share is not None and share > 0:
                r = INNER + (RADIUS - INNER) * math.sqrt(share / peak)
                tip = f"{name}: {shown}"
                parts.append(svg.el("path", {"d": _sector(cx, cy, r, a0 + 0.8, a1 - 0.8),
                                             "fill": BEHAVIOUR_COLORS.get(behaviour, "#888"), "fill-opacity": 0.88,
                                             "stroke": "#fff", "stroke-width": 1.0, "class": "hover"},
                                    svg.title(tip)))
            lx, ly = _point(cx, cy, RADIUS + 14, mid)
            ex, ey = _point(cx, cy, RADIUS + 4, mid)
            parts.append(svg.line(ex, ey, lx, ly, "#b0b0b0", 0.8))
            anchor = "end" if left else "start"
            tx = lx - 3 if left else lx + 3
            parts.append(svg.text(tx, ly - 1, name, size=svg.FONT, anchor=anchor))
            parts.append(svg.text(tx, ly + 13, shown, size=svg.FONT, anchor=anchor, weight=700,
                                  fill=BEHAVIOUR_COLORS.get(behaviour, svg.INK)))

    # clockwise from 12 o'clock: the right half is 0..180, the left half 180..360
    draw(students, 0.0, 180.0, left=False)
    draw(teacher, 180.0, 360.0, left=True)
    parts.append(svg.line(cx, cy - RADIUS - 20, cx, cy + RADIUS + 20, "#8a8a8a", 1.2, "4 3"))
    parts.append(svg.text(cx - 12, 16, side_labels[0], size=svg.FONT, anchor="end", weight=700))
    parts.append(svg.text(cx + 12, 16, side_labels[1], size=svg.FONT, anchor="start", weight=700))
    return svg.svg(width, HEIGHT + 16, parts, label)
