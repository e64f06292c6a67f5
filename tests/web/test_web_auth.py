"""The web platform's permissions over HTTP (in-process Litestar client, real SQLite store): every
route for every role, direct object references, CSRF, session fixation, login rate limits, media
ranges and path traversal, upload checks, API tokens, and user text escaped on every page."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import pytest

from lessonlens.web.catalog import create_lesson
from lessonlens.web.jobs import lesson_folder
from tests.support.web import (
    ATTACK,
    PASSWORD,
    World,
    client_for,
    csrf,
    make_world,
    page_text_has_no_markup,
    pending_lesson,
    sign_in,
)

ROLES = ("admin", "res", "res_other", "lead", "lead_other", "t1", "t2", "obs", "obs_other")
VIEW_SHARED = {"t1", "obs", "lead", "res", "admin"}


def _video(path: Path, seconds: int = 30) -> Path:
    from tests.support.reports import write_video

    return write_video(path, seconds=seconds)


def _expect(status: int, allowed: bool, ok: int = 200) -> bool:
    return status == ok if allowed else status in (403, 404)


def test_every_page_route_for_every_role(world: World) -> None:
    private, shared = world.lessons["private"], world.lessons["shared"]
    pending = pending_lesson(world, "pending-matrix")
    for name in ROLES:
        with client_for(world, name) as c:
            routes: list[tuple[str, bool, int]] = [
                ("/", True, 200), ("/account", True, 200),
                ("/upload", name in {"t1", "t2"}, 200),
                ("/admin/users", name == "admin", 200), ("/admin/audit", name == "admin", 200),
                ("/admin/register", name == "admin", 200),
                ("/overview", name in {"admin", "res", "res_other", "lead", "lead_other"}, 200),
                # the dashboards (issue 17; roles.may_see_view): a teacher's own growth, portraits, comparisons
                ("/growth", name in {"t1", "t2"}, 200),
                ("/portraits", name in {"admin", "res", "res_other", "lead", "lead_other"}, 200),
                ("/compare", name in {"admin", "res", "res_other", "lead", "lead_other"}, 200),
            ]
            for lesson_id, viewers in ((private, {"t1"}), (shared, VIEW_SHARED), (pending, {"t1"})):
                analysed = lesson_id != pending
                # rendering the report for every allowed role adds nothing: it is refused for the others
                downloads = ("/analysis.json", *(("/report.html",) if name not in viewers else ()))
                for suffix in ("", "/status", *(downloads if analysed else ())):
                    routes.append((f"/lessons/{lesson_id}{suffix}", name in viewers, 200))
                routes.append((f"/reflections/{lesson_id}", name in viewers, 200))  # the lesson page's box
            for path, allowed, ok in routes:
                status = c.get(path).status_code
                assert _expect(status, allowed, ok), (name, path, status)
                if not allowed and path.startswith(("/lessons/", "/reflections/")):
                    assert status == 404, (name, path)  # a hidden lesson is exactly like a missing one
            # the list shows exactly the lessons the role may open
            listed = c.get("/").text
            assert (f"/lessons/{shared}\"" in listed) is (name in VIEW_SHARED)
            assert (f"/lessons/{private}\"" in listed) is (name == "t1")
            # changing a lesson is its owner's alone: everyone else gets 404, even those who may view it
            if name != "t1":
                token = csrf(c)
                for path, data in ((f"/lessons/{shared}/share", {"user": name}),
                                   (f"/lessons/{shared}/retry", {}), (f"/lessons/{shared}/delete", {}),
                                   (f"/lessons/{shared}/shares/1/revoke", {})):
                    status = c.post(path, data={**data, "_csrf_token": token}, follow_redirects=False).status_code
                    assert status == 404, (name, path, status)
                # direct object references: unknown ids and other users' ids
                assert c.get("/lessons/no-such-lesson").status_code == 404
                assert c.post("/admin/users/1/disable", data={"_csrf_token": token}).status_code in (403, 404) \
                    or name == "admin"
            # POST routes by role: allowed ones answer (here 400: the input is empty), denied ones 403
            token = csrf(c)
            for path, allowed, kwargs in (
                ("/upload", name in {"t1", "t2"}, {"data": {"_csrf_token": token}}),
                ("/upload/sheet", name in {"t1", "t2"}, {"data": {"_csrf_token": token}}),
                ("/uploads", name in {"t1", "t2"}, {"json": {"files": []}, "headers": {"x-csrftoken": token}}),
                ("/admin/register", name == "admin", {"data": {"_csrf_token": token, "path": "x"}}),
                ("/admin/users", name == "admin", {"data": {"_csrf_token": token, "name": ""}}),
            ):
                status = c.post(path, follow_redirects=False, **kwargs).status_code
                assert status == (400 if allowed else 403), (name, path, status)
            consent = c.post("/account/consent", data={"_csrf_token": token, "consent": "none"}).status_code
            assert consent == 200, (name, consent)  # everyone's own setting (only teachers may agree)
    with client_for(world) as anonymous:
        for path in ("/", "/upload", "/account", "/admin/users", f"/lessons/{shared}",
                     f"/lessons/{shared}/analysis.json"):
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
        assert anonymous.get("/api/lessons").status_code == 401


def test_posts_without_a_csrf_token_are_refused(world: World) -> None:
    shared = world.lessons["shared"]
    with client_for(world) as c:
        c.get("/login")
        assert c.post("/login", data={"name": "t1", "password": PASSWORD}).status_code == 403
    with client_for(world, "t1") as c:
        for data in ({"user": "t2"}, {"user": "t2", "_csrf_token": "forged"},
                     {"user": "t2", "_csrf_token": csrf(c)[:-2] + "00"}):
            assert c.post(f"/lessons/{shared}/share", data=data, follow_redirects=False).status_code == 403
        assert "t2" not in c.get(f"/lessons/{shared}").text.split("分享给用户")[0].split("撤销")[0][-200:]
        # a token of another browser is refused too (it must match this browser's cookie)
        with client_for(world) as other:
            foreign = csrf(other)
        assert c.post(f"/lessons/{shared}/share", data={"user": "t2", "_csrf_token": foreign},
                      follow_redirects=False).status_code == 403
        assert c.post("/logout", follow_redirects=False).status_code == 403


def test_session_fixation_and_logout(world: World) -> None:
    with client_for(world) as c:
        c.cookies.set("ll_session", "attacker-chosen-value", domain="testserver.local")
        assert c.get("/", follow_redirects=False).status_code == 303  # an unknown cookie opens nothing
        assert sign_in(c, "t1").status_code == 303
        token = c.cookies.get("ll_session")
        assert token and token != "attacker-chosen-value"
        assert c.get("/").status_code == 200
        # signing in again replaces the session: the old token stops working
        assert sign_in(c, "t1").status_code == 303
        assert c.cookies.get("ll_session") != token
    with client_for(world) as attacker:
        attacker.cookies.set("ll_session", "attacker-chosen-value", domain="testserver.local")
        assert attacker.get("/", follow_redirects=False).status_code == 303
        attacker.cookies.set("ll_session", str(token), domain="testserver.local")
        assert attacker.get("/", follow_redirects=False).status_code == 303
    with client_for(world, "t2") as c:
        token = c.cookies.get("ll_session")
        assert c.post("/logout", data={"_csrf_token": csrf(c)}, follow_redirects=False).status_code == 303
        c.cookies.set("ll_session", str(token), domain="testserver.local")
        assert c.get("/", follow_redirects=False).status_code == 303


def test_login_rate_limit(tmp_path: Path) -> None:
    world = make_world(tmp_path, login_attempts=3)
    with client_for(world) as c:
        for _ in range(3):
            assert sign_in(c, "t1", "wrong password").status_code == 401
        refused = sign_in(c, "t1")  # the right password, too late
        assert refused.status_code == 429 and "请" in refused.text
        assert sign_in(c, "t2", "wrong").status_code == 429  # the same address, another name
    world.platform.close()


def test_login_rate_limit_holds_across_server_processes(tmp_path: Path) -> None:
    """The failures are counted in the database: two servers (each its own Platform, engine and app, as
    two uvicorn workers are) share one limit; attempts racing from many at once get at most the limit
    through; a success forgives the name's failures; the window ends the pause."""
    import concurrent.futures

    from lessonlens.web.platform import Platform

    world = make_world(tmp_path, login_attempts=3, login_window_s=2.0)
    other = Platform.open(world.platform.settings)  # a second server on the same database and media
    other_world = World(platform=other, users=world.users, lessons=world.lessons)
    with client_for(world) as a, client_for(other_world) as b:
        assert sign_in(a, "t1", "wrong").status_code == 401
        assert sign_in(a, "t1").status_code == 303          # forgiven for the name (not for the address)
        assert sign_in(b, "t1", "wrong").status_code == 401
        assert sign_in(a, "t1", "wrong").status_code == 401  # the address's third failure, on two servers
        assert sign_in(b, "t1").status_code == 429          # the other server knows
        assert sign_in(a, "t1").status_code == 429
        time.sleep(2.1)                                     # the window passes
        assert sign_in(b, "t1").status_code == 303
    # ten wrong passwords at once from two servers: at most three are checked, the rest wait. The ten
    # clients (each its own app) are made one after another, as Litestar builds an app: only the posts race
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(client_for(world if i % 2 else other_world)) for i in range(10)]
        for c in clients:
            csrf(c)  # each client's CSRF cookie first, so the racing requests are the posts alone
        time.sleep(2.1)
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            statuses = sorted(pool.map(lambda c: int(sign_in(c, "t2", "wrong").status_code), clients))
    assert statuses.count(401) <= 3 and set(statuses) <= {401, 429} and 429 in statuses, statuses
    other.close()
    world.platform.close()


