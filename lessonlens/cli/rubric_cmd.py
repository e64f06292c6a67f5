"""``lessonlens rubric``: list and validate rubric schemas, write blank score sheets, score a lesson."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.analysis import Analysis
from lessonlens.core.documents import to_dict
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang, pick
from lessonlens.core.rubric import RubricResult, RubricSchema
from lessonlens.files.documents import load, save
from lessonlens.files.gates import check_input, check_output_file
from lessonlens.rubric.aggregate import aggregate
from lessonlens.rubric.catalog import find_rubric_schema
from lessonlens.rubric.schema_io import check_rubric_schema_file
from lessonlens.rubric.scoring import attach_rubric_result, list_rubric_schemas, write_rubric_template
from lessonlens.rubric.sheet_io import read_score_sheets
from lessonlens.rubric.tree import OVERALL, rubric_tree

_T = {
    "valid": Text(zh="✓ {path}：量规 {id}（{name}），{n} 个指标，{leaves} 个观察点，{levels} 级，{bands} 个等级，"
                     "满分 {max}", en="✓ {path}: rubric {id} ({name}), {n} indicators, {leaves} observation points, "
                     "{levels} levels, {bands} bands, maximum {max}"),
    "invalid": Text(zh="✗ {path}：{n} 个问题", en="✗ {path}: {n} problem(s)"),
    "written": Text(zh="已写入空白评分表 {path}", en="blank score sheet written to {path}"),
    "saved": Text(zh="评分结果已写入 {path}", en="rubric result written to {path}"),
    "attached": Text(zh="评分结果已附加到 {path}", en="rubric result attached to {path}"),
    "attach_needs_lesson": Text(zh="--attach 需要 --lesson 指定分析文件", en="--attach needs --lesson ANALYSIS.json"),
    "id": Text(zh="编号", en="id"), "name": Text(zh="名称", en="name"), "kind": Text(zh="类型", en="kind"),
    "from": Text(zh="来源", en="from"), "state": Text(zh="状态", en="state"),
    "ok": Text(zh="可用", en="valid"), "broken": Text(zh="{n} 个问题", en="{n} problem(s)"),
    "indicator": Text(zh="指标", en="indicator"), "mean": Text(zh="均分", en="mean"),
    "max": Text(zh="满分", en="max"), "share": Text(zh="得分率", en="share"), "std": Text(zh="标准差", en="std"),
    "n": Text(zh="人数", en="raters"), "band": Text(zh="等级", en="band"), "overall": Text(zh="总体", en="overall"),
    "missing": Text(zh="未评", en="blank"),
    "agreement": Text(zh="一致性解读", en="Agreement"),
}

PATHS = typer.Option([], "--path", help="另外查找量规的目录或文件（可多次）/ extra rubric directory or file "
                                         "(repeatable).")
SCHEMA_ARG = typer.Argument(..., help="量规编号或文件路径 / rubric id or schema file.")
TEMPLATE_OUT = typer.Option(..., "--output", "-o", help="输出文件 / output file.")
RATERS = typer.Option([], "--rater", help="预填评分者姓名（可多次）/ rater name to prefill (repeatable).")
SHEETS = typer.Argument(..., help="评分表 .csv / .xlsx / .json（可多个）/ score sheets.")
LESSON = typer.Option(None, "--lesson", help="课例分析文件 / the lesson's analysis JSON.")
RESULT_OUT = typer.Option(None, "--output", "-o", help="结果文件 .json，或报告 .html 等 / result .json, or a report "
                                                       "(.html ...).")


def add_to(app: typer.Typer) -> None:
    rubric_app = typer.Typer(help="量规评分：量规、评分表、汇总 / rubric observation: schemas, score sheets, "
                                  "aggregation.", no_args_is_help=True)
    app.add_typer(rubric_app, name="rubric")

    @rubric_app.command("list")
    def list_cmd(paths: list[Path] = PATHS,
                 as_json: bool = typer.Option(False, "--json", help="以 JSON 输出 / print JSON.")) -> None:
        """列出可用的量规 / list the rubric schemas found."""
        entries = list_rubric_schemas(paths)
        lang = current_lang()
        if as_json:
            typer.echo(json.dumps([{"id": e.id, "name": e.name, "kind": e.kind, "path": str(e.path),
                                    "from": e.origin, "problems": [p.message(lang) for p in e.problems]}
                                   for e in entries], ensure_ascii=False, indent=2))
            return
        table = Table()
        for key in ("id", "name", "kind", "from", "state"):
            table.add_column(_T[key].get(lang))
        for e in entries:
            state = _T["broken"].format(lang, n=len(e.problems)) if e.problems else _T["ok"].get(lang)
            table.add_row(e.id, pick(e.name, lang) if e.name else "", e.kind, f"{e.origin}: {e.path}", state)
        Console().print(table)

    @rubric_app.command("validate")
    def validate(schema: str = SCHEMA_ARG, paths: list[Path] = PATHS) -> None:
        """检查量规文件，每个问题一行 / check a rubric schema, one line per problem."""
        lang = current_lang()
        path = Path(schema)
        if os.path.lexists(path) and not path.is_file():
            check_input(path)  # a folder, FIFO, device or link loop: refused as such, not looked up as an id
        if not path.is_file():
            entry = next((e for e in list_rubric_schemas(paths) if e.id == schema), None)
            if entry is None:
                find_rubric_schema(schema, paths)  # raises: names the ids available
                return
            path = entry.path
        loaded, problems = check_rubric_schema_file(path)
        errors = [p for p in problems if not p.warning]
        if errors or loaded is None:
            typer.echo(_T["invalid"].format(lang, path=path, n=len(errors)), err=True)
            for p in errors:
                typer.echo(f"  {p.message(lang)}", err=True)
            raise typer.Exit(2)
        tree = rubric_tree(loaded)
        typer.echo(_T["valid"].format(lang, path=path, id=loaded.id, name=pick(loaded.name, lang),
                                      n=len(tree.ids), leaves=len(tree.leaves), levels=max(tree.levels),
                                      bands=len(loaded.bands), max=f"{tree.max_scores[tree.root]:g}"))

    @rubric_app.command("template")
    def template(
        schema: str = SCHEMA_ARG,
        fmt: str | None = typer.Option(None, "--format", "-f", help="csv 或 xlsx（默认按文件后缀，否则 xlsx）/ "
                                                                  "csv or xlsx (default: from the suffix, else xlsx)."),
        output: Path = TEMPLATE_OUT,
        layout: str = typer.Option("long", "--layout", help="long：每行一个指标；wide：每行一位评分者 / "
                                                            "long: a row per indicator; wide: a row per rater."),
        raters: list[str] = RATERS,
        paths: list[Path] = PATHS,
    ) -> None:
        """生成空白评分表 / write a blank score sheet for raters to fill in."""
        if fmt is None:
            fmt = output.suffix.lower().lstrip(".") if output.suffix.lower() in (".csv", ".xlsx") else "xlsx"
        written = write_rubric_template(schema, output, fmt, layout, raters, paths)
        typer.echo(_T["written"].format(path=written))

    @rubric_app.command("score")
    def score_cmd(
        schema: str = SCHEMA_ARG,
        sheets: list[Path] = SHEETS,
        lesson: Path | None = LESSON,
        attach: bool = typer.Option(False, "--attach", help="把结果写入 --lesson 文件 / add the result to the "
                                                            "--lesson analysis file (atomically)."),
        as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果 / print the result as JSON."),
        output: Path | None = RESULT_OUT,
        paths: list[Path] = PATHS,
    ) -> None:
        """汇总多位评分者的评分 / aggregate several raters' score sheets of one lesson."""
        lang = current_lang()
        if attach and lesson is None:
            raise InputError(_T["attach_needs_lesson"])
        if output is not None:
            check_output_file(output)
        loaded = find_rubric_schema(schema, paths)
        analysis = load(lesson, Analysis) if lesson is not None else None
        tree = rubric_tree(loaded)
        read = read_score_sheets(sheets, tree)
        for w in read.warnings:
            typer.echo(f"lessonlens: {w.message(lang)}", err=True)
        result = aggregate(tree, read.sheets, analysis.lesson.id if analysis else "", read.sources)
        if attach and lesson is not None:
            attach_rubric_result(lesson, result)
            typer.echo(_T["attached"].format(lang, path=lesson), err=True)
        if output is not None:
            _write_output(output, result, loaded, analysis, lang)
            typer.echo(_T["saved"].format(lang, path=output), err=True)
        if as_json:
            typer.echo(json.dumps(to_dict(result), ensure_ascii=False, indent=2))
        elif output is None:
            _print_result(result, loaded, lang)


