"""What a dashboard page is made of: sections, each a chart drawn by the reports package or a plain
table, and behind each the :class:`DataTable` its CSV download writes (formula-like cells neutralised,
UTF-8 with BOM so Excel reads Chinese)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import attrs

from lessonlens.core.i18n import Text
from lessonlens.plugin import neutralise_row
from lessonlens.plugins.reports.labels import column_label
from lessonlens.plugins.reports.model import Chart, DataTable

#: headers of the dashboards' own columns (others: the reports' labels, else the id)
COLUMNS: dict[str, Text] = {
    "lessons": Text(zh="课例数", en="lessons"),
    "teachers": Text(zh="教师数", en="teachers"),
    "n": Text(zh="样本数", en="n"),
    "mean": Text(zh="平均", en="mean"),
    "p10": Text(zh="P10", en="P10"),
    "p25": Text(zh="P25", en="P25"),
    "p50": Text(zh="中位数", en="median"),
    "p75": Text(zh="P75", en="P75"),
    "p90": Text(zh="P90", en="P90"),
    "subject": Text(zh="学科", en="subject"),
    "grade": Text(zh="年级", en="grade"),
    "school": Text(zh="学校", en="school"),
    "finding": Text(zh="诊断发现", en="finding"),
    "rule": Text(zh="规则", en="rule"),
    "severity": Text(zh="级别", en="severity"),
    "rubric": Text(zh="量规", en="rubric"),
    "metric_id": Text(zh="指标代码", en="metric id"),
    "share_of_lessons": Text(zh="占课例比例", en="share of lessons"),
    "mine": Text(zh="本人平均", en="mine (mean)"),
    "percentile": Text(zh="百分位", en="percentile"),
}


def header(column: str, lang: str) -> str:
    known = COLUMNS.get(column)
    return known.get(lang) if known else column_label(column, lang)


@attrs.frozen
class Section:
    """One block of a dashboard: a chart (its tables are the CSVs) or a table shown as it is."""

    id: str
    title: str
    chart: Chart | None = None
    table: DataTable | None = None
    #: columns of ``table`` kept in the CSV but not shown on the page (ids beside their labels)
    hidden: tuple[str, ...] = ()
    note: str = ""
    #: per row of ``table``, where its first cell links to ("": no link), e.g. a named teacher's growth
    links: tuple[str, ...] = ()

    def link(self, row: int) -> str:
        return self.links[row] if row < len(self.links) else ""

    @property
    def tables(self) -> tuple[DataTable, ...]:
        return self.chart.tables if self.chart is not None else ((self.table,) if self.table else ())

    def shown(self, lang: str) -> tuple[list[str], list[list[str]]]:
        """The table's headers and cells as the page shows them."""
        assert self.table is not None
        keep = [k for k, c in enumerate(self.table.columns) if c not in self.hidden]
        heads = [header(self.table.columns[k], lang) for k in keep]
        return heads, [[cell(row[k]) for k in keep] for row in self.table.rows]


def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def table_csv(table: DataTable, lang: str) -> str:
    """A table as CSV: translated headers, no formulas (a cell starting ``=``, ``+``, ``-``, ``@`` … that
    is not a number gets a leading ``'``), BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(neutralise_row(header(c, lang) for c in table.columns))
    writer.writerows(neutralise_row("" if v is None else v for v in row) for row in table.rows)
    return "\ufeff" + buffer.getvalue()


def find_table(sections: Sequence[Section], table_id: str) -> DataTable | None:
    for section in sections:
        for table in section.tables:
            if table.id == table_id:
                return table
    return None
