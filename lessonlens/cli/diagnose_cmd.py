"""``lessonlens diagnose FILE``: findings of a lesson from the rule packs, optionally with the chain of rules."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.analysis import Analysis
from lessonlens.core.documents import FindingSet, to_dict
from lessonlens.core.errors import InputError
from lessonlens.core.findings import Finding, Severity
from lessonlens.core.i18n import Text, current_lang, normalize_lang, pick
from lessonlens.diagnosis.compile import clock, format_value
from lessonlens.diagnosis.diagnose import Diagnoser, Diagnosis, attach_findings
from lessonlens.diagnosis.engine import DEFAULT_ENGINE
from lessonlens.diagnosis.pack import load_rules
from lessonlens.files.documents import save
from lessonlens.files.gates import check_output_file
from lessonlens.pipeline.inputs import analysis_from_file

if TYPE_CHECKING:
    from lessonlens.store.results import Norm

_T = {
    "none": Text(zh="没有规则触发。", en="No rule fired."),
    "where": Text(zh="时间段", en="When"),
    "suggest": Text(zh="建议", en="Suggestion"),
    "chain": Text(zh="触发的规则（按顺序）", en="Rules fired, in order"),
    "order": Text(zh="序", en="#"),
    "rule": Text(zh="规则", en="Rule"),
    "matched": Text(zh="匹配的事实与数值", en="Facts and values matched"),
    "asserted": Text(zh="断言", en="Asserts"),
    "header": Text(zh="{lesson}：{n} 条发现（规则文件 {files} 个，引擎 {engine}）",
                   en="{lesson}: {n} finding(s) ({files} rule files, engine {engine})"),
    "bad_param": Text(zh="参数应写成 名称=值：{value}", en="a parameter must be NAME=VALUE: {value}"),
    "norm": Text(zh="区域常模：{subject} {grade}（{n} 节课）", en="district norm: {subject} {grade} ({n} lessons)"),
    "no_meta": Text(zh="lessonlens: 课例没有学科或年级，无法选取常模：本次诊断不使用常模",
                    en="lessonlens: the lesson has no subject or grade to pick a norm by: diagnosed without norms"),
    "no_norm": Text(zh="lessonlens: {source} 中没有 {subject} {grade} 的常模：本次诊断不使用常模",
                    en="lessonlens: no norm for {subject} {grade} in {source}: diagnosed without norms"),
    "both": Text(zh="--norms 与 --db 只能选一个", en="use --norms or --db, not both"),
    "no_store": Text(zh="{url} 不是课例库（先运行 lessonlens store init 与 store add）",
                     en="{url} is not a lesson store (run `lessonlens store init` and `store add` first)"),
}
SEVERITY_LABELS = {
    Severity.CONCERN: Text(zh="严重", en="concern"),
    Severity.WARNING: Text(zh="警示", en="warning"),
    Severity.NOTICE: Text(zh="提示", en="notice"),
    Severity.INFO: Text(zh="信息", en="info"),
    Severity.STRENGTH: Text(zh="亮点", en="strength"),
}
_STYLE = {Severity.CONCERN: "bold red", Severity.WARNING: "red", Severity.NOTICE: "yellow", Severity.INFO: "cyan",
          Severity.STRENGTH: "green"}


def parse_params(items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` options as parameters: numbers, ``5%``, true/false, else text."""
    params: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise InputError(_T["bad_param"], value=item)
        value: Any = raw.strip()
        if value.lower() in ("true", "false"):
            value = value.lower() == "true"
        else:
            with contextlib.suppress(ValueError):  # not a number: keep the text
                value = float(value[:-1]) / 100 if value.endswith("%") else float(value)
        params[name.strip()] = value
    return params


def lesson_norm(analysis: Analysis, norms_file: Path | None, db: str | None, lang: str) -> Norm | None:
    """The norm of the lesson's subject and grade from a norms file or a store, or ``None`` (with a note).

    A norms file is read (and refused when it is not one) even when the lesson cannot use it, so a
    wrong path never goes unnoticed; a store is asked only for the lesson's own group.
    """
    if norms_file is not None and db is not None:
        raise InputError(_T["both"])
    from lessonlens.store.norms_io import read_norms  # numpy and the store's types load only when asked

    norms = read_norms(norms_file) if norms_file is not None else None
    subject, grade = analysis.lesson.subject, analysis.lesson.grade
    if not subject or not grade:
        typer.echo(_T["no_meta"].get(lang), err=True)
        return None
    if db is not None:
        from lessonlens.store.api import open_store  # SQLAlchemy and alembic load only when used
        from lessonlens.store.results import LessonQuery

        with open_store(db, create=False) as store:
            if store.revision() is None:
                raise InputError(_T["no_store"], url=store.display_url)
            norms = store.norms(LessonQuery(subject=subject, grade=grade))
            source = store.display_url
    else:
        source = str(norms_file)
    norm = norms.get(subject, grade) if norms is not None else None
    if norm is None:
        typer.echo(_T["no_norm"].format(lang, source=source, subject=subject, grade=grade), err=True)
    return norm


def diagnosis_json(diagnosis: Diagnosis, explain: bool, norm: Norm | None = None) -> dict[str, Any]:
    doc = to_dict(FindingSet(lesson=diagnosis.lesson, findings=diagnosis.findings))
    doc["rule_files"] = list(diagnosis.rule_files)
    doc["params"] = diagnosis.params
    if norm is not None:
        doc["norm"] = {"subject": norm.subject, "grade": norm.grade, "n_lessons": norm.n_lessons}
    if explain:
        doc["explanation"] = [
            {"order": s.order, "rule": s.rule, "severity": s.severity.value, "condition": s.condition,
             "needs": list(s.needs), "absent": list(s.absent), "asserts": list(s.asserts), "values": s.values,
             "source": s.source, "finding": s.finding}
            for s in diagnosis.explanation
        ]
    return doc


