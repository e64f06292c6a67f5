"""The PDF reports on A4, turned into PNG pages with pdftoppm: page count, and every chart's area inked."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lessonlens
from tests.support.reports import diagnosed_samples, lesson_sample, needs_browser, needs_pdftoppm, rubric_result

pytestmark = [pytest.mark.slow, needs_browser, needs_pdftoppm]

DPI = 60
A4_POINTS = (595.3, 841.9)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def pages(pdf: Path, tmp_path: Path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "page")], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page-*.png"))]


def words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, the words pdftotext finds with their boxes in points."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(page)]
            for page in xml.split("<page ")[1:]]


def find_title(found: list[list[tuple[float, float, float, float, str]]], title: str) -> tuple[int, float, float]:
    """(page, x, y below) of the first line that reads ``title`` (words in order on one line)."""
    parts = title.split()
    for number, page in enumerate(found):
        for k, (x0, _, _, y1, word) in enumerate(page):
            following = [w for _, _, _, yy, w in page[k:k + len(parts)] if abs(yy - y1) < 1]
            if word == parts[0] and following == parts:
                return number, x0, y1
    raise AssertionError(f"no chart titled {title!r} in the PDF")


def inked(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[float, float]:
    """Shares of non-white and of coloured (saturated) pixels inside ``box`` (points)."""
    scale = DPI / 72
    left, top, right, bottom = (round(v * scale) for v in box)
    pixels = np.asarray(image, dtype=np.int16)[top:bottom, left:right].reshape(-1, 3)
    dark = float(np.mean(pixels.min(axis=1) < 235))
    colour = float(np.mean(pixels.max(axis=1) - pixels.min(axis=1) > 60))
    return dark, colour


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_lesson_pdf_is_a4_with_every_chart_inked(lang: str, tmp_path: Path) -> None:
    pdf = lessonlens.report("lesson", tmp_path / "lesson.pdf", [lesson_sample()], lang=lang)
    assert pdf.read_bytes().startswith(b"%PDF")
    images = pages(pdf, tmp_path)
    assert 2 <= len(images) <= 6
    width, height = images[0].size
    assert abs(width / height - A4_POINTS[0] / A4_POINTS[1]) < 0.01
    titles = {"zh-CN": ["教学行为时序图", "教学行为分布玫瑰图", "课堂参与度曲线", "表现度曲线", "关注度曲线", "S-T 图",
                        "Rt-Ch 图"],
              "en": ["Behaviour timeline", "Behaviour distribution (rose chart)", "Participation curve",
                     "Consistency curve", "Attention curve", "S-T chart", "Rt-Ch chart"]}[lang]
    found = words(pdf)
    for title in titles:
        page, x, y = find_title(found, title)
        box = (x, y + 4, min(x + 240, A4_POINTS[0] - 30), min(y + 210, A4_POINTS[1] - 20))
        dark, colour = inked(images[page], box)
        assert dark > 0.03, f"{title}: chart area nearly blank ({dark:.3f})"
        assert colour > 0.0008, f"{title}: chart area has no colour ({colour:.4f})"


@pytest.mark.parametrize("kind", ["compare", "period", "rubric"])
def test_other_pdfs_have_pages_with_charts(kind: str, tmp_path: Path) -> None:
    if kind == "rubric":
        pdf = lessonlens.report(kind, tmp_path / "r.pdf", rubric_results=[rubric_result(tmp_path)])
    else:
        lessons = [a for a in diagnosed_samples() if kind == "compare" or a.lesson.teacher == "王丽"]
        pdf = lessonlens.report(kind, tmp_path / "r.pdf", lessons)
    images = pages(pdf, tmp_path)
    assert 2 <= len(images) <= 8
    colours = [inked(im, (0, 0, A4_POINTS[0], A4_POINTS[1]))[1] for im in images]
    assert sum(c > 0.01 for c in colours) >= 2, colours
    assert all(inked(im, (0, 0, A4_POINTS[0], A4_POINTS[1]))[0] > 0.01 for im in images), "a blank page"


def test_missing_browser_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONLENS_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(lessonlens.LessonlensError, match="Chromium"):
        lessonlens.report("lesson", tmp_path / "r.pdf", [lesson_sample()])
    assert not (tmp_path / "r.pdf").exists()
