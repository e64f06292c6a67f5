"""The seven behaviour charts of one lesson (SPEC.md section 4), each with the tables behind it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lessonlens.core.errors import PluginError
from lessonlens.core.metrics import Metrics, Series
from lessonlens.core.plugins import get_manager
from lessonlens.plugins.reports import labels, svg
from lessonlens.plugins.reports.charts.curves import Line, Mark, curve_svg
from lessonlens.plugins.reports.charts.rose import rose_svg
from lessonlens.plugins.reports.charts.rtch import RtChPoint, rtch_svg
from lessonlens.plugins.reports.charts.st import StCurve, st_svg
from lessonlens.plugins.reports.charts.timeline import timeline_svg
from lessonlens.plugins.reports.common import STUDENTS, TEACHER, behaviour_labels, mode_labels, ui
from lessonlens.plugins.reports.model import Chart, DataTable
from lessonlens.plugins.reports.palette import CURVE_COLORS

CURVES: tuple[str, ...] = ("participation", "consistency", "attention")


def chart_title(chart_id: str, lang: str) -> str:
    return labels.CHARTS[chart_id].get(lang)


def caption(chart_id: str, lang: str, **params: object) -> str:
    text = labels.CAPTIONS.get(chart_id)
    return text.format(lang, **params) if text else ""


def scheme_codes(scheme_id: str, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> label in ``lang``, code -> side) of a coding scheme; empty when no coder declares it."""
    try:
        scheme = get_manager().coder_scheme(scheme_id)
    except PluginError:
        return {}, {}
    return {c.id: c.label.get(lang) for c in scheme.codes}, {c.id: c.side for c in scheme.codes}


def timeline_chart(metrics: Metrics, lang: str, unavailable: Sequence[str] = ()) -> Chart | None:
    """The 9 behaviours of platform-9 (teacher above, students below); any other scheme's codes as
    its timeline table has them (S-T: T and S; FIAS: its 10 categories), teacher codes first."""
    table = metrics.tables.get("timeline")
    if table is None or not table.rows:
        return None
    codes = [c for c in table.columns if c not in ("start", "end")]
    names = behaviour_labels(lang)
    if set(TEACHER + STUDENTS) <= set(codes):
        first, second = list(TEACHER), list(STUDENTS)
    else:
        scheme_labels, sides = scheme_codes(metrics.scheme, lang)
        names = {**names, **scheme_labels}
        first = [c for c in codes if sides.get(c) == "teacher" or c == "T"]
        second = [c for c in codes if c not in first]
    unit = "次" if lang == "zh-CN" else "samples"
    drawn = timeline_svg(table.rows, table.columns, first, second, names, unit,
                         ui("minutes", lang), labels.UI["seek_to"].get(lang), chart_title("timeline", lang),
                         unavailable)
    data = DataTable("timeline", chart_title("timeline", lang), tuple(table.columns), tuple(table.rows))
    bin_seconds = metrics.scalars.get("bin_seconds")
    minutes = float(bin_seconds) / 60 if isinstance(bin_seconds, int | float) else 2.0
    text = caption("timeline", lang, interval=f"{metrics.interval:g}", minutes=f"{minutes:g}")
    return Chart("timeline", chart_title("timeline", lang), drawn, (data,), text, seekable=True,
                 hint=ui("click_hint", lang))


def _shares(shares: Mapping[str, float] | None, ids: Sequence[str],
            unavailable: Sequence[str]) -> dict[str, float | None]:
    """Each behaviour's share; ``None`` (not measured, never 0) when it could not be observed."""
    if not shares:
        return dict.fromkeys(ids)
    return {b: None if b in unavailable else shares.get(b, 0.0) for b in ids}


def rose_chart(teacher_shares: Mapping[str, float] | None, student_shares: Mapping[str, float] | None, lang: str,
               unavailable: Sequence[str] = (), chart_id: str = "rose", title: str | None = None) -> Chart | None:
    if not teacher_shares and not student_shares:
        return None
    teacher = _shares(teacher_shares, TEACHER, unavailable)
    students = _shares(student_shares, STUDENTS, unavailable)
    shown_title = title or chart_title("rose", lang)
    drawn = rose_svg(teacher, students, behaviour_labels(lang), (ui("teacher_side", lang), ui("student_side", lang)),
                     shown_title, ui("not_measured", lang))
    rows = tuple(("teacher", b, v) for b, v in teacher.items()) + tuple(("students", b, v) for b, v in students.items())
    data = DataTable(chart_id, shown_title, ("side", "behaviour", "share"), rows)
    return Chart(chart_id, shown_title, drawn, (data,), caption("rose", lang))


def _points(series: Series | None) -> tuple[tuple[float, float | None], ...]:
    if series is None:
        return ()
    return tuple(zip(series.t, series.values, strict=True))


