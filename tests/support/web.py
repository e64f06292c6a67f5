"""Test support for the web platform: a platform on a temporary SQLite store and media folder, one
account per role, lessons owned and shared in known ways, and an in-process client that signs in;
for tests against a real ``lessonlens serve`` process, a free port, the CLI, the wait until the
server answers and a browser sign-in."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest

pytest.importorskip("litestar", reason="the web extra is not installed")
pytest.importorskip("argon2", reason="the web extra is not installed")

from litestar.testing import TestClient

from lessonlens import Diagnoser, samples
from lessonlens.web import passwords
from lessonlens.web.accounts import add_user
from lessonlens.web.app import create_app
from lessonlens.web.catalog import create_lesson, set_owner, share, sync_from_store
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account, Role
from lessonlens.web.settings import WebSettings
from tests.support.net import free_port as free_port  # the one helper, also here for older imports

PASSWORD = "correct horse battery"


def _cheap_hasher() -> Any:
    # argon2's default cost (~0.1 s a hash, much more on a loaded CI machine) is the point in
    # production and a waste in tests; hashes keep their parameters, so verifying still works
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    return PasswordHasher.from_parameters(CHEAPEST)


passwords._hasher = _cheap_hasher  # type: ignore[method-assign]
#: markup typed into every user field; it must come back as text on every page
ATTACK = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


@attrs.frozen
class World:
    """A platform with these accounts and lessons (see :func:`world`)."""

    platform: Platform
    users: dict[str, Account]
    #: lesson id -> who owns it; ``private`` is shared with no one, ``shared`` with everyone's scope
    lessons: dict[str, str]


def _lesson_ids() -> list[str]:
    return [a.lesson.id for a in samples.load_samples()]


def make_world(tmp: Path, **settings: Any) -> World:
    """Accounts of every role; teacher ``t1`` owns two lessons of the bundled samples: ``private``
    (shared with no one) and ``shared`` (with the observer ``obs``, the school and the region)."""
    # jobs run where a test calls runner.run, in its thread, unless it asks for a cluster (workers, scheduler)
    settings.setdefault("workers", None if settings.get("scheduler") else 0)
    p = Platform.open(WebSettings(db=str(tmp / "db.sqlite"), media=tmp / "media", run_jobs=False, **settings))
    diagnoser = Diagnoser()
    analyses = [attrs.evolve(a, findings=diagnoser.diagnose(a).findings) for a in samples.load_samples()]
    first = analyses[0].lesson
    p.store.add(analyses)
    sync_from_store(p.engine)
    users = {
        "admin": add_user(p.engine, "admin", Role.ADMIN, PASSWORD),
        "res": add_user(p.engine, "res", Role.RESEARCHER, PASSWORD, region=first.region, subjects=[first.subject]),
        "res_other": add_user(p.engine, "res_other", Role.RESEARCHER, PASSWORD, region="另一区", subjects=["数学"]),
        "lead": add_user(p.engine, "lead", Role.SCHOOL_LEAD, PASSWORD, school=first.school),
        "lead_other": add_user(p.engine, "lead_other", Role.SCHOOL_LEAD, PASSWORD, school="另一所学校"),
        "t1": add_user(p.engine, "t1", Role.TEACHER, PASSWORD, display_name=first.teacher, school=first.school,
                       region=first.region),
        "t2": add_user(p.engine, "t2", Role.TEACHER, PASSWORD, school=first.school, region=first.region),
        "obs": add_user(p.engine, "obs", Role.OBSERVER, PASSWORD),
        "obs_other": add_user(p.engine, "obs_other", Role.OBSERVER, PASSWORD),
    }
    private, shared = analyses[0].lesson.id, analyses[1].lesson.id
    for lesson_id in (private, shared):
        set_owner(p.engine, lesson_id, users["t1"])
    share(p.engine, shared, users["t1"], user="obs")
    share(p.engine, shared, users["t1"], scope="school")
    share(p.engine, shared, users["t1"], scope="region")
    return World(platform=p, users=users, lessons={"private": private, "shared": shared})


def pending_lesson(world: World, lesson_id: str = "pending-1", owner: str = "t1") -> str:
    """A lesson uploaded but not analysed (no media files)."""
    create_lesson(world.platform.engine, world.users[owner], lesson_id, title="pending", subject="数学")
    return lesson_id


def csrf(client: TestClient[Any]) -> str:
    token = client.cookies.get("csrftoken")
    if not token:
        client.get("/login")
        token = client.cookies.get("csrftoken")
    assert token
    return str(token)


def sign_in(client: TestClient[Any], name: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"name": name, "password": password, "_csrf_token": csrf(client)},
                       follow_redirects=False)


@contextmanager
def client_for(world: World, name: str | None = None) -> Iterator[TestClient[Any]]:
    """An in-process client of the world's app, signed in as ``name`` (None: anonymous)."""
    app = create_app(world.platform.settings, world.platform)
    with TestClient(app, base_url="http://testserver.local") as client:
        if name is not None:
            assert sign_in(client, name).status_code == 303
        yield client


def page_text_has_no_markup(html: str) -> bool:
    """The attack string never appears unescaped."""
    return "<script>window.pwned" not in html and "<img src=x" not in html and not re.search(r"onerror=\"window", html)


def run_cli(*args: str, env: dict[str, str]) -> None:
    """``lessonlens ARGS`` in its own process (``users add`` before a server starts)."""
    subprocess.run([sys.executable, "-m", "lessonlens", *args], check=True, env=env, capture_output=True,
                   timeout=120)


def wait_until_serving(process: subprocess.Popen[bytes], base: str) -> None:
    """Return once the ``lessonlens serve`` ``process`` answers ``base/login``; its output is the
    failure if it dies first (30 s at most)."""
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/login", timeout=1)
            return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stdout.read().decode() if process.stdout else "server died") from None
            time.sleep(0.1)


def sign_in_browser(driver: Any, base: str, name: str, password: str = PASSWORD) -> None:
    """Sign ``name`` in on the real login page of ``base`` in a selenium ``driver``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form").submit()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)
