"""Every report's tables as JSON: each chart's data (and the other tables), for other tools and archives."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.core.hookspecs import hookimpl
from lessonlens.files.atomic import write_text_atomic
from lessonlens.plugins.reports.builders import build_report, renderers_for_each_kind
from lessonlens.plugins.reports.labels import column_label
from lessonlens.plugins.reports.model import Report

SCHEMA = "lessonlens.report_tables/1"


def _plain(value: Any) -> Any:
    # NaN is not JSON; an undefined value is null, as in every lessonlens document
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def tables_document(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "report": report.kind,
        "lang": report.lang,
        "title": report.title,
        "tables": [
            {"id": t.id, "title": t.title, "columns": list(t.columns),
             "headers": [column_label(c, report.lang) for c in t.columns],
             "rows": [[_plain(v) for v in row] for row in t.rows]}
            for t in report.all_tables()
        ],
    }


class TablesJson(Renderer):
    format = "json"

    def render(self, job: ReportJob, path: Path) -> None:
        document = tables_document(build_report(job, path))
        write_text_atomic(path, json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False) + "\n")


@hookimpl
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    for renderer in renderers_for_each_kind(TablesJson):
        register(renderer)