def test_media_ranges_path_traversal_and_privacy(world: World, tmp_path: Path) -> None:
    video = _video(tmp_path / "v.mp4")
    lesson_id = "media-1"
    folder = lesson_folder(world.platform.media, lesson_id)
    folder.mkdir(parents=True)
    data = video.read_bytes()
    (folder / "teacher.mp4").write_bytes(data)
    create_lesson(world.platform.engine, world.users["t1"], lesson_id, title="media", media=[
        {"role": "teacher", "file": "teacher.mp4", "size": len(data), "type": "video/mp4"},
        {"role": "board", "file": "../../db.sqlite", "size": 1, "type": "video/mp4"}])  # a tampered row
    url = f"/lessons/{lesson_id}/media/teacher"
    with client_for(world, "t1") as c:
        whole = c.get(url)
        assert whole.status_code == 200 and whole.content == data and whole.headers["accept-ranges"] == "bytes"
        part = c.get(url, headers={"Range": "bytes=100-299"})
        assert part.status_code == 206 and part.content == data[100:300]
        assert part.headers["content-range"] == f"bytes 100-299/{len(data)}"
        assert c.get(url, headers={"Range": "bytes=-10"}).content == data[-10:]
        assert c.get(url, headers={"Range": f"bytes={len(data)}-"}).status_code == 416
        for bad in (f"/lessons/{lesson_id}/media/board", f"/lessons/{lesson_id}/media/..%2F..%2Fdb.sqlite",
                    f"/lessons/{lesson_id}/media/%2e%2e", "/lessons/..%2F..%2Fdb.sqlite/media/teacher",
                    f"/lessons/{lesson_id}/media/audio", "/static/..%2F..%2Fapp.py", "/static/%2e%2e/app.py"):
            assert c.get(bad).status_code == 404, bad
        assert c.get("/static/htmx.min.js").status_code == 200
    with client_for(world, "t2") as c:  # a colleague without a share: the page and its video are 404
        assert c.get(f"/lessons/{lesson_id}").status_code == 404
        assert c.get(url).status_code == 404
        assert c.get(url, headers={"Range": "bytes=0-10"}).status_code == 404


