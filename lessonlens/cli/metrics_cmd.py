"""``lessonlens metrics FILE...``: the metrics of coded lessons (CSV sheets or analysis JSON): one lesson's
tables, or many lessons side by side, as JSON lines or as one table file (CSV/Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.documents import dumps
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.metric_records import wide_table
from lessonlens.core.metrics import Metrics, Scalar
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import CodingScheme
from lessonlens.files.gates import check_output_file
from lessonlens.pipeline.measure import measure, measure_many
from lessonlens.pipeline.pooling import Pooled, pooled_fractions
from lessonlens.tables.write import format_of, write_table

_HEAD = {
    "metric": Text(zh="指标", en="Metric"),
    "value": Text(zh="数值", en="Value"),
    "behaviour": Text(zh="行为", en="Behaviour"),
    "share": Text(zh="占比", en="Share"),
    "curve": Text(zh="曲线", en="Curve"),
    "mean": Text(zh="平均", en="Mean"),
    "max": Text(zh="最大（时间）", en="Max (at)"),
    "min": Text(zh="最小（时间）", en="Min (at)"),
    "turns": Text(zh="极大/极小值个数", en="Peaks/dips"),
    "count": Text(zh="次数", en="Count"),
    "total": Text(zh="总时长", en="Total"),
    "longest": Text(zh="最长", en="Longest"),
    "st": Text(zh="S-T 分析", en="S-T analysis"),
    "curves": Text(zh="参与度 / 表现度 / 关注度", en="Participation / consistency / attention"),
    "episodes": Text(zh="行为片段", en="Episodes"),
    "fias": Text(zh="弗兰德斯互动矩阵", en="Flanders interaction matrix"),
    "fias_ratios": Text(zh="弗兰德斯比率", en="Flanders ratios"),
    "va": Text(zh="言语—活动四类占比", en="Verbal–activity categories"),
    "lesson": Text(zh="{scheme}：{n} 个采样点，间隔 {interval:g} 秒，时长 {duration}",
                   en="{scheme}: {n} samples every {interval:g} s, {duration} long"),
    "undefined": Text(zh="无定义", en="undefined"),
    "compare": Text(zh="课例对比", en="Lessons compared"),
    "lesson_col": Text(zh="课例", en="Lesson"),
    "scheme": Text(zh="编码方案", en="Scheme"),
    "samples": Text(zh="采样点", en="Samples"),
    "mode": Text(zh="模式", en="Mode"),
    "mode_30s": Text(zh="模式 30 秒", en="Mode 30 s"),
    "wrote": Text(zh="已写入 {n} 节课的指标到 {path}", en="wrote the metrics of {n} lessons to {path}"),
    "copus_codes": Text(zh="COPUS 各编码勾选的区间比例", en="COPUS: fraction of intervals each code was ticked"),
    "copus_collapsed": Text(zh="COPUS 归并类（区间比例）", en="COPUS collapsed categories (fraction of intervals)"),
    "code": Text(zh="编码", en="Code"),
    "fraction": Text(zh="区间比例", en="Intervals"),
    "not_coded": Text(zh="未编码", en="not coded"),
    "itias": Text(zh="ITIAS 互动矩阵", en="ITIAS interaction matrix"),
    "itias_ratios": Text(zh="ITIAS 比率", en="ITIAS ratios"),
    "pooled": Text(zh="多节课汇总（合并 / 各课平均）", en="Lessons summarised (pooled / mean of lessons)"),
    "pooled_col": Text(zh="合并", en="Pooled"),
    "mean_col": Text(zh="各课平均", en="Mean of lessons"),
    "lessons": Text(zh="课数", en="Lessons"),
}
_ST_KEYS = ("rt", "ch", "mode", "rt_30s", "ch_30s", "mode_30s", "n_t", "n_s", "runs", "switches_per_10min",
            "teacher_switches_per_10min", "longest_lecture")
_FIAS_KEYS = ("fias_teacher_talk", "fias_student_talk", "fias_silence", "fias_indirect_direct", "fias_steady_state")
_ITIAS_KEYS = ("itias_teacher_talk", "itias_student_talk", "itias_silence", "itias_technology", "itias_indirect_direct",
               "itias_positive_negative", "itias_open_closed", "itias_student_initiated", "itias_technology_teacher",
               "itias_steady_state", "itias_content_cross", "itias_pairs")
_COPUS_COLLAPSED = ("copus_s_receiving", "copus_s_talking", "copus_s_working", "copus_s_other", "copus_s_gw",
                    "copus_i_presenting", "copus_i_guiding", "copus_i_administration", "copus_i_other")
_VA_KEYS = ("va_teacher_verbal", "va_teacher_activity", "va_student_verbal", "va_student_activity")


def both(text: Text) -> str:
    """Chinese first, then English, unless they are the same."""
    return text.zh if text.zh == text.en else f"{text.zh} {text.en}"


def clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60:d}:{whole % 60:02d}"


def metric_label(key: str) -> Text:
    """A metric's label with its unit, as its metric plugin declares it."""
    return get_manager().metric_label(key)


