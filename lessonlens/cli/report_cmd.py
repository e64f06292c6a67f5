"""``lessonlens report lesson|compare|period|rubric``: the five reports as HTML, PDF, JSON or CSV (.zip)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.rubric import RubricSchema
from lessonlens.pipeline.reporting import report

_T = {
    "written": Text(zh="已生成报告：{path}", en="report written: {path}"),
    "nothing": Text(zh="没有课例：请给出分析文件、--samples，或用 --db/--teacher/--from/--to 从课例库查询",
                    en="no lessons: give analysis files, --samples, or query the store with "
                    "--db/--teacher/--from/--to"),
    "none_found": Text(zh="课例库 {db} 中没有符合条件的课例", en="no lessons in the store {db} match"),
    "no_lesson": Text(zh="请给出一个分析文件（或编码表），或用 --sample 使用自带示例课",
                      en="give one analysis file (or coded sheet), or --sample for the bundled sample lesson"),
}

OUTPUT = typer.Option("-o", "--output", help="输出文件：.html / .pdf / .json / .zip(CSV) / output file.")
LANG = typer.Option("--lang", help="报告语言 zh|en（默认中文）/ report language.")
FORMAT = typer.Option("--format", help="格式 html|pdf|json|csv（默认按扩展名）/ format (default: from the suffix).")
TITLE = typer.Option("--title", help="自定义标题 / custom title.")
FILES = typer.Argument(help="分析 JSON 或手工编码表 CSV / analysis JSON or coded CSV sheets.")


def _say(key: str, **params: object) -> None:
    typer.echo(_T[key].format(current_lang(), **params))


def _store_analyses(db: str | None, teacher: str | None, school: str | None, region: str | None, subject: str | None,
                    grade: str | None, date_from: str | None, date_to: str | None) -> list[Analysis]:
    from lessonlens.cli.store_cmd import query_from_options
    from lessonlens.store.api import open_store  # SQLAlchemy loads only when the store is used

    query = query_from_options(teacher, school, region, subject, grade, date_from, date_to)
    with open_store(db, create=False) as store:  # as `lessonlens store ...` does
        found = store.analyses(query)
    if not found:
        raise InputError(_T["none_found"], db=store.display_url)
    return found


def _lessons(files: list[Path] | None, samples: bool, db: str | None, teacher: str | None, school: str | None,
             region: str | None, subject: str | None, grade: str | None, date_from: str | None,
             date_to: str | None) -> list[Analysis | Path]:
    if files:
        return list(files)
    if samples:
        from lessonlens import samples as bundled

        return list(bundled.load_samples(teacher))
    if any((db, teacher, school, region, subject, grade, date_from, date_to)):
        return list(_store_analyses(db, teacher, school, region, subject, grade, date_from, date_to))
    raise InputError(_T["nothing"])


def add_to(app: typer.Typer) -> None:
    report_app = typer.Typer(help="生成报告（HTML/PDF/JSON/CSV）/ make reports (HTML, PDF, JSON, CSV).",
                             no_args_is_help=True)
    app.add_typer(report_app, name="report")

    @report_app.command("lesson")
    def lesson(
        file: Annotated[Path | None, typer.Argument(help="分析 JSON 或手工编码表 CSV / analysis JSON or coded "
                                                         "CSV.")] = None,
        output: Annotated[Path, OUTPUT] = Path("lesson-report.html"),
        video: Annotated[str | None, typer.Option("--video", help="课堂视频文件或网址（点击时间点跳转）/ lesson "
                                                                  "video file or URL to seek.")] = None,
        lang: Annotated[str, LANG] = "",
        fmt: Annotated[str | None, FORMAT] = None,
        title: Annotated[str, TITLE] = "",
        sample: Annotated[bool, typer.Option("--sample", help="使用自带示例课 / use the bundled sample "
                                                               "lesson.")] = False,
        scheme: Annotated[str, typer.Option("--scheme", help="编码表的编码方案 platform-9|st|fias|verbal-activity|"
                                                             "copus|itias（默认按表头判断）/ "
                                                             "scheme of a coded sheet.")] = "",
        interval: Annotated[float, typer.Option("--interval", help="编码表的采样间隔（秒）/ sampling interval of "
                                                                   "a coded sheet.")] = 0.0,
    ) -> None:
        """教师课堂教学行为分析报告 / one lesson's behaviour report."""
        if file is None and not sample:
            raise InputError(_T["no_lesson"])
        if file is None:
            from lessonlens import samples as bundled

            source: Analysis | Path = bundled.load_sample()
        elif scheme or interval:
            from lessonlens.pipeline.inputs import analysis_from_file

            source = analysis_from_file(file, scheme or None, interval or None)
        else:
            source = file
        path = report("lesson", output, [source], fmt=fmt, lang=lang or None, video=video, title=title)
        _say("written", path=path)

    def many(kind: str) -> None:
        @report_app.command(kind, help=("不同教师的课堂教学行为对比分析报告 / compare lessons side by side."
                                        if kind == "compare" else
                                        "教师周期课堂教学行为分析报告 / one teacher or a group over a period."))
        def command(
            files: Annotated[list[Path] | None, FILES] = None,
            output: Annotated[Path, OUTPUT] = Path(f"{kind}-report.html"),
            lang: Annotated[str, LANG] = "",
            fmt: Annotated[str | None, FORMAT] = None,
            title: Annotated[str, TITLE] = "",
            samples: Annotated[bool, typer.Option("--samples", help="使用自带示例课 / use the bundled sample "
                                                                    "lessons.")] = False,
            db: Annotated[str | None, typer.Option("--db", help="课例库 / store database URL or file.")] = None,
            teacher: Annotated[str | None, typer.Option("--teacher", help="教师 / teacher.")] = None,
            school: Annotated[str | None, typer.Option("--school", help="学校 / school.")] = None,
            region: Annotated[str | None, typer.Option("--region", help="区域 / region.")] = None,
            subject: Annotated[str | None, typer.Option("--subject", help="学科 / subject.")] = None,
            grade: Annotated[str | None, typer.Option("--grade", help="年级 / grade.")] = None,
            date_from: Annotated[str | None, typer.Option("--from", help="起始日期 YYYY-MM-DD / from.")] = None,
            date_to: Annotated[str | None, typer.Option("--to", help="截止日期 YYYY-MM-DD / to.")] = None,
        ) -> None:
            lessons = _lessons(files, samples, db, teacher, school, region, subject, grade, date_from, date_to)
            path = report(kind, output, lessons, fmt=fmt, lang=lang or None, title=title)
            _say("written", path=path)

    many("compare")
    many("period")

    @report_app.command("rubric")
    def rubric(
        results: Annotated[list[Path], typer.Argument(help="量规评分结果 JSON / rubric result JSON (from "
                                                           "`lessonlens rubric score`).")],
        output: Annotated[Path, OUTPUT] = Path("rubric-report.html"),
        schema: Annotated[list[str] | None, typer.Option("--schema", help="量规文件或编号（默认按结果查找）/ "
                                                                         "rubric schema file or id.")] = None,
        analysis: Annotated[Path | None, typer.Option(
            "--analysis", help="课例分析 JSON（诊断与视频）/ the lesson's analysis, for findings and video.")] = None,
        video: Annotated[str | None, typer.Option("--video", help="课堂视频 / lesson video.")] = None,
        lang: Annotated[str, LANG] = "",
        fmt: Annotated[str | None, FORMAT] = None,
        title: Annotated[str, TITLE] = "",
    ) -> None:
        """基于量规评分的教学设计/课堂教学能力分析报告 / rubric reports (teaching design, classroom teaching)."""
        from lessonlens.rubric.scoring import load_rubric_schema

        schemas: list[RubricSchema] = [load_rubric_schema(s) for s in schema or []]
        path = report("rubric", output, [analysis] if analysis else [], list(results), schemas, fmt=fmt,
                      lang=lang or None, video=video, title=title)
        _say("written", path=path)
