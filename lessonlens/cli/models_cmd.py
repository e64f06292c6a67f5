"""``lessonlens models``: the model files each detector backend reads, where it looks, what is there;
``lessonlens models add FILE...`` checks that a model loads and installs it into the models folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.plugins import get_manager
from lessonlens.media.models import add_model, model_statuses, models_dirs

_T = {
    "detector": Text(zh="检测器", en="Detector"),
    "backend": Text(zh="后端", en="Backend"),
    "file": Text(zh="模型文件（选项）", en="Model file (option)"),
    "status": Text(zh="状态", en="Status"),
    "licence": Text(zh="许可与来源", en="Licence and source"),
    "present": Text(zh="已就绪", en="present"),
    "missing": Text(zh="缺少", en="missing"),
    "install": Text(zh="安装：lessonlens models add 文件 --as {target}",
                    en="install: lessonlens models add FILE --as {target}"),
    "no_package": Text(zh="未安装：{install}", en="not installed: {install}"),
    "mismatch": Text(zh="校验和不符", en="checksum differs"),
    "looked": Text(zh="查找顺序：--detector-option 检测器.选项=路径，然后 {dirs}",
                   en="looked up: --detector-option DETECTOR.OPTION=PATH, then {dirs}"),
    "added": Text(zh="已安装 {path}（已检查可加载）", en="installed {path} (checked that it loads)"),
    "bad_option": Text(zh="--detector-option 应写成 检测器.选项=值：{value}",
                       en="--detector-option must be DETECTOR.OPTION=VALUE: {value}"),
}


def parse_detector_options(items: list[str]) -> dict[str, dict[str, Any]]:
    """``NAME.KEY=VALUE`` items as ``{name: {key: value}}``."""
    options: dict[str, dict[str, Any]] = {}
    for item in items:
        target, eq, value = item.partition("=")
        name, dot, key = target.strip().partition(".")
        if not eq or not dot or not name or not key:
            raise InputError(_T["bad_option"], value=item)
        options.setdefault(name, {})[key.strip()] = value.strip()
    return options


def _size(n: int | None) -> str:
    if n is None:
        return ""
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def add_to(app: typer.Typer) -> None:
    models_app = typer.Typer(help="检测器模型文件 / model files of the detectors.", no_args_is_help=False)

    @models_app.callback(invoke_without_command=True)
    def models(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON.")] = False,
        detector_option: Annotated[list[str] | None, typer.Option(
            "--detector-option", help="检测器.选项=值 / DETECTOR.OPTION=VALUE, repeatable.")] = None,
        no_checksum: Annotated[bool, typer.Option("--no-checksum", help="不计算 sha256 / skip sha256.")] = False,
    ) -> None:
        """列出各检测器后端需要的模型文件 / list the model files each detector backend needs."""
        if ctx.invoked_subcommand is not None:
            return
        manager = get_manager()
        detectors = [reg.item for _, reg in sorted(manager.registry.detectors.items())]
        rows = model_statuses(detectors, parse_detector_options(detector_option or []), checksums=not no_checksum)
        if as_json:
            typer.echo(json.dumps({"folders": [str(d) for d in models_dirs()],
                                   "models": [attrs.asdict(r) for r in rows]}, ensure_ascii=False, indent=2))
            return
        lang = current_lang()
        installs = {(reg.item.name, b.name): b.install for reg in manager.registry.detectors.values()
                    for b in reg.item.backends}
        table = Table(show_lines=True)
        for key in ("detector", "backend", "file", "status", "licence"):
            table.add_column(_T[key].get(lang), overflow="fold")
        for r in rows:
            if r.present:
                status = f"{_T['present'].get(lang)} {_size(r.size)}\n{escape(r.path)}"
                if r.sha256:
                    status += f"\nsha256 {r.sha256[:16]}…"
                if r.checksum_ok is False:
                    status += f"\n[red]{_T['mismatch'].get(lang)}[/red]"
            else:
                status = f"[yellow]{_T['missing'].get(lang)}[/yellow]\n" + escape(
                    _T["install"].format(lang, target=r.target))
            if not r.installed:
                status += "\n" + escape(_T["no_package"].format(lang, install=installs[(r.detector, r.backend)]))
            table.add_row(r.detector, r.backend, f"{r.filename}\n({r.option})", status,
                          escape(f"{r.licence}\n{r.source}"))
        console = Console()
        console.print(table)
        console.print(_T["looked"].format(lang, dirs=", ".join(str(d) for d in models_dirs())), markup=False)

    @models_app.command("add")
    def add(
        files: Annotated[list[Path], typer.Argument(help="模型文件或目录 / model files or directories.")],
        target: Annotated[str | None, typer.Option(
            "--as", help="检测器.选项（文件名不是已知模型名时）/ DETECTOR.OPTION when the name is not a known one.")]
        = None,
        folder: Annotated[Path | None, typer.Option(
            "--dir", help="安装到此目录（默认 $LESSONLENS_MODELS 或用户数据目录）/ install here.")] = None,
    ) -> None:
        """检查模型可加载并安装到模型目录 / check a model loads and install it into the models folder."""
        detectors = [reg.item for reg in get_manager().registry.detectors.values()]
        lang = current_lang()
        for file in files:
            path = add_model(file, detectors, target, folder)
            typer.echo(_T["added"].format(lang, path=path))

    app.add_typer(models_app, name="models")