def _value(key: str, value: Scalar) -> str:
    if value is None:
        return both(_HEAD["undefined"])
    if key.startswith("mode"):
        field = get_manager().metric_fields().get(key)
        modes = field.values if field is not None else {}
        return both(modes.get(str(value), Text(zh=str(value), en=str(value))))
    if key == "longest_lecture" and isinstance(value, float | int):
        return clock(float(value))
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _label(scheme: CodingScheme, code_id: str) -> str:
    """The code's label in ``scheme``, else in any registered scheme (shares condensed to another
    scheme's codes, e.g. ``va_condensed``), else the id itself."""
    schemes = [scheme, *(reg.item.scheme for reg in get_manager().registry.coders.values())]
    for candidate in schemes:
        try:
            return both(candidate.code(code_id).label)
        except KeyError:
            continue
    return code_id


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    return table


def _copus_id(code: str) -> str:
    return "copus_" + code.lower().replace(".", "_").replace("/", "")


def _fraction(value: Scalar) -> str:
    return both(_HEAD["not_coded"]) if value is None else f"{float(value) * 100:.1f}%"


def render_copus(metrics: Metrics, scheme: CodingScheme, console: Console) -> None:
    """COPUS: each code's fraction of intervals, then the collapsed categories and GW."""
    s = metrics.scalars
    codes = _table(both(_HEAD["copus_codes"]), both(_HEAD["code"]), both(_HEAD["fraction"]))
    for code in scheme.codes:
        codes.add_row(f"{code.id} {both(code.label)}", _fraction(s.get(_copus_id(code.id))))
    console.print(codes)
    collapsed = _table(both(_HEAD["copus_collapsed"]), both(_HEAD["metric"]), both(_HEAD["fraction"]))
    for key in _COPUS_COLLAPSED:
        collapsed.add_row(both(metric_label(key)), _fraction(s.get(key)))
    console.print(collapsed)
    for key in ("copus_not_coded", "copus_partial"):
        if s.get(key):
            console.print(f"{both(metric_label(key))}: {s[key]}")


