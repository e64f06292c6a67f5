"""The lesson report as JSON: the analysis document itself, for other tools and for archiving."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lessonlens.core.atomic import write_text_atomic
from lessonlens.core.documents import dumps
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text

_ONE_LESSON = Text(
    zh="课堂报告需要恰好一节课的分析，收到 {n} 个", en="a lesson report needs exactly one analysis, got {n}"
)


class LessonJson(Renderer):
    name = "lesson-json"
    report = "lesson"
    format = "json"

    def render(self, job: ReportJob, path: Path) -> None:
        if len(job.analyses) != 1:
            raise InputError(_ONE_LESSON, n=len(job.analyses))
        write_text_atomic(path, dumps(job.analyses[0]) + "\n")


@hookimpl
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    register(LessonJson())
