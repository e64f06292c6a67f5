"""``lessonlens store``: keep analysed lessons over time and query them (SPEC.md section 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.documents import converter, dumps
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang, pick
from lessonlens.core.plugins import get_manager
from lessonlens.files.gates import check_output_file
from lessonlens.store.indexed import METRIC_BY_ID, METRIC_IDS
from lessonlens.store.norms_io import norms_to_dict, write_norms
from lessonlens.store.results import LessonQuery, Portrait, parse_date

if TYPE_CHECKING:
    from lessonlens.store.api import Store

_T = {
    "ready": Text(zh="课例库已就绪：{url}（结构版本 {rev}）", en="lesson store ready: {url} (schema revision {rev})"),
    "added": Text(zh="新增 {added} 节课，更新 {updated} 节课", en="added {added} lessons, updated {updated}"),
    "removed": Text(zh="已删除 {n} 节课", en="removed {n} lessons"),
    "exported": Text(zh="已导出 {n} 行到 {path}", en="exported {n} rows to {path}"),
    "missing": Text(zh="课例库中没有课例 {id}", en="no lesson {id} in the store"),
    "lessons": Text(zh="课例", en="lessons"),
    "teachers": Text(zh="教师", en="teachers"),
    "period": Text(zh="时间", en="period"),
    "modes": Text(zh="教学模式", en="teaching modes"),
    "findings": Text(zh="常见诊断", en="most frequent findings"),
    "metric": Text(zh="指标", en="metric"),
    "mean": Text(zh="均值", en="mean"),
    "month": Text(zh="月份", en="month"),
    "rubric": Text(zh="量规指标（得分率）", en="rubric indicator (score share)"),
    "none": Text(zh="没有符合条件的课例", en="no matching lessons"),
    "saved": Text(zh="常模已写入 {path}", en="norms written to {path}"),
    "bad_by": Text(zh="无法按 {by} 分组（可用：{known}）", en="cannot group by {by} (use {known})"),
}
_UNKNOWN_MODE = Text(zh="未知", en="unknown")
_LIST_HEAD = (
    Text(zh="课例", en="lesson"), Text(zh="日期", en="date"), Text(zh="教师", en="teacher"),
    Text(zh="学校", en="school"), Text(zh="学科", en="subject"), Text(zh="年级", en="grade"),
)  # then the metrics' own labels: mode, Rt, Ch


def _modes() -> dict[str, Text]:
    """The teaching modes' labels as the S-T metric declares them, and the unknown mode."""
    field = get_manager().metric_fields().get("mode")
    return {**(field.values if field is not None else {}), "unknown": _UNKNOWN_MODE}


def _short(metric_id: str) -> Text:
    """A metric's short form (``Rt``) as its plugin declares it."""
    field = get_manager().metric_fields().get(metric_id)
    return field.short() if field is not None else Text(zh=metric_id, en=metric_id)
_GROUPS = ("region", "school", "teacher", "subject", "grade")

DB_OPTION = typer.Option(None, "--db", help="数据库：SQLite 文件或 postgresql:// 地址（默认 $LESSONLENS_DB）/ "
                                            "database: SQLite file or postgresql:// URL (default $LESSONLENS_DB).")


TEACHER = typer.Option(None, "--teacher", help="教师 / teacher name.")
SCHOOL = typer.Option(None, "--school", help="学校 / school.")
REGION = typer.Option(None, "--region", help="区域 / district.")
SUBJECT = typer.Option(None, "--subject", help="学科 / subject.")
GRADE = typer.Option(None, "--grade", help="年级 / grade.")
DATE_FROM = typer.Option(None, "--from", help="起始日期 / from YYYY-MM-DD.")
DATE_TO = typer.Option(None, "--to", help="截止日期 / to YYYY-MM-DD (inclusive).")
AS_JSON = typer.Option(False, "--json", help="以 JSON 输出 / print JSON.")
OUT_FILE = typer.Argument(..., help="输出文件 .csv / .parquet / output file.")
NORMS_FILE = typer.Option(None, "-o", "--output", help="写入 JSON 文件 / write JSON.")


