"""Grouped horizontal bars: one group per behaviour, one bar per lesson (comparison of shares)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from lessonlens.plugins.reports import svg


def grouped_bars_svg(groups: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[tuple[str, str]],
                     label: str, not_measured: str) -> Markup:
    """``groups``: (group label, one value in 0..1 per series); ``series``: (colour, label)."""
    bar = 9.0 if len(series) > 3 else 12.0
    group_h = bar * len(series) + 10
    frame = svg.Frame(width=svg.WIDTH, height=14 + group_h * len(groups) + 40 + 20 * ((len(series) + 3) // 4),
                      left=130, right=60, top=10, bottom=40 + 20 * ((len(series) + 3) // 4))
    top = svg.nice_max(max((v for _, vs in groups for v in vs if v is not None), default=1.0), 5)
    x = svg.Scale(0.0, top, frame.x0, frame.x1)
    marks = svg.ticks(0.0, top, 5)
    parts: list[svg.Child] = [svg.x_axis(frame, x, marks, [f"{m:.0%}" for m in marks], grid=True)]
    for g, (name, values) in enumerate(groups):
        y0 = frame.y1 + g * group_h
        parts.append(svg.text(frame.x0 - 8, y0 + group_h / 2 + 2, name, anchor="end"))
        for k, value in enumerate(values):
            color, series_label = series[k]
            y = y0 + 4 + k * bar
            if value is None:
                parts.append(svg.text(frame.x0 + 4, y + bar - 2, not_measured, size=svg.SMALL - 1, fill=svg.MUTED))
                continue
            parts.append(svg.el("rect", {"x": frame.x0, "y": y, "width": max(x(value) - frame.x0, 0.5),
                                         "height": bar - 1.5, "fill": color, "class": "hover"},
                                svg.title(f"{series_label} · {name}: {svg.percent(value)}")))
            parts.append(svg.text(x(value) + 4, y + bar - 2.5, svg.percent(value), size=svg.SMALL - 1.5,
                                  fill=svg.MUTED))
    parts.append(svg.legend(list(series), frame.x0, frame.y0 + 36, frame.x1 - frame.x0))
    return svg.svg(frame.width, frame.height, parts, label)
