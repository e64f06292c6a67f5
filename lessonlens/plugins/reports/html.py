"""The HTML renderers: one self-contained file per report (font, charts, style and script inline)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.core.hookspecs import hookimpl
from lessonlens.files.atomic import write_text_atomic
from lessonlens.plugins.reports.builders import build_report, renderers_for_each_kind
from lessonlens.plugins.reports.page import render_page


class HtmlReport(Renderer):
    """Reports as HTML; ``renderers_for_each_kind`` makes one subclass per report kind."""

    format = "html"

    def render(self, job: ReportJob, path: Path) -> None:
        write_text_atomic(path, render_page(build_report(job, path)))


@hookimpl
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    for renderer in renderers_for_each_kind(HtmlReport):
        register(renderer)