def render(metrics: Metrics, scheme: CodingScheme, console: Console) -> None:
    """The metrics as readable bilingual tables."""
    s = metrics.scalars
    duration = float(s.get("duration") or metrics.n_samples * metrics.interval)
    for lang in ("zh-CN", "en"):
        console.print(_HEAD["lesson"].format(lang, scheme=scheme.name.get(lang), n=metrics.n_samples,
                                             interval=metrics.interval, duration=clock(duration)))
    if scheme.multi_code:
        render_copus(metrics, scheme, console)
        for group in ("copus_pie_students", "copus_pie_instructor"):
            if group in metrics.shares:
                pie = _table(both(metric_label(group)), both(_HEAD["behaviour"]), both(_HEAD["share"]))
                side = "s" if group.endswith("students") else "i"
                for name, share in metrics.shares[group].items():
                    pie.add_row(both(metric_label(f"copus_{side}_{name}")), f"{share * 100:.1f}%")
                console.print(pie)
        return
    st = _table(both(_HEAD["st"]), both(_HEAD["metric"]), both(_HEAD["value"]))
    for key in _ST_KEYS:
        if key in s:
            st.add_row(both(metric_label(key)), _value(key, s[key]))
    console.print(st)
    for group, shares in metrics.shares.items():
        table = _table(both(metric_label(group)), both(_HEAD["behaviour"]), both(_HEAD["share"]))
        for code_id, share in shares.items():
            table.add_row(_label(scheme, code_id), f"{share * 100:.1f}%")
        console.print(table)
    if metrics.summaries:
        table = _table(both(_HEAD["curves"]), both(_HEAD["curve"]), both(_HEAD["mean"]), both(_HEAD["max"]),
                       both(_HEAD["min"]), both(_HEAD["turns"]))
        for name, summary in metrics.summaries.items():
            table.add_row(
                both(metric_label(name)),
                _value(name, summary.mean),
                f"{summary.max.value:.3f} ({clock(summary.max.t)})" if summary.max else "-",
                f"{summary.min.value:.3f} ({clock(summary.min.t)})" if summary.min else "-",
                f"{s.get(name + '_local_maxima', '-')}/{s.get(name + '_local_minima', '-')}",
            )
        console.print(table)
    if metrics.episodes:
        table = _table(both(_HEAD["episodes"]), both(_HEAD["behaviour"]), both(_HEAD["count"]),
                       both(_HEAD["total"]), both(_HEAD["longest"]))
        for code_id, ep in metrics.episodes.items():
            table.add_row(_label(scheme, code_id), str(ep.count), clock(ep.total), clock(ep.longest))
        console.print(table)
    if "fias_matrix" in metrics.tables:
        fias = _table(both(_HEAD["fias"]), *metrics.tables["fias_matrix"].columns)
        for row in metrics.tables["fias_matrix"].rows:
            fias.add_row(*(str(v) for v in row))
        console.print(fias)
        ratios = _table(both(_HEAD["fias_ratios"]), both(_HEAD["metric"]), both(_HEAD["value"]))
        for key in _FIAS_KEYS:
            ratios.add_row(both(metric_label(key)), _value(key, s.get(key)))
        console.print(ratios)
    if "itias_matrix" in metrics.tables:
        itias = _table(both(_HEAD["itias"]), *metrics.tables["itias_matrix"].columns)
        for row in metrics.tables["itias_matrix"].rows:
            itias.add_row(*(str(v) for v in row))
        console.print(itias)
        ratios = _table(both(_HEAD["itias_ratios"]), both(_HEAD["metric"]), both(_HEAD["value"]))
        for key in _ITIAS_KEYS:
            ratios.add_row(both(metric_label(key)), _value(key, s.get(key)))
        console.print(ratios)
    if any(key in s for key in _VA_KEYS):
        va = _table(both(_HEAD["va"]), both(_HEAD["metric"]), both(_HEAD["value"]))
        for key in _VA_KEYS:
            va.add_row(both(metric_label(key)), _value(key, s.get(key)))
        console.print(va)


def render_comparison(files: list[Path], measured: list[Metrics], console: Console) -> None:
    """One row per lesson: its S-T analysis side by side."""
    keys = ("rt", "ch", "mode", "rt_30s", "ch_30s", "mode_30s")
    rt, ch = (both(get_manager().metric_fields()[k].short()) for k in ("rt", "ch"))
    short = (rt, ch, both(_HEAD["mode"]), f"{rt} 30 s", f"{ch} 30 s", both(_HEAD["mode_30s"]))
    table = _table(both(_HEAD["compare"]), both(_HEAD["lesson_col"]), both(_HEAD["scheme"]), both(_HEAD["samples"]),
                   *short)
    for file, metrics in zip(files, measured, strict=True):
        table.add_row(file.stem, metrics.scheme, str(metrics.n_samples),
                      *(_value(key, metrics.scalars.get(key)) for key in keys))
    console.print(table)


