"""``lessonlens evaluate-frames``: a student detector against labelled still frames (real footage)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer
from rich.console import Console
from rich.table import Table

from lessonlens.cli.models_cmd import parse_detector_options
from lessonlens.cli.native_logs import native_logs_filtered
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.plugins import get_manager
from lessonlens.core.readings import FrameReader, StudentReading
from lessonlens.files.atomic import write_text_atomic
from lessonlens.files.gates import check_output_file
from lessonlens.media.vision import Image
from lessonlens.perception.frame_eval import FrameEvaluation, evaluate_frames, read_class_map

_T = {
    "no_reader": Text(zh="检测器 {name} 不能逐帧读取学生（没有 frame_reader）",
                      en="detector {name} cannot read students frame by frame (no frame_reader)"),
    "head": Text(zh="{frames} 帧，标注学生 {labelled} 人，检出 {found}，配对 {matched}；"
                    "每帧 {wall:.3f} 秒（CPU {cpu:.3f}）",
                 en="{frames} frames, {labelled} labelled students, {found} found, {matched} matched; "
                    "{wall:.3f} s per frame (CPU {cpu:.3f})"),
    "state": Text(zh="状态", en="State"),
    "precision": Text(zh="精确率", en="Precision"),
    "recall": Text(zh="召回率", en="Recall"),
    "matched_f1": Text(zh="F1（仅配对）", en="F1 (matched)"),
    "mae": Text(zh="占比误差", en="Share MAE"),
    "prior_mae": Text(zh="常数先验误差", en="Prior MAE"),
    "down_up": Text(zh="低头/抬头 F1：{f1}", en="head down vs up F1: {f1}"),
    "any_hand": Text(zh="任一举手（逐帧）：精确率 {p}，召回率 {r}（{pos}/{n} 帧有举手）",
                     en="any hand raised (per frame): precision {p}, recall {r} ({pos}/{n} frames with a hand)"),
    "students": Text(zh="学生检出", en="students found"),
    "other_detector": Text(zh="--detector-option {option}：这里只评测检测器 {name}",
                           en="--detector-option {option}: only detector {name} is measured here"),
    "no_options": Text(zh="检测器 {name} 的逐帧读取不接受选项（--detector-option）",
                       en="detector {name} takes no options frame by frame (--detector-option)"),
}


def _fmt(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render(result: FrameEvaluation, lang: str, console: Console) -> None:
    console.print(_T["head"].format(lang, frames=result.frames, labelled=result.labelled, found=result.found,
                                    matched=result.matched, wall=result.seconds_per_frame, cpu=result.cpu_per_frame))
    table = Table(title=result.reader)
    for key in ("state", "precision", "recall"):
        table.add_column(_T[key].get(lang), justify="right")
    table.add_column("F1", justify="right")
    table.add_column(_T["matched_f1"].get(lang), justify="right")
    table.add_column(_T["mae"].get(lang), justify="right")
    table.add_column(_T["prior_mae"].get(lang), justify="right")
    d = result.detection
    table.add_row(_T["students"].get(lang), _fmt(d["precision"]), _fmt(d["recall"]), _fmt(d["f1"]), "", "", "")
    for state, s in result.states.items():
        share = result.shares.get(state, {})
        table.add_row(state, _fmt(s["precision"]), _fmt(s["recall"]), _fmt(s["f1"]), _fmt(s["matched"]["f1"]),
                      _fmt(share.get("mae")), _fmt(share.get("prior_mae")))
    console.print(table)
    if result.down_up_f1 is not None:
        console.print(_T["down_up"].format(lang, f1=_fmt(result.down_up_f1)))
    if result.any_hand is not None:
        a = result.any_hand
        console.print(_T["any_hand"].format(lang, p=_fmt(a["precision"]), r=_fmt(a["recall"]),
                                            pos=a["frames_with_hands"], n=a["frames"]))


class _Lazy:
    """The detector's reader, made at the first frame (bad labels are reported before a model loads)."""

    def __init__(self, make: Callable[[], FrameReader]) -> None:
        self.make = make
        self.reader: FrameReader | None = None

    def __call__(self, image: Image) -> Sequence[StudentReading]:
        if self.reader is None:
            self.reader = self.make()
        return self.reader(image)


def add_to(app: typer.Typer) -> None:
    @app.command("evaluate-frames")
    def evaluate_frames_command(
        folder: Annotated[Path, typer.Argument(help="带标注的图像目录 / folder of labelled frames.")],
        labels: Annotated[str, typer.Option("--labels", help="标注格式 yolo|coco / label format.")] = "yolo",
        classes: Annotated[str | None, typer.Option(
            "--classes", help="类别映射 YAML 或内置名称 / class map YAML or a shipped name.")] = None,
        detector: Annotated[str, typer.Option("--detector", help="学生检测器 / student detector.")] = "student-states",
        prior_from: Annotated[Path | None, typer.Option(
            "--prior-from", help="拟合常数先验的训练集目录 / train split for the constant prior.")] = None,
        detector_option: Annotated[list[str] | None, typer.Option(
            "--detector-option", help="检测器.选项=值，可多次（如 student-pose.backend=yolo-pose）/ "
                                      "DETECTOR.OPTION=VALUE, repeatable.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON.")] = False,
        out: Annotated[Path | None, typer.Option("-o", "--out", help="写入 JSON 文件 / write JSON here.")] = None,
    ) -> None:
        """在带标注的真实画面上评测学生检测器 / measure a student detector on labelled real frames."""
        if out is not None:
            check_output_file(out)
        class_map = read_class_map(classes) if classes else None
        plugin = get_manager().detector(detector)
        make = getattr(plugin, "frame_reader", None)
        if make is None:
            raise InputError(_T["no_reader"], name=detector)
        options = parse_detector_options(detector_option or [])
        for name, chosen in options.items():
            if name != detector:
                raise InputError(_T["other_detector"], option=f"{name}.{next(iter(chosen))}", name=detector)
        if detector in options:
            if "options" not in inspect.signature(make).parameters:
                raise InputError(_T["no_options"], name=detector)
            make = partial(make, options[detector])
        with native_logs_filtered():
            result = evaluate_frames(folder, _Lazy(make), detector, labels, class_map, prior_from)
        data: dict[str, Any] = attrs.asdict(result)
        if out is not None:
            write_text_atomic(out, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        render(result, current_lang(), Console())
