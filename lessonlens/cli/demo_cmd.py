"""``lessonlens demo``: the README's main job — every capability once, on bundled and synthetic lessons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lessonlens.cli.native_logs import native_logs_filtered
from lessonlens.cli.progress import progress_bar
from lessonlens.core.i18n import Text, current_lang
from lessonlens.files.gates import check_output_dir

_WROTE = Text(zh="已写入 {n} 个文件到 {dir}：", en="wrote {n} files to {dir}:")
_SKIPPED = Text(zh="未生成：", en="not made:")
_AGREEMENT = Text(
    zh="合成视频课的机器编码与真实编码一致性：教师行为 {teacher:.1%}（kappa {kappa:.2f}），"
    "学生主要行为 {students:.1%}，S/T {st:.1%}",
    en="agreement of the machine coding of the synthetic video lesson with its true coding: teacher "
    "{teacher:.1%} (kappa {kappa:.2f}), students' main behaviour {students:.1%}, S/T {st:.1%}",
)
_OPEN = Text(zh="用浏览器打开 {path} 查看课堂报告。", en="open {path} in a browser to see the lesson report.")


def add_to(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Annotated[Path, typer.Option("-o", "--out", help="输出目录 / output directory.")] = Path(
            "lessonlens-demo"),
        minutes: Annotated[float, typer.Option("--minutes", min=0.5,
                                               help="合成视频课时长（分钟）/ synthetic video lesson length.")] = 5.0,
        video: Annotated[bool, typer.Option(
            "--video/--no-video", help="是否生成并分析合成视频课 / make and analyse the video lesson.")] = True,
    ) -> None:
        """演示：示例课的指标、诊断、量规与五类报告，并分析一节合成多机位视频课 / run every capability once."""
        from lessonlens.demo import run_demo

        check_output_dir(out)
        lang = current_lang()
        with native_logs_filtered(), progress_bar() as progress:
            result = run_demo(out, minutes=minutes, lang=lang, video=video, progress=progress,
                              say=lambda line: typer.echo(line, err=True))
        typer.echo(_WROTE.format(lang, n=len(result.files), dir=out))
        for path in result.files:
            typer.echo(f"  {path}")
        if result.skipped:
            typer.echo(_SKIPPED.get(lang))
            for line in result.skipped:
                typer.echo(f"  {line}")
        if result.agreement:
            a = result.agreement
            typer.echo(_AGREEMENT.format(lang, teacher=a["teacher_accuracy"], kappa=a["teacher_kappa"] or 0.0,
                                         students=a["students_accuracy"], st=a["st_accuracy"]))
        typer.echo(_OPEN.format(lang, path=out / "bundled-lesson" / "report.html"))
