"""The platform end to end in a real Debian chromium against a real server process: sign in, upload
the synthetic lesson (in resumable chunks), watch its analysis job finish, open the lesson page, click a chart point and
read the video's time, switch camera; a colleague without a share gets 404 on the page and its video.

``LESSONLENS_SCREENSHOTS=DIR`` also saves the main pages as PNG (how docs/web-*.png are made).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.net import free_port
from tests.support.reports import browser, console_errors, needs_browser
from tests.support.synth import needs_synth, short_lesson
from tests.support.web import run_cli, sign_in_browser, wait_until_serving

pytest.importorskip("litestar", reason="the web extra is not installed")

pytestmark = [pytest.mark.slow, needs_browser]
PASSWORD = "a long demo password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``lessonlens serve`` in its own process on a free port, with a teacher and a colleague."""
    root = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "LESSONLENS_LANG": "zh-CN", "PYTHONPATH": str(Path(__file__).parents[2])}
    db = str(root / "db.sqlite")
    run_cli("users", "add", "wang", "--role", "teacher", "--display-name", "王老师", "--school", "一小",
         "--region", "海淀", "--password", PASSWORD, "--db", db, env=env)
    run_cli("users", "add", "li", "--role", "teacher", "--school", "一小", "--password", PASSWORD, "--db", db, env=env)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lessonlens", "serve", "--db", db, "--media", str(root / "media"), "--port", str(port),
         "--detectors", "speech,teacher-pose", "--upload-chunk-kb", "512"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base)
        yield base, db
    finally:
        process.terminate()
        process.wait(timeout=20)


def _status(driver: Any, url: str) -> int:
    """The HTTP status of a same-origin GET made by the page (with its cookies)."""
    return int(driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {headers: {Range: 'bytes=0-99'}}).then(function (r) { done(r.status); });", url))


def _shot(driver: Any, name: str) -> None:
    folder = os.environ.get("LESSONLENS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"web-{name}.png"))


def _score_sheet(path: Path) -> Path:
    """A rater's sheet of the classroom-teaching rubric as XLSX (binary: it travels base64)."""
    from openpyxl import Workbook

    from lessonlens.rubric.catalog import find_rubric_schema

    schema = find_rubric_schema("classroom-teaching")
    parents = {i.parent for i in schema.indicators}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["rater", "indicator", "score"])
    for indicator in schema.indicators:
        if indicator.id not in parents:
            sheet.append(["王老师", indicator.id, round(float(indicator.max_score or 0) * 0.8)])
    book.save(path)
    return path


TRANSCRIPT = ((4.0, "同学们好，今天我们学习分数。"), (21.5, "谁来说一说二分之一是什么意思？"),
              (47.0, "把一个蛋糕平均分成两份，每份是它的二分之一。"), (63.0, "说得很好，请坐。"))


def _add_transcript(db: str, lesson_id: str) -> None:
    import attrs

    from lessonlens.core.observations import SpeechObservation
    from lessonlens.store import Store

    with Store.open(db) as store:
        analysis = store.get(lesson_id)
        assert analysis is not None
        lines = tuple(SpeechObservation(t=t, end=t + 6, text=text, detector="asr") for t, text in TRANSCRIPT)
        store.add([attrs.evolve(analysis, observations=lines)], keep_observations=True)


