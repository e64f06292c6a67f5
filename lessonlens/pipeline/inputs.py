"""What ``diagnose`` accepts as a lesson: an analysis, metrics or timeline JSON, or a coded CSV sheet."""

from __future__ import annotations

from pathlib import Path

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.metrics import Metrics
from lessonlens.core.timeline import CodedTimeline
from lessonlens.files.documents import load
from lessonlens.pipeline.measure import measure, read_coded_sheet

_NOT_A_LESSON = Text(
    zh="{kind} 文档无法诊断；需要 analysis、metrics 或 timeline 文档，或手工编码表 CSV",
    en="a {kind} document cannot be diagnosed; give an analysis, metrics or timeline document "
    "or a coded CSV sheet",
)
_NOTHING = Text(zh="分析文档既无指标也无编码时间线，无法诊断",
                en="the analysis has neither metrics nor a coded timeline")


def analysis_from_file(path: str | Path, scheme: str | None = None, interval: float | None = None) -> Analysis:
    """The lesson in ``path`` as an analysis with metrics, computing the metrics when it has none."""
    path = Path(path)
    lesson = LessonMeta(id=path.stem)
    if path.suffix.lower() != ".json":
        timeline = read_coded_sheet(path, scheme, interval)
        return Analysis(lesson=lesson, timeline=timeline, metrics=measure(timeline))
    doc: object = load(path)
    if isinstance(doc, Analysis):
        return with_metrics(doc, path)
    if isinstance(doc, Metrics):
        return Analysis(lesson=lesson, metrics=doc)
    if isinstance(doc, CodedTimeline):
        return Analysis(lesson=lesson, timeline=doc, metrics=measure(doc))
    raise InputError(_NOT_A_LESSON, str(path), kind=type(doc).__name__)


def with_metrics(analysis: Analysis, source: str | Path | None = None) -> Analysis:
    """``analysis`` itself when it has metrics, else with metrics computed from its timeline."""
    if analysis.metrics is not None:
        return analysis
    if analysis.timeline is None:
        raise InputError(_NOTHING, str(source) if source else analysis.lesson.id)
    return attrs.evolve(analysis, metrics=measure(analysis.timeline))
