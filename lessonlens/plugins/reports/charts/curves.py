"""Curves over lesson time (参与度/表现度/关注度, and overlays of several lessons): per-sample points
thin and light, the per-bin smoothed curve bold, maxima and minima marked and clickable."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from markupsafe import Markup

from lessonlens.plugins.reports import svg

HEIGHT = 230.0


@attrs.frozen
class Line:
    """One curve: ``points`` are (seconds, value in 0..1 or ``None`` where undefined)."""

    label: str
    color: str
    points: tuple[tuple[float, float | None], ...]
    width: float = 2.2
    opacity: float = 1.0
    seek: bool = False


@attrs.frozen
class Mark:
    """A marked extreme: where, what value, and the text shown beside it."""

    t: float
    value: float
    text: str
    color: str
    up: bool = True


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of defined points; an undefined value breaks the curve instead of drawing it as zero."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for t, v in points:
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((t, v))
    if current:
        runs.append(current)
    return runs


def curve_svg(lines: Sequence[Line], marks: Sequence[Mark], duration: float, axis_label: str, label: str,
              seek_label: str, empty_text: str = "", legend: bool = False, height: float = HEIGHT) -> Markup:
    frame = svg.Frame(width=svg.WIDTH, height=height + (22 if legend else 0), left=52, right=16, top=14,
                      bottom=40 + (22 if legend else 0))
    x = svg.Scale(0.0, max(duration, 1.0), frame.x0, frame.x1)
    y = svg.Scale(0.0, 1.0, frame.y0, frame.y1)
    parts: list[svg.Child] = [svg.y_axis(frame, y, [0, 0.25, 0.5, 0.75, 1.0], "{:.0%}")]
    marks_t = svg.minute_ticks(duration)
    parts.append(svg.x_axis(frame, x, marks_t, [f"{m / 60:g}" for m in marks_t], axis_label))
    drawn = False
    for series in lines:
        for run in _segments(series.points):
            drawn = True
            coords = [(x(t), y(v)) for t, v in run]
            if len(coords) == 1:
                parts.append(svg.el("circle", {"cx": coords[0][0], "cy": coords[0][1], "r": 2.0,
                                               "fill": series.color, "fill-opacity": series.opacity}))
            else:
                parts.append(svg.polyline(coords, series.color, series.width, opacity=series.opacity))
        if series.seek:
            for t, v in series.points:
                if v is None:
                    continue
                tip = f"{series.label} {svg.clock(t)}: {svg.percent(v)} · {seek_label.format(t=svg.clock(t))}"
                parts.append(svg.el("circle", {"cx": x(t), "cy": y(v), "r": 3.2, "fill": "#fff",
                                               "stroke": series.color, "stroke-width": 1.6, "class": "seek point",
                                               "data-t": f"{t:g}", "tabindex": "0", "role": "button"},
                                    svg.title(tip)))
    if not drawn and empty_text:
        parts.append(svg.text((frame.x0 + frame.x1) / 2, (frame.y0 + frame.y1) / 2, empty_text, anchor="middle",
                              fill=svg.MUTED))
    for mark in marks:
        mx, my = x(mark.t), y(mark.value)
        size = 6.0
        tip_y = my - size if mark.up else my + size
        base_y = tip_y - size * 1.6 if mark.up else tip_y + size * 1.6
        points = (f"{svg.num(mx)},{svg.num(tip_y)} {svg.num(mx - size)},{svg.num(base_y)} "
                  f"{svg.num(mx + size)},{svg.num(base_y)}")
        label_y = tip_y - size * 1.6 - 4 if mark.up else tip_y + size * 1.6 + 12
        label_y = min(max(label_y, frame.y1 + 8), frame.y0 - 4)
        anchor = "end" if mx > frame.x1 - 90 else ("start" if mx < frame.x0 + 90 else "middle")
        tip = f"{mark.text} · {seek_label.format(t=svg.clock(mark.t))}"
        parts.append(svg.el("g", {"class": "seek mark", "data-t": f"{mark.t:g}", "tabindex": "0", "role": "button"},
                            svg.title(tip),
                            svg.el("polygon", {"points": points, "fill": mark.color}),
                            svg.text(mx, label_y, mark.text, size=svg.SMALL, anchor=anchor, weight=700,
                                     fill=mark.color)))
    if legend:
        items = [(s.color, s.label) for s in lines if s.opacity >= 0.99]
        parts.append(svg.legend(items, frame.x0, frame.height - 8, frame.x1 - frame.x0, swatch="line"))
    return svg.svg(frame.width, frame.height, parts, label)
