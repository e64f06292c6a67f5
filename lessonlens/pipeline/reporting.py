"""``lessonlens.report(...)``: the public entry point of the five reports in every format.

It loads what it is given (documents, coded sheets or objects), computes metrics an analysis lacks
with the public metrics API, picks the renderer plugin for the report kind and format, and writes
the report atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.core.i18n import Text, current_lang, normalize_lang
from lessonlens.core.metrics import Metrics
from lessonlens.core.plugins import PluginManager, get_manager
from lessonlens.core.rubric import RubricResult, RubricSchema
from lessonlens.files.documents import load
from lessonlens.files.gates import check_output_file
from lessonlens.pipeline.inputs import analysis_from_file
from lessonlens.pipeline.measure import measure

KINDS: tuple[str, ...] = ("lesson", "compare", "period", "rubric")
#: Output suffix -> format; CSV tables come as a ZIP of CSV files (a report has several tables).
SUFFIX_FORMATS: dict[str, str] = {".html": "html", ".htm": "html", ".pdf": "pdf", ".json": "json", ".zip": "csv"}
#: Metrics the behaviour reports draw; an analysis missing any of them is measured again.
NEEDED_METRICS: tuple[tuple[str, str], ...] = (
    ("scalars", "rt"), ("shares", "teacher_shares"), ("tables", "timeline"), ("tables", "st_curve"),
    ("series", "participation"),
)

_UNKNOWN_FORMAT = Text(
    zh="无法从文件名 {name} 判断报告格式；请用 .html、.pdf、.json 或 .zip（CSV 表格），或用 --format 指定",
    en="cannot tell the report format from {name}; use .html, .pdf, .json or .zip (CSV tables), or give --format",
)
_CSV_NEEDS_ZIP = Text(
    zh="报告含多张表格，CSV 以 .zip 压缩包输出（每张表一个 CSV）；请把输出文件命名为 .zip",
    en="a report has several tables, so CSV comes as a .zip of CSV files; name the output .zip",
)
_UNKNOWN_KIND = Text(zh="未知的报告类型 {kind}；可用：{known}", en="unknown report kind {kind}; available: {known}")
_NOT_A_RESULT = Text(zh="不是量规评分结果（rubric_result）文档", en="not a rubric result document")


def report_format(output: str | Path, fmt: str | None = None) -> str:
    """The format of a report written to ``output``: ``fmt`` when given, else from the suffix."""
    if fmt:
        return fmt.lower().lstrip(".")
    suffix = Path(output).suffix.lower()
    if suffix == ".csv":
        raise InputError(_CSV_NEEDS_ZIP, str(output))
    if suffix not in SUFFIX_FORMATS:
        raise InputError(_UNKNOWN_FORMAT, name=Path(output).name)
    return SUFFIX_FORMATS[suffix]


def with_all_metrics(analysis: Analysis, manager: PluginManager | None = None) -> Analysis:
    """``analysis`` with every metric a behaviour report draws, measured from its timeline where missing.

    Metrics it already has win: they may come from another tool or an earlier, different run.
    """
    metrics = analysis.metrics
    missing = metrics is None or any(key not in getattr(metrics, part) for part, key in NEEDED_METRICS)
    if not missing or analysis.timeline is None:
        return analysis
    fresh = measure(analysis.timeline, manager=manager)
    if metrics is None:
        return attrs.evolve(analysis, metrics=fresh)
    merged = Metrics(
        scheme=metrics.scheme, interval=metrics.interval, n_samples=metrics.n_samples,
        scalars={**fresh.scalars, **metrics.scalars}, shares={**fresh.shares, **metrics.shares},
        series={**fresh.series, **metrics.series}, summaries={**fresh.summaries, **metrics.summaries},
        episodes={**fresh.episodes, **metrics.episodes}, tables={**fresh.tables, **metrics.tables},
    )
    return attrs.evolve(analysis, metrics=merged)


def _analysis(item: Analysis | str | Path) -> Analysis:
    return item if isinstance(item, Analysis) else analysis_from_file(item)


def _rubric_result(item: RubricResult | str | Path) -> RubricResult:
    if isinstance(item, RubricResult):
        return item
    doc: object = load(item)
    if isinstance(doc, RubricResult):
        return doc
    if isinstance(doc, Analysis) and doc.rubric_results:
        return doc.rubric_results[0]
    raise InputError(_NOT_A_RESULT, str(item))


def report(
    kind: str,
    output: str | Path,
    analyses: Iterable[Analysis | str | Path] = (),
    rubric_results: Iterable[RubricResult | str | Path] = (),
    rubric_schemas: Iterable[RubricSchema] = (),
    *,
    fmt: str | None = None,
    lang: str | None = None,
    video: str | None = None,
    title: str = "",
    options: Mapping[str, Any] | None = None,
    manager: PluginManager | None = None,
) -> Path:
    """Write a report and return its path.

    ``kind`` is ``lesson`` (one analysis), ``compare`` and ``period`` (several), or ``rubric``
    (rubric results, with the analysis of the lesson for its findings and video when given).
    The format comes from ``fmt`` or the suffix of ``output``: ``.html``, ``.pdf``, ``.json``, ``.zip``
    (CSV tables). ``video`` (path or URL) is what clicking a time in an HTML report seeks; without
    it, a recording of the lesson that sits next to the report is used.

    Example::

        lessonlens.report("lesson", "report.html", [lessonlens.samples.load_sample()], lang="en")
    """
    manager = manager or get_manager()
    if kind not in KINDS:
        raise InputError(_UNKNOWN_KIND, kind=kind, known=", ".join(KINDS))
    chosen = report_format(output, fmt)
    renderer = manager.renderer(kind, chosen)
    check_output_file(output)  # before anything is loaded or drawn
    loaded = tuple(_analysis(a) for a in analyses)
    if kind != "rubric":
        loaded = tuple(with_all_metrics(a, manager) for a in loaded)
    results = tuple(_rubric_result(r) for r in rubric_results)
    if kind == "rubric" and not results:
        results = tuple(r for a in loaded for r in a.rubric_results)
    job = ReportJob(
        report=kind, analyses=loaded, rubric_results=results, rubric_schemas=tuple(rubric_schemas),
        lang=normalize_lang(lang) if lang else current_lang(), video=video, title=title,
        options=dict(options or {}),
    )
    path = Path(output)
    renderer.render(job, path)
    return path
