"""The charts of the observation protocols in a lesson report: COPUS bars and pies, ITIAS heat map and curves."""

from __future__ import annotations

from collections.abc import Sequence

from lessonlens.core.errors import PluginError
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import Metrics
from lessonlens.core.plugins import get_manager
from lessonlens.plugins.reports import labels
from lessonlens.plugins.reports.charts.bars import grouped_bars_svg
from lessonlens.plugins.reports.charts.curves import Line, curve_svg
from lessonlens.plugins.reports.charts.protocols import heatmap_svg, pie_svg
from lessonlens.plugins.reports.common import ui
from lessonlens.plugins.reports.model import Chart, DataTable
from lessonlens.plugins.reports.palette import series_color

INSTRUCTOR_COLOR, STUDENT_COLOR = "#2f6db5", "#2a9d8f"
PIE_COLORS = ("#2f6db5", "#e08a2e", "#2a9d8f", "#9a9a9a")
GROUP_COLORS = {"teacher": "#2f6db5", "student": "#d9534f", "silence": "#9a9a9a", "technology": "#6fa254"}
_GROUP_NAMES = {"teacher": Text(zh="教师言语", en="Teacher talk"), "student": Text(zh="学生言语", en="Student talk"),
                "silence": Text(zh="沉寂", en="Silence"), "technology": Text(zh="技术", en="Technology")}
_CATEGORY_NAMES = {
    "receiving": Text(zh="接收", en="Receiving"), "talking": Text(zh="面向全班发言", en="Talking to class"),
    "working": Text(zh="动手做", en="Working"), "presenting": Text(zh="呈现", en="Presenting"),
    "guiding": Text(zh="引导", en="Guiding"), "administration": Text(zh="事务管理", en="Administration"),
    "other": Text(zh="其他", en="Other"),
}
_NOT_CODED = Text(zh="未编码", en="not coded")
_FRACTION = Text(zh="勾选的区间比例", en="Fraction of 2-min intervals")
_AXES = (Text(zh="前一编码", en="Code at a sample"), Text(zh="后一编码", en="Code at the next"))


def _pick(text: Text, lang: str) -> str:
    return text.get(lang)


def _title(chart_id: str, lang: str) -> str:
    return labels.CHARTS[chart_id].get(lang)


def _caption(chart_id: str, lang: str) -> str:
    return labels.CAPTIONS[chart_id].get(lang)


def _code_labels(scheme_id: str, lang: str) -> dict[str, str]:
    try:
        scheme = get_manager().coder_scheme(scheme_id)
    except PluginError:
        return {}
    return {c.id: c.label.get(lang) for c in scheme.codes}


def copus_charts(metrics: Metrics, lang: str) -> list[Chart]:
    """The two COPUS bar charts (instructor, students) and the two collapsed pies."""
    s = metrics.scalars
    names = _code_labels("copus", lang)
    charts = []
    sides = (("copus_instructor", "I.", INSTRUCTOR_COLOR), ("copus_students", "S.", STUDENT_COLOR))
    for chart_id, prefix, color in sides:
        codes = [c for c in names if c.startswith(prefix)] + (["S.GW"] if prefix == "S." else [])
        rows = []
        for code in codes:
            key = "copus_" + code.lower().replace(".", "_").replace("/", "")
            value = s.get(key)
            rows.append((code, float(value) if isinstance(value, int | float) else None))
        title = _title(chart_id, lang)
        groups = [(code[2:], [value]) for code, value in rows]
        drawn = grouped_bars_svg(groups, [(color, _pick(_FRACTION, lang))], title, _pick(_NOT_CODED, lang))
        table = DataTable(chart_id, title, ("code", "label", "fraction"),
                          tuple((code, names.get(code, "GW"), value) for code, value in rows))
        charts.append(Chart(chart_id, title, drawn, (table,), _caption(chart_id, lang)))
    for chart_id in ("copus_pie_instructor", "copus_pie_students"):
        shares = metrics.shares.get(chart_id)
        if not shares:
            continue
        title = _title(chart_id, lang)
        slices = [(_pick(_CATEGORY_NAMES[name], lang), share, PIE_COLORS[k % len(PIE_COLORS)])
                  for k, (name, share) in enumerate(shares.items())]
        table = DataTable(chart_id, title, ("category", "share"), tuple(shares.items()))
        charts.append(Chart(chart_id, title, pie_svg(slices, title), (table,), _caption(chart_id, lang)))
    return charts


