"""Report 3, 教师周期课堂教学行为分析报告: one teacher (or a group) over a period — trend lines,
first vs. latest lesson, and a portrait (mean behaviour distribution, teaching modes, Rt-Ch path)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.core.i18n import Text, pick
from lessonlens.core.metrics import Metrics
from lessonlens.plugins.reports import labels
from lessonlens.plugins.reports.behaviour import rose_chart, rtch_chart
from lessonlens.plugins.reports.charts.trend import trend_svg
from lessonlens.plugins.reports.common import (
    KEY_METRICS,
    STUDENTS,
    TEACHER,
    behaviour_labels,
    format_metric,
    metric_label,
    mode_labels,
    ui,
)
from lessonlens.plugins.reports.compare import measured
from lessonlens.plugins.reports.model import Chart, DataTable, Report
from lessonlens.plugins.reports.palette import BEHAVIOUR_COLORS, CURVE_COLORS
from lessonlens.plugins.reports.protocols import protocol_comparison

TOO_FEW = Text(zh="周期报告至少需要两节课的分析，收到 {n} 个",
               en="a periodic report needs at least two analyses, got {n}")
TREND_METRICS: tuple[tuple[str, str], ...] = (
    ("rt", "#2f6db5"), ("ch", "#d9534f"), ("participation_mean", CURVE_COLORS["participation"]),
    ("consistency_mean", CURVE_COLORS["consistency"]), ("attention_mean", CURVE_COLORS["attention"]),
)
TREND_SHARES: tuple[tuple[str, str], ...] = (
    ("teacher_shares", "lecturing"), ("teacher_shares", "teacher_student_interaction"),
    ("student_shares", "answering"), ("student_shares", "peer_interaction"), ("student_shares", "hand_raising"),
)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _date_label(a: Analysis) -> str:
    return a.lesson.date.isoformat() if a.lesson.date else a.lesson.id


@attrs.frozen
class TrendPoint:
    """One point of the trend charts: a lesson, or a month of a group's lessons (their means)."""

    label: str
    day: float | None
    key: str | int  # the lesson id, or how many lessons the month holds
    values: dict[str, float | None]


def _values(metrics: Sequence[Metrics]) -> dict[str, float | None]:
    """Mean of each trend metric and share over ``metrics`` (None where none of them has it)."""
    out: dict[str, float | None] = {}
    keys = [("scalars", k) for k, _ in TREND_METRICS] + list(TREND_SHARES)
    for part, key in keys:
        found = [_number(m.scalars.get(key)) if part == "scalars" else m.shares.get(part, {}).get(key)
                 for m in metrics]
        known = [v for v in found if v is not None]
        out[key if part == "scalars" else f"{part}.{key}"] = sum(known) / len(known) if known else None
    return out


def trend_points(pairs: Sequence[tuple[Analysis, Metrics]], by_month: bool) -> list[TrendPoint]:
    """One point per lesson in date order, or per month (a group's lessons of several teachers do not
    make one line); positions in days when every lesson has a date."""
    dates = [a.lesson.date for a, _ in pairs]
    dated = all(d is not None for d in dates)
    if by_month and dated:
        months: dict[tuple[int, int], list[Metrics]] = {}
        for (a, m) in pairs:
            assert a.lesson.date is not None
            months.setdefault((a.lesson.date.year, a.lesson.date.month), []).append(m)
        first = min(months)
        return [TrendPoint(f"{y}-{mo:02d}", float((y - first[0]) * 365.25 + (mo - first[1]) * 30.44), len(ms),
                           _values(ms)) for (y, mo), ms in sorted(months.items())]
    start = min((d for d in dates if d is not None), default=None)
    return [TrendPoint(_date_label(a), float((a.lesson.date - start).days) if dated and a.lesson.date and start
                       else None, a.lesson.id, _values([m])) for a, m in pairs]


def _days(points: Sequence[TrendPoint]) -> list[float] | None:
    days = [p.day for p in points]
    return None if any(d is None for d in days) else [float(d) for d in days if d is not None]


def _key_column(by_month: bool) -> tuple[str, str]:
    return ("month", "count") if by_month else ("date", "lesson")


