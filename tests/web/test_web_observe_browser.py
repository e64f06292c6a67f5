"""Online observation in real Debian chromium against a real ``lessonlens serve`` process: three
observers in three browser sessions score one lesson on the classroom-teaching rubric (blind).
The first closes the browser half-way and, reopening, finds every score, comment and note; its
note's time seeks the video; a comment typed while the network is down is sent once it is back,
and one typed while the server is killed (SIGKILL) is sent once it has restarted.
After two have submitted, the third sees nothing of theirs until it submits; then its page shows
the matrix of three raters with ICC(2,k), and the first observer's open event page updates to
three raters and the new ICC without a reload.

``LESSONLENS_SCREENSHOTS=DIR`` also saves the scoring and event pages as PNG (docs/web-observe-*.png).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.reports import browser, console_errors, needs_browser, write_video
from tests.support.serve import Serve
from tests.support.web import sign_in_browser

pytest.importorskip("litestar", reason="the web extra is not installed")

pytestmark = [pytest.mark.slow, needs_browser]
RUBRIC = "classroom-teaching"
OBSERVERS = ("obs", "t2", "res")


def _scores(k: int) -> dict[str, float]:
    from lessonlens.web.observe.events import tree_of

    tree = tree_of(RUBRIC)
    out = {}
    for i, leaf in enumerate(tree.leaf_ids):
        top = tree.leaf_max[leaf]
        share = 0.55 + 0.04 * ((i * 7 + k * 5) % 10)
        out[leaf] = float(min(top, max(0.0, round(top * share))))
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Serve, int]]:
    """The accounts and lessons of the permission tests, a recording on the shared lesson, an event
    opened by the school lead; then ``lessonlens serve`` on that store in its own process."""
    from sqlalchemy import update

    from lessonlens.store.platform_models import WebLesson
    from lessonlens.web.jobs import lesson_folder
    from lessonlens.web.observe.events import create_event
    from tests.support.web import make_world

    root = tmp_path_factory.mktemp("observe-serve")
    world = make_world(root)
    lesson_id = world.lessons["shared"]
    folder = lesson_folder(root / "media", lesson_id)
    folder.mkdir(parents=True, exist_ok=True)
    video = write_video(folder / "teacher.mp4", seconds=120)
    media = [{"role": "teacher", "file": "teacher.mp4", "size": video.stat().st_size, "type": "video/mp4"}]
    with world.platform.engine.begin() as conn:
        conn.execute(update(WebLesson).where(WebLesson.id == lesson_id).values(media=json.dumps(media)))
    event_id = create_event(world.platform.engine, world.users["lead"], lesson_id, rubrics=[RUBRIC],
                            observers=list(OBSERVERS), title="公开课观评", blind=True)
    world.platform.close()
    serve = Serve(root)
    try:
        serve.start()
        yield serve, event_id
    finally:
        serve.stop()


def _saved(driver: Any) -> None:
    """Wait until the page says every change reached the server (已保存)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "var root = document.getElementById('observe');"
        "return root.getAttribute('data-pending') === '0' && root.getAttribute('data-save-state') === 'ok'"))


def _fill(driver: Any, scores: dict[str, float], only: int | None = None) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    for n, (leaf, value) in enumerate(scores.items()):
        if only is not None and n >= only:
            break
        field = driver.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaf}"] .score-input')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
        field.clear()
        field.send_keys(f"{value:g}", Keys.TAB)


def _value(driver: Any, leaf: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaf}"] .score-input')
               .get_attribute("value"))


def _shot(driver: Any, name: str) -> None:
    folder = os.environ.get("LESSONLENS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"web-observe-{name}.png"))


def _submit(driver: Any, base: str, event_id: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.CSS_SELECTOR, "#submit-form button")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.rstrip("/") == f"{base}/observe/{event_id}")


def _raters_and_icc(driver: Any) -> tuple[int, str]:
    return tuple(driver.execute_script(  # type: ignore[return-value]
        "var r = document.querySelector('[data-raters]'), i = document.querySelector('[data-icc]');"
        "return [r ? parseInt(r.getAttribute('data-raters'), 10) : 0, i ? i.getAttribute('data-icc') : ''];"))


