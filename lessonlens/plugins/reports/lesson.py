"""Report 1, 教师课堂教学行为分析报告: one lesson's charts, key metrics, teaching mode and findings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.core.i18n import Text
from lessonlens.plugins.reports import labels
from lessonlens.plugins.reports.behaviour import behaviour_charts
from lessonlens.plugins.reports.common import (
    KEY_METRICS,
    behaviour_labels,
    finding_rows,
    format_metric,
    lesson_facts,
    lesson_name,
    metric_label,
    ui,
    video_source,
)
from lessonlens.plugins.reports.model import DataTable, Report
from lessonlens.plugins.reports.protocols import protocol_charts

ONE_LESSON = Text(zh="课堂报告需要恰好一节课的分析，收到 {n} 个",
                  en="a lesson report needs exactly one analysis, got {n}")
NO_METRICS = Text(zh="课例 {lesson} 没有编码数据或指标，无法生成行为报告",
                  en="lesson {lesson} has no coded timeline or metrics to report on")


def metric_cards(analysis: Analysis, lang: str) -> list[dict[str, str]]:
    metrics = analysis.metrics
    assert metrics is not None
    return [{"id": k, "label": metric_label(k, lang), "value": format_metric(k, metrics.scalars.get(k), lang)}
            for k in KEY_METRICS if k in metrics.scalars]


def reliability_note(measured: Mapping[str, Mapping[str, float | None]], names: Mapping[str, str], lang: str) -> str:
    """The methods note: each behaviour's F1 on real labelled frames, or that it was not measured."""
    items = []
    for behaviour, figures in measured.items():
        label = names.get(behaviour, behaviour)
        f1 = figures.get("f1")
        items.append(ui("reliability_none", lang, behaviour=label) if f1 is None
                     else ui("reliability_f1", lang, behaviour=label, f1=f1))
    return ui("reliability", lang, items=("；" if lang.startswith("zh") else "; ").join(items)) if items else ""


def lesson_report(job: ReportJob, output: Path) -> Report:
    if len(job.analyses) != 1:
        raise InputError(ONE_LESSON, n=len(job.analyses))
    analysis = job.analyses[0]
    metrics = analysis.metrics
    if metrics is None:
        raise InputError(NO_METRICS, lesson=analysis.lesson.id)
    lang = job.lang
    unavailable = tuple(analysis.unavailable)
    charts = behaviour_charts(metrics, lang, lesson_name(analysis.lesson), unavailable) + protocol_charts(metrics, lang)
    cards = metric_cards(analysis, lang)
    metric_table = DataTable("metrics", ui("key_metrics", lang), ("metric", "value"),
                             tuple((k, metrics.scalars.get(k)) for k in sorted(metrics.scalars)))
    episodes = DataTable(
        "episodes", "episodes", ("behaviour", "count", "total", "longest"),
        tuple((b, e.count, e.total, e.longest) for b, e in sorted(metrics.episodes.items())),
    )
    findings = finding_rows(analysis.findings, lang)
    finding_table = DataTable("findings", ui("findings", lang), ("id", "severity", "title", "explanation"),
                              tuple((f["id"], f["severity"], f["title"], f["explanation"]) for f in findings))
    title = job.title or labels.REPORT_TITLES["lesson"].get(lang)
    mode = metrics.scalars.get("mode")
    names = behaviour_labels(lang)
    context = {
        "lesson": analysis.lesson,
        "subtitle": analysis.lesson.title,
        "has_seek": True,
        "facts": lesson_facts(analysis.lesson, metrics, lang),
        "cards": cards,
        "mode": format_metric("mode", mode, lang) if mode else "",
        "mode_id": str(mode or ""),
        "findings": findings,
        "episodes": [{"label": names[b], "count": metrics.episodes[b].count, "total": metrics.episodes[b].total,
                      "longest": metrics.episodes[b].longest} for b in names if b in metrics.episodes],
        "unavailable": ", ".join(names.get(u, u) for u in unavailable),
        "reliability": reliability_note(analysis.provenance.reliability, names, lang),
        "charts_heading": ui("charts" if metrics.scheme == "platform-9" else "charts_any", lang),
    }
    return Report(kind="lesson", template="lesson.html.j2", lang=lang, title=title, context=context,
                  charts=tuple(charts), tables=(metric_table, episodes, finding_table),
                  video=video_source(job.video, job.analyses, output))
