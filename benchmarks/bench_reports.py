"""Benchmark of the lesson report: time to render the bundled 40-minute sample lesson as HTML and PDF.

    python benchmarks/bench_reports.py [--repeat 3] [--lang zh|en]

Each run is a fresh process (imports and plugin loading included, the font subset not cached), as
``lessonlens report lesson`` pays them; the report is also timed warm inside one process, split into
building the charts, rendering the page (with the font subset) and printing the PDF with Chromium.
Targets (issue 6): HTML <= 3 s, PDF <= 6 s cold on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_HTML_S = 3.0
TARGET_PDF_S = 6.0

CHILD = """
import json, sys, time
clock = time.perf_counter()
import lessonlens
from lessonlens import samples
analysis = samples.load_sample()
ready = time.perf_counter()
lessonlens.report("lesson", sys.argv[1], [analysis], lang=sys.argv[2])
done = time.perf_counter()
print(json.dumps({"setup": ready - clock, "report": done - ready, "total": done - clock}))
"""


def cold(fmt: str, lang: str, folder: Path) -> dict[str, float]:
    out = folder / f"report.{fmt}"
    done = subprocess.run([sys.executable, "-c", CHILD, str(out), lang], check=True, capture_output=True, text=True)
    timings: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    timings["size_kb"] = out.stat().st_size / 1024
    return timings


def warm(lang: str, folder: Path) -> dict[str, float]:
    from lessonlens import samples
    from lessonlens.core.extensions import ReportJob
    from lessonlens.plugins.reports.builders import build_report
    from lessonlens.plugins.reports.fonts import font_source
    from lessonlens.plugins.reports.page import render_page
    from lessonlens.plugins.reports.pdf import html_to_pdf

    assert font_source() is not None
    job = ReportJob(report="lesson", analyses=(samples.load_sample(),), lang=lang)
    clock = time.perf_counter()
    report = build_report(job, folder / "warm.html")
    built = time.perf_counter()
    render_page(report)
    paged = time.perf_counter()
    render_page(report)
    cached = time.perf_counter()
    html = render_page(report, for_print=True)
    printed_page = time.perf_counter()
    html_to_pdf(html, folder / "warm.pdf")
    pdf = time.perf_counter()
    return {"build_charts": built - clock, "page_with_font_subset": paged - built, "page_font_cached": cached - paged,
            "print_page_static_fonts": printed_page - cached, "chromium_print": pdf - printed_page}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lang", default="zh")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        for fmt in ("html", "pdf"):
            runs = [cold(fmt, args.lang, folder) for _ in range(args.repeat)]
            results[fmt] = {
                "total_s_median": round(statistics.median(r["total"] for r in runs), 2),
                "report_s_median": round(statistics.median(r["report"] for r in runs), 2),
                "setup_s_median": round(statistics.median(r["setup"] for r in runs), 2),
                "size_kb": round(runs[-1]["size_kb"], 1),
            }
        results["warm_stages_s"] = {k: round(v, 3) for k, v in warm(args.lang, folder).items()}
    html_s = results["html"]["total_s_median"]  # type: ignore[index]
    pdf_s = results["pdf"]["total_s_median"]  # type: ignore[index]
    results["targets"] = {"html_s": TARGET_HTML_S, "pdf_s": TARGET_PDF_S,
                          "met": html_s <= TARGET_HTML_S and pdf_s <= TARGET_PDF_S}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
