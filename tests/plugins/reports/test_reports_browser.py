"""The HTML reports in a real headless Debian chromium: no console errors, no network, charts drawn,
clicks seek the lesson video, and a rater's markup stays text."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

import lessonlens
from tests.support.reports import (
    ATTACK,
    browser,
    console_errors,
    diagnosed_samples,
    lesson_sample,
    needs_browser,
    requested_urls,
    rubric_result,
    write_video,
)

pytestmark = [pytest.mark.slow, needs_browser]


def _open(driver: Any, page: Path) -> None:
    driver.get(page.as_uri())
    driver.execute_script("return document.fonts.ready.then(function () { return true; })")


def _assert_offline_and_clean(driver: Any, page: Path) -> None:
    urls = requested_urls(driver, page.as_uri())
    assert page.as_uri() in urls
    outside = [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]
    assert outside == [], f"the report asked the network for {outside}"
    assert console_errors(driver) == []


def _current_time(driver: Any) -> float:
    return float(driver.execute_script("return document.getElementById('lesson-video').currentTime"))


def _wait_video(driver: Any) -> None:
    for _ in range(50):
        if driver.execute_script("return document.getElementById('lesson-video').readyState") >= 1:
            return
        time.sleep(0.1)
    raise AssertionError("the video never loaded")


def _click(driver: Any, element: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    ActionChains(driver).move_to_element(element).click().perform()


def test_lesson_report_draws_its_charts_and_seeks_the_video(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    video = write_video(tmp_path / "media" / "lesson.mp4")
    page = lessonlens.report("lesson", tmp_path / "report.html", [lesson_sample()], video=str(video))
    with browser(tmp_path) as driver:
        _open(driver, page)
        _wait_video(driver)
        _assert_offline_and_clean(driver, page)
        # the font in use is the embedded one, and every chart has a visible size
        assert driver.execute_script("return document.fonts.check('16px LessonlensSans', '教学')")
        sizes = driver.execute_script(
            "return Array.from(document.querySelectorAll('svg.chart')).map(function (s) {"
            " var r = s.getBoundingClientRect(); return [r.width, r.height, s.querySelectorAll('*').length]; })")
        assert len(sizes) == 7
        assert all(w > 250 and h > 150 and n > 20 for w, h, n in sizes), sizes
        # hovering a rose sector shows its value at once
        from selenium.webdriver.common.action_chains import ActionChains

        sector = driver.find_element(By.CSS_SELECTOR, "#chart-rose path[data-tip]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", sector)
        ActionChains(driver).move_to_element(sector).perform()
        tooltip = driver.find_element(By.CSS_SELECTOR, ".tip.shown")
        assert re.fullmatch(r".+: \d+\.\d%", tooltip.text), tooltip.text
        # a timeline point: the video jumps to the start of its 2-minute bin
        points = driver.find_elements(By.CSS_SELECTOR, "#chart-timeline g.seek")
        assert len(points) == 9 * 20
        target = next(p for p in points if p.get_attribute("data-t") == "1320")
        _click(driver, target)
        time.sleep(0.3)
        assert 1320 <= _current_time(driver) < 1323
        # a finding's time range does the same
        ranges = driver.find_elements(By.CSS_SELECTOR, "#findings button.time")
        assert ranges
        start = float(ranges[-1].get_attribute("data-t"))
        _click(driver, ranges[-1])
        time.sleep(0.3)
        assert start <= _current_time(driver) < start + 3
        # an extreme of a curve, by keyboard
        mark = driver.find_element(By.CSS_SELECTOR, "#chart-participation g.mark")
        driver.execute_script("arguments[0].focus()", mark)
        from selenium.webdriver.common.keys import Keys

        driver.switch_to.active_element.send_keys(Keys.ENTER)
        time.sleep(0.3)
        assert abs(_current_time(driver) - float(mark.get_attribute("data-t"))) < 3
        assert console_errors(driver) == []


def test_without_a_video_a_click_tells_the_time(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    page = lessonlens.report("lesson", tmp_path / "report.html", [lesson_sample()], lang="en")
    with browser(tmp_path) as driver:
        _open(driver, page)
        point = driver.find_elements(By.CSS_SELECTOR, "#chart-timeline g.seek")[3]
        _click(driver, point)
        status = driver.find_element(By.ID, "seek-status").text
        assert status == "Jump to 06:00"
        _assert_offline_and_clean(driver, page)


@pytest.mark.parametrize("kind", ["compare", "period"])
def test_comparison_and_period_reports_open_cleanly(kind: str, tmp_path: Path) -> None:
    lessons = [a for a in diagnosed_samples() if kind == "compare" or a.lesson.teacher == "王丽"]
    page = lessonlens.report(kind, tmp_path / f"{kind}.html", list(lessons))
    with browser(tmp_path) as driver:
        _open(driver, page)
        _assert_offline_and_clean(driver, page)
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('svg.chart'))"
            ".filter(function (s) { return s.getBBox().width > 100; }).length")
        assert drawn >= (6 if kind == "compare" else 4)


def test_rater_comment_markup_shows_as_text_and_does_not_run(tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    page = lessonlens.report("rubric", tmp_path / "rubric.html", rubric_results=[rubric_result(tmp_path)])
    with browser(tmp_path) as driver:
        _open(driver, page)
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.accept()
        comments = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "blockquote.comment")]
        assert ATTACK in comments
        assert driver.execute_script("return document.scripts.length") == 1
        _assert_offline_and_clean(driver, page)


@pytest.mark.parametrize(("sheet", "scheme", "charts"), [
    ("copus-8codes.csv", "copus", 4),   # instructor and student bars, two collapsed pies
    ("itias-700.txt", "itias", 5),      # timeline, S-T, Rt-Ch, the matrix heat map, the group curves
])
def test_protocol_lesson_reports_draw_their_charts(sheet: str, scheme: str, charts: int, tmp_path: Path) -> None:
    from lessonlens.pipeline.inputs import analysis_from_file

    examples = Path(__file__).parents[3] / "docs" / "examples"
    page = lessonlens.report("lesson", tmp_path / "report.html", [analysis_from_file(examples / sheet, scheme)])
    with browser(tmp_path) as driver:
        _open(driver, page)
        _assert_offline_and_clean(driver, page)
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('svg.chart'))"
            ".filter(function (s) { return s.getBBox().width > 100; }).length")
        assert drawn >= charts
