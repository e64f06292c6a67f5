"""What a rendered report is made of: charts (SVG + the tables behind them) and plain tables.

The HTML/PDF renderers show charts; the JSON/CSV exports write the same tables, so a number in
a chart can always be found in the exports.
"""

from __future__ import annotations

from typing import Any

import attrs
from markupsafe import Markup


@attrs.frozen
class DataTable:
    """A table behind a chart or a section: column ids (headers come from ``labels.column_label``) and rows."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@attrs.frozen
class Chart:
    """One drawn chart in the report's language, with the tables it was drawn from."""

    id: str
    title: str
    svg: Markup
    tables: tuple[DataTable, ...] = ()
    caption: str = ""
    #: its points seek the lesson video (``hint`` says so on screen; print leaves it out)
    seekable: bool = False
    hint: str = ""


@attrs.frozen
class Report:
    """A report ready for a template: its kind, language, title, the template context and every table."""

    kind: str
    template: str
    lang: str
    title: str
    context: dict[str, Any]
    charts: tuple[Chart, ...] = ()
    tables: tuple[DataTable, ...] = ()
    #: the video the report's time links seek, relative to the report or a URL ('' when none)
    video: str = ""

    def all_tables(self) -> tuple[DataTable, ...]:
        """Every table of the report: each chart's, then the other tables."""
        return tuple(t for chart in self.charts for t in chart.tables) + self.tables
