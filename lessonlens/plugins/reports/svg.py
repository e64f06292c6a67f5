"""SVG primitives for the report charts: escaped elements, linear scales, nice ticks and axes.

Charts are drawn server-side as plain SVG so they print crisply, need no JavaScript to be seen,
and use the report's embedded CJK font. Every attribute and text goes through ``markupsafe.escape``:
labels may be user text (lesson titles, rater names).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import attrs
from markupsafe import Markup, escape

Child = Markup | str | None

#: Chart canvas width in SVG units; the page shows it at 100 % of the column (about 180 mm on A4).
WIDTH = 720.0
FONT = 12.0
SMALL = 10.5
INK = "#2b2b2b"
MUTED = "#6b6b6b"
GRID = "#e3e3e3"


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (keeps the SVG small)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def el(tag: str, attributes: dict[str, object] | None = None, *children: Child) -> Markup:
    """``<tag attr="...">children</tag>``; ``None``/``False`` attributes are left out, names use ``-`` for ``_``."""
    parts = [tag]
    for name, value in (attributes or {}).items():
        if value is None or value is False:
            continue
        shown = num(value) if isinstance(value, float) else str(value)
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    head = " ".join(parts)
    inner = [c if isinstance(c, Markup) else escape(c) for c in children if c is not None]
    if not inner:
        return Markup(f"<{head}/>")
    return Markup(f"<{head}>") + Markup("").join(inner) + Markup(f"</{tag}>")


def group(children: Iterable[Child], **attributes: object) -> Markup:
    return el("g", attributes, *children)


def title(text: str) -> Markup:
    """A native tooltip: hover shows it in every browser, with or without the report's script."""
    return el("title", None, text)


def text(x: float, y: float, content: str, *, size: float = FONT, anchor: str = "start", weight: int | None = None,
         fill: str = INK, baseline: str | None = None, cls: str | None = None, rotate: float | None = None) -> Markup:
    transform = f"rotate({num(rotate)} {num(x)} {num(y)})" if rotate else None
    return el("text", {"x": float(x), "y": float(y), "font-size": float(size), "text-anchor": anchor,
                       "font-weight": weight, "fill": fill, "dominant-baseline": baseline, "class": cls,
                       "transform": transform}, content)


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, width: float = 1.0,
         dash: str | None = None, cls: str | None = None) -> Markup:
    return el("line", {"x1": float(x1), "y1": float(y1), "x2": float(x2), "y2": float(y2), "stroke": stroke,
                       "stroke-width": float(width), "stroke-dasharray": dash, "class": cls})


def polyline(points: Sequence[tuple[float, float]], stroke: str, width: float = 2.0, dash: str | None = None,
             cls: str | None = None, opacity: float | None = None) -> Markup:
    coords = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return el("polyline", {"points": coords, "fill": "none", "stroke": stroke, "stroke-width": float(width),
                           "stroke-dasharray": dash, "stroke-linejoin": "round", "stroke-linecap": "round",
                           "class": cls, "stroke-opacity": opacity})


def svg(width: float, height: float, children: Iterable[Child], label: str, cls: str = "chart") -> Markup:
    """The chart root: scales with its container, keeps its aspect, tells screen readers what it shows."""
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {num(width)} {num(height)}",
                      "class": cls, "role": "img", "aria-label": label, "preserveAspectRatio": "xMidYMid meet"},
              *children)


@attrs.frozen
class Scale:
    """A linear map from data values (``d0..d1``) to canvas positions (``r0..r1``)."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        span = self.d1 - self.d0
        if span == 0:
            return float((self.r0 + self.r1) / 2)
        return float(self.r0 + (value - self.d0) / span * (self.r1 - self.r0))


def nice_step(span: float, count: int) -> float:
    """A 1/2/2.5/5 x 10^k step that divides ``span`` into about ``count`` intervals."""
    if span <= 0:
        return 1.0
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9) * step
    values = []
    value = first
    while value <= high + step * 1e-9:
        values.append(round(value, 10))
        value += step
    return values


def nice_max(value: float, count: int = 5) -> float:
    """The smallest tick at or above ``value`` (axis tops end on a labelled tick)."""
    if value <= 0:
        return 1.0
    step = nice_step(value, count)
    return math.ceil(value / step - 1e-9) * step


def clock(seconds: float) -> str:
    """``mm:ss`` (or ``h:mm:ss``) of a time in the lesson, as teachers read a video player."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


