"""Every report's tables as CSV files in one ZIP archive (UTF-8 with BOM, so Excel reads Chinese)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.core.hookspecs import hookimpl
from lessonlens.files.atomic import atomic_open
from lessonlens.plugin import neutralise_row
from lessonlens.plugins.reports.builders import build_report, renderers_for_each_kind
from lessonlens.plugins.reports.labels import column_label
from lessonlens.plugins.reports.model import DataTable


def table_csv(table: DataTable, lang: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(neutralise_row(column_label(c, lang) for c in table.columns))
    writer.writerows(neutralise_row("" if v is None else v for v in row) for row in table.rows)  # no formulas
    return "\ufeff" + buffer.getvalue()


def file_name(index: int, table: DataTable) -> str:
    return f"{index:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', table.id)}.csv"


class TablesCsv(Renderer):
    format = "csv"

    def render(self, job: ReportJob, path: Path) -> None:
        report = build_report(job, path)
        with atomic_open(path, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for index, table in enumerate(report.all_tables(), start=1):
                archive.writestr(file_name(index, table), table_csv(table, report.lang).encode("utf-8"))


@hookimpl
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    for renderer in renderers_for_each_kind(TablesCsv):
        register(renderer)
