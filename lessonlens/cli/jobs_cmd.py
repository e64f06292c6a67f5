"""``lessonlens jobs``: the analysis jobs of the store (list, retry, run what is queued)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.cli.batch_cmd import (
    DB,
    JSON_OUT,
    QUIET,
    SCHEDULER,
    THREADS,
    WORKERS,
    batch_options,
    batch_progress,
    print_summary,
)
from lessonlens.cli.native_logs import native_logs_filtered
from lessonlens.core.documents import converter
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text, current_lang

_HEAD = (Text(zh="任务", en="job"), Text(zh="课例", en="lesson"), Text(zh="状态", en="state"),
         Text(zh="次数", en="attempts"), Text(zh="秒", en="seconds"), Text(zh="工作进程", en="worker"),
         Text(zh="批次", en="batch"), Text(zh="错误", en="error"))
_T = {
    "none": Text(zh="没有符合条件的任务", en="no matching jobs"),
    "bad_state": Text(zh="未知状态 {state}（可用：{known}）", en="unknown state {state} (use {known})"),
    "requeued": Text(zh="已重新排队 {n} 个任务", en="queued {n} jobs again"),
    "more": Text(zh="只显示最新的 {shown} 个，共 {total} 个（--limit N 或 --json 显示更多）",
                 en="showing the newest {shown} of {total} (--limit N or --json for more)"),
    "what": Text(zh="请给出任务编号，或用 --failed", en="name job ids, or use --failed"),
}
_STATES = {"queued": Text(zh="排队", en="queued"), "running": Text(zh="进行中", en="running"),
           "done": Text(zh="完成", en="done"), "failed": Text(zh="失败", en="failed")}


#: rows the table shows unless ``--limit`` says otherwise
TABLE_ROWS = 100


def add_to(app: typer.Typer) -> None:
    jobs_app = typer.Typer(help="分析任务（批量分析与网页提交）/ analysis jobs of the store.", no_args_is_help=True)
    app.add_typer(jobs_app, name="jobs")

    @jobs_app.command("list")
    def list_command(
        state: Annotated[str | None, typer.Option("--state", help="queued|running|done|failed")] = None,
        batch: Annotated[str | None, typer.Option("--batch", help="只看这一批次 / only this batch.")] = None,
        limit: Annotated[int | None, typer.Option(
            "--limit", min=1, help="最多显示（表格默认 100）/ at most N jobs (the table: 100 unless given).")] = None,
        db: str | None = DB,
        as_json: bool = JSON_OUT,
    ) -> None:
        """列出分析任务（最新在前）/ list analysis jobs, newest first."""
        from lessonlens.jobs import JobState, job_counts, list_jobs
        from lessonlens.store import open_store

        lang = current_lang()
        if state is not None and state not in {s.value for s in JobState}:
            raise InputError(_T["bad_state"], state=state, known="|".join(s.value for s in JobState))
        with open_store(db) as store:
            jobs = list_jobs(store, state, batch=batch, limit=limit if limit or as_json else TABLE_ROWS + 1)
            counts = job_counts(store, batch) if limit is None and len(jobs) > TABLE_ROWS and not as_json else None
        if as_json:
            typer.echo(json.dumps(converter.unstructure(jobs), ensure_ascii=False, indent=2, default=str))
            return
        if not jobs:
            typer.echo(_T["none"].get(lang))
            return
        table = Table()
        for head in _HEAD:
            table.add_column(head.get(lang))
        for job in jobs[:TABLE_ROWS] if counts is not None else jobs:
            table.add_row(str(job.id), job.lesson_id, _STATES[job.state.value].get(lang), str(job.attempts),
                          "" if job.seconds is None else f"{job.seconds:.1f}", job.worker, job.batch, job.error)
        Console().print(table)
        if counts is not None:
            total = counts[JobState(state)] if state else sum(counts.values())
            typer.echo(_T["more"].format(lang, shown=TABLE_ROWS, total=total), err=True)

    @jobs_app.command("retry")
    def retry_command(
        jobs: Annotated[list[str] | None, typer.Argument(help="任务编号或课例编号 / job ids or lesson ids.")] = None,
        failed: Annotated[bool, typer.Option("--failed", help="所有失败的任务 / every failed job.")] = False,
        no_run: Annotated[bool, typer.Option("--no-run", help="只重新排队，不运行 / only queue them again.")] = False,
        db: str | None = DB,
        workers: int | None = WORKERS,
        scheduler: str | None = SCHEDULER,
        detectors: Annotated[str | None, typer.Option("--detectors", help="检测器 / detectors.")] = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="analysis.json 输出目录 / output folder.")] = None,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="不用检测缓存 / no detector cache.")] = False,
        threads_per_lesson: int | None = THREADS,
        as_json: bool = JSON_OUT,
        quiet: bool = QUIET,
    ) -> None:
        """重新排队并运行任务 / queue jobs again and run them."""
        from lessonlens.jobs import retry, run_jobs
        from lessonlens.store import open_store

        if not jobs and not failed:
            raise InputError(_T["what"])
        with open_store(db) as store:
            again = retry(store, list(jobs or ()), failed=failed)
        typer.echo(_T["requeued"].format(current_lang(), n=len(again)), err=True)
        if no_run or not again:
            return
        options = batch_options(detectors, "platform-9", 6.0, out, no_cache, None, True, threads_per_lesson)
        with native_logs_filtered(), batch_progress(not quiet) as progress:
            summary = run_jobs(db, [j.id for j in again], workers=workers, scheduler=scheduler, options=options,
                               progress=progress, info=lambda line: typer.echo(line, err=True))
        print_summary(summary, as_json)

    @jobs_app.command("run")
    def run_command(
        db: str | None = DB,
        workers: int | None = WORKERS,
        scheduler: str | None = SCHEDULER,
        detectors: Annotated[str | None, typer.Option("--detectors", help="检测器 / detectors.")] = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="analysis.json 输出目录 / output folder.")] = None,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="不用检测缓存 / no detector cache.")] = False,
        threads_per_lesson: int | None = THREADS,
        as_json: bool = JSON_OUT,
        quiet: bool = QUIET,
    ) -> None:
        """运行所有排队中的任务（如网页提交的）/ run every queued job (e.g. those the web application submitted)."""
        from lessonlens.jobs import run_jobs

        options = batch_options(detectors, "platform-9", 6.0, out, no_cache, None, True, threads_per_lesson)
        with native_logs_filtered(), batch_progress(not quiet) as progress:
            summary = run_jobs(db, None, workers=workers, scheduler=scheduler, options=options,
                               progress=progress, info=lambda line: typer.echo(line, err=True))
        print_summary(summary, as_json)
