"""Report 2, 不同教师的课堂教学行为对比分析报告: several lessons side by side — metrics, shares,
overlaid curves and S-T curves, and every lesson's mode on one Rt-Ch chart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import Metrics
from lessonlens.plugins.reports import labels, svg
from lessonlens.plugins.reports.behaviour import CURVES, caption, chart_title, rtch_chart, st_points
from lessonlens.plugins.reports.charts.bars import grouped_bars_svg
from lessonlens.plugins.reports.charts.curves import Line, curve_svg
from lessonlens.plugins.reports.charts.st import StCurve, st_svg
from lessonlens.plugins.reports.common import (
    KEY_METRICS,
    STUDENTS,
    TEACHER,
    behaviour_labels,
    finding_rows,
    format_metric,
    lesson_name,
    metric_label,
    ui,
)
from lessonlens.plugins.reports.model import Chart, DataTable, Report
from lessonlens.plugins.reports.palette import series_color
from lessonlens.plugins.reports.protocols import protocol_comparison, protocol_keys

TOO_FEW = Text(zh="对比报告至少需要两节课的分析，收到 {n} 个", en="a comparison needs at least two analyses, got {n}")
NO_METRICS = Text(zh="课例 {lesson} 没有编码数据或指标", en="lesson {lesson} has no coded timeline or metrics")


def measured(analyses: Sequence[Analysis]) -> list[tuple[Analysis, Metrics]]:
    out = []
    for a in analyses:
        if a.metrics is None:
            raise InputError(NO_METRICS, lesson=a.lesson.id)
        out.append((a, a.metrics))
    return out


def unique_names(analyses: Sequence[Analysis]) -> list[str]:
    """Legend names of the lessons; repeated names get the lesson id so every line stays identifiable."""
    names = [lesson_name(a.lesson) for a in analyses]
    return [f"{n} ({a.lesson.id})" if names.count(n) > 1 else n for n, a in zip(names, analyses, strict=True)]


def side_by_side(pairs: Sequence[tuple[Analysis, Metrics]], names: Sequence[str],
                 lang: str) -> tuple[list[dict[str, object]], DataTable]:
    rows: list[dict[str, object]] = []
    raw = []
    for key in KEY_METRICS:
        values = [m.scalars.get(key) for _, m in pairs]
        if all(v is None for v in values):
            continue
        rows.append({"label": metric_label(key, lang), "values": [format_metric(key, v, lang) for v in values]})
        raw.append((key, *values))
    for key in protocol_keys([m for _, m in pairs]):  # COPUS fractions, ITIAS ratios
        values = [m.scalars.get(key) for _, m in pairs]
        rows.append({"label": metric_label(key, lang),
                     "values": [ui("not_measured", lang) if not isinstance(v, int | float) else f"{v:.2f}"
                                for v in values]})
        raw.append((key, *values))
    with_shares = any(m.shares.get("teacher_shares") or m.shares.get("student_shares") for _, m in pairs)
    for side, ids in (("teacher_shares", TEACHER), ("student_shares", STUDENTS)) if with_shares else ():
        for b in ids:
            shares = [m.shares.get(side, {}).get(b) for _, m in pairs]
            rows.append({"label": behaviour_labels(lang)[b],
                         "values": [ui("not_measured", lang) if v is None else svg.percent(v) for v in shares]})
            raw.append((b, *shares))
    table = DataTable("side_by_side", ui("side_by_side", lang), ("metric", *names), tuple(raw))
    return rows, table


def shares_chart(pairs: Sequence[tuple[Analysis, Metrics]], names: Sequence[str], lang: str) -> Chart:
    names_of = behaviour_labels(lang)
    groups = []
    for side, ids in (("teacher_shares", TEACHER), ("student_shares", STUDENTS)):
        for b in ids:
            groups.append((names_of[b], [m.shares.get(side, {}).get(b) for _, m in pairs]))
    series = [(series_color(i), n) for i, n in enumerate(names)]
    title = labels.CHARTS["shares"].get(lang)
    drawn = grouped_bars_svg(groups, series, title, ui("not_measured", lang))
    rows = tuple((b, *[m.shares.get(side, {}).get(b) for _, m in pairs])
                 for side, ids in (("teacher_shares", TEACHER), ("student_shares", STUDENTS)) for b in ids)
    return Chart("shares", title, drawn, (DataTable("shares", title, ("behaviour", *names), rows),))


def overlay_chart(pairs: Sequence[tuple[Analysis, Metrics]], names: Sequence[str], curve: str,
                  lang: str) -> Chart | None:
    lines: list[Line] = []
    rows: list[tuple[str, float, float | None]] = []
    duration = 60.0
    for i, ((_, m), name) in enumerate(zip(pairs, names, strict=True)):
        series = m.series.get(f"{curve}_binned") or m.series.get(curve)
        if series is None:
            continue
        duration = max(duration, float(m.scalars.get("duration") or (max(series.t, default=0) + m.interval)))
        lines.append(Line(name, series_color(i), tuple(zip(series.t, series.values, strict=True)), width=2.2))
        rows.extend((name, t, v) for t, v in zip(series.t, series.values, strict=True))
    if not lines:
        return None
    title = f"{chart_title(curve, lang)} · {ui('per_bin', lang)}"
    drawn = curve_svg(lines, [], duration, ui("minutes", lang), title, labels.UI["seek_to"].get(lang),
                      ui("not_measured", lang), legend=True)
    return Chart(f"overlay_{curve}", title, drawn, (DataTable(f"overlay_{curve}", title, ("lesson", "t", "value"),
                                                             tuple(rows)),), caption(curve, lang))


def st_overlay(pairs: Sequence[tuple[Analysis, Metrics]], names: Sequence[str], lang: str) -> Chart | None:
    curves: list[StCurve] = []
    rows: list[tuple[str, float, float]] = []
    for i, ((_, m), name) in enumerate(zip(pairs, names, strict=True)):
        points = st_points(m)
        if points:
            curves.append(StCurve(name, series_color(i), points))
            rows.extend((name, t, s) for t, s in points)
    if not curves:
        return None
    title = chart_title("st", lang)
    return Chart("st", title, st_svg(curves, title, legend=True),
                 (DataTable("st_curves", title, ("lesson", "n_t", "n_s"), tuple(rows)),), caption("st", lang))


def compare_report(job: ReportJob, output: Path) -> Report:
    if len(job.analyses) < 2:
        raise InputError(TOO_FEW, n=len(job.analyses))
    lang = job.lang
    pairs = measured(job.analyses)
    names = unique_names(job.analyses)
    colors = [series_color(i) for i in range(len(pairs))]
    rows, table = side_by_side(pairs, names, lang)
    charts = [
        shares_chart(pairs, names, lang) if any(m.shares.get("teacher_shares") or m.shares.get("student_shares")
                                                for _, m in pairs) else None,
        *(overlay_chart(pairs, names, c, lang) for c in CURVES),
        st_overlay(pairs, names, lang),
        rtch_chart(list(zip(names, (m for _, m in pairs), strict=True)), lang, colors),
        *protocol_comparison([m for _, m in pairs], names, lang),
    ]
    lessons = [{"name": n, "color": c, "lesson": a.lesson, "findings": finding_rows(a.findings, lang)}
               for n, c, (a, _) in zip(names, colors, pairs, strict=True)]
    teachers = sorted({a.lesson.teacher for a in job.analyses if a.lesson.teacher})
    facts = [(ui("lessons", lang), str(len(pairs)))]
    if teachers:
        facts.append((ui("teachers", lang), "、".join(teachers) if lang == "zh-CN" else ", ".join(teachers)))
    context = {"subtitle": "", "facts": facts, "names": names, "colors": colors, "rows": rows, "lessons": lessons,
               "has_seek": False}
    title = job.title or labels.REPORT_TITLES["compare"].get(lang)
    return Report(kind="compare", template="compare.html.j2", lang=lang, title=title, context=context,
                  charts=tuple(c for c in charts if c is not None), tables=(table,))