@attrs.frozen
class Frame:
    """The plot area of a chart inside its canvas (margins for axes and labels)."""

    width: float
    height: float
    left: float = 56.0
    right: float = 16.0
    top: float = 16.0
    bottom: float = 40.0

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        return self.height - self.bottom

    @property
    def y1(self) -> float:
        return self.top


def y_axis(frame: Frame, scale: Scale, values: Sequence[float], fmt: str = "{:g}", label: str = "") -> Markup:
    """Horizontal grid lines with their labels on the left, and the axis title rotated beside them."""
    parts: list[Child] = []
    for v in values:
        y = scale(v)
        parts.append(line(frame.x0, y, frame.x1, y, GRID))
        parts.append(text(frame.x0 - 6, y + 4, fmt.format(v), size=SMALL, anchor="end", fill=MUTED))
    if label:
        parts.append(text(14, (frame.y0 + frame.y1) / 2, label, size=SMALL, anchor="middle", fill=MUTED, rotate=-90))
    return group(parts, class_="axis y")


def x_axis(frame: Frame, scale: Scale, values: Sequence[float], labels: Sequence[str], label: str = "",
           grid: bool = False) -> Markup:
    """Tick marks and labels under the plot area, and the axis title below them."""
    parts: list[Child] = [line(frame.x0, frame.y0, frame.x1, frame.y0, "#9a9a9a")]
    for v, shown in zip(values, labels, strict=True):
        x = scale(v)
        if grid:
            parts.append(line(x, frame.y1, x, frame.y0, GRID))
        parts.append(line(x, frame.y0, x, frame.y0 + 4, "#9a9a9a"))
        parts.append(text(x, frame.y0 + 17, shown, size=SMALL, anchor="middle", fill=MUTED))
    if label:
        parts.append(text((frame.x0 + frame.x1) / 2, frame.y0 + 32, label, size=SMALL, anchor="middle", fill=MUTED))
    return group(parts, class_="axis x")


def minute_ticks(duration: float, count: int = 10) -> list[float]:
    """Tick positions in seconds that fall on whole minutes (5-minute steps for a normal lesson)."""
    minutes = max(duration / 60.0, 1.0)
    step = max(1.0, nice_step(minutes, count))
    return [m * 60.0 for m in ticks(0.0, minutes, max(1, int(minutes / step)))]


def legend(items: Sequence[tuple[str, str]], x: float, y: float, max_width: float, swatch: str = "rect") -> Markup:
    """A wrapping legend of (colour, label) items starting at (x, y)."""
    parts: list[Child] = []
    cx, cy = x, y
    for color, label in items:
        width = 18 + text_width(label, SMALL) + 14
        if cx + width > x + max_width and cx > x:
            cx, cy = x, cy + 18
        if swatch == "line":
            parts.append(line(cx, cy - 4, cx + 14, cy - 4, color, 3))
        else:
            parts.append(el("rect", {"x": float(cx), "y": float(cy - 10), "width": 12.0, "height": 12.0, "rx": 2.0,
                                     "fill": color}))
        parts.append(text(cx + 18, cy, label, size=SMALL))
        cx += width
    return group(parts, class_="legend")


def text_width(content: str, size: float = FONT) -> float:
    """Rough width of a label: CJK characters are square, Latin ones about 0.53 em (Noto Sans)."""
    wide = sum(1 for ch in content if ord(ch) > 0x2E7F)
    return size * (wide + 0.53 * (len(content) - wide))
