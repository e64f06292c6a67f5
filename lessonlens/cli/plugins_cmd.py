"""``lessonlens plugins``: what is loaded, from where, and what each plugin registers."""

from __future__ import annotations

import json

import typer
from rich.console import Console
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
}


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
        if failures:
            console.print(f"[red]{_HEAD['failed'].get(lang)}[/red]")
            for f in failures:
                console.print(f"  {f.name} ({f.origin}): {f.error}", markup=False)
        if collisions:
            console.print(f"[yellow]{_HEAD['collisions'].get(lang)}[/yellow]")
            for c in collisions:
                line = _HEAD["collision"].format(lang, kind=c.kind, name=c.name, kept=c.kept, ignored=c.ignored)
                console.print(f"  {line}", markup=False)
