"""Reports 4 and 5, 基于量规评分的教学设计/课堂教学能力分析报告: matrix and radar charts,
per-indicator statistics, agreement between raters, their comments and notes, and rubric findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.core.findings import Finding
from lessonlens.core.i18n import Text, pick
from lessonlens.core.rubric import RubricResult, RubricSchema
from lessonlens.plugin import OVERALL, matrix_chart, radar_charts, rubric_tree
from lessonlens.plugins.reports import labels, svg
from lessonlens.plugins.reports.charts.matrix import matrix_svg
from lessonlens.plugins.reports.charts.radar import radar_svg
from lessonlens.plugins.reports.common import finding_rows, lesson_facts, ui, video_source
from lessonlens.plugins.reports.model import Chart, DataTable, Report

NO_RESULT = Text(zh="量规报告需要一个量规评分结果", en="a rubric report needs a rubric result")
NO_SCHEMA = Text(zh="找不到评分结果所用的量规 {rubric}；请一并提供量规文件",
                 en="the rubric {rubric} of the result is not known; give its schema file too")


def report_key(schema: RubricSchema) -> str:
    """Report 4 for teaching-design rubrics, report 5 for every classroom-teaching rubric."""
    return "rubric-design" if "design" in schema.kind else "rubric-teaching"


def schema_for(result: RubricResult, schemas: Sequence[RubricSchema]) -> RubricSchema:
    for schema in schemas:
        if schema.id == result.rubric:
            return schema
    try:
        from lessonlens.plugin import find_rubric_schema

        return find_rubric_schema(result.rubric)
    except InputError:
        raise InputError(NO_SCHEMA, rubric=result.rubric) from None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def rubric_findings(analyses: Sequence[Analysis]) -> list[Finding]:
    """Findings that rubric rules produced (their rule or facts name a rubric result)."""
    found = []
    for analysis in analyses:
        for f in analysis.findings:
            if "rubric" in f.rule or any(str(k).startswith("rubric.") for k in f.facts):
                found.append(f)
    return found


def rubric_sections(schema: RubricSchema, result: RubricResult, lang: str
                    ) -> tuple[dict[str, Any], list[Chart], list[DataTable]]:
    """One rubric result's section of the report: its template context (statistics, agreement, comments,
    notes), its charts (the matrix with a column per rater, a radar per level) and its tables. The web's
    observation page shows the same section."""
    tree = rubric_tree(schema)
    names = {i.id: pick(i.name, lang) for i in schema.indicators}
    names[OVERALL] = ui("overall", lang)
    bands = {b.id: b for b in schema.bands}
    matrix = matrix_chart(tree, result, per_rater=True)
    matrix_title = pick(matrix.title, lang)
    matrix_rows = tuple((row.indicator, matrix.columns[j].id, c.score, c.max_score, c.band)
                        for row in matrix.rows for j, c in enumerate(row.cells))
    matrix_table = DataTable(f"matrix-{schema.id}", matrix_title, ("indicator", "column", "score", "max_score", "band"),
                             matrix_rows)
    charts = [Chart(f"matrix-{schema.id}", matrix_title, matrix_svg(matrix, lang, matrix_title, ui("missing", lang)),
                    (matrix_table,))]
    for radar in radar_charts(tree, result, per_rater=True):
        title = pick(radar.title, lang)
        rows = tuple((axis.id, series.id, series.values[k], axis.max)
                     for series in radar.series for k, axis in enumerate(radar.axes))
        charts.append(Chart(radar.id.replace(":", "-"), title, radar_svg(radar, lang, title),
                            (DataTable(radar.id.replace(":", "-"), title, ("axis", "series", "score", "max"), rows),)))
    stats, raw = [], []
    for ind in (*result.indicators, *([result.overall] if result.overall else [])):
        band = bands.get(ind.band or "")
        stats.append({
            "label": names.get(ind.id, ind.id), "level": ind.level, "mean": _fmt(ind.mean),
            "max_score": "" if ind.max_score is None else f"{ind.max_score:g}", "median": _fmt(ind.median),
            "spread": f"{_fmt(ind.min, 1)}–{_fmt(ind.max, 1)}", "std": _fmt(ind.std), "n": ind.n_raters,
            "share": svg.percent(ind.share), "band": pick(band.name, lang) if band else "—",
            "band_color": band.color if band else "#e0e0e0", "missing": ", ".join(ind.missing),
        })
        raw.append((ind.id, ind.level, ind.n_raters, ind.mean, ind.median, ind.min, ind.max, ind.std, ind.max_score,
                    ind.share, ind.band))
    stats_table = DataTable(f"indicators-{schema.id}", ui("indicator_stats", lang),
                            ("indicator", "level", "n_raters", "mean", "median", "min", "max", "std", "max_score",
                             "share", "band"), tuple(raw))
    agreement = None
    if result.agreement is not None:
        ag = result.agreement
        agreement = {"icc": _fmt(ag.icc2k), "w": _fmt(ag.kendall_w), "reading": pick(ag.reading, lang) if ag.reading
                     else "", "outliers": ", ".join(ag.outlier_raters),
                     "deviation": [(r, svg.percent(v)) for r, v in sorted(ag.rater_deviation.items())]}
    comments = [{"indicator": names.get(k, k), "texts": list(v)} for k, v in result.comments.items() if v]
    notes = [{"t": n.t, "clock": svg.clock(n.t), "rater": n.rater, "indicator": names.get(n.indicator or "", ""),
              "text": n.text} for n in sorted(result.notes, key=lambda n: n.t)]
    sheets = [{"rater": s.rater, "mode": ui(s.mode, lang) if s.mode in ("live", "recording") else s.mode,
               "made_at": s.made_at.strftime("%Y-%m-%d %H:%M") if s.made_at else ""} for s in result.sheets]
    overall = result.overall
    overall_band = bands.get(overall.band or "") if overall else None
    context = {
        "schema_name": pick(schema.name, lang), "overall": overall, "overall_band": overall_band,
        "overall_band_name": pick(overall_band.name, lang) if overall_band else "",
        "stats": stats, "agreement": agreement, "comments": comments, "notes": notes, "sheets": sheets,
        "raters": ", ".join(result.raters), "matrix_id": f"matrix-{schema.id}",
    }
    notes_table = DataTable(f"notes-{schema.id}", ui("notes", lang), ("t", "rater", "indicator", "text"),
                            tuple((n.t, n.rater, n.indicator, n.text) for n in result.notes))
    comments_table = DataTable(f"comments-{schema.id}", ui("comments", lang), ("indicator", "text"),
                               tuple((k, c) for k, v in result.comments.items() for c in v))
    return context, charts, [stats_table, comments_table, notes_table]


def rubric_report(job: ReportJob, output: Path) -> Report:
    if not job.rubric_results:
        raise InputError(NO_RESULT)
    lang = job.lang
    sections, charts, tables = [], [], []
    key = ""
    for result in job.rubric_results:
        schema = schema_for(result, job.rubric_schemas)
        key = key or report_key(schema)
        context, more_charts, more_tables = rubric_sections(schema, result, lang)
        sections.append({**context, "charts": {c.id: c for c in more_charts}, "chart_list": more_charts})
        charts.extend(more_charts)
        tables.extend(more_tables)
    analysis = job.analyses[0] if job.analyses else None
    facts = lesson_facts(analysis.lesson, analysis.metrics, lang) if analysis else []
    first = job.rubric_results[0]
    facts = [(ui("rubric", lang), sections[0]["schema_name"]), (ui("lesson", lang), first.lesson), *facts,
             (ui("raters", lang), str(len(first.raters)))]
    findings = finding_rows(rubric_findings(job.analyses), lang)
    has_notes = any(s["notes"] for s in sections)
    context = {"subtitle": analysis.lesson.title if analysis else "", "facts": [f for f in facts if f[1]],
               "sections": sections, "findings": findings, "has_seek": has_notes}
    title = job.title or labels.REPORT_TITLES[key].get(lang)
    video = video_source(job.video, job.analyses, output) if has_notes else ""
    return Report(kind="rubric", template="rubric.html.j2", lang=lang, title=title, context=context,
                  charts=tuple(charts), tables=tuple(tables), video=video)
