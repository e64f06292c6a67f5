"""``lessonlens analyze`` (recorded lesson files -> analysis.json and report) and ``lessonlens evaluate``
(machine coding vs a hand-coded sheet)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, cast

import attrs
import typer
from rich.console import Console
from rich.table import Table

from lessonlens.cli.models_cmd import parse_detector_options
from lessonlens.cli.native_logs import native_logs_filtered
from lessonlens.cli.progress import progress_bar
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.lesson import MediaRole
from lessonlens.files.documents import load
from lessonlens.media import Sampling
from lessonlens.media.layout import read_layout
from lessonlens.media.models import ENV_DOWNLOAD
from lessonlens.perception import Evaluation, analyze, evaluate
from lessonlens.perception.compare import Comparison, compare
from lessonlens.perception.evaluate import Agreement
from lessonlens.pipeline.measure import read_coded_sheet

#: the detectors that read the room layout option
LAYOUT_DETECTORS = ("teacher-pose", "board-ocr")

_T = {
    "bad_offset": Text(zh="--offset 应写成 角色=秒，角色为 {roles}：{value}",
                       en="--offset must be ROLE=SECONDS with ROLE one of {roles}: {value}"),
    "warning": Text(zh="注意", en="warning"),
    "done": Text(zh="已分析 {lesson}：{duration:.0f} 秒，{n} 个采样点，{coded} 个已编码；写入 {files}",
                 en="analysed {lesson}: {duration:.0f} s, {n} samples, {coded} coded; wrote {files}"),
    "unavailable": Text(zh="未能观察：{what}", en="not observed: {what}"),
    "detector": Text(zh="检测器", en="Detector"),
    "seconds": Text(zh="秒", en="Seconds"),
    "observations": Text(zh="观察数", en="Observations"),
    "note": Text(zh="说明", en="Note"),
    "cache": Text(zh="缓存", en="from cache"),
    "skipped": Text(zh="跳过", en="skipped"),
    "matched": Text(zh="对齐样本 {matched}/{samples}", en="matched samples {matched}/{samples}"),
    "teacher": Text(zh="教师行为", en="Teacher behaviour"),
    "students": Text(zh="学生主要行为", en="Students' dominant behaviour"),
    "st": Text(zh="S/T 编码", en="S/T code"),
    "summary": Text(zh="{what}：准确率 {accuracy:.1%}，Cohen's κ = {kappa}（n = {n}）",
                    en="{what}: accuracy {accuracy:.1%}, Cohen's kappa = {kappa} (n = {n})"),
    "label": Text(zh="编码", en="Code"),
    "precision": Text(zh="精确率", en="Precision"),
    "recall": Text(zh="召回率", en="Recall"),
    "mae": Text(zh="学生行为占比平均绝对误差", en="Mean absolute error of student shares"),
    "truth_machine": Text(zh="人工 \\ 机器", en="hand \\ machine"),
    "evaluate_args": Text(zh="请给出至少一个 analysis.json 和一个人工编码表",
                          en="give at least one analysis.json and a hand-coded sheet"),
    "compare": Text(zh="同一节课的多个分析与人工编码的一致性（κ：Cohen's kappa）",
                    en="several analyses of one lesson against the hand coding (κ: Cohen's kappa)"),
    "what": Text(zh="项目", en="What"),
}
_OVERALL_KEY = {"teacher": "teacher", "students_dominant": "students", "st": "st"}
ROLES = tuple(r.value for r in MediaRole)


def parse_offsets(items: list[str]) -> dict[str, float]:
    offsets = {}
    for item in items:
        role, _, value = item.partition("=")
        try:
            if role.strip() not in ROLES:
                raise ValueError(role)
            offsets[role.strip()] = float(value)
        except ValueError:
            raise InputError(_T["bad_offset"], roles="/".join(ROLES), value=item) from None
    return offsets


def _names(items: list[str]) -> list[str] | None:
    names = [n.strip() for item in items for n in item.split(",") if n.strip()]
    return names or None


def add_to(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_command(
        out: Annotated[Path, typer.Option("-o", "--out", help="输出目录 / output directory.")],
        video: Annotated[Path | None, typer.Argument(help="单路混合录像 / one mixed recording.")] = None,
        teacher: Annotated[Path | None, typer.Option("--teacher", help="教师机位 / teacher camera.")] = None,
        students: Annotated[Path | None, typer.Option("--students", help="学生机位 / student camera.")] = None,
        board: Annotated[Path | None, typer.Option("--board", help="板书机位 / board camera.")] = None,
        audio: Annotated[Path | None, typer.Option("--audio", help="录音（可含领夹麦声道）/ audio.")] = None,
        meta: Annotated[Path | None, typer.Option("--meta", help="课堂信息 lesson.yaml / lesson metadata.")] = None,
        offset: Annotated[list[str] | None, typer.Option(
            "--offset", help="时间偏移 角色=秒，可多次 / ROLE=SECONDS, repeatable.")] = None,
        interval: Annotated[float, typer.Option("--interval", min=0.5, help="采样间隔（秒）/ interval (s).")] = 6.0,
        detectors: Annotated[list[str] | None, typer.Option(
            "--detectors", help="检测器（逗号分隔）/ detectors, comma-separated.")] = None,
        coder: Annotated[str, typer.Option("--coder", help="编码方案 / coding scheme.")] = "platform-9",
        cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="检测结果缓存目录 / cache dir.")] = None,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="不用缓存 / do not use the cache.")] = False,
        no_report: Annotated[bool, typer.Option("--no-report", help="不生成报告 / no report.")] = False,
        parallel: Annotated[int | None, typer.Option(
            "--parallel", min=1, max=8, help="同时运行的检测器数 / detectors run at once.")] = None,
        threads: Annotated[int | None, typer.Option(
            "--threads", min=1, max=256, help="本节课最多使用的核数（检测器的原生线程合计，默认为全部核）/ the most "
            "cores the lesson's detectors use at once (their native threads together; default: every core).")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度 / no progress bars.")] = False,
        sampling: Annotated[str, typer.Option(
            "--sampling", help="取帧：exact 为每个采样时刻的准确画面，keyframe 为最近的关键帧（长 GOP 时更快，"
            "但可能相差半个 GOP）/ frames: exact (the picture at each instant) or keyframe (the nearest keyframe: "
            "faster with long GOPs, up to half a GOP off).")] = "exact",
        layout: Annotated[Path | None, typer.Option(
            "--layout", help="教室布局 YAML（教师机位画面中的讲台、黑板等区域）/ room layout YAML (zones of the "
            "teacher camera's picture: board, podium ...).")] = None,
        detector_option: Annotated[list[str] | None, typer.Option(
            "--detector-option", help="检测器选项 检测器.选项=值，可多次（如 student-pose.backend=rtmo）/ "
            "DETECTOR.OPTION=VALUE, repeatable (e.g. student-pose.model=rtmo.onnx).")] = None,
        allow_download: Annotated[bool, typer.Option(
            "--allow-download", help="允许检测器所用的库下载缺少的模型 / let the detectors' libraries download "
            "missing models.")] = False,
    ) -> None:
        """分析课堂录像：检测、编码、指标、诊断与报告 / analyse recorded lesson files."""
        lang = current_lang()
        console = Console(stderr=True)
        warnings: list[str] = []
        runs: list[Any] = []
        cache: bool | Path = False if no_cache else (cache_dir or True)
        zones = read_layout(layout) if layout is not None else None  # checked before any media is read
        detector_options: dict[str, dict[str, Any]] = {name: {"layout": zones} for name in LAYOUT_DETECTORS} if zones \
            else {}
        for name, chosen in parse_detector_options(detector_option or []).items():
            detector_options.setdefault(name, {}).update(chosen)
        if allow_download:
            os.environ[ENV_DOWNLOAD] = "1"
        with native_logs_filtered(), progress_bar(enabled=not quiet) as progress:
            analysis = analyze(
                teacher=teacher, students=students, board=board, audio=audio, video=video,
                offsets=parse_offsets(offset or []), lesson=meta, detectors=_names(detectors or []), coder=coder,
                interval=interval, out_dir=out, cache=cache, report=not no_report, progress=progress,
                warn=warnings.append, on_detector=runs.append, parallel=parallel, threads=threads,
                detector_options=detector_options or None, sampling=cast(Sampling, sampling),
            )
        for message in warnings:
            console.print(f"[yellow]{_T['warning'].get(lang)}:[/yellow] {message}", markup=True, highlight=False)
        table = Table()
        for key in ("detector", "seconds", "observations", "note"):
            table.add_column(_T[key].get(lang))
        for run in runs:
            note = _T["cache"].get(lang) if run.cached else (f"{_T['skipped'].get(lang)}: {run.skipped}"
                                                             if run.skipped else "")
            table.add_row(run.name, f"{run.seconds:.1f}", str(run.observations), note)
        console.print(table)
        if analysis.unavailable:
            console.print(_T["unavailable"].format(lang, what=", ".join(analysis.unavailable)))
        samples = analysis.timeline.samples if analysis.timeline else ()
        files = ", ".join(str(p) for p in (out / "analysis.json", out / "report.html") if p.exists())
        coded = sum(1 for s in samples if s.teacher or s.code or any(s.ticks.values()))  # ticks: COPUS
        typer.echo(_T["done"].format(lang, lesson=analysis.lesson.id, duration=analysis.lesson.duration or 0.0,
                                     n=len(samples), coded=coded, files=files))

    @app.command("evaluate")
    def evaluate_command(
        files: Annotated[list[Path], typer.Argument(
            help="analysis.json（可多个，同一节课不同模型）然后人工编码表 CSV / one or more analysis.json of one "
                 "lesson (e.g. made with different backends), then the hand-coded sheet.")],
        scheme: Annotated[str | None, typer.Option("--scheme", help="编码方案 / coding scheme.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON.")] = False,
    ) -> None:
        """机器编码与人工编码的一致性，多个分析并列 / agreement with a hand coding; several analyses side by side."""
        if len(files) < 2:
            raise InputError(_T["evaluate_args"])
        *analyses, truth = files
        sheet = read_coded_sheet(truth, scheme)
        results = [evaluate(load(path), sheet) for path in analyses]
        if len(results) == 1:
            if as_json:
                typer.echo(json.dumps(evaluation_json(results[0]), ensure_ascii=False, indent=2))
                return
            render_evaluation(results[0], current_lang(), Console())
            return
        comparison = compare(analysis_names(analyses), results)
        if as_json:
            typer.echo(json.dumps(attrs.asdict(comparison), ensure_ascii=False, indent=2))
            return
        render_comparison(comparison, current_lang(), Console())


def analysis_names(paths: list[Path]) -> list[str]:
    """Column names: the folder of each ``analysis.json`` (the file name when the folders repeat)."""
    names = [p.parent.name if p.name == "analysis.json" and p.parent.name else p.stem for p in paths]
    return names if len(set(names)) == len(names) else [str(p) for p in paths]


def _cell(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render_comparison(result: Comparison, lang: str, console: Console) -> None:
    table = Table(title=_T["compare"].get(lang))
    table.add_column(_T["what"].get(lang))
    for name in result.names:
        table.add_column(name, justify="right")
    for what, cells in result.overall.items():
        table.add_row(_T[_OVERALL_KEY[what]].get(lang) + " κ (acc)",
                      *(f"{_cell(k)} ({acc:.1%})" for k, acc in cells))
    for code, kappas in result.code_kappa.items():
        table.add_row(f"κ {code}", *(_cell(k) for k in kappas))
    for share, errors in result.share_mae.items():
        table.add_row(f"MAE {share}", *(_cell(e) for e in errors))
    console.print(table)


def evaluation_json(result: Evaluation) -> dict[str, Any]:
    return attrs.asdict(result, recurse=True)


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_evaluation(result: Evaluation, lang: str, console: Console) -> None:
    console.print(_T["matched"].format(lang, matched=result.matched, samples=result.samples))
    for key, agreement in (("teacher", result.teacher), ("students", result.students_dominant), ("st", result.st)):
        console.print(_T["summary"].format(lang, what=_T[key].get(lang), accuracy=agreement.accuracy,
                                           kappa=_kappa(agreement.kappa), n=agreement.n))
        console.print(_agreement_table(agreement, lang))
    mae = Table(title=_T["mae"].get(lang))
    for b in result.share_mae:
        mae.add_column(b)
    mae.add_row(*(f"{v:.3f}" for v in result.share_mae.values()))
    console.print(mae)


def _agreement_table(agreement: Agreement, lang: str) -> Table:
    table = Table()
    table.add_column(_T["truth_machine"].get(lang))
    for label in agreement.labels:
        table.add_column(label, justify="right")
    table.add_column(_T["precision"].get(lang), justify="right")
    table.add_column(_T["recall"].get(lang), justify="right")
    for label, row in zip(agreement.labels, agreement.confusion, strict=True):
        stats = agreement.per_label[label]
        table.add_row(label, *(str(v) for v in row), *(
            "-" if stats[k] is None else f"{stats[k]:.2f}" for k in ("precision", "recall")))
    return table
