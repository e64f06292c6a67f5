"""The PDF renderers: the print version of the HTML page, laid out on A4 by headless Chromium.

Chromium rather than a Python HTML engine: the PDF is then drawn by the same engine as the HTML
report (identical charts, the embedded font used in SVG text too), and a 6-page report takes about
a second. The browser is Debian's ``chromium`` (or any Chrome/Chromium named by ``LESSONLENS_CHROMIUM``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from lessonlens.core.errors import LessonlensError
from lessonlens.core.extensions import Renderer, ReportJob
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.files.atomic import atomic_path
from lessonlens.plugins.reports.builders import build_report, renderers_for_each_kind
from lessonlens.plugins.reports.page import render_page

ENV_VAR = "LESSONLENS_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Flags for a browser that must not touch the network or any profile of the user.
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)

NO_BROWSER = Text(
    zh="生成 PDF 需要 Chromium 浏览器，但没有找到；请安装（Debian/Ubuntu：apt-get install chromium）"
    "或用环境变量 LESSONLENS_CHROMIUM 指定其路径；也可改为输出 .html 后用浏览器打印",
    en="making a PDF needs a Chromium browser and none was found; install one (Debian/Ubuntu: apt-get install "
    "chromium) or set LESSONLENS_CHROMIUM to its path; or write .html and print it from a browser",
)
PRINT_FAILED = Text(zh="Chromium 未能生成 PDF：{error}", en="Chromium could not make the PDF: {error}")


def find_chromium() -> str | None:
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, path: Path, timeout: float = 120.0) -> None:
    """Print ``html`` to an A4 PDF at ``path`` (atomically) with headless Chromium."""
    browser = find_chromium()
    if browser is None:
        raise LessonlensError(NO_BROWSER)
    with tempfile.TemporaryDirectory(prefix="lessonlens-pdf-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        with atomic_path(path) as tmp:
            command = [browser, *_FLAGS, f"--user-data-dir={Path(work) / 'profile'}",
                       f"--print-to-pdf={tmp}", page.as_uri()]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise LessonlensError(PRINT_FAILED, error=exc) from None
            if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
                lines = [ln for ln in (done.stderr or "").splitlines() if ln.strip()]
                raise LessonlensError(PRINT_FAILED, error=lines[-1] if lines else f"exit {done.returncode}")


class PdfReport(Renderer):
    format = "pdf"

    def render(self, job: ReportJob, path: Path) -> None:
        html_to_pdf(render_page(build_report(job, path), for_print=True), path)


@hookimpl
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    for renderer in renderers_for_each_kind(PdfReport):
        register(renderer)
