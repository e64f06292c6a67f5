"""雷达图: one axis per indicator of a level, each series a polygon, each value dot in its band colour."""

from __future__ import annotations

import math

from markupsafe import Markup

from lessonlens.core.charts import RadarChart
from lessonlens.core.i18n import pick
from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.palette import series_color

SIZE = 340.0
WIDE = 430.0
RADIUS = 96.0


def _wrap(label: str, width: float) -> list[str]:
    """At most two lines of ``width``; CJK text breaks anywhere, Latin text at spaces."""
    if svg.text_width(label, svg.SMALL) <= width:
        return [label]
    words = label.split(" ") if " " in label else list(label)
    joiner = " " if " " in label else ""
    first = ""
    for k, word in enumerate(words):
        trial = f"{first}{joiner if first else ''}{word}"
        if svg.text_width(trial, svg.SMALL) > width and first:
            rest = joiner.join(words[k:])
            while svg.text_width(rest, svg.SMALL) > width and len(rest) > 1:
                rest = rest[:-2] + "…"
            return [first, rest]
        first = trial
    return [first]


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
        lines = _wrap(pick(axis.label, lang), 96)
        base = ly + 4 - (len(lines) - 1) * 6 + (6 if ly > cy + 20 else 0) - (4 if ly < cy - 20 else 0)
        for m, text_line in enumerate(lines):
            parts.append(svg.text(lx, base + m * 13, text_line, size=svg.SMALL, anchor=anchor))
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
