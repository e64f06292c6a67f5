"""Metric trends over a period: one line per metric (values 0..1) across lessons in date order."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from lessonlens.plugins.reports import svg


def trend_svg(dates: Sequence[str], lines: Sequence[tuple[str, str, Sequence[float | None]]], label: str,
              days: Sequence[float] | None = None) -> Markup:
    """``dates``: one label per lesson, in order; ``days``: their positions in days (calendar
    spacing, so a gap in the term shows as a gap), else evenly spaced; ``lines``: (colour, name, values)."""
    legend_rows = (len(lines) + 3) // 4
    frame = svg.Frame(width=svg.WIDTH, height=250 + 20 * legend_rows, left=52, right=24, top=14,
                      bottom=46 + 20 * legend_rows)
    n = len(dates)
    where = [float(d) for d in days] if days is not None and len(days) == n else [float(i) for i in range(n)]
    x = svg.Scale(min(where, default=0.0), max(max(where, default=1.0), min(where, default=0.0) + 1),
                  frame.x0 + 10, frame.x1 - 10)
    y = svg.Scale(0.0, 1.0, frame.y0, frame.y1)
    parts: list[svg.Child] = [svg.y_axis(frame, y, [0, 0.25, 0.5, 0.75, 1.0], "{:.0%}")]
    # label a lesson's date only where it does not run into the label before it
    shown: list[int] = []
    for i in range(n):
        if not shown or x(where[i]) - x(where[shown[-1]]) >= svg.text_width(dates[i], svg.SMALL) + 8:
            shown.append(i)
    parts.append(svg.x_axis(frame, x, [where[i] for i in shown], [dates[i] for i in shown]))
    for color, name, values in lines:
        run: list[tuple[float, float]] = []
        for i, v in enumerate(values):
            if v is None:
                if len(run) > 1:
                    parts.append(svg.polyline(run, color, 2.0))
                run = []
                continue
            run.append((x(where[i]), y(v)))
            parts.append(svg.el("circle", {"cx": x(where[i]), "cy": y(v), "r": 3.5, "fill": color, "class": "hover"},
                                svg.title(f"{name} · {dates[i]}: {v:.2f}")))
        if len(run) > 1:
            parts.append(svg.polyline(run, color, 2.0))
    parts.append(svg.legend([(c, name) for c, name, _ in lines], frame.x0, frame.y0 + 40, frame.x1 - frame.x0,
                            swatch="line"))
    return svg.svg(frame.width, frame.height, parts, label)
