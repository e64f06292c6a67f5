"""Charts of the observation protocols: a pie of collapsed categories and a heat map of a transition matrix."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup

from lessonlens.plugins.reports import svg

PIE_RADIUS = 90.0


def _arc(cx: float, cy: float, r: float, a0: float, a1: float) -> str:
    """A pie slice from angle a0 to a1 (degrees clockwise from 12 o'clock)."""
    n = svg.num
    x0, y0 = cx + r * math.sin(math.radians(a0)), cy - r * math.cos(math.radians(a0))
    x1, y1 = cx + r * math.sin(math.radians(a1)), cy - r * math.cos(math.radians(a1))
    large = 1 if a1 - a0 > 180 else 0
    return f"M{n(cx)},{n(cy)} L{n(x0)},{n(y0)} A{n(r)},{n(r)} 0 {large} 1 {n(x1)},{n(y1)} Z"


def pie_svg(slices: Sequence[tuple[str, float, str]], label: str) -> Markup:
    """``slices``: (label, share summing to 1, colour); zero slices are left out, named in the legend."""
    height = 2 * PIE_RADIUS + 60
    cx, cy = 150.0, PIE_RADIUS + 14
    parts: list[svg.Child] = []
    start = 0.0
    for name, share, color in slices:
        if share <= 0:
            continue
        stop = start + 360.0 * share
        tip = f"{name}: {svg.percent(share)}"
        if share >= 0.9999:
            shape = svg.el("circle", {"cx": cx, "cy": cy, "r": PIE_RADIUS, "fill": color, "class": "hover"},
                           svg.title(tip))
        else:
            shape = svg.el("path", {"d": _arc(cx, cy, PIE_RADIUS, start, stop), "fill": color, "stroke": "#fff",
                                    "stroke-width": 1.2, "class": "hover"}, svg.title(tip))
        parts.append(shape)
        start = stop
    for k, (name, share, color) in enumerate(slices):
        y = 30 + 22 * k
        parts.append(svg.el("rect", {"x": 300.0, "y": float(y - 11), "width": 12.0, "height": 12.0, "rx": 2.0,
                                     "fill": color}))
        parts.append(svg.text(318, y, f"{name}  {svg.percent(share)}", size=svg.FONT))
    return svg.svg(svg.WIDTH, height, parts, label)


def _shade(value: int, peak: int) -> str:
    """White to deep blue by the square root of the count (small counts stay visible)."""
    if value <= 0 or peak <= 0:
        return "#ffffff"
    level = math.sqrt(value / peak)
    r, g, b = (round(255 + (end - 255) * level) for end in (31, 97, 141))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(codes: Sequence[str], rows: Sequence[Sequence[int]], names: dict[str, str], label: str,
                row_axis: str, column_axis: str, groups: Sequence[tuple[int, str]] = ()) -> Markup:
    """A square matrix of counts: row = the code at one sample, column = at the next; ``groups`` are the
    indices where a group of codes starts (drawn as heavier lines) and its name."""
    size = len(codes)
    cell = min(30.0, (svg.WIDTH - 120) / max(size, 1))
    left, top = 70.0, 46.0
    peak = max((v for row in rows for v in row), default=0)
    parts: list[svg.Child] = [svg.text(left + cell * size / 2, 14, column_axis, size=svg.SMALL, anchor="middle",
                                       fill=svg.MUTED),
                              svg.text(14, top + cell * size / 2, row_axis, size=svg.SMALL, anchor="middle",
                                       fill=svg.MUTED, rotate=-90)]
    for j, code in enumerate(codes):
        parts.append(svg.text(left + cell * (j + 0.5), top - 8, code, size=svg.SMALL, anchor="middle"))
        parts.append(svg.text(left - 6, top + cell * (j + 0.5) + 4, code, size=svg.SMALL, anchor="end"))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            x, y = left + cell * j, top + cell * i
            tip = f"{codes[i]} {names.get(codes[i], '')} → {codes[j]} {names.get(codes[j], '')}: {value}"
            fill = _shade(int(value), peak)
            ink = "#ffffff" if peak and math.sqrt(value / peak) > 0.6 else svg.INK
            parts.append(svg.el("g", {"class": "hover"}, svg.title(tip),
                                svg.el("rect", {"x": x, "y": y, "width": cell, "height": cell, "fill": fill,
                                                "stroke": "#e3e3e3", "stroke-width": 0.5}),
                                *([svg.text(x + cell / 2, y + cell / 2 + 3.5, str(value), size=svg.SMALL - 2,
                                            anchor="middle", fill=ink)] if value else [])))
    for start, name in groups:
        edge = left + cell * start
        parts.append(svg.line(edge, top, edge, top + cell * size, "#555", 1.4))
        parts.append(svg.line(left, top + cell * start, left + cell * size, top + cell * start, "#555", 1.4))
        parts.append(svg.text(left + cell * size + 8, top + cell * start + 12, name, size=svg.SMALL, fill=svg.MUTED))
    return svg.svg(svg.WIDTH, top + cell * size + 16, parts, label)
