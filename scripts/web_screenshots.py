"""Screenshots of the platform's main pages for docs/web.md, taken with real Chromium (headless).

    python scripts/web_screenshots.py [--out docs] [--no-asr]

A throw-away platform in a temporary folder: the bundled demo lessons and accounts (``serve --demo``)
plus a teacher who uploads the synthetic 2-minute lesson (``lessonlens.synth``: three cameras and the
audio, with its ``lesson.yaml``) through the upload page. The job runs on the server's embedded Dask
cluster with the detectors ``speech,teacher-pose`` and, unless ``--no-asr``, ``asr`` (Whisper base,
about real time on two cores), so the lesson page shows the transcript speech recognition made. The
pages are shot at 1280 px wide and saved as 256-colour PNGs (``docs/web-*.png``). Needs the web,
synth and asr extras, Debian's ``chromium`` and ``chromedriver``, and selenium.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PASSWORD = "demo-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except Exception:  # not there yet (a page loading, a server starting)
            pass
        time.sleep(0.5)
    raise SystemExit(f"web_screenshots: timed out waiting for {what}")


def _prepare(folder: Path) -> None:
    """The demo lessons and accounts, and teacher ``wang`` (of the demo's first school) who agreed to
    be named to the school."""
    from lessonlens import samples
    from lessonlens.web.accounts import add_user, set_consent
    from lessonlens.web.demo import preload
    from lessonlens.web.platform import Platform
    from lessonlens.web.roles import Consent, Role
    from lessonlens.web.settings import WebSettings

    p = Platform.open(WebSettings(db=str(folder / "db.sqlite"), media=folder / "media", run_jobs=False, workers=0))
    preload(p, PASSWORD)
    first = samples.load_samples()[0].lesson
    wang = add_user(p.engine, "wang", Role.TEACHER, PASSWORD, display_name="王老师", school=first.school,
                    region=first.region)
    set_consent(p.engine, wang, Consent.SCHOOL)
    p.close()


def _driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=zh-CN",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 900)
    return driver


def _save(driver: Any, out: Path, name: str) -> None:
    """The viewport as a 256-colour PNG (a tenth of a screenshot's bytes, the same page to the eye)."""
    from PIL import Image

    raw = out / f".web-{name}.raw.png"
    driver.save_screenshot(str(raw))
    with Image.open(raw) as image:
        image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(out / f"web-{name}.png", optimize=True)
    raw.unlink()
    print(f"web-{name}.png  {(out / f'web-{name}.png').stat().st_size / 1024:.0f} KB")


def _sign_in(driver: Any, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form").submit()
    _wait("signing in", lambda: "/login" not in driver.current_url, 30)


def shoot(out: Path, asr: bool) -> None:
    from selenium.webdriver.common.by import By

    from lessonlens.synth import generate_lesson

    with tempfile.TemporaryDirectory(prefix="lessonlens-shots-") as tmp:
        folder = Path(tmp)
        print("making the synthetic lesson …")
        lesson = generate_lesson(folder / "lesson", minutes=2.0, fps=5)
        _prepare(folder)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        detectors = "speech,teacher-pose" + (",asr" if asr else "")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LESSONLENS_LANG": "zh-CN"}
        server = subprocess.Popen(
            [sys.executable, "-m", "lessonlens", "serve", "--db", str(folder / "db.sqlite"), "--media",
             str(folder / "media"), "--port", str(port), "--detectors", detectors, "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        driver = _driver(folder / "profile")
        try:
            _wait("the server", lambda: urllib.request.urlopen(base + "/login", timeout=5).status == 200, 90)
            driver.get(base + "/login")
            _save(driver, out, "login")
            _sign_in(driver, base, "wang")
            driver.get(base + "/upload")
            driver.find_element(By.NAME, "subject").send_keys("数学")
            for field, path in (("teacher", lesson.teacher), ("students", lesson.students), ("board", lesson.board),
                                ("audio", lesson.audio), ("lesson_yaml", lesson.meta)):
                driver.find_element(By.NAME, field).send_keys(str(path))
            _save(driver, out, "upload")
            driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
            _wait("the lesson page", lambda: "/lessons/" in driver.current_url, 120)
            lesson_url = driver.current_url
            _wait("the job to run", lambda: driver.find_elements(By.CSS_SELECTOR, "#job.running"), 120)
            time.sleep(3)
            _save(driver, out, "job")
            print("analysing on the embedded cluster …")
            link = _wait("the analysis", lambda: driver.find_element(By.ID, "show-results"), 900)
            link.click()
            _wait("the charts", lambda: driver.find_elements(By.CSS_SELECTOR, "#chart-timeline"), 60)
            lines = driver.find_elements(By.CSS_SELECTOR, "#transcript [data-t]")
            if lines:  # play from a transcript line a little into the lesson, then pause there
                lines[min(3, len(lines) - 1)].click()
            else:
                driver.find_element(By.CSS_SELECTOR, "#charts [data-t]").click()
            time.sleep(1.5)
            driver.execute_script("document.getElementById('lesson-video').pause()")
            time.sleep(0.5)
            _save(driver, out, "lesson")
            driver.get(base + "/account")
            _save(driver, out, "account")
            _sign_in(driver, base, "researcher")
            driver.get(base + "/")
            _save(driver, out, "list")
            driver.get(base + "/overview")
            _save(driver, out, "overview")
            print(f"the lesson: {lesson_url} ({len(lines)} transcript lines)")
        finally:
            driver.quit()
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go (default: docs)")
    parser.add_argument("--no-asr", action="store_true", help="without speech recognition (faster, no transcript)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(args.out, asr=not args.no_asr)


if __name__ == "__main__":
    main()