def trend_chart(points: Sequence[TrendPoint], lang: str, by_month: bool) -> Chart:
    labels_x = [p.label for p in points]
    lines = [(color, metric_label(key, lang), [p.values[key] for p in points]) for key, color in TREND_METRICS]
    title = labels.CHARTS["trend"].get(lang) + (ui("monthly", lang) if by_month else "")
    rows = tuple((p.label, p.key, *[p.values[k] for k, _ in TREND_METRICS]) for p in points)
    table = DataTable("trend", title, (*_key_column(by_month), *[k for k, _ in TREND_METRICS]), rows)
    return Chart("trend", title, trend_svg(labels_x, lines, title, _days(points)), (table,))


def share_trend_chart(points: Sequence[TrendPoint], lang: str, by_month: bool) -> Chart:
    labels_x = [p.label for p in points]
    names = behaviour_labels(lang)
    lines = [(BEHAVIOUR_COLORS[b], names[b], [p.values[f"{side}.{b}"] for p in points]) for side, b in TREND_SHARES]
    title = labels.CHARTS["share_trend"].get(lang) + (ui("monthly", lang) if by_month else "")
    rows = tuple((p.label, p.key, *[p.values[f"{side}.{b}"] for side, b in TREND_SHARES]) for p in points)
    table = DataTable("share_trend", title, (*_key_column(by_month), *[b for _, b in TREND_SHARES]), rows)
    return Chart("share_trend", title, trend_svg(labels_x, lines, title, _days(points)), (table,))


def rubric_trend_chart(pairs: Sequence[tuple[Analysis, Metrics]], lang: str) -> Chart | None:
    """The overall score share (score / maximum) of every rubric the lessons were scored on, lesson by
    lesson (None where a lesson was not scored on it); no chart when no lesson has a rubric result."""
    rubrics = sorted({r.rubric for a, _ in pairs for r in a.rubric_results
                      if r.overall and r.overall.share is not None})
    if not rubrics:
        return None

    def share(a: Analysis, rubric: str) -> float | None:
        found = next((r for r in a.rubric_results if r.rubric == rubric and r.overall), None)
        return found.overall.share if found and found.overall else None
    colors = [*CURVE_COLORS.values(), "#2f6db5", "#d9534f", "#5cb85c"]
    labels_x = [_date_label(a) for a, _ in pairs]
    lines = [(colors[k % len(colors)], rubric, [share(a, rubric) for a, _ in pairs])
             for k, rubric in enumerate(rubrics)]
    title = labels.CHARTS["rubric_trend"].get(lang)
    days = _days(trend_points(pairs, False))
    rows = tuple((_date_label(a), a.lesson.id, *[share(a, r) for r in rubrics]) for a, _ in pairs)
    table = DataTable("rubric_trend", title, ("date", "lesson", *rubrics), rows)
    return Chart("rubric_trend", title, trend_svg(labels_x, lines, title, days), (table,))


def mean_shares(pairs: Sequence[tuple[Analysis, Metrics]], side: str, ids: Sequence[str]) -> dict[str, float]:
    known = [m.shares[side] for _, m in pairs if side in m.shares]
    return {b: sum(s.get(b, 0.0) for s in known) / len(known) for b in ids} if known else {}


def first_vs_latest(first: Metrics, latest: Metrics, lang: str) -> tuple[list[dict[str, str]], DataTable]:
    rows, raw = [], []
    for key in KEY_METRICS:
        a, b = first.scalars.get(key), latest.scalars.get(key)
        if a is None and b is None:
            continue
        change = ""
        na, nb = _number(a), _number(b)
        if na is not None and nb is not None and key != "duration":
            delta = nb - na
            change = (f"{delta * 100:+.1f} pp" if key.endswith("_mean") else
                      f"{delta:+.0f} s" if key == "longest_lecture" else f"{delta:+.2f}")
        elif key == "mode" and a != b:
            change = f"{format_metric(key, a, lang)} → {format_metric(key, b, lang)}"
        rows.append({"label": metric_label(key, lang), "first": format_metric(key, a, lang),
                     "latest": format_metric(key, b, lang), "change": change})
        raw.append((key, a, b))
    return rows, DataTable("first_vs_latest", ui("first_vs_latest", lang), ("metric", "first", "latest"), tuple(raw))