def test_three_observers_score_blind_with_autosave_notes_and_live_aggregate(
        server: tuple[Serve, int], tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    serve, event_id = server
    base = serve.base
    score_url = f"{base}/observe/{event_id}/score"
    first = _scores(0)
    half = len(first) // 2
    leaves = list(first)
    # 1. the first observer scores half, comments, drops a note at 0:42 with the N key, then closes the browser
    with browser(tmp_path / "a") as a:
        a.set_window_size(1024, 1366)  # a tablet held upright
        sign_in_browser(a, base, "obs")
        WebDriverWait(a, 10).until(lambda d: "公开课观评" in d.find_element(By.ID, "observe-invitations").text)
        a.get(score_url)
        WebDriverWait(a, 20).until(lambda d: d.execute_script(
            "return document.getElementById('lesson-video').readyState") >= 1)
        _fill(a, first, only=half)
        comment = a.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaves[0]}"] .comment-input')
        comment.send_keys("提问集中在少数学生")
        a.execute_script("var v = document.getElementById('lesson-video'); v.pause(); v.currentTime = 42;")
        WebDriverWait(a, 10).until(lambda d: abs(d.execute_script(
            "return document.getElementById('lesson-video').currentTime") - 42) < 0.5)
        a.execute_script("document.activeElement && document.activeElement.blur()")
        ActionChains(a).send_keys("n").perform()
        note = WebDriverWait(a, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "#notes .note-text"))
        assert note == a.switch_to.active_element
        note.send_keys("学生齐答，未个别追问", Keys.ENTER)
        _saved(a)
        assert a.find_element(By.ID, "save-status").text == "已保存"
        _shot(a, "score")
        assert console_errors(a) == []
    # 2. reopened: every score, the comment and the note are there; the note's time seeks the video
    with browser(tmp_path / "a2") as a:
        sign_in_browser(a, base, "obs")
        a.get(score_url)
        assert [_value(a, leaf) for leaf in leaves[:half]] == [f"{first[leaf]:g}" for leaf in leaves[:half]]
        assert all(_value(a, leaf) == "" for leaf in leaves[half:])
        assert a.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaves[0]}"] .comment-input') \
            .get_attribute("value") == "提问集中在少数学生"
        notes = a.find_elements(By.CSS_SELECTOR, "#notes .note-item")
        assert len(notes) == 1
        assert notes[0].find_element(By.CSS_SELECTOR, ".note-text").get_attribute("value") == "学生齐答，未个别追问"
        WebDriverWait(a, 20).until(lambda d: d.execute_script(
            "return document.getElementById('lesson-video').readyState") >= 1)
        a.execute_script("document.getElementById('lesson-video').currentTime = 5")
        notes[0].find_element(By.CSS_SELECTOR, "button.time").click()
        WebDriverWait(a, 10).until(lambda d: abs(float(d.execute_script(
            "return document.getElementById('lesson-video').currentTime")) - 42) < 1.5)
        # a score out of range is refused on its field, and the page says so
        bad = a.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaves[-1]}"] .score-input')
        bad.send_keys("99", Keys.TAB)
        WebDriverWait(a, 10).until(lambda d: bad.get_attribute("aria-invalid") == "true")
        assert "未保存" in a.find_element(By.ID, "save-status").text
        # the network drops: a comment typed meanwhile waits, the page says so, and goes once it is back
        a.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
        offline = a.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaves[1]}"] .comment-input')
        offline.send_keys("断网时写的评语", Keys.TAB)
        WebDriverWait(a, 10).until(lambda d: d.find_element(By.ID, "observe").get_attribute("data-save-state")
                                   == "retry")
        assert "未连接" in a.find_element(By.ID, "save-status").text
        a.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
        _saved(a)
        # the server is killed (SIGKILL) and restarted under the open page: a comment typed meanwhile
        # waits, and is saved once it is back
        serve.kill()
        restarted = a.find_element(By.CSS_SELECTOR, f'.point[data-indicator="{leaves[2]}"] .comment-input')
        restarted.send_keys("重启时写的评语", Keys.TAB)
        WebDriverWait(a, 20).until(lambda d: d.find_element(By.ID, "observe").get_attribute("data-save-state")
                                   == "retry")
        serve.start()
        _saved(a)
        _fill(a, first)
        _saved(a)
        _submit(a, base, event_id)
        assert _raters_and_icc(a)[0] == 1
        # 3. the second observer scores everything and submits
        with browser(tmp_path / "b") as b:
            sign_in_browser(b, base, "t2")
            b.get(score_url)
            _fill(b, _scores(1))
            _saved(b)
            _submit(b, base, event_id)
        # the first observer's event page follows without a reload
        WebDriverWait(a, 20).until(lambda d: _raters_and_icc(d)[0] == 2)
        icc_two = _raters_and_icc(a)[1]
        # 4. the third sees nothing of the others until it submits, then the matrix of three and ICC
        with browser(tmp_path / "c") as c:
            sign_in_browser(c, base, "res")
            c.get(f"{base}/observe/{event_id}")
            assert "背靠背" in c.find_element(By.ID, "observe-results").text
            assert not c.find_elements(By.CSS_SELECTOR, "[data-icc]")
            c.get(score_url)
            third = _scores(2)
            _fill(c, third)
            _saved(c)
            _submit(c, base, event_id)
            raters, icc = _raters_and_icc(c)
            assert raters == 3 and re.match(r"^-?\d+\.\d\d$", icc)
            matrix = c.find_element(By.CSS_SELECTOR, "#observe-results figure[id^='chart-matrix']")
            labels = matrix.get_attribute("innerHTML")
            assert all(name in labels for name in OBSERVERS)
            assert c.find_element(By.CSS_SELECTOR, ".observe-results .reading").text
            assert "断网时写的评语" in c.find_element(By.ID, "observe-results").text
            assert "重启时写的评语" in c.find_element(By.ID, "observe-results").text
            _shot(c, "event")
            assert console_errors(c) == []
        WebDriverWait(a, 20).until(lambda d: _raters_and_icc(d)[0] == 3)
        assert _raters_and_icc(a)[1] == icc and icc != icc_two
        # a note on the event page's timeline seeks the video too
        mark = a.find_element(By.CSS_SELECTOR, ".note-timeline button.time")
        a.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
        mark.click()
        WebDriverWait(a, 10).until(lambda d: abs(float(d.execute_script(
            "return document.getElementById('lesson-video').currentTime")) - 42) < 1.5)
