"""Which builder makes which report kind: ``lesson``, ``compare``, ``period`` and ``rubric``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lessonlens.core.extensions import ReportJob
from lessonlens.plugins.reports.compare import compare_report
from lessonlens.plugins.reports.lesson import lesson_report
from lessonlens.plugins.reports.model import Report
from lessonlens.plugins.reports.period import period_report
from lessonlens.plugins.reports.rubric import rubric_report

Builder = Callable[[ReportJob, Path], Report]

BUILDERS: dict[str, Builder] = {
    "lesson": lesson_report,
    "compare": compare_report,
    "period": period_report,
    "rubric": rubric_report,
}


def build_report(job: ReportJob, output: Path) -> Report:
    return BUILDERS[job.report](job, output)
