"""Which builder makes which report kind: ``lesson``, ``compare``, ``period`` and ``rubric``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.plugins.reports.compare import compare_report
from lessonlens.plugins.reports.lesson import lesson_report
from lessonlens.plugins.reports.model import Report
from lessonlens.plugins.reports.period import period_report
from lessonlens.plugins.reports.rubric import rubric_report

Builder = Callable[[ReportJob, Path], Report]
R = TypeVar("R", bound=Renderer)

BUILDERS: dict[str, Builder] = {
    "lesson": lesson_report,
    "compare": compare_report,
    "period": period_report,
    "rubric": rubric_report,
}


def build_report(job: ReportJob, output: Path) -> Report:
    return BUILDERS[job.report](job, output)


def renderers_for_each_kind(base: type[R]) -> list[R]:
    """One renderer per report kind from a format's base class (``lesson-html``, ``period-pdf`` ...)."""
    made = []
    for kind in BUILDERS:
        cls = type(f"{kind.title()}{base.__name__}", (base,), {"report": kind, "name": f"{kind}-{base.format}"})
        made.append(cast(R, cls()))
    return made