def _upload(c: Any, files: dict[str, tuple[str, bytes, str]], **fields: str) -> Any:
    return c.post("/upload", data={"_csrf_token": csrf(c), **fields}, files=files, follow_redirects=False)


def test_uploads_are_checked_and_nothing_half_kept(tmp_path: Path) -> None:
    world = make_world(tmp_path / "w", max_upload=300_000)
    video = _video(tmp_path / "v.mp4").read_bytes()
    lessons = world.platform.media / "lessons"
    with client_for(world, "t1") as c:
        wrong = _upload(c, {"teacher": ("notes.mp4", b"just some text, not a video" * 10, "video/mp4")})
        assert wrong.status_code == 400 and "notes.mp4" in wrong.text
        renamed = _upload(c, {"audio": ("talk.m4a", b"%PDF-1.7 " + b"x" * 200, "audio/mp4")})
        assert renamed.status_code == 400 and "talk.m4a" in renamed.text
        assert _upload(c, {}).status_code == 400
        bad_date = _upload(c, {"teacher": ("t.mp4", video, "video/mp4")}, date="yesterday")
        assert bad_date.status_code == 400 and "yesterday" in bad_date.text
        too_big = _upload(c, {"teacher": ("t.mp4", video + b"\0" * 400_000, "video/mp4")})
        assert too_big.status_code in (400, 413)
        assert not lessons.exists() or not any(lessons.iterdir())  # nothing kept of refused uploads
        ok = _upload(c, {"teacher": ("t.mp4", video, "video/mp4")}, title="测试课", subject="数学", date="2026-12-01")
        assert ok.status_code == 303
        lesson_id = ok.headers["location"].rsplit("/", 1)[1]
        assert [p.name for p in (lessons / lesson_id).iterdir()] == ["teacher.mp4"]
        page = c.get(f"/lessons/{lesson_id}").text
        assert "测试课" in page and "hx-get=\"/lessons/" in page  # the job's status polls
    with client_for(world, "obs") as c:
        assert _upload(c, {"teacher": ("t.mp4", video, "video/mp4")}).status_code == 403
    from lessonlens.jobs import get_job

    job = get_job(world.platform.store, lesson_id)
    assert job is not None and job.state.value == "queued" and job.batch == "web"
    world.platform.close()