def render_pooled(pooled: list[Pooled], console: Console) -> None:
    """Each fraction over all lessons: pooled and the mean of per-lesson fractions."""
    table = _table(both(_HEAD["pooled"]), both(_HEAD["metric"]), both(_HEAD["pooled_col"]), both(_HEAD["mean_col"]),
                   both(_HEAD["lessons"]))
    for p in pooled:
        table.add_row(both(metric_label(p.metric)) if p.metric in get_manager().metric_fields() else p.metric,
                      _fraction(p.pooled), _fraction(p.mean_of_lessons), str(p.lessons))
    console.print(table)


def pooled_records(pooled: list[Pooled]) -> list[dict[str, object]]:
    """Two summary rows for the lessons' table: ``(pooled)`` and ``(mean of lessons)``."""
    return [{"lesson": "(pooled)", "file": "", **{p.metric: p.pooled for p in pooled}},
            {"lesson": "(mean of lessons)", "file": "", **{p.metric: p.mean_of_lessons for p in pooled}}]


def add_to(app: typer.Typer) -> None:
    @app.command("metrics")
    def metrics_command(
        files: Annotated[list[Path], typer.Argument(
            help="手工编码表 CSV 或分析 JSON（可多个）/ coded CSV sheets or analysis JSON files (one or more).")],
        scheme: str = typer.Option("", "--scheme", help="编码方案 platform-9|st|fias|verbal-activity|copus|itias"
                                   "（默认按表头判断）/ coding scheme (default: from the header)."),
        interval: float = typer.Option(0.0, "--interval", help="采样间隔（秒）/ sampling interval in seconds."),
        bins: float = typer.Option(120.0, "--bins", help="时序图分段（秒）/ timeline bin in seconds."),
        as_json: bool = typer.Option(False, "--json", help="以 JSON 输出指标文档（多节课时每行一个）/ print the "
                                     "metrics document (several lessons: one compact document per line)."),
        table: Annotated[Path | None, typer.Option("--table", help="把每节课一行的指标表写入 CSV 或 Parquet 文件 / "
                                                   "write one row of metrics per lesson to a CSV or Parquet file.")
                         ] = None,
        fmt: str = typer.Option("", "--format", help="表格格式 csv|parquet（默认按扩展名）/ table format "
                                "(default: from the suffix)."),
        pooled: bool = typer.Option(False, "--pooled", help="多节课的比例汇总：合并（全部区间）与各课平均；与 --table "
                                    "同用时追加两行 / fractions over all lessons, pooled and mean of per-lesson "
                                    "fractions (with --table: two summary rows)."),
        frame: bool = typer.Option(False, "--frame", help="ITIAS 矩阵首尾以 13 框定（弗兰德斯原法）/ frame the ITIAS "
                                   "sequence with code 13 (as Flanders framed with silence)."),
    ) -> None:
        """计算课例指标（S-T、Rt-Ch、占比、曲线、时序），一节或多节 / compute the metrics of one lesson or many."""
        options = {"itias_frame": True} if frame else None
        if len(files) == 1 and table is None and not pooled:
            metrics = measure(files[0], scheme=scheme or None, interval=interval or None, bin_seconds=bins,
                              options=options)
            if as_json:
                typer.echo(dumps(metrics))
                return
            render(metrics, get_manager().coder_scheme(metrics.scheme), Console(width=110))
            return
        chosen = format_of(table, fmt or None) if table is not None else ""
        if table is not None:
            check_output_file(table)
        measured = measure_many(files, scheme=scheme or None, interval=interval or None, bin_seconds=bins,
                                options=options)
        summary = pooled_fractions(measured) if pooled else []
        if table is not None:
            records: list[dict[str, object]] = [{"lesson": file.stem, "file": str(file), **m.to_row()}
                                                for file, m in zip(files, measured, strict=True)]
            records += pooled_records(summary) if pooled else []
            write_table(table, *wide_table(records), chosen)
            typer.echo(_HEAD["wrote"].format(current_lang(), n=len(measured), path=table))
        elif as_json:
            for metrics in measured:
                typer.echo(dumps(metrics, indent=None))
        else:
            render_comparison(files, measured, Console(width=140))
        if pooled and table is None and not as_json:
            render_pooled(summary, Console(width=140))
