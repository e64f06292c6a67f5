"""``lessonlens serve``: the web platform on uvicorn (embedded defaults: SQLite store, local media folder)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Annotated

import typer

from lessonlens.core.i18n import Text, current_lang

_T = {
    "missing": Text(zh="网页平台需要 web 扩展：pip install 'lessonlens[web]'",
                    en="the web platform needs the web extra: pip install 'lessonlens[web]'"),
    "demo": Text(zh="演示账户（密码均为 {password}）：{names}", en="demo logins (password {password}): {names}"),
    "both": Text(zh="--workers 与 --scheduler 只能选一个", en="use --workers or --scheduler, not both"),
    "open": Text(zh="平台地址：http://{host}:{port}/", en="the platform is at http://{host}:{port}/"),
}


def add_to(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        db: Annotated[str | None, typer.Option("--db", help="课例库地址 / store URL or SQLite path.")] = None,
        media: Annotated[Path | None, typer.Option("--media", help="录像与分析存放目录 / media folder.")] = None,
        host: Annotated[str, typer.Option("--host", help="监听地址 / address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="端口 / port.")] = 8000,
        demo: Annotated[bool, typer.Option("--demo", help="预置示例课例与演示账户 / preload the bundled "
                                                          "lessons and demo accounts.")] = False,
        demo_password: Annotated[str | None, typer.Option("--demo-password", help="演示账户密码 / demo "
                                                                                  "password.")] = None,
        detectors: Annotated[str | None, typer.Option("--detectors", help="分析用的检测器（逗号分隔）/ "
                                                      "detectors for analysis jobs.")] = None,
        max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="单次上传上限（MB）/ "
                                                   "upload limit (MB).")] = 4096,
        secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="仅经 HTTPS 发送 Cookie / "
                                                     "HTTPS-only cookies.")] = False,
        retention_days: Annotated[float | None, typer.Option("--retention-days", min=0, help="上传若干天后删除录像，"
                                                             "保留分析 / delete recordings N days after upload, "
                                                             "keep the analysis.")] = None,
        upload_chunk_kb: Annotated[int, typer.Option("--upload-chunk-kb", min=64, help="分块上传的块大小（KB）/ "
                                                     "chunk size of resumable uploads (KB).")] = 8192,
        scheduler: Annotated[str | None, typer.Option("--scheduler", help="在 Dask 集群上运行分析任务 / run analysis "
                                                      "jobs on this Dask scheduler (tcp://HOST:8786).")] = None,
        workers: Annotated[int | None, typer.Option("--workers", min=0, help="内置 Dask 集群的分析进程数（0：在服务器"
                                                    "线程中逐个分析）/ analysis processes of the embedded Dask cluster "
                                                    "(0: one job at a time in a server thread).")] = None,
        import_root: Annotated[Path | None, typer.Option("--import-root", help="管理员可登记其中已有录像的目录 / "
                                                         "folder of recordings admins may register.")] = None,
        min_group: Annotated[int, typer.Option("--min-group", min=1, help="汇总统计的最小组规模 / smallest group "
                                               "whose aggregates are shown.")] = 5,
        job_grace: Annotated[float, typer.Option("--job-grace", min=1, help="运行中的任务无心跳多少秒后重新排队 / "
                                                 "seconds without a heartbeat before a running job counts as "
                                                 "lost and is queued again.")] = 60.0,
        no_jobs: Annotated[bool, typer.Option("--no-jobs", help="不在本进程运行分析任务 / do not run "
                                              "analysis jobs in this process.")] = False,
    ) -> None:
        """启动网页平台 / start the web platform."""
        if scheduler and workers:
            typer.echo(f"lessonlens: {_T['both'].get()}", err=True)
            raise typer.Exit(2)
        try:
            import uvicorn

            from lessonlens.web.app import create_app
            from lessonlens.web.platform import Platform
            from lessonlens.web.settings import WebSettings
        except ModuleNotFoundError:
            typer.echo(f"lessonlens: {_T['missing'].get()}", err=True)
            raise typer.Exit(2) from None
        from lessonlens.store.db import default_path

        # the embedded Dask cluster's scheduler and workers say a lot at INFO: only problems here
        # (importing distributed sets its loggers' levels, so quiet them after)
        with contextlib.suppress(ImportError):
            import distributed  # noqa: F401
        logging.getLogger("distributed").setLevel(logging.WARNING)

        settings = WebSettings(
            db=db, media=media or default_path().parent / "media", max_upload=max_upload_mb * 1024 * 1024,
            secure_cookies=secure_cookies, run_jobs=not no_jobs, retention_days=retention_days,
            upload_chunk=upload_chunk_kb * 1024, scheduler=scheduler, workers=workers, import_root=import_root,
            min_group=min_group, job_grace_s=job_grace,
            detectors=tuple(d.strip() for d in detectors.split(",") if d.strip()) if detectors else None)
        platform = Platform.open(settings)
        if demo:
            from lessonlens.web.demo import preload

            logins = preload(platform, demo_password)
            typer.echo(_T["demo"].format(current_lang(), password=logins[0].password,
                                         names=", ".join(f"{x.name} ({x.role})" for x in logins)))
        config = uvicorn.Config(create_app(settings, platform), host=host, port=port, log_level="warning",
                                proxy_headers=True, forwarded_allow_ips="127.0.0.1")
        server = uvicorn.Server(config)
        typer.echo(_T["open"].format(current_lang(), host=host, port=port), err=False)
        server.run()
