"""``lessonlens plugins``: what is loaded, from where, and what each plugin registers."""

from __future__ import annotations

import importlib.util
import json

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.plugins import get_manager

_HEAD = {
    "name": Text(zh="插件", en="Plugin"),
    "origin": Text(zh="来源", en="From"),
    "registers": Text(zh="注册内容", en="Registers"),
    "failed": Text(zh="加载失败的插件", en="Plugins that failed to load"),
    "builtin": Text(zh="内置", en="built-in"),
    "collisions": Text(zh="重名注册（先注册者生效）", en="Names registered twice (the first one is used)"),
    "collision": Text(
        zh="{kind} {name}：使用 {kept}，忽略 {ignored}", en="{kind} {name}: {kept} is used, {ignored} is ignored"
    ),
    "backends": Text(zh="检测器后端（--detector-option 检测器.backend=名称；模型文件见 lessonlens models）",
                     en="Detector backends (--detector-option DETECTOR.backend=NAME; model files: lessonlens models)"),
    "detector": Text(zh="检测器", en="Detector"),
    "backend": Text(zh="后端", en="Backend"),
    "state": Text(zh="状态", en="State"),
    "installed": Text(zh="已安装", en="installed"),
    "default": Text(zh="（默认）", en=" (default)"),
    "missing": Text(zh="未安装：{install}", en="not installed: {install}"),
}


def backend_rows() -> list[dict[str, object]]:
    """Every registered detector's backends: installed or not, how to install, and why apart."""
    rows: list[dict[str, object]] = []
    for name, reg in sorted(get_manager().registry.detectors.items()):
        for b in reg.item.backends:
            rows.append({"detector": name, "backend": b.name, "default": b.default, "install": b.install,
                         "installed": importlib.util.find_spec(b.module) is not None,
                         "note": b.note.get(current_lang()) if b.note else ""})
    return rows


def add_to(app: typer.Typer) -> None:
    @app.command("plugins")
    def plugins(as_json: bool = typer.Option(False, "--json", help="以 JSON 输出 / print JSON.")) -> None:
        """列出已加载的插件及其注册内容 / list loaded plugins and what they register."""
        manager = get_manager()
        infos, failures, collisions = manager.plugins(), manager.failures(), manager.collisions()
        if as_json:
            typer.echo(json.dumps({
                "plugins": [
                    {"name": p.name, "origin": p.origin, "version": p.version, "builtin": p.builtin,
                     "registers": {k: list(v) for k, v in p.registered.items()}}
                    for p in infos
                ],
                "failures": [{"name": f.name, "origin": f.origin, "error": f.error} for f in failures],
                "collisions": [{"kind": c.kind, "name": c.name, "kept": c.kept, "ignored": c.ignored}
                               for c in collisions],
                "backends": backend_rows(),
            }, ensure_ascii=False, indent=2))
            return
        lang = current_lang()
        console = Console()
        table = Table(show_lines=False)
        for key in ("name", "origin", "registers"):
            table.add_column(_HEAD[key].get(lang), overflow="fold")
        for p in infos:
            origin = _HEAD["builtin"].get(lang) if p.builtin else f"{p.origin} {p.version}".strip()
            registers = "\n".join(f"{k}: {', '.join(v)}" for k, v in p.registered.items())
            table.add_row(p.name, origin, registers)
        console.print(table)
        backends = Table(title=_HEAD["backends"].get(lang))
        for key in ("detector", "backend", "state"):
            backends.add_column(_HEAD[key].get(lang), overflow="fold")
        for row in backend_rows():
            state = (_HEAD["installed"].get(lang) if row["installed"]
                     else _HEAD["missing"].format(lang, install=row["install"]))
            note = f"\n{row['note']}" if row["note"] else ""
            default = _HEAD["default"].get(lang) if row["default"] else ""
            backends.add_row(str(row["detector"]), f"{row['backend']}{default}", escape(f"{state}{note}"))
        console.print(backends)
        if failures:
            console.print(f"[red]{_HEAD['failed'].get(lang)}[/red]")
            for f in failures:
                console.print(f"  {f.name} ({f.origin}): {f.error}", markup=False)
        if collisions:
            console.print(f"[yellow]{_HEAD['collisions'].get(lang)}[/yellow]")
            for c in collisions:
                line = _HEAD["collision"].format(lang, kind=c.kind, name=c.name, kept=c.kept, ignored=c.ignored)
                console.print(f"  {line}", markup=False)
