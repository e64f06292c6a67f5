"""``lessonlens batch MANIFEST``: a district's lessons analysed on Dask and kept in the store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lessonlens.cli.native_logs import native_logs_filtered
from lessonlens.core.documents import converter
from lessonlens.core.i18n import Text, current_lang
from lessonlens.files.gates import check_output_dir

if TYPE_CHECKING:
    from lessonlens.jobs.runner import BatchOptions, BatchProgress, BatchSummary

_T = {
    "progress": Text(zh="批量分析", en="batch"),
    "status": Text(zh="完成 {done} · 失败 {failed} · 进行中 {running} · 跳过 {skipped}",
                   en="done {done} · failed {failed} · running {running} · skipped {skipped}"),
    "eta": Text(zh="剩余约 {eta}", en="ETA {eta}"),
    "summary": Text(zh="{lessons} 节课：分析并入库 {analysed}，跳过 {skipped}（已入库），失败 {failed}；"
                       "用时 {seconds:.1f} 秒，{workers} 个工作进程；课例库 {db}",
                    en="{lessons} lessons: {analysed} analysed and stored, {skipped} skipped (already stored), "
                       "{failed} failed; {seconds:.1f} s on {workers} workers; store {db}"),
    "lesson": Text(zh="课例", en="lesson"),
    "error": Text(zh="错误", en="error"),
    "elsewhere": Text(zh="{n} 节课正在别处分析，本批次未分析（可加 --wait 等待其完成）：",
                      en="{n} lessons are running elsewhere, not done by this batch (add --wait to wait for them):"),
    "where": Text(zh="分析者", en="running on"),
    "since": Text(zh="开始于", en="since"),
    "beat": Text(zh="最近心跳", en="last heartbeat"),
    "taken_over": Text(zh="接管了 {n} 节心跳超时的课：{ids}",
                       en="took over {n} lessons whose runner went silent: {ids}"),
    "done_elsewhere": Text(zh="等待期间别处完成 {n} 节课", en="{n} lessons were finished elsewhere while waiting"),
    "retry": Text(zh="重试失败的课例：lessonlens jobs retry --failed", en="retry the failed lessons: "
                  "lessonlens jobs retry --failed"),
}

DB = typer.Option(None, "--db", help="课例库：SQLite 文件或 postgresql:// 地址（默认 $LESSONLENS_DB）/ lesson store: "
                                     "SQLite file or postgresql:// URL (default $LESSONLENS_DB).")
WORKERS = typer.Option(None, "--workers", min=1, help="本机工作进程数（每个同时分析一节课）/ local worker processes, "
                                                       "one lesson each at a time (default: cores / 2).")
SCHEDULER = typer.Option(None, "--scheduler", help="Dask 调度器地址 / address of a running Dask scheduler, "
                                                   "e.g. tcp://10.0.0.5:8786.")
THREADS = typer.Option(
    None, "--threads-per-lesson", "--lesson-threads", min=1, max=256,
    help="每节课的线程预算：其检测器同时使用的核数（默认：本机集群为核数/工作进程数，否则 2；集群上为工作进程的线程数）"
         " / a lesson's thread budget, the cores its detectors use at once (default: the cores divided among "
         "--workers, else 2; on a cluster each worker's --nthreads).")
JSON_OUT = typer.Option(False, "--json", help="结束时以 JSON 输出汇总 / print the summary as JSON.")
WAIT = typer.Option(False, "--wait", help="等待别处（网页平台或另一批次）正在分析的课例完成，心跳超时的接管 / wait for "
                   "the lessons running elsewhere (the web platform, another batch) and take over any whose "
                   "runner goes silent.")
WAIT_LIMIT = typer.Option(
    None, "--wait-limit", min=0,
    help="等待别处课例的最长秒数，到时仍在运行的计入汇总（退出码 3）；隐含 --wait / at most this many seconds of "
         "waiting for lessons running elsewhere (implies --wait); those still running then stay in the summary "
         "(exit code 3).")
GRACE = typer.Option(60.0, "--job-grace", min=1, help="运行中的任务无心跳多少秒后视为失联并接管 / seconds without a "
                     "heartbeat before a running job counts as lost and is taken over.")
QUIET = typer.Option(False, "--quiet", "-q", help="不显示进度 / no progress bar.")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60:02d}:{seconds % 60:02d}"


@contextmanager
def batch_progress(enabled: bool) -> Iterator[Callable[[BatchProgress], None]]:
    """A rich bar of lessons finished, with done / failed / running counts and the ETA (on stderr)."""
    if not enabled:
        yield lambda _: None
        return
    lang = current_lang()
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TextColumn("{task.fields[eta]}"),
                  console=console, transient=False) as bar:
        task = bar.add_task(_T["progress"].get(lang), total=None, status="", eta="")

        def update(p: BatchProgress) -> None:
            bar.update(task, total=p.total or 1, completed=p.done + p.failed,
                       status=_T["status"].format(lang, done=p.done, failed=p.failed, running=p.running,
                                                  skipped=p.skipped),
                       eta=_T["eta"].format(lang, eta=_clock(p.eta)))

        yield update


def batch_options(detectors: str | None, coder: str, interval: float, out: Path | None, no_cache: bool,
                  cache_dir: Path | None, force: bool, threads_per_lesson: int | None, no_diagnose: bool = False,
                  wait: bool = False, grace: float = 60.0, wait_limit: float | None = None) -> BatchOptions:
    from lessonlens.jobs.runner import BatchOptions

    if out is not None:
        check_output_dir(out)  # before any lesson is analysed
    names = tuple(n.strip() for n in (detectors or "").split(",") if n.strip())
    return BatchOptions(detectors=names or None, coder=coder, interval=interval,
                        cache=False if no_cache else (str(cache_dir) if cache_dir else True),
                        diagnose=not no_diagnose, out_dir=str(out) if out else None, force=force,
                        threads_per_lesson=threads_per_lesson, wait=wait or wait_limit is not None, grace=grace,
                        wait_limit=wait_limit)


def print_summary(summary: BatchSummary, as_json: bool) -> None:
    """The summary as JSON on stdout, or one line and tables of failures and of lessons running elsewhere;
    exit code 1 if any failed, else 3 if some are left running elsewhere (not done by this batch)."""
    if as_json:
        doc = converter.unstructure(summary)
        doc["failed"] = list(summary.failed)
        usage = doc.pop("usage")  # per lesson it would be too long for a district: the totals instead
        doc["threads_per_lesson"] = list(summary.threads_per_lesson)
        doc["cpu_seconds"] = round(summary.cpu_seconds, 3)
        doc["peak_threads"] = max((u["peak_threads"] for u in usage), default=0)
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        lang = current_lang()
        console = Console()
        typer.echo(_T["summary"].format(lang, lessons=summary.lessons, analysed=len(summary.analysed),
                                        skipped=len(summary.skipped), failed=len(summary.failures),
                                        seconds=summary.seconds, workers=summary.workers, db=summary.db))
        if summary.failures:
            table = Table()
            table.add_column(_T["lesson"].get(lang))
            table.add_column(_T["error"].get(lang))
            for failure in summary.failures:
                table.add_row(failure.lesson_id, failure.error)
            console.print(table)
            typer.echo(_T["retry"].get(lang), err=True)
        if summary.taken_over:
            typer.echo(_T["taken_over"].format(lang, n=len(summary.taken_over), ids=", ".join(summary.taken_over)))
        if summary.done_elsewhere:
            typer.echo(_T["done_elsewhere"].format(lang, n=len(summary.done_elsewhere)))
        if summary.elsewhere:
            typer.echo(_T["elsewhere"].format(lang, n=len(summary.elsewhere)))
            table = Table()
            for key in ("lesson", "where", "since", "beat"):
                table.add_column(_T[key].get(lang))
            for job in summary.elsewhere:
                table.add_row(job.lesson_id, job.worker or "-", _when(job.since), _when(job.heartbeat))
            console.print(table)
    if summary.failures:
        raise typer.Exit(1)
    if summary.elsewhere:
        raise typer.Exit(3)


def _when(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at is not None else "-"


def add_to(app: typer.Typer) -> None:
    @app.command("batch")
    def batch_command(
        manifest: Annotated[Path, typer.Argument(help="清单 CSV/YAML，或课例文件夹所在目录 / manifest CSV or YAML, "
                                                      "or a folder of lesson folders.")],
        db: str | None = DB,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="另把每节课的 analysis.json 写到 DIR/<课例>/ / also write "
            "DIR/<lesson id>/analysis.json.")
        ] = None,
        workers: int | None = WORKERS,
        scheduler: str | None = SCHEDULER,
        detectors: Annotated[str | None, typer.Option(
            "--detectors", help="检测器（逗号分隔；默认按媒体选取）/ detectors, comma-separated.")] = None,
        coder: Annotated[str, typer.Option("--coder", help="编码方案 / coding scheme.")] = "platform-9",
        interval: Annotated[float, typer.Option("--interval", min=0.5, help="采样间隔（秒）/ interval (s).")] = 6.0,
        cache_dir: Annotated[Path | None, typer.Option(
            "--cache-dir", help="检测结果缓存目录（工作进程都能访问）/ detector cache folder the workers share.")
        ] = None,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="不用检测缓存 / no detector cache.")] = False,
        force: Annotated[bool, typer.Option("--force", help="已入库的课例也重新分析 / analyse stored lessons "
                                                            "again.")] = False,
        threads_per_lesson: int | None = THREADS,
        wait: bool = WAIT,
        wait_limit: float | None = WAIT_LIMIT,
        job_grace: float = GRACE,
        as_json: bool = JSON_OUT,
        quiet: bool = QUIET,
    ) -> None:
        """在 Dask 上批量分析全区课例并入库 / analyse a district's lessons on Dask into the store."""
        import lessonlens
        from lessonlens.jobs.manifest import read_manifest

        options = batch_options(detectors, coder, interval, out, no_cache, cache_dir, force, threads_per_lesson,
                                wait=wait, grace=job_grace, wait_limit=wait_limit)
        specs = read_manifest(manifest)  # a bad manifest fails in one line, before any progress bar
        # the embedded cluster's worker processes inherit the filtered stderr (mediapipe's native log lines)
        with native_logs_filtered(), batch_progress(not quiet) as progress:
            summary = lessonlens.batch(specs, name=str(manifest), db=db, workers=workers, scheduler=scheduler,
                                       options=options, progress=progress, info=lambda line: typer.echo(line, err=True))
        print_summary(summary, as_json)