def curve_chart(metrics: Metrics, name: str, lang: str) -> Chart | None:
    raw = metrics.series.get(name)
    binned = metrics.series.get(f"{name}_binned")
    if raw is None and binned is None:
        return None
    color = CURVE_COLORS[name]
    title = chart_title(name, lang)
    lines = [Line(ui("per_sample", lang), color, _points(raw), width=0.9, opacity=0.22),
             Line(ui("per_bin", lang), color, _points(binned), width=2.6, seek=True)]
    marks = []
    summary = metrics.summaries.get(name)
    if summary is not None:
        if summary.max is not None:
            marks.append(Mark(summary.max.t, summary.max.value,
                              f"{ui('maximum', lang)} {svg.percent(summary.max.value, 0)} @ {svg.clock(summary.max.t)}",
                              "#c0392b", up=True))
        if summary.min is not None:
            marks.append(Mark(summary.min.t, summary.min.value,
                              f"{ui('minimum', lang)} {svg.percent(summary.min.value, 0)} @ {svg.clock(summary.min.t)}",
                              "#1f618d", up=False))
    duration = float(metrics.scalars.get("duration") or (max(raw.t) + metrics.interval if raw and raw.t else 60.0))
    drawn = curve_svg(lines, marks, duration, ui("minutes", lang), title, labels.UI["seek_to"].get(lang),
                      ui("not_measured", lang), legend=True)
    tables = []
    if raw is not None:
        tables.append(DataTable(name, title, ("t", "value"), tuple(zip(raw.t, raw.values, strict=True))))
    if binned is not None:
        tables.append(DataTable(f"{name}_binned", f"{title} ({ui('per_bin', lang)})", ("t", "value"),
                                tuple(zip(binned.t, binned.values, strict=True))))
    return Chart(name, title, drawn, tuple(tables), caption(name, lang), seekable=True, hint=ui("click_hint", lang))


def st_points(metrics: Metrics) -> tuple[tuple[float, float], ...]:
    table = metrics.tables.get("st_curve")
    if table is None:
        return ()
    it, isx = table.columns.index("n_t"), table.columns.index("n_s")
    return tuple((float(r[it]), float(r[isx])) for r in table.rows)


def st_chart(metrics: Metrics, lang: str, label: str) -> Chart | None:
    points = st_points(metrics)
    table = metrics.tables.get("st_curve")
    if not points or table is None:
        return None
    title = chart_title("st", lang)
    drawn = st_svg([StCurve(label, "#2f6db5", points)], title)
    data = DataTable("st_curve", title, tuple(table.columns), tuple(table.rows))
    return Chart("st", title, drawn, (data,), caption("st", lang))


def rtch_chart(points: Sequence[tuple[str, Metrics]], lang: str, colors: Sequence[str],
               path: bool = False) -> Chart | None:
    """The Rt-Ch chart of one or more lessons (``points``: label and metrics of each)."""
    modes = mode_labels(lang)
    drawn_points, rows = [], []
    for (name, metrics), color in zip(points, colors, strict=True):
        rt, ch = metrics.scalars.get("rt"), metrics.scalars.get("ch")
        if not isinstance(rt, int | float) or not isinstance(ch, int | float):
            continue
        mode = str(metrics.scalars.get("mode") or "")
        tip = f"{name}: Rt={rt:.2f}, Ch={ch:.2f} · {modes.get(mode, mode)}"
        drawn_points.append(RtChPoint(name, float(rt), float(ch), color, tip))
        rows.append((name, float(rt), float(ch), mode))
    if not drawn_points:
        return None
    title = chart_title("rtch", lang)
    drawn = rtch_svg(drawn_points, modes, title, path=path)
    data = DataTable("rtch", title, ("lesson", "rt", "ch", "mode"), tuple(rows))
    field = get_manager().metric_fields().get("mode")
    names = {mode: text.get(lang) for mode, text in field.values.items()} if field is not None else {}
    return Chart("rtch", title, drawn, (data,), caption("rtch", lang, **names) if len(names) == 4 else "")


def behaviour_charts(metrics: Metrics, lang: str, name: str, unavailable: Sequence[str] = ()) -> list[Chart]:
    """The seven charts in the order of SPEC.md section 4 (charts without data are left out)."""
    charts = [
        timeline_chart(metrics, lang, unavailable),
        rose_chart(metrics.shares.get("teacher_shares"), metrics.shares.get("student_shares"), lang, unavailable),
        *(curve_chart(metrics, curve, lang) for curve in CURVES),
        st_chart(metrics, lang, name),
        rtch_chart([(name, metrics)], lang, ["#c0392b"]),
    ]
    return [c for c in charts if c is not None]
