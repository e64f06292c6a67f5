"""雷达图: one axis per indicator of a level, each series a polygon, each value dot in its band colour."""

from __future__ import annotations

import math

from markupsafe import Markup

from lessonlens.core.i18n import pick
from lessonlens.plugin import RadarChart
from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.palette import series_color

SIZE = 340.0
WIDE = 400.0
RADIUS = 90.0
LABEL = 11.5  # about 8 pt when two radars share an A4 row


def _fit(line: str, width: float) -> str:
    while svg.text_width(line, LABEL) > width and len(line) > 1:
        line = line[:-2] + "…"
    return line


def _wrap(label: str, width: float, max_lines: int = 3) -> list[str]:
    """Lines of at most ``width``: CJK text in lines of even length (no lone last character), Latin
    text at spaces; what still does not fit ends with an ellipsis (the full label is in the tooltip)."""
    if " " not in label:
        count = math.ceil(svg.text_width(label, LABEL) / width)
        size = math.ceil(len(label) / count) if count <= max_lines else max(1, int(width // LABEL))
        lines = [label[i:i + size] for i in range(0, len(label), size)] or [label]
    else:
        lines = []
        current = ""
        for word in label.split(" "):
            trial = f"{current} {word}" if current else word
            if current and svg.text_width(trial, LABEL) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[:max_lines - 1], ("" if " " not in label else " ").join(lines[max_lines - 1:])]
    return [*lines[:-1], _fit(lines[-1], width)]


def radar_svg(chart: RadarChart, lang: str, label: str) -> Markup:
    cx, cy = WIDE / 2, SIZE / 2 + 2
    n = len(chart.axes)
    parts: list[svg.Child] = []

    def at(k: int, fraction: float) -> tuple[float, float]:
        angle = 2 * math.pi * k / max(n, 1)
        return cx + RADIUS * fraction * math.sin(angle), cy - RADIUS * fraction * math.cos(angle)

    for ring in (0.2, 0.4, 0.6, 0.8, 1.0):
        ring_points = [at(k, ring) for k in range(n)]
        if n >= 3:
            parts.append(svg.el("polygon", {"points": " ".join(f"{svg.num(a)},{svg.num(b)}" for a, b in ring_points),
                                            "fill": "none", "stroke": svg.GRID}))
    for k, axis in enumerate(chart.axes):
        ex, ey = at(k, 1.0)
        parts.append(svg.line(cx, cy, ex, ey, svg.GRID))
        lx, ly = at(k, 1.16)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        room = 150.0 if anchor == "middle" else WIDE / 2 - abs(lx - cx) - 14
        lines = _wrap(pick(axis.label, lang), room)
        block = (len(lines) - 1) * 14.0
        if ly < cy - 20:  # above the chart: the block ends at the label point
            top = ly - block
        elif ly > cy + 20:  # below: it starts there
            top = ly + 8
        else:  # beside: centred on it
            top = ly - block / 2 + 4
        for m, text_line in enumerate(lines):
            parts.append(svg.text(lx, top + m * 14, text_line, size=LABEL, anchor=anchor))
    for s_index, series in enumerate(chart.series):
        mean = s_index == 0
        color = "#2f6db5" if mean else series_color(s_index)
        coords = []
        for k, value in enumerate(series.values):
            top = chart.axes[k].max or 1.0
            coords.append(at(k, 0.0 if value is None else max(0.0, min(value / top, 1.0))))
        points = " ".join(f"{svg.num(a)},{svg.num(b)}" for a, b in coords)
        parts.append(svg.el("polygon", {"points": points, "fill": color if mean else "none",
                                        "fill-opacity": 0.16 if mean else None, "stroke": color,
                                        "stroke-width": 2.0 if mean else 1.2,
                                        "stroke-dasharray": None if mean else "4 3"}))
        if mean:
            for k, (px, py) in enumerate(coords):
                value = series.values[k]
                dot = series.colors[k] if k < len(series.colors) else color
                shown = "—" if value is None else f"{value:.2f} / {chart.axes[k].max:g}"
                parts.append(svg.el("circle", {"cx": px, "cy": py, "r": 4.5, "fill": dot, "stroke": "#fff",
                                               "stroke-width": 1.2, "class": "hover"},
                                    svg.title(f"{pick(chart.axes[k].label, lang)}: {shown}")))
    if len(chart.series) > 1:
        items = [("#2f6db5" if i == 0 else series_color(i), pick(s.label, lang)) for i, s in enumerate(chart.series)]
        parts.append(svg.legend(items, 10, SIZE + 14, WIDE - 20, swatch="line"))
    height = SIZE + (18 + 18 * ((len(chart.series) + 3) // 4) if len(chart.series) > 1 else 0)
    return svg.svg(WIDE, height, parts, label, cls="chart half")
