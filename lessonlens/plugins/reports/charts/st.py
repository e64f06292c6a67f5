"""S-T 图: the cumulative S/T curve with the diagonal; near the diagonal means balanced."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from markupsafe import Markup

from lessonlens.plugins.reports import svg

SIZE = 340.0


@attrs.frozen
class StCurve:
    label: str
    color: str
    points: tuple[tuple[float, float], ...]  # (n_t, n_s), starting at (0, 0)


def st_svg(curves: Sequence[StCurve], label: str, legend: bool = False) -> Markup:
    """Both axes share one scale (T horizontal, S vertical), so 45° means as many S as T samples."""
    extra = 24.0 + 18.0 * ((len(curves) + 1) // 2) if legend else 0.0
    frame = svg.Frame(width=SIZE, height=SIZE + extra, left=46, right=14, top=14, bottom=40 + extra)
    top = svg.nice_max(max((max(p) for c in curves for p in c.points), default=1.0))
    side = min(frame.x1 - frame.x0, frame.y0 - frame.y1)
    x = svg.Scale(0.0, top, frame.x0, frame.x0 + side)
    y = svg.Scale(0.0, top, frame.y0, frame.y0 - side)
    marks = svg.ticks(0.0, top, 5)
    parts: list[svg.Child] = [svg.y_axis(frame, y, marks, "{:g}", "S"),
                              svg.x_axis(frame, x, marks, [f"{m:g}" for m in marks], "T", grid=True),
                              svg.line(x(0), y(0), x(top), y(top), "#9a9a9a", 1.2, "5 4")]
    for curve in curves:
        coords = [(x(t), y(s)) for t, s in curve.points]
        parts.append(svg.polyline(coords, curve.color, 2.0))
        if curve.points:
            t, s = curve.points[-1]
            parts.append(svg.el("circle", {"cx": x(t), "cy": y(s), "r": 3.0, "fill": curve.color},
                                svg.title(f"{curve.label}: T={t:g}, S={s:g}")))
    if legend:
        parts.append(svg.legend([(c.color, c.label) for c in curves], frame.x0 - 30, frame.y0 + 52,
                                frame.width - 30, swatch="line"))
    return svg.svg(frame.width, frame.height, parts, label, cls="chart half")
