"""Rt-Ch 图: the four teaching-mode regions, and each lesson as a point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
from markupsafe import Markup

from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.palette import MODE_COLORS

SIZE = 340.0
#: (mode, Rt from, Rt to, Ch from, Ch to) — SPEC.md section 3
REGIONS = (
    ("practice", 0.0, 0.3, 0.0, 1.0),
    ("lecture", 0.7, 1.0, 0.0, 1.0),
    ("dialogue", 0.3, 0.7, 0.4, 1.0),
    ("mixed", 0.3, 0.7, 0.0, 0.4),
)


@attrs.frozen
class RtChPoint:
    label: str
    rt: float
    ch: float
    color: str
    tip: str = ""


def rtch_svg(points: Sequence[RtChPoint], mode_labels: Mapping[str, str], label: str, path: bool = False) -> Markup:
    """Regions as tinted rectangles; the dashed triangle is the largest Ch a given Rt allows
    (every switch needs a sample of each kind: Ch ≤ 2·min(Rt, 1 − Rt)).

    One lesson is labelled beside its point; several are numbered, with a numbered legend below,
    because lessons of similar mode sit on top of each other.
    """
    numbered = len(points) > 1
    legend_rows = len(points) if numbered else 0
    frame = svg.Frame(width=SIZE, height=SIZE + 16 * legend_rows + (6 if numbered else 0), left=46, right=14, top=14,
                      bottom=40 + 16 * legend_rows + (6 if numbered else 0))
    side = min(frame.x1 - frame.x0, frame.y0 - frame.y1)
    x = svg.Scale(0.0, 1.0, frame.x0, frame.x0 + side)
    y = svg.Scale(0.0, 1.0, frame.y0, frame.y0 - side)
    parts: list[svg.Child] = []
    for mode, r0, r1, c0, c1 in REGIONS:
        parts.append(svg.el("rect", {"x": x(r0), "y": y(c1), "width": x(r1) - x(r0), "height": y(c0) - y(c1),
                                     "fill": MODE_COLORS[mode], "stroke": "#ffffff", "stroke-width": 1.5}))
        parts.append(svg.text((x(r0) + x(r1)) / 2, y(c1) + 16, mode_labels.get(mode, mode), size=svg.FONT,
                              anchor="middle", weight=700, fill="#6d6d6d"))
    parts.append(svg.polyline([(x(0), y(0)), (x(0.5), y(1.0)), (x(1.0), y(0))], "#b3b3b3", 1.0, dash="4 4"))
    marks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    parts.append(svg.y_axis(frame, y, marks, "{:g}", "Ch"))
    parts.append(svg.x_axis(frame, x, marks, [f"{m:g}" for m in marks], "Rt"))
    if path and len(points) > 1:
        parts.append(svg.polyline([(x(p.rt), y(p.ch)) for p in points], "#8a8a8a", 1.2, dash="3 3"))
    for i, p in enumerate(points):
        px, py = x(p.rt), y(p.ch)
        tip = svg.title(p.tip or f"{p.label}: Rt={p.rt:.2f}, Ch={p.ch:.2f}")
        if numbered:
            parts.append(svg.el("g", {"class": "hover"}, tip,
                                svg.el("circle", {"cx": px, "cy": py, "r": 7.5, "fill": p.color, "stroke": "#fff",
                                                  "stroke-width": 1.2}),
                                svg.text(px, py + 3.5, str(i + 1), size=9.5, anchor="middle", weight=700,
                                         fill="#ffffff")))
            ly = frame.y0 + 46 + 16 * i
            parts.append(svg.el("circle", {"cx": frame.x0 - 30.0, "cy": ly - 4, "r": 6.5, "fill": p.color}))
            parts.append(svg.text(frame.x0 - 30, ly - 0.5, str(i + 1), size=8.5, anchor="middle", weight=700,
                                  fill="#ffffff"))
            parts.append(svg.text(frame.x0 - 18, ly, f"{p.label}  Rt {p.rt:.2f} · Ch {p.ch:.2f}", size=svg.SMALL))
        else:
            parts.append(svg.el("circle", {"cx": px, "cy": py, "r": 6.0, "fill": p.color, "stroke": "#fff",
                                           "stroke-width": 1.5, "class": "hover"}, tip))
            anchor = "end" if px > frame.x0 + side * 0.6 else "start"
            dx = -9 if anchor == "end" else 9
            above = py > frame.y1 + 30
            parts.append(svg.text(px + dx, py + (-8 if above else 16), f"Rt {p.rt:.2f} · Ch {p.ch:.2f}",
                                  size=svg.SMALL, anchor=anchor, weight=700, fill=p.color))
    return svg.svg(frame.width, frame.height, parts, label, cls="chart half")