def _write_output(output: Path, result: RubricResult, schema: RubricSchema, analysis: Analysis | None,
                  lang: str) -> None:
    """``.json``: the rubric result document; any other suffix: the rubric report in that format."""
    if output.suffix.lower() in ("", ".json"):
        save(result, output)
        return
    from lessonlens.pipeline.reporting import report  # the report renderers, only when a report is asked for

    report("rubric", output, [analysis] if analysis else [], [result], [schema], lang=lang)


def _print_result(result: RubricResult, schema: RubricSchema, lang: str) -> None:
    tree = rubric_tree(schema)
    bands = {b.id: b for b in schema.bands}
    table = Table(title=f"{pick(schema.name, lang)} · {result.lesson}" if result.lesson else pick(schema.name, lang))
    for key in ("indicator", "mean", "max", "share", "std", "n", "band", "missing"):
        table.add_column(_T[key].get(lang), justify="left" if key in ("indicator", "band", "missing") else "right")
    for ind in (*result.indicators, *([result.overall] if result.overall else [])):
        if ind.id == OVERALL:
            label = _T["overall"].get(lang)
        else:
            node = tree.index[ind.id]
            label = "  " * (ind.level - 1) + pick(tree.indicator(node).name, lang)
        band = bands.get(ind.band or "")
        band_text = f"[{band.color}]■[/] {pick(band.name, lang)}" if band else ""
        table.add_row(label, _fmt(ind.mean), _fmt(ind.max_score), "" if ind.share is None else f"{ind.share:.0%}",
                      _fmt(ind.std), str(ind.n_raters), band_text, ", ".join(ind.missing))
    console = Console()
    console.print(table)
    if result.agreement is not None:
        console.print(f"{_T['agreement'].get(lang)}: {pick(result.agreement.reading, lang)}", markup=False)


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}".rstrip("0").rstrip(".")

