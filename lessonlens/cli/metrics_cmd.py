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
from lessonlens.core.measure import measure, measure_many
from lessonlens.core.metric_labels import MODE_LABELS, metric_label
from lessonlens.core.metric_records import wide_table
from lessonlens.core.metrics import Metrics, Scalar
from lessonlens.core.plugins import get_manager
from lessonlens.core.table_files import format_of, write_table
from lessonlens.core.timeline import CodingScheme

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
}
_ST_KEYS = ("rt", "ch", "mode", "rt_30s", "ch_30s", "mode_30s", "n_t", "n_s", "runs", "switches_per_10min",
            "teacher_switches_per_10min", "longest_lecture")
_FIAS_KEYS = ("fias_teacher_talk", "fias_student_talk", "fias_silence", "fias_indirect_direct", "fias_steady_state")
_VA_KEYS = ("va_teacher_verbal", "va_teacher_activity", "va_student_verbal", "va_student_activity")


def both(text: Text) -> str:
    """Chinese first, then English, unless they are the same."""
    return text.zh if text.zh == text.en else f"{text.zh} {text.en}"


def clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60:d}:{whole % 60:02d}"


def _value(key: str, value: Scalar) -> str:
    if value is None:
        return both(_HEAD["undefined"])
    if key.startswith("mode"):
        return both(MODE_LABELS.get(str(value), Text(zh=str(value), en=str(value))))
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


def render(metrics: Metrics, scheme: CodingScheme, console: Console) -> None:
    """The metrics as readable bilingual tables."""
    s = metrics.scalars
    duration = float(s.get("duration") or 0.0)
    for lang in ("zh-CN", "en"):
        console.print(_HEAD["lesson"].format(lang, scheme=scheme.name.get(lang), n=metrics.n_samples,
                                             interval=metrics.interval, duration=clock(duration)))
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
    if any(key in s for key in _VA_KEYS):
        va = _table(both(_HEAD["va"]), both(_HEAD["metric"]), both(_HEAD["value"]))
        for key in _VA_KEYS:
            va.add_row(both(metric_label(key)), _value(key, s.get(key)))
        console.print(va)


def render_comparison(files: list[Path], measured: list[Metrics], console: Console) -> None:
    """One row per lesson: its S-T analysis side by side."""
    keys = ("rt", "ch", "mode", "rt_30s", "ch_30s", "mode_30s")
    short = ("Rt", "Ch", both(_HEAD["mode"]), "Rt 30 s", "Ch 30 s", both(_HEAD["mode_30s"]))
    table = _table(both(_HEAD["compare"]), both(_HEAD["lesson_col"]), both(_HEAD["scheme"]), both(_HEAD["samples"]),
                   *short)
    for file, metrics in zip(files, measured, strict=True):
        table.add_row(file.stem, metrics.scheme, str(metrics.n_samples),
                      *(_value(key, metrics.scalars.get(key)) for key in keys))
    console.print(table)


def add_to(app: typer.Typer) -> None:
    @app.command("metrics")
    def metrics_command(
        files: Annotated[list[Path], typer.Argument(
            help="手工编码表 CSV 或分析 JSON（可多个）/ coded CSV sheets or analysis JSON files (one or more).")],
        scheme: str = typer.Option("", "--scheme", help="编码方案 platform-9|st|fias|verbal-activity"
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
    ) -> None:
        """计算课例指标（S-T、Rt-Ch、占比、曲线、时序），一节或多节 / compute the metrics of one lesson or many."""
        if len(files) == 1 and table is None:
            metrics = measure(files[0], scheme=scheme or None, interval=interval or None, bin_seconds=bins)
            if as_json:
                typer.echo(dumps(metrics))
                return
            render(metrics, get_manager().coder_scheme(metrics.scheme), Console(width=110))
            return
        chosen = format_of(table, fmt or None) if table is not None else ""
        measured = measure_many(files, scheme=scheme or None, interval=interval or None, bin_seconds=bins)
        if table is not None:
            records = [{"lesson": file.stem, "file": str(file), **m.to_row()} for file, m in zip(files, measured,
                                                                                                    strict=True)]
            write_table(table, *wide_table(records), chosen)
            typer.echo(_HEAD["wrote"].format(current_lang(), n=len(records), path=table))
        elif as_json:
            for metrics in measured:
                typer.echo(dumps(metrics, indent=None))
        else:
            render_comparison(files, measured, Console(width=140))