def test_upload_analyse_and_seek_then_a_colleague_is_refused(server: tuple[str, str], tmp_path: Path) -> None:
    needs_synth()
    server, db = server
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    lesson = short_lesson()
    with browser(tmp_path / "a") as driver:
        driver.set_window_size(1280, 900)
        driver.get(server + "/login")
        _shot(driver, "login")
        sign_in_browser(driver, server, "wang", PASSWORD)
        driver.get(server + "/upload")
        _shot(driver, "upload")
        driver.find_element(By.NAME, "title").send_keys("合成示例课")
        driver.find_element(By.NAME, "subject").send_keys("数学")
        driver.find_element(By.NAME, "teacher").send_keys(str(lesson.teacher))
        driver.find_element(By.NAME, "students").send_keys(str(lesson.students))
        driver.find_element(By.NAME, "audio").send_keys(str(lesson.audio))
        # with the lesson's lesson.yaml (its grade and date fill the empty fields) and a rater's sheet
        driver.find_element(By.NAME, "lesson_yaml").send_keys(str(lesson.meta))
        driver.find_element(By.NAME, "sheets").send_keys(str(_score_sheet(tmp_path / "王老师.xlsx")))
        started = time.monotonic()
        # the page's script sends the files in 512 KB chunks (resumable), then opens the lesson
        driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
        WebDriverWait(driver, 60).until(lambda d: "/lessons/" in d.current_url)
        lesson_url = driver.current_url
        # the job's status updates itself (htmx polling) until the analysis is done
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#job.running, #job.done"))
        _shot(driver, "job")
        link = WebDriverWait(driver, 150).until(lambda d: d.find_element(By.ID, "show-results"))
        analysed_in = time.monotonic() - started
        link.click()
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-timeline"))
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.getElementById('lesson-video').readyState") >= 1)
        driver.execute_script("document.fonts && document.fonts.ready")
        _shot(driver, "lesson")
        # a chart point later than the start: the video jumps there
        points = [p for p in driver.find_elements(By.CSS_SELECTOR, "#charts [data-t]")
                  if float(p.get_attribute("data-t")) > 3]
        assert points, "no chart point after the start"
        target = points[0]
        t = float(target.get_attribute("data-t"))
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
        ActionChains(driver).move_to_element(target).click().perform()
        WebDriverWait(driver, 10).until(lambda d: abs(float(d.execute_script(
            "return document.getElementById('lesson-video').currentTime")) - t) < 2)
        # another camera, the same moment
        cameras = driver.find_elements(By.CSS_SELECTOR, "[data-camera]")
        assert len(cameras) == 2
        driver.execute_script("document.getElementById('lesson-video').pause()")
        before = float(driver.execute_script("return document.getElementById('lesson-video').currentTime"))
        cameras[1].click()
        WebDriverWait(driver, 10).until(lambda d: "/media/students" in d.execute_script(
            "return document.getElementById('lesson-video').currentSrc"))
        WebDriverWait(driver, 10).until(lambda d: abs(float(d.execute_script(
            "return document.getElementById('lesson-video').currentTime")) - before) < 2)
        # the transcript, when ASR ran (here: lines put in the stored analysis, as the job keeps them):
        # clicking a line plays the video from that line's time
        _add_transcript(db, lesson_url.rsplit("/", 1)[1])
        driver.get(lesson_url)
        lines = WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#transcript [data-t]"))
        assert [line.find_element(By.CSS_SELECTOR, ".said").text for line in lines] == [text for _, text in TRANSCRIPT]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", lines[2])
        lines[2].click()
        WebDriverWait(driver, 10).until(lambda d: abs(float(d.execute_script(
            "return document.getElementById('lesson-video').currentTime")) - TRANSCRIPT[2][0]) < 1.5)
        WebDriverWait(driver, 10).until(lambda d: lines[2].get_attribute("aria-current") == "true")
        video_url = server + "/lessons/" + lesson_url.rsplit("/", 1)[1] + "/media/teacher"
        assert _status(driver, video_url) == 206
        driver.get(server + "/")
        _shot(driver, "list")
        assert "合成示例课" in driver.find_element(By.ID, "lesson-list").text
        # on a tablet held upright (768 px) nothing is wider than the screen, the player included
        driver.set_window_size(768, 1024)
        for path in ("/", lesson_url.replace(server, ""), "/upload"):
            driver.get(server + path)
            assert driver.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        _shot(driver, "tablet")
        assert console_errors(driver) == []
    with browser(tmp_path / "b") as driver:
        from selenium.webdriver.common.keys import Keys

        # signing in by keyboard alone: the name field has the focus, Tab to the password, Enter sends
        driver.get(server + "/login")
        driver.switch_to.active_element.send_keys("li")
        driver.switch_to.active_element.send_keys(Keys.TAB)
        driver.switch_to.active_element.send_keys(PASSWORD + Keys.ENTER)
        WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)
        driver.get(lesson_url)
        assert "404" in driver.find_element(By.TAG_NAME, "h1").text
        assert _status(driver, video_url) == 404
        assert "合成示例课" not in driver.find_element(By.TAG_NAME, "main").text
    from lessonlens.store import Store
    from lessonlens.web.catalog import audit_events

    with Store.open(db) as store:  # the files went in resumable chunks, not the no-script form post
        lesson_id = lesson_url.rsplit("/", 1)[1]
        assert "chunked" in {e.detail for e in audit_events(store.engine, lesson_id) if e.action == "uploaded"}
        stored = store.get(lesson_id)  # the sheet (sent base64 with the announcement) was scored by the job
        assert stored is not None and [r.rubric for r in stored.rubric_results] == ["classroom-teaching"]
        assert (stored.lesson.title, stored.lesson.grade, str(stored.lesson.date)) == ("合成示例课", "五年级",
                                                                                      "2026-09-01")
    print(f"upload -> analysed and shown in {analysed_in:.1f} s")