def _t(key: str, **params: object) -> str:
    return _T[key].format(current_lang(), **params)


def _mode(mode: str | None) -> str:
    modes = _modes()
    return modes.get(mode or "unknown", modes["unknown"]).get(current_lang()) if mode in modes or not mode \
        else mode


def _json(value: Any) -> None:
    typer.echo(json.dumps(converter.unstructure(value), ensure_ascii=False, indent=2, default=str))


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3f}"


def query_from_options(teacher: str | None = None, school: str | None = None, region: str | None = None,
                       subject: str | None = None, grade: str | None = None, date_from: str | None = None,
                       date_to: str | None = None) -> LessonQuery:
    """The :class:`LessonQuery` of the usual filter options (``report compare/period`` use it too)."""
    return LessonQuery(teacher=teacher, school=school, region=region, subject=subject, grade=grade,
                       date_from=parse_date(date_from), date_to=parse_date(date_to))


def _print_portrait(console: Console, title: str, portrait: Portrait) -> None:
    lang = current_lang()
    if portrait.n_lessons == 0:
        console.print(_t("none"))
        return
    period = f"{portrait.date_from or '?'} – {portrait.date_to or '?'}"
    console.print(f"[bold]{title}[/bold]  {_t('lessons')} {portrait.n_lessons} · {_t('teachers')} "
                  f"{portrait.n_teachers} · {_t('period')} {period}", markup=True)
    modes = "  ".join(f"{_mode(m)} {n} ({n / portrait.n_lessons:.0%})" for m, n in portrait.modes.items())
    console.print(f"{_t('modes')}: {modes}", markup=False)
    table = Table(show_lines=False)
    for head in (_t("metric"), "n", _t("mean"), "P10", "P25", "P50", "P75", "P90"):
        table.add_column(head, justify="left" if head == _t("metric") else "right")
    for metric_id in METRIC_IDS:
        stats = portrait.metrics[metric_id]
        if stats.n == 0:
            continue
        bands = [_fmt(stats.percentiles.get(p)) for p in (10, 25, 50, 75, 90)]
        table.add_row(METRIC_BY_ID[metric_id].label.get(lang), str(stats.n), _fmt(stats.mean), *bands)
    console.print(table)
    if portrait.rubrics:
        rubric_table = Table()
        for head in (_t("rubric"), "n", _t("mean"), "P10", "P50", "P90"):
            rubric_table.add_column(head, justify="left" if head == _t("rubric") else "right")
        for name, stats in portrait.rubrics.items():
            rubric_table.add_row(name.removeprefix("rubric.").removesuffix(".share"), str(stats.n), _fmt(stats.mean),
                                 *(_fmt(stats.percentiles.get(p)) for p in (10, 50, 90)))
        console.print(rubric_table)
    if portrait.findings:
        console.print(_t("findings"))
        for f in portrait.findings:
            console.print(f"  {pick(f.title, lang)} [{f.finding_id}]: {f.lessons} ({f.share:.0%})", markup=False)


