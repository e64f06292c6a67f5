"""Shared by the report tests: bundled sample lessons with real findings, real score sheets, a tiny
real video, and a headless Debian chromium driven through chromedriver."""

from __future__ import annotations

import csv
import functools
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest

from lessonlens import samples
from lessonlens.core.analysis import Analysis
from lessonlens.core.rubric import RubricResult
from lessonlens.diagnosis.diagnose import Diagnoser
from lessonlens.rubric.scoring import load_rubric_schema, score
from lessonlens.rubric.tree import rubric_tree

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ATTACK = "<script>alert(1)</script>"
needs_browser = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                                   reason="Debian chromium + chromium-driver are not installed (see .ci/run)")
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")


@functools.cache
def diagnosed_samples() -> tuple[Analysis, ...]:
    """Every bundled lesson, in date order, with the findings of the default rule pack."""
    diagnoser = Diagnoser()
    return tuple(attrs.evolve(a, findings=diagnoser.diagnose(a).findings) for a in samples.load_samples())


def lesson_sample(lesson_id: str = "li-qiang-01") -> Analysis:
    """A bundled lesson with findings that point at times in the video (li-qiang-01 has several)."""
    return next(a for a in diagnosed_samples() if a.lesson.id == lesson_id)


def write_score_sheets(folder: Path, schema_id: str = "classroom-teaching", comment: str = ATTACK) -> list[Path]:
    """Three raters' CSV sheets (long layout) for a rubric; the first rater's comment is ``comment``."""
    tree = rubric_tree(load_rubric_schema(schema_id))
    rng = np.random.default_rng(7)
    files = []
    for k, rater in enumerate(("李老师", "张老师", "Ms. Zhao")):
        path = folder / f"{schema_id}-{k}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["rater", "indicator", "score", "comment", "time", "mode"])
            for i, leaf in enumerate(tree.leaf_ids):
                top = tree.max_scores[tree.ids.index(leaf)]
                value = float(np.clip(round(top * rng.uniform(0.55, 1.0)), 1, top))
                note = comment if (k == 0 and i == 0) else ""
                writer.writerow([rater, leaf, value, note, "", "live" if k < 2 else "recording"])
            writer.writerow([rater, tree.leaf_ids[0], "", f"{rater}：学生齐答较多", 300 + 120 * k, ""])
        files.append(path)
    return files


def rubric_result(folder: Path, schema_id: str = "classroom-teaching", comment: str = ATTACK) -> RubricResult:
    return score(schema_id, write_score_sheets(folder, schema_id, comment), lesson="li-qiang-01")


def write_video(path: Path, seconds: int = 2400) -> Path:
    """A real H.264 MP4 as long as a lesson (1 frame/s of a still picture: a few tens of KB)."""
    from lessonlens.media.encode import write_video as encode

    frame = np.zeros((36, 64, 3), np.uint8)
    frame[:, :32] = (40, 120, 200)
    return encode(path, (frame for _ in range(seconds)), fps=1, gop_seconds=10)


@contextmanager
def browser(tmp_path: Path) -> Iterator[Any]:
    """Debian's chromium, headless, with the network and background services off, logging console and network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                 "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: Any, page: str) -> list[str]:
    """Every URL the document ``page`` asked for since the last call (from the DevTools network log;
    the browser's own start page, also in the log, is left out)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent" and message["params"].get("documentURL") == page:
            urls.append(message["params"]["request"]["url"])
    return urls


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
