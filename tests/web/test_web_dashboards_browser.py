"""The dashboards and the reflection box in real Debian chromium against a real ``lessonlens serve``
process: a teacher opens their growth page from the navigation (the period report's charts, this
term's lessons); a researcher opens the region's portrait, follows a chart's CSV link and reads the
figures, and on the comparison page sees the teacher who consented named and the one who did not
nowhere, and clicks the named teacher through to their growth page; a teacher writes a reflection and
goals that autosave, survive closing the browser, a network drop and the server killed (SIGKILL) and
restarted under the open page, and show on the next term's growth page.

``LESSONLENS_SCREENSHOTS=DIR`` also saves the growth and portrait pages as PNG.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.reports import browser, console_errors, needs_browser
from tests.support.serve import Serve
from tests.support.web import sign_in_browser

pytest.importorskip("litestar", reason="the web extra is not installed")

pytestmark = [pytest.mark.slow, needs_browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Serve, Any]]:
    from tests.support.dashboards import make_dash

    root = tmp_path_factory.mktemp("dash-serve")
    dash = make_dash(root)
    dash.world.platform.close()
    serve = Serve(root)
    try:
        serve.start()
        yield serve, dash
    finally:
        serve.stop()


def _shot(driver: Any, name: str) -> None:
    folder = os.environ.get("LESSONLENS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"web-{name}.png"))


def _nav(driver: Any, label: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.LINK_TEXT, label).click()


def _fetch(driver: Any, url: str) -> str:
    """``url`` fetched by the page itself (its session cookie), as text."""
    return str(driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(done);", url))


def test_growth_portrait_csv_and_consent(server: tuple[Serve, Any], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    serve, dash = server
    base = serve.base
    with browser(tmp_path / "t") as t:
        sign_in_browser(t, base, "s00t0")
        _nav(t, "我的成长")
        WebDriverWait(t, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "figure#chart-trend svg"))
        assert t.find_elements(By.CSS_SELECTOR, "figure#chart-rubric_trend svg")
        assert len(t.find_elements(By.CSS_SELECTOR, "#term-lessons li")) >= 2
        assert "仅本人可见" in t.find_element(By.TAG_NAME, "main").text
        _shot(t, "growth")
        assert console_errors(t) == []
    with browser(tmp_path / "r") as r:  # the region's researcher of 语文, the subject 教师甲0 teaches
        sign_in_browser(r, base, "res_yuwen")
        _nav(r, "学校与区域画像")
        WebDriverWait(r, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#section-metrics table"))
        text = r.find_element(By.TAG_NAME, "main").text
        assert dash.region in text and "教师甲" not in text and "T00-0" not in text
        link = r.find_element(By.CSS_SELECTOR, "#section-metrics a.csv")
        body = _fetch(r, str(link.get_attribute("href")))
        assert body.lstrip("\ufeff").startswith("指标代码,指标") and "\nrt," in body.replace("\r\n", "\n")
        _shot(r, "portrait")
        r.set_window_size(768, 1024)  # a tablet: the charts and tables fit, no sideways scrolling
        assert r.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        r.set_window_size(1280, 1000)
        r.find_element(By.LINK_TEXT, "S00").click()  # a school of the region
        WebDriverWait(r, 20).until(lambda d: "S00" in d.find_element(By.TAG_NAME, "h1").text)
        assert console_errors(r) == []
        _nav(r, "教师对比")
        WebDriverWait(r, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#section-teachers table"))
        page = r.page_source
        assert "教师甲0" in page  # consented to the region
        assert "教师甲1" not in page and "教师甲2" not in page  # school only / no consent: never named
        assert r.find_elements(By.CSS_SELECTOR, "figure#chart-rtch svg")
        # the consenting teacher's name leads to their growth page: the same charts, nothing not shared
        r.find_element(By.LINK_TEXT, "教师甲0").click()
        WebDriverWait(r, 20).until(lambda d: "教师甲0" in d.find_element(By.TAG_NAME, "h1").text)
        assert "/teachers/" in r.current_url and r.current_url.endswith("/growth")
        WebDriverWait(r, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "figure#chart-trend svg"))
        assert r.find_elements(By.CSS_SELECTOR, "figure#chart-rubric_trend svg")
        assert r.find_elements(By.CSS_SELECTOR, "#term-lessons li.not-shared")
        assert not r.find_elements(By.CSS_SELECTOR, "#term-lessons a")  # no lesson of theirs is shared
        assert console_errors(r) == []


def _box_state(driver: Any) -> tuple[str, str]:
    return tuple(driver.execute_script(  # type: ignore[return-value]
        "var b = document.getElementById('reflection');"
        "return b ? [b.getAttribute('data-save-state'), b.getAttribute('data-pending')] : ['', ''];"))


def _saved(driver: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: _box_state(d) == ("ok", "0"))


def test_reflection_autosaves_and_its_goals_reach_the_next_term(server: tuple[Serve, Any], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from lessonlens.store import open_store
    from lessonlens.store.results import LessonQuery
    from lessonlens.web.dashboards.terms import term_of

    serve, dash = server
    base = serve.base
    with open_store(dash.world.platform.settings.db) as store:  # the store the server uses
        lesson = next(r for r in store.lessons(LessonQuery(teacher=dash.owners["s00t1"])) if r.date)
    assert lesson.date is not None
    url = f"{base}/lessons/{lesson.lesson_id}"
    with browser(tmp_path / "a") as a:
        sign_in_browser(a, base, "s00t1")
        a.get(url)
        text = WebDriverWait(a, 20).until(lambda d: d.find_element(By.ID, "reflection-text"))
        a.execute_script("arguments[0].scrollIntoView({block: 'center'})", text)
        text.send_keys("学生讨论时间不足，下次先布置任务再讲解。")
        a.find_element(By.ID, "reflection-goals").send_keys("每节课至少两次小组讨论")
        _saved(a)
        assert a.find_element(By.CSS_SELECTOR, "#reflection .save-status").text == "已保存"
        # the network drops: what is typed meanwhile waits, the box says so, and is saved once it is back
        a.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
        text.send_keys("（补充）")
        WebDriverWait(a, 20).until(lambda d: _box_state(d)[0] == "retry")
        assert "未连接" in a.find_element(By.CSS_SELECTOR, "#reflection .save-status").text
        a.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
        _saved(a)
        # the server is killed (SIGKILL): a goal typed meanwhile waits, and is saved once it is back
        serve.kill()
        goals = a.find_element(By.ID, "reflection-goals")
        goals.send_keys("\n提问后等待三秒")
        WebDriverWait(a, 20).until(lambda d: _box_state(d)[0] == "retry")
        serve.start()
        _saved(a)
        assert [e for e in console_errors(a) if "ERR_INTERNET_DISCONNECTED" not in e
                and "ERR_CONNECTION_REFUSED" not in e] == []
    with browser(tmp_path / "b") as b:  # a new browser: everything acknowledged is there
        sign_in_browser(b, base, "s00t1")
        b.get(url)
        box = WebDriverWait(b, 20).until(lambda d: d.find_element(By.ID, "reflection-text"))
        assert box.get_attribute("value") == "学生讨论时间不足，下次先布置任务再讲解。（补充）"
        goals_box = b.find_element(By.ID, "reflection-goals")
        assert goals_box.get_attribute("value") == "每节课至少两次小组讨论\n提问后等待三秒"
        b.get(f"{base}/growth?term={term_of(lesson.date).next().id}")
        goals = b.find_element(By.ID, "term-goals").text
        assert "每节课至少两次小组讨论" in goals and "提问后等待三秒" in goals