def test_user_typed_text_is_escaped_everywhere(tmp_path: Path) -> None:
    world = make_world(tmp_path / "w")
    video = _video(tmp_path / "v.mp4").read_bytes()
    with client_for(world, "admin") as c:
        made = c.post("/admin/users", data={"_csrf_token": csrf(c), "name": "x1", "display_name": ATTACK,
                                            "role": "school_lead", "school": ATTACK, "password": PASSWORD})
        assert made.status_code == 200 and page_text_has_no_markup(made.text) and "&lt;script&gt;" in made.text
        bad_name = c.post("/admin/users", data={"_csrf_token": csrf(c), "name": ATTACK, "role": "teacher",
                                                "password": PASSWORD})
        assert bad_name.status_code == 400 and page_text_has_no_markup(bad_name.text)
    with client_for(world, "t1") as c:
        ok = _upload(c, {"teacher": ("t.mp4", video, "video/mp4")}, title=ATTACK, subject=ATTACK, grade=ATTACK,
                     teacher_name=ATTACK)
        assert ok.status_code == 303, ok.text[-3000:]
        lesson_id = ok.headers["location"].rsplit("/", 1)[1]
        shared = c.post(f"/lessons/{lesson_id}/share", data={"_csrf_token": csrf(c), "user": ATTACK})
        assert shared.status_code == 400 and page_text_has_no_markup(shared.text)
        c.post(f"/lessons/{lesson_id}/share", data={"_csrf_token": csrf(c), "user": "x1"})
        c.post("/account/tokens", data={"_csrf_token": csrf(c), "name": ATTACK})
        for path in ("/", f"/?q={ATTACK}", f"/lessons/{lesson_id}", f"/lessons/{lesson_id}/status", "/upload",
                     f"/?teacher={ATTACK}"):
            page = c.get(path)
            assert page.status_code == 200 and page_text_has_no_markup(page.text), path
        assert "&lt;script&gt;" in c.get(f"/lessons/{lesson_id}").text
        # text from an uploaded lesson.yaml, and the names of refused files, are escaped too
        import json

        yaml = f"title: {json.dumps(ATTACK)}\nsubject: {json.dumps(ATTACK)}\n".encode()
        from_yaml = _upload(c, {"teacher": ("t.mp4", video, "video/mp4"),
                                "lesson_yaml": ("lesson.yaml", yaml, "application/yaml")}, teacher_name="t1")
        assert from_yaml.status_code == 303
        yaml_lesson = from_yaml.headers["location"].rsplit("/", 1)[1]
        for path in ("/", f"/lessons/{yaml_lesson}"):
            page = c.get(path).text
            assert page_text_has_no_markup(page) and "&lt;script&gt;" in page, path
        refused = _upload(c, {"teacher": ("t.mp4", video, "video/mp4"),
                              "sheets": (ATTACK + ".pdf", b"%PDF-1.4", "application/pdf")})
        assert refused.status_code == 400 and page_text_has_no_markup(refused.text)
    with client_for(world, "x1") as c:
        assert page_text_has_no_markup(c.get("/").text)
        assert page_text_has_no_markup(c.get(f"/lessons/{lesson_id}").text)
    with client_for(world, "admin") as c:
        for path in ("/admin/users", "/admin/audit"):
            assert page_text_has_no_markup(c.get(path).text), path
    with client_for(world) as c:
        failed = sign_in(c, ATTACK, "wrong")
        assert failed.status_code == 401 and page_text_has_no_markup(failed.text)
        assert page_text_has_no_markup(c.get(f"/login?next={ATTACK}").text)
        # only a path on this site may follow a sign-in
        response = c.post("/login", data={"name": "t1", "password": PASSWORD, "next": "//evil.example/x",
                                          "_csrf_token": csrf(c)}, follow_redirects=False)
        assert response.headers["location"] == "/"
    world.platform.close()