def _ranges(finding: Finding) -> str:
    return ", ".join(f"{clock(r.start)}–{clock(r.end)}" for r in finding.time_ranges[:8]) + (
        f" (+{len(finding.time_ranges) - 8})" if len(finding.time_ranges) > 8 else "")


def render(diagnosis: Diagnosis, lang: str, explain: bool, console: Console, norm: Norm | None = None) -> None:
    console.print(_T["header"].format(lang, lesson=diagnosis.lesson, n=len(diagnosis.findings),
                                      files=len(diagnosis.rule_files), engine=diagnosis.engine), markup=False)
    if norm is not None:
        console.print(_T["norm"].format(lang, subject=norm.subject, grade=norm.grade, n=norm.n_lessons), markup=False)
    if not diagnosis.findings:
        console.print(_T["none"].get(lang))
    for finding in diagnosis.findings:
        style = _STYLE[finding.severity]
        label = SEVERITY_LABELS[finding.severity].get(lang)
        console.print()
        console.print(f"[{style}]■ {label}[/{style}] [bold]{pick(finding.title, lang)}[/bold]  [dim]{finding.id}[/dim]")
        console.print(f"  {pick(finding.explanation, lang)}", markup=False)
        colon = ": " if lang == "en" else "："
        if finding.time_ranges:
            console.print(f"  {_T['where'].get(lang)}{colon}{_ranges(finding)}", markup=False)
        if finding.suggestion:
            console.print(f"  {_T['suggest'].get(lang)}{colon}{pick(finding.suggestion, lang)}", markup=False)
    if explain:
        table = Table(title=_T["chain"].get(lang), show_lines=True)
        for key in ("order", "rule", "matched", "asserted"):
            table.add_column(_T[key].get(lang))
        for step in diagnosis.explanation:
            facts = [f"✓ {f}" for f in step.needs] + [f"✗ {f}" for f in step.absent]
            values = [f"{k} = {format_value(tuple(map(tuple, v)) if isinstance(v, list) else v)}"
                      for k, v in step.values.items()]
            table.add_row(str(step.order + 1), f"{step.rule}\n{step.condition}\n{step.source}",
                          "\n".join(facts + values), ", ".join(step.asserts))
        console.print()
        console.print(table)


def add_to(app: typer.Typer) -> None:
    @app.command("diagnose")
    def diagnose_command(
        file: Annotated[Path, typer.Argument(
            help="分析 JSON 或手工编码表 CSV / analysis JSON or coded CSV sheet.")],
        rules: Annotated[list[Path] | None, typer.Option(
            "--rules", help="附加规则目录或文件（可多次；后者覆盖前者）/ extra rule pack dir or file (repeatable; "
            "later ones override).")] = None,
        no_defaults: bool = typer.Option(False, "--no-default-rules",
                                         help="不加载默认规则包 / use only the --rules packs."),
        params: Annotated[list[str] | None, typer.Option(
            "--param", help="覆盖参数 名称=值（可多次）/ override a parameter NAME=VALUE (repeatable).")] = None,
        lang: str = typer.Option("", "--lang", help="输出语言 zh|en / output language."),
        as_json: bool = typer.Option(False, "--json", help="以 JSON 输出 / print JSON."),
        explain: bool = typer.Option(False, "--explain",
                                     help="显示规则链及匹配的事实 / show the chain of fired rules."),
        scheme: str = typer.Option("", "--scheme", help="CSV 的编码方案 / coding scheme of a CSV sheet."),
        interval: float = typer.Option(0.0, "--interval", help="采样间隔（秒）/ sampling interval (s)."),
        engine: str = typer.Option(DEFAULT_ENGINE, "--engine", help="规则引擎 experta|simple / rule engine."),
        save_to: Annotated[Path | None, typer.Option(
            "--save", help="把含诊断结果的分析文档写入此 JSON / write the analysis with its findings here.")] = None,
        norms_file: Annotated[Path | None, typer.Option(
            "--norms", help="区域常模 JSON（lessonlens store norms -o 生成），按课例学科与年级选取 / district "
            "norms file written by `lessonlens store norms -o`; the lesson's subject and grade pick the norm.")] = None,
        db: Annotated[str | None, typer.Option(
            "--db", help="从课例库即时计算常模：SQLite 文件或 postgresql:// 地址 / compute the norm from this "
            "lesson store (SQLite file or postgresql:// URL).")] = None,
    ) -> None:
        """按规则包诊断一节课 / diagnose a lesson with the rule packs."""
        chosen_lang = normalize_lang(lang) if lang else current_lang()
        if save_to is not None:
            check_output_file(save_to)
        analysis = analysis_from_file(file, scheme or None, interval or None)
        ruleset = load_rules(list(rules or ())) if no_defaults else None
        diagnoser = Diagnoser(ruleset if ruleset is not None else list(rules or ()), engine)
        norm = lesson_norm(analysis, norms_file, db, chosen_lang) if norms_file or db else None
        diagnosis = diagnoser.diagnose(analysis, parse_params(list(params or ())),
                                       norm.facts() if norm is not None else None)
        if save_to is not None:
            save(attach_findings(analysis, diagnosis), save_to)
        if as_json:
            typer.echo(json.dumps(diagnosis_json(diagnosis, explain, norm), ensure_ascii=False, indent=2))
            return
        render(diagnosis, chosen_lang, explain, Console(), norm)
