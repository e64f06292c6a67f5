"""矩阵图: one coloured cell per rubric indicator and column (mean, raters or lessons), by grade band."""

from __future__ import annotations

from markupsafe import Markup

from lessonlens.core.i18n import pick
from lessonlens.plugin import MatrixChart
from lessonlens.plugins.reports import svg

ROW = 26.0


def _fit(label: str, width: float, size: float) -> str:
    """``label`` cut with an ellipsis to fit ``width`` (the full label stays in the tooltip)."""
    if svg.text_width(label, size) <= width:
        return label
    while label and svg.text_width(label + "…", size) > width:
        label = label[:-1]
    return label + "…"


def matrix_svg(chart: MatrixChart, lang: str, label: str, no_score: str) -> Markup:
    label_width = 300.0
    columns = len(chart.columns)
    # the raters' columns, then a gap, then the mean: the mean is what the bands are read from
    raters = sum(1 for c in chart.columns if c.id.startswith("rater:"))
    gap = 12.0 if 0 < raters < columns else 0.0
    cell = min(96.0, (svg.WIDTH - label_width - 12 - gap) / max(columns, 1))

    def left(j: int) -> float:
        return label_width + cell * j + (gap if raters and j >= raters else 0.0)

    head = 30.0
    legend_h = 34.0
    height = head + ROW * len(chart.rows) + legend_h + 8
    parts: list[svg.Child] = []
    for j, column in enumerate(chart.columns):
        cx = left(j) + cell / 2
        name = pick(column.label, lang)
        parts.append(svg.el("text", {"x": cx, "y": head - 10, "font-size": svg.SMALL, "text-anchor": "middle",
                                     "font-weight": 700 if j >= raters else None}, svg.title(name),
                            _fit(name, cell - 4, svg.SMALL)))
    for i, row in enumerate(chart.rows):
        y = head + ROW * i
        indent = 8.0 + 16.0 * max(row.level - 1, 0)
        weight = 700 if row.level <= 1 else None
        name = pick(row.label, lang)
        if row.level == 0:
            parts.append(svg.line(0, y, left(columns - 1) + cell, y, "#8a8a8a", 1.0))
        parts.append(svg.el("text", {"x": indent, "y": y + ROW / 2 + 4, "font-size": svg.FONT, "font-weight": weight},
                            svg.title(name), _fit(name, label_width - indent - 8, svg.FONT)))
        for j, c in enumerate(row.cells):
            x0 = left(j)
            if c.score is None:
                shown, tip = "—", f"{name}: {no_score}"
            else:
                shown = f"{c.score:.1f}"
                tip = f"{name} · {pick(chart.columns[j].label, lang)}: {c.score:.2f}"
                if c.max_score:
                    tip += f" / {c.max_score:g} ({svg.percent(c.share)})"
            band = next((b for b in chart.legend if b.id == c.band), None)
            if band is not None:
                tip += f" · {pick(band.label, lang)}"
            parts.append(svg.el("g", {"class": "hover"}, svg.title(tip),
                                svg.el("rect", {"x": x0 + 1.5, "y": y + 1.5, "width": cell - 3, "height": ROW - 3,
                                                "rx": 3.0, "fill": c.color}),
                                svg.text(x0 + cell / 2, y + ROW / 2 + 4, shown, size=svg.FONT, anchor="middle",
                                         weight=700 if row.level <= 1 else None, fill=_ink_on(c.color))))
    items = [(b.color, f"{pick(b.label, lang)} {b.low * 100:.0f}–{min(b.high, 1.0) * 100:.0f}%") for b in chart.legend]
    items.append((chart.empty_color, no_score))
    parts.append(svg.legend(items, 8, height - legend_h + 18, svg.WIDTH - 16))
    return svg.svg(svg.WIDTH, height, parts, label)


def _ink_on(color: str) -> str:
    """Black or white text, whichever reads better on ``color`` (#rrggbb)."""
    try:
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        return svg.INK
    return svg.INK if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"