def test_api_with_personal_tokens(world: World) -> None:
    shared, private = world.lessons["shared"], world.lessons["private"]
    tokens = {}
    for name in ("t1", "t2", "obs"):
        with client_for(world, name) as c:
            page = c.post("/account/tokens", data={"_csrf_token": csrf(c), "name": "script"}).text
            tokens[name] = page.split('id="new-token">')[1].split("<")[0]
            # the API never takes the session cookie (so it needs no CSRF token)
            assert c.get("/api/me").status_code == 401
    with client_for(world) as c:
        def api(name: str, method: str, path: str, **kw: Any) -> Any:
            return c.request(method, "/api" + path, headers={"Authorization": f"Bearer {tokens[name]}"}, **kw)

        assert api("t1", "GET", "/me").json()["role"] == "teacher"
        assert {i["id"] for i in api("t1", "GET", "/lessons").json()["items"]} >= {shared, private}
        assert {i["id"] for i in api("obs", "GET", "/lessons").json()["items"]} == {shared}
        assert api("obs", "GET", f"/lessons/{shared}").status_code == 200
        assert api("obs", "GET", f"/lessons/{shared}/analysis").json()["lesson"]["id"] == shared
        for name, path in (("obs", f"/lessons/{private}"), ("t2", f"/lessons/{shared}"),
                           ("t2", f"/lessons/{private}/analysis")):
            assert api(name, "GET", path).status_code == 404
        assert api("obs", "DELETE", f"/lessons/{shared}").status_code == 404
        assert api("obs", "POST", f"/lessons/{shared}/shares", json={"user": "t2"}).status_code == 404
        made = api("t1", "POST", f"/lessons/{shared}/shares", json={"user": "t2"})
        assert made.status_code == 200 and "t2" in {s["user"] for s in made.json()}
        assert api("t2", "GET", f"/lessons/{shared}").status_code == 200
        share_id = next(s["id"] for s in made.json() if s["user"] == "t2")
        assert api("t1", "DELETE", f"/lessons/{shared}/shares/{share_id}").status_code == 204
        assert api("t2", "GET", f"/lessons/{shared}").status_code == 404
        assert c.get("/api/me", headers={"Authorization": "Bearer llt_not-a-token"}).status_code == 401
        assert api("obs", "POST", "/lessons", files={"teacher": ("t.mp4", b"x", "video/mp4")}).status_code == 403
        schema = c.get("/api/schema/openapi.json").json()
        assert "/api/lessons/{lesson_id}" in schema["paths"] and "/login" not in schema["paths"]


