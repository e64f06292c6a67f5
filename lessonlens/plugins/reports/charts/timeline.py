"""教学行为时序图: the 9 behaviours per 2-minute bin as dots, each dot a link to its time in the video."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.palette import BEHAVIOUR_COLORS, series_color

ROW = 24.0


def timeline_svg(rows: Sequence[Sequence[Any]], columns: Sequence[str], teacher: Sequence[str],
                 students: Sequence[str], labels: dict[str, str], unit: str, axis_label: str, seek_label: str,
                 label: str, unavailable: Sequence[str] = (), colors: dict[str, str] | None = None) -> Markup:
    """Rows of the ``timeline`` table (``start``, ``end``, then behaviour counts) as a dot matrix:
    the ``teacher`` codes, a dashed line, then the ``students`` codes (any scheme's codes work).

    A dot's area is proportional to the behaviour's count in its bin; the fullest bin of the lesson
    fills its cell. Behaviours in ``unavailable`` are drawn as a hatched row, not as zeros.
    """
    behaviours = [*teacher, *students]
    index = {c: i for i, c in enumerate(columns)}
    gap = 10.0
    frame = svg.Frame(width=svg.WIDTH, height=16 + ROW * len(behaviours) + gap + 40, left=122, right=12, top=12)
    end = max((float(r[index["end"]]) for r in rows), default=60.0)
    x = svg.Scale(0.0, end, frame.x0, frame.x1)
    bin_width = (x(float(rows[0][index["end"]])) - x(float(rows[0][index["start"]]))) if rows else 40.0
    peak = max((float(r[index[b]] or 0) for r in rows for b in behaviours if b in index), default=1.0) or 1.0
    radius = max(2.5, min(bin_width / 2 - 1.5, ROW / 2 - 1.5))
    parts: list[svg.Child] = []

    def row_y(i: int) -> float:
        return frame.y1 + ROW * i + ROW / 2 + (gap if i >= len(teacher) else 0.0)

    for i, behaviour in enumerate(behaviours):
        y = row_y(i)
        color = (colors or {}).get(behaviour) or BEHAVIOUR_COLORS.get(behaviour) or series_color(i)
        if i % 2 == 0:
            parts.append(svg.el("rect", {"x": frame.x0, "y": y - ROW / 2, "width": frame.x1 - frame.x0,
                                         "height": ROW, "fill": "#f7f7f5"}))
        parts.append(svg.el("rect", {"x": 8.0, "y": y - 5, "width": 10.0, "height": 10.0, "rx": 2.0, "fill": color}))
        parts.append(svg.text(24, y + 4, labels.get(behaviour, behaviour), size=svg.FONT))
        if behaviour in unavailable or behaviour not in index:
            parts.append(svg.el("rect", {"x": frame.x0, "y": y - 3, "width": frame.x1 - frame.x0, "height": 6.0,
                                         "fill": "#ececec"}))
            continue
        for r in rows:
            count = r[index[behaviour]]
            start, stop = float(r[index["start"]]), float(r[index["end"]])
            cx = (x(start) + x(stop)) / 2
            tip = f"{labels.get(behaviour, behaviour)} {svg.clock(start)}–{svg.clock(stop)}: "
            if count is None:
                parts.append(svg.el("circle", {"cx": cx, "cy": y, "r": 1.5, "fill": "#cfcfcf"}))
                continue
            value = float(count)
            size = radius * math.sqrt(value / peak) if value > 0 else 0.0
            tip += f"{value:.1f} {unit} · {seek_label.format(t=svg.clock(start))}"
            # the hit circle is the full cell so that small dots are still easy to click
            parts.append(svg.el(
                "g", {"class": "seek point", "data-t": f"{start:g}", "tabindex": "0", "role": "button",
                      "aria-label": tip},
                svg.title(tip),
                svg.el("circle", {"cx": cx, "cy": y, "r": radius, "fill": "transparent"}),
                svg.el("circle", {"cx": cx, "cy": y, "r": max(size, 1.2), "fill": color if value > 0 else "#d5d5d5",
                                  "fill-opacity": 0.9}),
            ))
    if teacher and students:
        parts.append(svg.line(frame.x0, row_y(len(teacher)) - ROW / 2 - gap / 2, frame.x1,
                              row_y(len(teacher)) - ROW / 2 - gap / 2, "#b9b9b9", 1, "3 3"))
    frame_axis = svg.Frame(width=frame.width, height=frame.height, left=frame.left, right=frame.right,
                           top=frame.top, bottom=40)
    marks = svg.minute_ticks(end)
    parts.append(svg.x_axis(frame_axis, x, marks, [f"{m / 60:g}" for m in marks], axis_label))
    return svg.svg(frame.width, frame.height, parts, label)
