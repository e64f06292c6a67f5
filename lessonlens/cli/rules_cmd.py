"""``lessonlens rules check DIR`` and ``lessonlens rules list``: validate and show rule packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.i18n import Text, current_lang, pick
from lessonlens.diagnosis.pack import check_rules, default_rule_paths, load_rules, rule_files
from lessonlens.files.gates import resolved

_T = {
    "ok": Text(zh="规则检查通过：已检查 {files} 个文件；生效规则 {rules} 条，参数 {params} 个",
               en="rules OK: {files} file(s) checked; {rules} rule(s) and {params} parameter(s) in effect"),
    "bad": Text(zh="发现 {n} 处错误", en="{n} problem(s) found"),
    "id": Text(zh="规则", en="Rule"),
    "severity": Text(zh="严重程度", en="Severity"),
    "title": Text(zh="标题", en="Title"),
    "when": Text(zh="条件", en="When"),
    "param": Text(zh="参数", en="Parameter"),
    "value": Text(zh="默认值", en="Default"),
}


def add_to(app: typer.Typer) -> None:
    rules_app = typer.Typer(help="规则包：检查与查看 / rule packs: check and list.", no_args_is_help=True)

    @rules_app.command("check")
    def check(
        paths: Annotated[list[Path], typer.Argument(help="规则目录或文件 / rule pack dirs or files.")],
        alone: bool = typer.Option(
            False, "--alone", help="不叠加已注册的规则包（默认包等）单独检查 / check without the registered packs "
            "underneath (by default a pack is checked on top of them, as diagnose loads it)."),
    ) -> None:
        """检查规则文件：文件、规则 id、行号 / validate rule files (file, rule id and line of every error)."""
        lang = current_lang()
        given = [resolved(p) for p in paths]
        chosen = given if alone else list(dict.fromkeys([*(resolved(p) for p in default_rule_paths()), *given]))
        issues = check_rules(chosen)
        if issues:
            for issue in issues:
                typer.echo(issue.message(lang), err=True)
            typer.echo(_T["bad"].format(lang, n=len(issues)), err=True)
            raise typer.Exit(1)
        ruleset = load_rules(chosen)
        typer.echo(_T["ok"].format(lang, files=len(rule_files(given)), rules=len(ruleset.rules),
                                   params=len(ruleset.params)))

    @rules_app.command("list")
    def list_rules(
        paths: Annotated[list[Path] | None, typer.Argument(help="附加规则目录 / extra rule dirs.")] = None,
    ) -> None:
        """列出规则与参数 / list the rules and parameters in effect."""
        lang = current_lang()
        ruleset = load_rules([*default_rule_paths(), *(paths or ())])
        console = Console()
        table = Table(show_lines=False)
        for key in ("id", "severity", "title", "when"):
            table.add_column(_T[key].get(lang))
        for rule in ruleset.rules:
            title = rule.texts.get("title", {})
            shown = pick({k: "".join(p for p in t.parts if isinstance(p, str)) for k, t in title.items()}, lang)
            facts = [*rule.needs, *(f"not {f}" for f in rule.needs_absent)]
            table.add_row(rule.id, rule.severity.value, shown, " and ".join([*facts, rule.condition_source] if
                                                                             rule.condition_source else facts))
        console.print(table)
        params = Table()
        params.add_column(_T["param"].get(lang))
        params.add_column(_T["value"].get(lang))
        for name, value in ruleset.params.items():
            params.add_row(name, str(value))
        console.print(params)

    app.add_typer(rules_app, name="rules")