def add_to(app: typer.Typer) -> None:
    store_app = typer.Typer(help="课例库：长期记录、对比与区域画像 / lesson store: records over time, comparisons, "
                                 "portraits.", no_args_is_help=True)
    app.add_typer(store_app, name="store")

    def opened(db: str | None, create: bool = False) -> Store:
        """The store to read (never created here: a wrong --db is an error) or, with ``create``, to add to."""
        from lessonlens.store.api import open_store  # SQLAlchemy and alembic load only when used

        return open_store(db, create=create)

    @store_app.command("init")
    def init(db: str | None = DB_OPTION) -> None:
        """创建或升级课例库 / create the store or upgrade its schema."""
        from lessonlens.store.api import Store

        with Store.connect(db) as store:
            revision = store.init()
            typer.echo(_t("ready", url=store.display_url, rev=revision))

    @store_app.command("add")
    def add(files: list[Path] = typer.Argument(..., help="分析结果 JSON / analysis JSON files."),  # noqa: B008
            db: str | None = DB_OPTION,
            keep_observations: bool = typer.Option(
                False, "--keep-observations", help="同时保存检测器原始观测（体积大）/ also keep raw detector "
                                                   "observations (large).")) -> None:
        """导入分析结果（同一课例再次导入即更新）/ add analyses (re-adding a lesson updates it)."""
        with opened(db, create=True) as store:
            result = store.add_files(files, keep_observations)
        typer.echo(_t("added", added=len(result.added), updated=len(result.updated)))

    @store_app.command("list")
    def list_(db: str | None = DB_OPTION,
              teacher: str | None = TEACHER, school: str | None = SCHOOL,
              region: str | None = REGION, subject: str | None = SUBJECT,
              grade: str | None = GRADE,
              date_from: str | None = DATE_FROM,
              date_to: str | None = DATE_TO,
              limit: int | None = typer.Option(None, "--limit"),
              as_json: bool = AS_JSON) -> None:
        """列出课例及关键指标 / list lessons with their key metrics."""
        query = query_from_options(teacher, school, region, subject, grade, date_from, date_to)
        with opened(db) as store:
            records = store.lessons(query, limit)
        if as_json:
            _json(records)
            return
        table = Table()
        for head in (*_LIST_HEAD, _short("mode"), _short("rt"), _short("ch")):
            table.add_column(head.get(current_lang()))
        for r in records:
            table.add_row(r.lesson_id, str(r.date or ""), r.teacher, r.school, r.subject, r.grade, _mode(r.mode),
                          _fmt(r.metrics["rt"]), _fmt(r.metrics["ch"]))
        Console().print(table)

    @store_app.command("show")
    def show(lesson_id: str = typer.Argument(...), db: str | None = DB_OPTION,
             as_json: bool = typer.Option(False, "--json", help="输出完整 JSON / print the analysis JSON.")
             ) -> None:
        """显示一节课的记录 / show one stored lesson."""
        with opened(db) as store:
            analysis = store.get(lesson_id)
        if analysis is None:
            raise InputError(_T["missing"], id=lesson_id)
        if as_json:
            typer.echo(dumps(analysis))
            return
        lang, meta = current_lang(), analysis.lesson
        typer.echo(f"{meta.id}  {meta.title}")
        typer.echo(f"{meta.date or ''}  {meta.teacher} · {meta.school} · {meta.region}  {meta.subject} {meta.grade}")
        if analysis.metrics is not None:
            scalars = analysis.metrics.scalars
            typer.echo(f"{_mode(str(scalars.get('mode') or ''))}  Rt {_fmt(_num(scalars.get('rt')))}  "
                       f"Ch {_fmt(_num(scalars.get('ch')))}")
        for finding in analysis.findings:
            typer.echo(f"  [{finding.severity}] {pick(finding.title, lang)}")

    @store_app.command("remove")
    def remove(lesson_ids: list[str] = typer.Argument(...), db: str | None = DB_OPTION) -> None:  # noqa: B008
        """删除课例及其全部记录 / remove lessons with everything stored about them."""
        with opened(db) as store:
            removed = store.remove(lesson_ids)
        typer.echo(_t("removed", n=len(removed)))

    @store_app.command("export")
    def export(out: Path = OUT_FILE,
               table: str = typer.Option("lessons", "--table", help="lessons | findings | rubric | metrics"),
               fmt: str | None = typer.Option(None, "--format", help="csv | parquet（默认看扩展名 / by extension)"),
               db: str | None = DB_OPTION,
               teacher: str | None = TEACHER, school: str | None = SCHOOL,
               region: str | None = REGION, subject: str | None = SUBJECT,
               grade: str | None = GRADE,
               date_from: str | None = DATE_FROM, date_to: str | None = DATE_TO,
               ) -> None:
        """导出为 CSV 或 Parquet，供研究使用 / export a table as CSV or Parquet for research."""
        query = query_from_options(teacher, school, region, subject, grade, date_from, date_to)
        check_output_file(out)
        with opened(db) as store:
            n = store.export(out, table, query, fmt)
        typer.echo(_t("exported", n=n, path=out))

    @store_app.command("portrait")
    def portrait(db: str | None = DB_OPTION,
                 by: str | None = typer.Option(None, "--by", help="分组 / group by: " + "|".join(_GROUPS)),
                 teacher: str | None = TEACHER,
                 school: str | None = SCHOOL,
                 region: str | None = REGION,
                 subject: str | None = SUBJECT,
                 grade: str | None = GRADE,
                 date_from: str | None = DATE_FROM, date_to: str | None = DATE_TO,
                 as_json: bool = AS_JSON) -> None:
        """群体画像：教学模式分布、指标分位带、常见诊断 / group portrait: modes, metric bands, findings."""
        if by is not None and by not in _GROUPS:
            raise InputError(_T["bad_by"], by=by, known=", ".join(_GROUPS))
        query = query_from_options(teacher, school, region, subject, grade, date_from, date_to)
        with opened(db) as store:
            portraits = store.portraits((by,), query) if by else {(): store.portrait(query)}
        if as_json:
            _json([{"group": dict(zip((by,) if by else (), key, strict=True)), "portrait": p}
                   for key, p in portraits.items()])
            return
        console = Console()
        for key, p in portraits.items():
            _print_portrait(console, " ".join(key) or "—", p)

    @store_app.command("monthly")
    def monthly(db: str | None = DB_OPTION, teacher: str | None = TEACHER, school: str | None = SCHOOL,
                region: str | None = REGION, subject: str | None = SUBJECT, grade: str | None = GRADE,
                date_from: str | None = DATE_FROM, date_to: str | None = DATE_TO, as_json: bool = AS_JSON) -> None:
        """按月变化：课数、教学模式、关键指标均值 / month by month: lessons, modes, key metric means."""
        query = query_from_options(teacher, school, region, subject, grade, date_from, date_to)
        with opened(db) as store:
            months = store.monthly(query)
        if as_json:
            _json(months)
            return
        if not months:
            typer.echo(_t("none"))
            return
        lang = current_lang()
        shown = ("rt", "ch", "participation_mean", "student_shares.answering")
        table = Table()
        for head in (_t("month"), _t("lessons"), _t("teachers"), _t("modes"),
                     *(METRIC_BY_ID[m].label.get(lang) for m in shown)):
            table.add_column(head)
        for m in months:
            modes = ", ".join(f"{_mode(k)} {v}" for k, v in m.modes.items())
            table.add_row(m.month.strftime("%Y-%m"), str(m.n_lessons), str(m.n_teachers), modes,
                          *(_fmt(m.means[k]) for k in shown))
        Console().print(table)

    @store_app.command("norms")
    def norms(db: str | None = DB_OPTION,
              subject: str | None = SUBJECT, grade: str | None = GRADE,
              region: str | None = REGION, school: str | None = SCHOOL,
              date_from: str | None = DATE_FROM, date_to: str | None = DATE_TO,
              min_lessons: int = typer.Option(1, "--min-lessons", help="组内最少课例数 / smallest group kept."),
              output: Path | None = NORMS_FILE,
              as_json: bool = AS_JSON) -> None:
        """学科×年级常模（各指标分位数，可供诊断规则引用）/ norms per subject and grade for rules."""
        query = query_from_options(None, school, region, subject, grade, date_from, date_to)
        if output is not None:
            check_output_file(output)
        with opened(db) as store:
            result = store.norms(query, min_lessons)
        if output is not None:
            write_norms(result, output)
            typer.echo(_t("saved", path=output))
            return
        if as_json:
            typer.echo(json.dumps(norms_to_dict(result), ensure_ascii=False, indent=2))
            return
        console, lang = Console(), current_lang()
        for norm in result.norms:
            table = Table(title=f"{norm.subject} {norm.grade} (n={norm.n_lessons})")
            for head in (_t("metric"), "P10", "P25", "P50", "P75", "P90"):
                table.add_column(head)
            for metric_id in METRIC_IDS:
                stats = norm.metrics[metric_id]
                if stats.n:
                    table.add_row(METRIC_BY_ID[metric_id].label.get(lang),
                                  *(_fmt(stats.percentiles.get(p)) for p in (10, 25, 50, 75, 90)))
            console.print(table)
        if not result.norms:
            typer.echo(_t("none"))


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
