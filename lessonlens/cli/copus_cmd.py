"""``lessonlens copus agree A B``: two observers' COPUS sheets of one lesson, Cohen's κ per code and overall;
``lessonlens copus sheet ANALYSIS.json``: a COPUS draft from video as a sheet an observer corrects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import attrs
import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.plugins import get_manager
from lessonlens.files.gates import check_output_file
from lessonlens.pipeline.measure import read_coded_sheet, timeline_of
from lessonlens.pipeline.tick_agreement import tick_agreement
from lessonlens.tables.tick_sheets import tick_sheet
from lessonlens.tables.write import write_table

_T = {
    "title": Text(zh="两位观察者的一致性（{n} 个区间）", en="Agreement of two observers ({n} intervals)"),
    "code": Text(zh="编码", en="Code"),
    "n": Text(zh="区间", en="Intervals"),
    "a": Text(zh="观察者 A 勾选", en="Ticked by A"),
    "b": Text(zh="观察者 B 勾选", en="Ticked by B"),
    "agreement": Text(zh="一致率", en="Agreement"),
    "kappa": Text(zh="κ", en="κ"),
    "flag": Text(zh="κ < {t:g}", en="κ < {t:g}"),
    "overall": Text(zh="总体", en="Overall"),
    "undefined": Text(zh="无定义（两人都从未或总是勾选）", en="undefined (both never or always ticked)"),
    "flagged": Text(zh="κ 低于 {t:g} 的编码：{codes}", en="codes with κ below {t:g}: {codes}"),
    "none_flagged": Text(zh="所有编码的 κ 均不低于 {t:g}", en="every code has κ of at least {t:g}"),
    "not_copus": Text(zh="这不是 COPUS 编码（编码方案 {scheme}）", en="not a COPUS coding (scheme {scheme})"),
    "wrote": Text(zh="已写出 {n} 个区间的 COPUS 表：{path}", en="wrote a COPUS sheet of {n} intervals to {path}"),
    "one_sided": Text(zh="只有一位观察者编码、未比较：{codes}", en="coded by one observer only, not compared: {codes}"),
}


def add_to(app: typer.Typer) -> None:
    copus_app = typer.Typer(help="COPUS 课堂观察 / COPUS classroom observation.", no_args_is_help=True)

    @copus_app.command("agree")
    def agree(
        first: Annotated[Path, typer.Argument(help="观察者 A 的 COPUS 表 / observer A's COPUS sheet (CSV/XLSX).")],
        second: Annotated[Path, typer.Argument(help="观察者 B 的 COPUS 表 / observer B's COPUS sheet (CSV/XLSX).")],
        threshold: float = typer.Option(0.6, "--threshold", help="低于此 κ 的编码被标出 / flag codes below this κ."),
        as_json: bool = typer.Option(False, "--json", help="以 JSON 输出 / print JSON."),
    ) -> None:
        """两位观察者同一节课的 COPUS 表：逐码与总体 Cohen's κ / Cohen's κ per code and overall."""
        scheme = get_manager().coder_scheme("copus")
        a, b = read_coded_sheet(first, "copus"), read_coded_sheet(second, "copus")
        result = tick_agreement(a, b, tuple(c.id for c in scheme.codes), threshold, f"{first} / {second}")
        if as_json:
            data = attrs.asdict(result)
            data["flagged"] = list(result.flagged)
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        lang = current_lang()
        table = Table(title=_T["title"].format(lang, n=result.intervals), title_justify="left")
        for key in ("code", "n", "a", "b", "agreement", "kappa"):
            table.add_column(_T[key].get(lang), justify="left" if key == "code" else "right")
        table.add_column(_T["flag"].format(lang, t=threshold))
        undefined = _T["undefined"].get(lang)
        for c in result.codes:
            table.add_row(c.code, str(c.n), str(c.ticks_a), str(c.ticks_b), f"{c.agreement:.2f}",
                          undefined if c.kappa is None else f"{c.kappa:.2f}", "⚠" if c.flagged else "")
        overall = "-" if result.overall_kappa is None else f"{result.overall_kappa:.2f}"
        table.add_row(_T["overall"].get(lang), "", "", "", f"{result.overall_agreement:.2f}", overall, "")
        Console(width=110).print(table)
        flagged = result.flagged
        typer.echo(_T["flagged"].format(lang, t=threshold, codes=", ".join(flagged)) if flagged
                   else _T["none_flagged"].format(lang, t=threshold))
        if result.one_sided:
            typer.echo(_T["one_sided"].format(lang, codes=", ".join(result.one_sided)))

    @copus_app.command("sheet")
    def sheet(
        source: Annotated[Path, typer.Argument(help="COPUS 分析 JSON（analyze --coder copus）/ a COPUS analysis or "
                                                  "timeline JSON (from analyze --coder copus).")],
        output: Annotated[Path, typer.Option("-o", "--output", help="写出的 COPUS 表 CSV / the COPUS sheet to "
                                                                   "write (CSV).")] = Path("copus-draft.csv"),
    ) -> None:
        """把 COPUS 草稿写成观察者可修改的编码表 / write a COPUS draft as a sheet an observer corrects."""
        check_output_file(output)
        timeline = timeline_of(source)
        if timeline.scheme != "copus":
            raise InputError(_T["not_copus"], source, scheme=timeline.scheme)
        codes = (*(c.id for c in get_manager().coder_scheme("copus").codes), "S.GW")
        columns, rows = tick_sheet(timeline, codes)
        write_table(output, columns, rows, "csv")
        typer.echo(_T["wrote"].format(current_lang(), n=len(rows), path=output))

    app.add_typer(copus_app, name="copus")
