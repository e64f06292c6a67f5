"""The HTML renderers: one self-contained file per report (font, charts, style and script inline)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lessonlens.core.atomic import write_text_atomic
from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.core.hookspecs import hookimpl
from lessonlens.plugins.reports.builders import BUILDERS, build_report
from lessonlens.plugins.reports.page import render_page


class HtmlReport(Renderer):
    """A report kind as HTML; ``report`` is set per instance so one class serves every kind."""

    format = "html"

    def __init__(self, report: str) -> None:
        self.report = report  # type: ignore[misc]
        self.name = f"{report}-html"  # type: ignore[misc]

    def render(self, job: ReportJob, path: Path) -> None:
        write_text_atomic(path, render_page(build_report(job, path)))


@hookimpl
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    for kind in BUILDERS:
        register(HtmlReport(kind))