def itias_charts(metrics: Metrics, lang: str) -> list[Chart]:
    """The ITIAS matrix as a heat map and the dynamic curves of its four groups."""
    charts = []
    table = metrics.tables.get("itias_matrix")
    if table is not None:
        codes = list(table.columns[1:])
        rows = [list(row[1:]) for row in table.rows]
        title = _title("itias_matrix", lang)
        groups = [(0, _pick(_GROUP_NAMES["teacher"], lang)), (8, _pick(_GROUP_NAMES["student"], lang)),
                  (12, _pick(_GROUP_NAMES["silence"], lang)), (15, _pick(_GROUP_NAMES["technology"], lang))]
        drawn = heatmap_svg(codes, rows, _code_labels("itias", lang), title, _AXES[0].get(lang), _AXES[1].get(lang),
                            groups)
        data = DataTable("itias_matrix", title, tuple(table.columns), tuple(tuple(r) for r in table.rows))
        charts.append(Chart("itias_matrix", title, drawn, (data,), _caption("itias_matrix", lang)))
    series = {g: metrics.series.get(f"itias_curve_{g}") for g in GROUP_COLORS}
    if all(v is not None for v in series.values()):
        lines = [Line(_pick(_GROUP_NAMES[g], lang), GROUP_COLORS[g], tuple(zip(v.t, v.values, strict=True)))
                 for g, v in series.items() if v is not None]
        duration = float(metrics.n_samples * metrics.interval)
        title = _title("itias_curves", lang)
        drawn = curve_svg(lines, [], duration, ui("minutes", lang), title, labels.UI["seek_to"].get(lang),
                          ui("not_measured", lang), legend=True)
        rows_out = tuple((t, *(v.values[i] for v in series.values() if v is not None))
                         for i, t in enumerate(next(iter(series.values())).t))  # type: ignore[union-attr]
        data = DataTable("itias_curves", title, ("t", *GROUP_COLORS), rows_out)
        charts.append(Chart("itias_curves", title, drawn, (data,), _caption("itias_curves", lang), seekable=True,
                            hint=ui("click_hint", lang)))
    return charts


_COMPARED: dict[str, tuple[str, ...]] = {
    "copus_compare": ("copus_i_presenting", "copus_i_guiding", "copus_i_administration", "copus_i_lec", "copus_i_pq",
                      "copus_i_mg", "copus_s_receiving", "copus_s_talking", "copus_s_working", "copus_s_gw",
                      "copus_s_anq", "copus_s_sq"),
    "itias_compare": ("itias_teacher_talk", "itias_student_talk", "itias_silence", "itias_technology",
                      "itias_steady_state", "itias_content_cross", "itias_student_initiated"),
}
_SHORT = {
    "copus_i_presenting": Text(zh="教师·呈现", en="I: presenting"),
    "copus_i_guiding": Text(zh="教师·引导", en="I: guiding"),
    "copus_i_administration": Text(zh="教师·事务", en="I: admin."),
    "copus_i_lec": Text(zh="I.Lec 讲授", en="I.Lec"),
    "copus_i_pq": Text(zh="I.PQ 提问", en="I.PQ"),
    "copus_i_mg": Text(zh="I.MG 巡视指导", en="I.MG"),
    "copus_s_receiving": Text(zh="学生·接收", en="S: receiving"),
    "copus_s_talking": Text(zh="学生·发言", en="S: talking"),
    "copus_s_working": Text(zh="学生·动手做", en="S: working"),
    "copus_s_gw": Text(zh="S.GW 小组", en="S.GW"),
    "copus_s_anq": Text(zh="S.AnQ 回答", en="S.AnQ"),
    "copus_s_sq": Text(zh="S.SQ 提问", en="S.SQ"),
    "itias_teacher_talk": Text(zh="教师言语", en="Teacher talk"),
    "itias_student_talk": Text(zh="学生言语", en="Student talk"),
    "itias_silence": Text(zh="沉寂", en="Silence"),
    "itias_technology": Text(zh="技术", en="Technology"),
    "itias_steady_state": Text(zh="稳态格", en="Steady state"),
    "itias_content_cross": Text(zh="内容十字区", en="Content cross"),
    "itias_student_initiated": Text(zh="学生主动言语", en="Student-initiated"),
}
_COMPARED_TITLES = {
    "copus_compare": Text(zh="COPUS 对比（勾选的区间比例）", en="COPUS side by side (fraction of intervals)"),
    "itias_compare": Text(zh="ITIAS 对比（比率）", en="ITIAS side by side (ratios)"),
}


def protocol_comparison(measured: Sequence[Metrics], names: Sequence[str], lang: str) -> list[Chart]:
    """Grouped bars of the protocols' key fractions, one bar per lesson, for the lessons coded with them."""
    charts = []
    series = [(series_color(i), n) for i, n in enumerate(names)]
    for chart_id, keys in _COMPARED.items():
        if not any(isinstance(m.scalars.get(keys[0]), int | float) for m in measured):
            continue
        values = [[_number(m.scalars.get(k)) for m in measured] for k in keys]
        title = _COMPARED_TITLES[chart_id].get(lang)
        groups = [(_SHORT[k].get(lang), v) for k, v in zip(keys, values, strict=True)]
        drawn = grouped_bars_svg(groups, series, title, _NOT_CODED.get(lang))
        rows = tuple((k, *v) for k, v in zip(keys, values, strict=True))
        charts.append(Chart(chart_id, title, drawn, (DataTable(chart_id, title, ("metric", *names), rows),)))
    return charts


def protocol_keys(measured: Sequence[Metrics]) -> list[str]:
    """The protocols' key metric ids some of ``measured`` has (for side-by-side tables)."""
    return [k for keys in _COMPARED.values() if any(isinstance(m.scalars.get(keys[0]), int | float) for m in measured)
            for k in keys]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def protocol_charts(metrics: Metrics, lang: str) -> list[Chart]:
    """The charts of whichever protocol the lesson was coded with (none for other schemes)."""
    if metrics.scheme == "copus":
        return copus_charts(metrics, lang)
    if metrics.scheme == "itias":
        return itias_charts(metrics, lang)
    return []