def per_teacher(pairs: Sequence[tuple[Analysis, Metrics]], lang: str) -> tuple[list[dict[str, str]], DataTable]:
    groups: dict[str, list[Metrics]] = {}
    for a, m in pairs:
        groups.setdefault(a.lesson.teacher or "—", []).append(m)
    rows, raw = [], []
    for teacher, ms in sorted(groups.items()):
        def mean(key: str, ms: list[Metrics] = ms) -> float | None:
            values = [v for v in (_number(m.scalars.get(key)) for m in ms) if v is not None]
            return sum(values) / len(values) if values else None
        modes = Counter(str(m.scalars.get("mode")) for m in ms if m.scalars.get("mode"))
        common = modes.most_common(1)[0][0] if modes else None
        rows.append({"teacher": teacher, "n": str(len(ms)), "rt": format_metric("rt", mean("rt"), lang),
                     "ch": format_metric("ch", mean("ch"), lang),
                     "participation": format_metric("participation_mean", mean("participation_mean"), lang),
                     "mode": format_metric("mode", common, lang)})
        raw.append((teacher, len(ms), mean("rt"), mean("ch"), mean("participation_mean"), common))
    table = DataTable("per_teacher", ui("per_teacher", lang),
                      ("teacher", "count", "rt", "ch", "participation_mean", "mode"), tuple(raw))
    return rows, table


def period_report(job: ReportJob, output: Path) -> Report:
    if len(job.analyses) < 2:
        raise InputError(TOO_FEW, n=len(job.analyses))
    lang = job.lang
    ordered = sorted(job.analyses, key=lambda a: (a.lesson.date is None, a.lesson.date or 0, a.lesson.id))
    pairs = measured(ordered)
    dates = [a.lesson.date for a in ordered if a.lesson.date]
    teachers = sorted({a.lesson.teacher for a in ordered if a.lesson.teacher})
    portrait_title = ui("mean_shares", lang)
    rose = rose_chart(mean_shares(pairs, "teacher_shares", TEACHER), mean_shares(pairs, "student_shares", STUDENTS),
                      lang, chart_id="mean_rose", title=portrait_title)
    labels_by_date = [_date_label(a) for a in ordered]
    shades = [_shade(i, len(pairs)) for i in range(len(pairs))]
    rtch = rtch_chart(list(zip(labels_by_date, (m for _, m in pairs), strict=True)), lang, shades, path=True)
    modes = Counter(str(m.scalars.get("mode")) for _, m in pairs if m.scalars.get("mode"))
    mode_names = mode_labels(lang)
    mode_rows = [{"mode": mode_names.get(k, k), "count": n} for k, n in modes.most_common()]
    mode_table = DataTable("modes", ui("mode_counts", lang), ("mode", "count"), tuple(modes.most_common()))
    fvl_rows, fvl_table = first_vs_latest(pairs[0][1], pairs[-1][1], lang)
    teacher_rows, teacher_table = per_teacher(pairs, lang)
    recurring: Counter[str] = Counter()  # finding title -> lessons it appeared in
    for a, _ in pairs:
        for f in {f.rule or f.id: f for f in a.findings}.values():
            recurring[pick(f.title, lang)] += 1
    facts = [(ui("teachers", lang), "、".join(teachers) if lang == "zh-CN" else ", ".join(teachers)),
             (ui("lessons", lang), str(len(pairs)))]
    if dates:
        facts.append((ui("period", lang), f"{min(dates).isoformat()} – {max(dates).isoformat()}"))
    context = {
        "subtitle": "", "facts": [f for f in facts if f[1]], "has_seek": False,
        "first": _date_label(ordered[0]), "latest": _date_label(ordered[-1]), "fvl": fvl_rows,
        "teachers": teacher_rows if len(teachers) > 1 else [], "modes": mode_rows,
        "recurring": recurring.most_common(10),
        "participation_label": metric_label("participation_mean", lang),
    }
    by_month = len(teachers) > 1
    points = trend_points(pairs, by_month)
    # goals the teacher set (on the platform, in the term before) for this period: shown as given
    context["goals"] = [str(g) for g in job.options.get("goals", ())]
    charts = [trend_chart(points, lang, by_month), share_trend_chart(points, lang, by_month),
              None if by_month else rubric_trend_chart(pairs, lang), rose, rtch,
              *protocol_comparison([m for _, m in pairs], labels_by_date, lang)]
    title = job.title or labels.REPORT_TITLES["period"].get(lang)
    return Report(kind="period", template="period.html.j2", lang=lang, title=title, context=context,
                  charts=tuple(c for c in charts if c is not None), tables=(fvl_table, teacher_table, mode_table))


def _shade(index: int, count: int) -> str:
    """From light to dark blue in date order, so the Rt-Ch path reads as time."""
    share = index / max(count - 1, 1)
    low, high = (112, 158, 214), (20, 56, 120)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