@pytest.mark.slow
def test_downloads_and_the_english_switch(world: World) -> None:
    import io
    import zipfile

    shared = world.lessons["shared"]
    with client_for(world, "obs") as c:
        pdf = c.get(f"/lessons/{shared}/report.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        charts = zipfile.ZipFile(io.BytesIO(c.get(f"/lessons/{shared}/charts.zip").content))
        assert any(n.endswith("-timeline.csv") for n in charts.namelist())
        assert c.get(f"/lessons/{shared}/charts.json").json()["report"] == "lesson"
        assert c.get(f"/lessons/{shared}/nothing.txt").status_code == 404
        assert '<html lang="zh-CN">' in c.get(f"/lessons/{shared}").text
        back = c.get("/lang/en", headers={"referer": f"http://testserver.local/lessons/{shared}"},
                     follow_redirects=False)
        assert back.status_code == 303 and back.headers["location"] == f"/lessons/{shared}"
        page = c.get(f"/lessons/{shared}").text
        assert '<html lang="en">' in page and "Key metrics" in page and "Downloads" in page
        assert 'Sign out' in c.get("/").text
    with client_for(world, "t2") as c:  # a teacher's pages added later, in English too
        c.get("/lang/en")
        account = c.get("/account").text
        assert "Your name in rankings and comparisons" in account and "Nobody (the default)" in account
        upload = c.get("/upload").text
        assert "Lesson details lesson.yaml" in upload and "Raters' score sheets" in upload.replace("&#39;", "'")
    with client_for(world, "obs_other") as c:
        for name in ("report.pdf", "charts.zip", "report.html", "analysis.json"):
            assert c.get(f"/lessons/{shared}/{name}").status_code == 404
    from lessonlens.web.catalog import audit_events

    assert {"report.pdf", "charts.zip"} <= {e.detail for e in audit_events(world.platform.engine, shared)
                                            if e.action == "downloaded"}


def test_overview_shows_aggregates_of_the_scope_only(world: World, tmp_path: Path) -> None:
    from lessonlens.store import LessonQuery

    portrait = world.platform.store.portrait(LessonQuery(region=world.users["res"].region))
    for name in ("res", "admin", "lead"):
        with client_for(world, name) as c:
            page = c.get("/overview")
            assert page.status_code == 200, name
            assert "/lessons/" not in page.text and "王丽" not in page.text.split("<main")[1]  # no lesson, no name
    with client_for(world, "res") as c:
        text = c.get("/overview").text
        assert f"{portrait.n_lessons} 节课" in text and "教师行为占有率" in text
    with client_for(world, "lead_other") as c:  # a school with no lessons: below the minimum group
        text = c.get("/overview").text
        assert "不显示统计" in text and "P90" not in text
    for name in ("t1", "obs"):
        with client_for(world, name) as c:
            assert c.get("/overview").status_code == 403
    small = make_world(tmp_path / "small", min_group=100)
    with client_for(small, "res") as c:
        assert "P90" not in c.get("/overview").text
    small.platform.close()


def test_mode_labels_are_the_mode_metrics_own(world: World) -> None:
    """The lesson list's mode filter and column and the overview's heading read the labels the metric
    that fills ``mode`` declares (no copy in the platform's texts)."""
    from lessonlens.core.plugins import get_manager

    field = get_manager().metric_fields()["mode"]
    with client_for(world, "res") as c:
        page = c.get("/").text
        for mode, label in field.values.items():
            assert f'<option value="{mode}"' in page and f">{label.zh}</option>" in page
        assert f"<th>{field.label.zh}</th>" in page and page.count(field.label.zh) == 2  # filter and column
        assert '<option value="lecture" selected>' in c.get("/?mode=lecture").text
        assert "selected" not in c.get("/?mode=bogus").text.split('name="mode"')[1].split("</select>")[0]
        assert f"<h2>{field.label.zh}</h2>" in c.get("/overview").text


def test_a_teacher_sets_and_withdraws_consent_to_be_named(tmp_path: Path) -> None:
    """The teacher's own setting on /account and in the API; only teachers have it; CSRF applies; audited."""
    from lessonlens.web.accounts import get_user
    from lessonlens.web.catalog import audit_events
    from lessonlens.web.roles import Consent

    world = make_world(tmp_path)
    engine = world.platform.engine
    with client_for(world, "t2") as c:
        page = c.get("/account").text
        assert 'name="consent" value="none" checked' in page and "排名" in page
        assert c.post("/account/consent", data={"consent": "region"}).status_code == 403  # no CSRF token
        saved = c.post("/account/consent", data={"consent": "region", "_csrf_token": csrf(c)})
        assert saved.status_code == 200 and 'value="region" checked' in saved.text and "已保存" in saved.text
        bad = c.post("/account/consent", data={"consent": "<b>all</b>", "_csrf_token": csrf(c)})
        assert bad.status_code == 400 and "&lt;b&gt;all&lt;/b&gt;" in bad.text and "<b>all" not in bad.text
    account = get_user(engine, world.users["t2"].id)
    assert account is not None and account.consent is Consent.REGION
    with client_for(world, "lead") as c:
        assert 'name="consent"' not in c.get("/account").text  # a lead is not ranked: no setting
        refused = c.post("/account/consent", data={"consent": "school", "_csrf_token": csrf(c)})
        assert refused.status_code == 400
    with client_for(world, "t2") as c:
        token = c.post("/account/tokens", data={"name": "s", "_csrf_token": csrf(c)}).text
        bearer = token.split('id="new-token">')[1].split("<")[0]
    with client_for(world) as api:
        h = {"Authorization": f"Bearer {bearer}"}
        assert api.get("/api/me", headers=h).json()["ranking_consent"] == "region"
        assert api.put("/api/me/consent", json={"consent": "none"}, headers=h).json()["ranking_consent"] == "none"
        assert api.put("/api/me/consent", json={"consent": "all"}, headers=h).status_code == 400
        assert api.put("/api/me/consent", json={"consent": "school"}).status_code == 401
    account = get_user(engine, world.users["t2"].id)
    assert account is not None and account.consent is Consent.NONE
    assert [e.detail for e in audit_events(engine) if e.action == "consent"] == ["none (api)", "region"]
    world.platform.close()
