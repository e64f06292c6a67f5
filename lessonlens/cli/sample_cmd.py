"""``lessonlens sample-lesson``: write a synthetic multi-camera lesson with its true coding."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.files.gates import check_output_dir

_NEEDS_EXTRA = Text(
    zh="生成示例课需要可选依赖：pip install 'lessonlens[synth]'（缺少 {module}）",
    en="the sample lesson needs an optional extra: pip install 'lessonlens[synth]' (missing {module})",
)
_DONE = Text(
    zh="示例课已写入 {dir}（{minutes} 分钟，三路 720p 视频 + 音频 + 真实编码 truth.csv）。分析它：\n  {command}",
    en="sample lesson written to {dir} ({minutes} min, three 720p cameras + audio + true coding truth.csv). "
    "Analyse it:\n  {command}",
)


def add_to(app: typer.Typer) -> None:
    @app.command("sample-lesson")
    def sample_lesson(
        out: Annotated[Path, typer.Option("-o", "--out", help="输出目录 / output directory.")],
        minutes: Annotated[float, typer.Option("--minutes", min=0.5, help="课长（分钟）/ lesson length.")] = 45.0,
        fps: Annotated[int, typer.Option("--fps", min=1, max=30, help="视频帧率 / video frame rate.")] = 10,
        seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed of the plan.")] = 7,
    ) -> None:
        """生成合成示例课（多路视频、音频与真实编码）/ write a synthetic lesson (cameras, audio, true coding)."""
        check_output_dir(out)
        try:
            from lessonlens.synth import generate_lesson
        except ModuleNotFoundError as exc:
            raise InputError(_NEEDS_EXTRA, module=exc.name) from None
        lesson = generate_lesson(out, minutes=minutes, fps=fps, seed=seed)
        d = lesson.directory
        command = (f"lessonlens analyze --teacher {d / 'teacher.mp4'} --students {d / 'students.mp4'} "
                   f"--board {d / 'board.mp4'} --audio {d / 'audio.m4a'} --meta {d / 'lesson.yaml'} -o {d / 'out'}")
        typer.echo(_DONE.format(current_lang(), dir=d, minutes=f"{minutes:g}", command=command))
