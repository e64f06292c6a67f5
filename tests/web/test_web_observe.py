"""Online observation (观评课) over HTTP, in-process against a real SQLite store: who may open, follow
and score an event (extending part 1's permission matrix), blind mode in the pages and the API,
idempotent autosaves, scores out of range refused, the deadline, and the aggregate the page shows
equal to ``lessonlens rubric score`` on the sheets the event exports, stored with the lesson so
the rubric rules fire."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lessonlens.core.errors import InputError
from lessonlens.store.observe_models import ObserveNote, ObserveScore
from lessonlens.web.accounts import new_token
from lessonlens.web.observe import events as ev
from lessonlens.web.roles import Account, EventFacts, LessonFacts, ObserveAction, Role, may_observe
from tests.support.web import World, client_for, csrf

RUBRIC = "classroom-teaching"
OBSERVERS = ("obs", "t2", "res")


def _event(world: World, blind: bool = True, deadline: dt.datetime | None = None) -> int:
    """An event opened by the school lead on the shared lesson, three observers invited."""
    return ev.create_event(world.platform.engine, world.users["lead"], world.lessons["shared"], rubrics=[RUBRIC],
                           observers=list(OBSERVERS), title="公开课观评", blind=blind, deadline=deadline)


def _api(world: World, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {new_token(world.platform.engine, world.users[name])}"}


def _scores(k: int) -> dict[str, float]:
    """Observer ``k``'s scores: raters who roughly agree, with the first points low (below 60 %)."""
    tree = ev.tree_of(RUBRIC)
    out = {}
    for i, leaf in enumerate(tree.leaf_ids):
        top = tree.leaf_max[leaf]
        share = 0.3 if i < 2 else 0.55 + 0.04 * ((i * 7 + k * 3) % 10)
        out[leaf] = float(min(top, max(0.0, round(top * share))))
    return out


def test_event_rules_as_a_table() -> None:
    lesson = LessonFacts(owner_id=1, school="一小", region="海淀", subject="数学")
    event = EventFacts(lesson=lesson, created_by=7, invited=frozenset({9, 10}), submitted=frozenset({10}), blind=True)
    people = {"owner": Account(id=1, name="t1", role=Role.TEACHER),
              "opener": Account(id=7, name="l", role=Role.SCHOOL_LEAD),
              "pending": Account(id=9, name="o", role=Role.OBSERVER),
              "done": Account(id=10, name="o2", role=Role.TEACHER),
              "stranger": Account(id=11, name="x", role=Role.RESEARCHER)}
    table = {k: {a.value for a in ObserveAction if may_observe(p, a, event)} for k, p in people.items()}
    assert table == {"owner": {"follow", "see_scores"}, "opener": {"follow", "see_scores"},
                     "pending": {"follow", "score"}, "done": {"follow", "score", "see_scores"}, "stranger": set()}
    closed = EventFacts(lesson=lesson, created_by=7, invited=frozenset({9}), blind=False, open=False)
    assert not may_observe(people["pending"], ObserveAction.SCORE, closed)
    assert may_observe(people["pending"], ObserveAction.SEE_SCORES, closed)  # not blind


def test_who_may_open_an_event(world: World) -> None:
    shared, private = world.lessons["shared"], world.lessons["private"]
    engine = world.platform.engine
    for name, lesson, allowed in (("lead", shared, True), ("res", shared, True), ("t1", private, True),
                                  ("t2", shared, False), ("obs", shared, False), ("lead_other", shared, False),
                                  ("res", private, False), ("admin", shared, False)):
        try:
            ev.create_event(engine, world.users[name], lesson, rubrics=[RUBRIC], observers=["obs_other"])
            opened = True
        except InputError:
            opened = False
        assert opened is allowed, (name, lesson)
    with client_for(world, "obs") as c:  # the page offers no lesson to an observer, and a forged POST fails
        assert "name=\"lesson\"" not in c.get("/observe").text
        response = c.post("/observe", data={"lesson": shared, "rubric": RUBRIC, "observers": "t2",
                                            "_csrf_token": csrf(c)}, follow_redirects=False)
        assert response.status_code == 400
    with client_for(world, "lead") as c:
        response = c.post("/observe", data={"lesson": shared, "rubric": RUBRIC, "observers": "obs, t2",
                                            "blind": "1", "_csrf_token": csrf(c)}, follow_redirects=False)
        assert response.status_code == 303 and re.match(r"^/observe/\d+$", response.headers["location"])


def test_only_invited_observers_read_or_write_scores(world: World) -> None:
    event_id = _event(world, blind=False)
    leaf = ev.tree_of(RUBRIC).leaf_ids[0]
    body = {"rubric": RUBRIC, "indicator": leaf, "score": 3}
    with client_for(world, "obs") as c:
        assert c.post(f"/observe/{event_id}/save", json=body, headers={"x-csrftoken": csrf(c)}).status_code == 200
    for name in ("obs_other", "t1", "lead", "admin", "res_other", "lead_other"):
        invited = name in OBSERVERS
        follows = name in ("t1", "lead")  # the lesson's teacher and the opener follow, but do not score
        with client_for(world, name) as c:
            token = csrf(c)
            assert c.get(f"/observe/{event_id}").status_code == (200 if follows or invited else 404), name
            assert c.get(f"/observe/{event_id}/score").status_code == 404, name
            saved = c.post(f"/observe/{event_id}/save", json=body, headers={"x-csrftoken": token})
            assert saved.status_code in (403, 404), name
            noted = c.post(f"/observe/{event_id}/notes", json={"client_id": "x1", "t": 3},
                           headers={"x-csrftoken": token})
            assert noted.status_code in (403, 404), name
            assert c.post(f"/observe/{event_id}/submit", data={"_csrf_token": token},
                          follow_redirects=False).status_code in (403, 404), name
            assert c.get(f"/observe/{event_id}/media/teacher").status_code == 404, name
        headers = _api(world, name)
        with client_for(world) as c:
            assert c.get(f"/api/observe/{event_id}/scores", headers=headers).status_code == (200 if follows else 404)
            assert c.put(f"/api/observe/{event_id}/scores", json=body, headers=headers).status_code in (403, 404)
    # a save without the CSRF header is refused; the uninvited wrote nothing
    with client_for(world, "obs") as c:
        assert c.post(f"/observe/{event_id}/save", json={**body, "score": 4}).status_code == 403
    got = ev.draft(world.platform.engine, event_id, world.users["obs"].id)
    assert got.scores == {(RUBRIC, leaf): 3.0}
    with world.platform.engine.connect() as conn:
        writers = set(conn.scalars(ObserveScore.__table__.select().with_only_columns(ObserveScore.user_id)
                                   .where(ObserveScore.event_id == event_id)))
    assert writers == {world.users["obs"].id}


def test_blind_mode_hides_the_others_scores_in_pages_and_the_api(world: World) -> None:
    event_id = _event(world, blind=True)
    secret = "只有提交后才能看到的评语"
    leaf = ev.tree_of(RUBRIC).leaf_ids[0]
    headers = {name: _api(world, name) for name in OBSERVERS}
    with client_for(world) as c:
        saved = c.put(f"/api/observe/{event_id}/scores", headers=headers["obs"],
                      json={"rubric": RUBRIC, "indicator": leaf, "score": 4, "comment": secret})
        assert saved.status_code == 200
        assert c.post(f"/api/observe/{event_id}/submit", headers=headers["obs"]).status_code == 200
        # t2 has not submitted: the others' scores, the aggregate and the exports are hidden
        scores = c.get(f"/api/observe/{event_id}/scores", headers=headers["t2"]).json()
        assert scores["others"] == [] and scores["others_hidden"] is True
        assert c.get(f"/api/observe/{event_id}/result", headers=headers["t2"]).status_code == 403
        # obs submitted: sees everyone's
        assert c.get(f"/api/observe/{event_id}/result", headers=headers["obs"]).status_code == 200
    with client_for(world, "t2") as c:
        for path in (f"/observe/{event_id}", f"/observe/{event_id}/results", f"/observe/{event_id}/score"):
            page = c.get(path)
            assert page.status_code == 200 and secret not in page.text, path
        hidden = c.get(f"/observe/{event_id}/results").text
        assert "背靠背" in hidden
        version = re.search(r'results\?v=([^"]+)"', hidden)
        assert version  # polling with the version shown: nothing changed, nothing sent
        assert c.get(f"/observe/{event_id}/results", params={"v": version.group(1)}).status_code == 204
        assert c.get(f"/observe/{event_id}/sheets/{RUBRIC}/csv").status_code == 403
        assert c.get(f"/observe/{event_id}/report/{RUBRIC}/pdf").status_code == 403
        assert c.post(f"/observe/{event_id}/submit", data={"_csrf_token": csrf(c)},
                      follow_redirects=False).status_code == 303
        shown = c.get(f"/observe/{event_id}/results", params={"v": version.group(1)})
        assert shown.status_code == 200 and secret in shown.text  # submitted: now it shows
    with client_for(world) as c:
        scores = c.get(f"/api/observe/{event_id}/scores", headers=headers["t2"]).json()
        assert any(s["comment"] == secret for s in scores["others"])


def test_autosave_is_idempotent_and_out_of_range_is_refused(world: World) -> None:
    event_id = _event(world)
    tree = ev.tree_of(RUBRIC)
    leaf, parent = tree.leaf_ids[0], next(i for i in tree.ids if i not in tree.leaf_max)
    top = tree.leaf_max[leaf]
    with client_for(world, "obs") as c:
        token = {"x-csrftoken": csrf(c)}
        for _ in range(3):  # the browser retrying the same save
            assert c.post(f"/observe/{event_id}/save", json={"rubric": RUBRIC, "indicator": leaf, "score": 2},
                          headers=token).status_code == 200
            assert c.post(f"/observe/{event_id}/notes", json={"client_id": "n-1", "t": 61.5, "text": "齐答"},
                          headers=token).status_code == 200
        assert c.post(f"/observe/{event_id}/save", json={"rubric": RUBRIC, "indicator": leaf, "comment": "好"},
                      headers=token).status_code == 200  # a comment alone keeps the score
        for bad in ({"indicator": leaf, "score": top + 1}, {"indicator": leaf, "score": -1},
                    {"indicator": leaf, "score": "abc"}, {"indicator": parent, "score": 1},
                    {"indicator": "no.such", "score": 1}):
            refused = c.post(f"/observe/{event_id}/save", json={"rubric": RUBRIC, **bad}, headers=token)
            assert refused.status_code == 400, bad
            assert refused.json()["detail"], bad  # a one-line reason the page shows on the field
        assert c.post(f"/observe/{event_id}/save", json={"rubric": "teaching-design", "indicator": leaf,
                                                         "score": 1}, headers=token).status_code == 400
        assert c.post(f"/observe/{event_id}/notes", json={"client_id": "n-2", "t": -3},
                      headers=token).status_code == 400
        page = c.get(f"/observe/{event_id}/score").text
        assert 'data-cid="n-1"' in page and "齐答" in page and ">好</textarea>" in page
    got = ev.draft(world.platform.engine, event_id, world.users["obs"].id)
    assert got.scores == {(RUBRIC, leaf): 2.0} and got.comments == {(RUBRIC, leaf): "好"}
    with world.platform.engine.connect() as conn:
        rows = conn.execute(ObserveScore.__table__.select().where(ObserveScore.event_id == event_id)).all()
        notes = conn.execute(ObserveNote.__table__.select().where(ObserveNote.event_id == event_id)).all()
    assert len(rows) == 1 and len(notes) == 1


def test_after_the_deadline_scores_are_read_only(world: World) -> None:
    event_id = _event(world, deadline=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    leaf = ev.tree_of(RUBRIC).leaf_ids[0]
    with client_for(world, "obs") as c:
        refused = c.post(f"/observe/{event_id}/save", json={"rubric": RUBRIC, "indicator": leaf, "score": 1},
                         headers={"x-csrftoken": csrf(c)})
        assert refused.status_code == 403
        page = c.get(f"/observe/{event_id}/score").text
        assert "readonly" in page and 'id="submit-form"' not in page


def _cli_score(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "lessonlens", "rubric", "score", RUBRIC, *args, "--json"],
                          capture_output=True, text=True, check=True, timeout=120,
                          env={"PYTHONPATH": str(Path(__file__).parents[2]), "LESSONLENS_LANG": "en",
                               "PATH": "/usr/bin:/bin"})
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_page_equals_lessonlens_rubric_score_on_the_exported_sheets(world: World, tmp_path: Path) -> None:
    event_id = _event(world, blind=True)
    headers = {name: _api(world, name) for name in OBSERVERS}
    with client_for(world) as c:
        for k, name in enumerate(OBSERVERS):
            for i, (leaf, score) in enumerate(_scores(k).items()):
                assert c.put(f"/api/observe/{event_id}/scores", headers=headers[name],
                             json={"rubric": RUBRIC, "indicator": leaf, "score": score,
                                   "comment": f"{name} 的评语" if i == 1 else ""}).status_code == 200
            assert c.post(f"/api/observe/{event_id}/notes", headers=headers[name],
                          json={"client_id": f"c{k}", "t": 100.0 + 60 * k, "text": f"{name} 记"}).status_code == 200
            assert c.post(f"/api/observe/{event_id}/submit", headers=headers[name]).status_code == 200
        api = c.get(f"/api/observe/{event_id}/result", headers=headers["obs"]).json()[0]
    with client_for(world, "lead") as c:
        fragment = c.get(f"/observe/{event_id}/results").text
        paths = []
        for fmt in ("csv", "xlsx"):
            response = c.get(f"/observe/{event_id}/sheets/{RUBRIC}/{fmt}")
            assert response.status_code == 200
            path = tmp_path / f"sheets.{fmt}"
            path.write_bytes(response.content)
            paths.append(path)
        assert c.get(f"/observe/{event_id}/report/{RUBRIC}").status_code == 200
        pdf = c.get(f"/observe/{event_id}/report/{RUBRIC}/pdf")  # the reports package's PDF renderer
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        assert c.get(f"/observe/{event_id}/report/{RUBRIC}/docx").status_code == 404
    for path in paths:
        cli = _cli_score(str(path))
        assert cli["raters"] == api["raters"] == ["obs", "t2", "res"]
        assert cli["overall"]["mean"] == pytest.approx(api["overall"]["mean"])
        assert cli["agreement"]["icc2k"] == pytest.approx(api["agreement"]["icc2k"])
        assert cli["agreement"]["kendall_w"] == pytest.approx(api["agreement"]["kendall_w"])
        assert [i["mean"] for i in cli["indicators"]] == pytest.approx([i["mean"] for i in api["indicators"]])
        assert len(cli["notes"]) == 3
    # what the page shows is the same numbers
    icc = re.search(r'data-icc="([^"]+)"', fragment)
    w = re.search(r'data-kendall="([^"]+)"', fragment)
    assert icc and float(icc.group(1)) == pytest.approx(cli["agreement"]["icc2k"], abs=0.005)
    assert w and float(w.group(1)) == pytest.approx(cli["agreement"]["kendall_w"], abs=0.005)
    mean = re.search(r'data-overall-mean="([^"]+)"', fragment)
    assert mean and float(mean.group(1)) == pytest.approx(cli["overall"]["mean"])
    assert fragment.count('class="mark"') == 3 and "t2 的评语" in fragment
    # stored with the lesson: the rubric rules read it and fire
    stored = world.platform.store.get(world.lessons["shared"])
    assert stored is not None
    result = next(r for r in stored.rubric_results if r.rubric == RUBRIC)
    assert result.raters == ("obs", "t2", "res")
    assert "rubric.indicator_low" in {f.rule for f in stored.findings}
    # an edit after submitting (before the deadline) reaches the stored result at once
    leaf = next(iter(_scores(0)))
    before = next(i.mean for i in result.indicators if i.id == leaf)
    with client_for(world) as c:
        assert c.put(f"/api/observe/{event_id}/scores", headers=headers["obs"],
                     json={"rubric": RUBRIC, "indicator": leaf, "score": 0}).status_code == 200
    edited = world.platform.store.get(world.lessons["shared"])
    assert edited is not None
    after = next(i.mean for r in edited.rubric_results if r.rubric == RUBRIC for i in r.indicators if i.id == leaf)
    assert after == pytest.approx(before - _scores(0)[leaf] / 3)


def test_group_invitations_reach_teachers_who_join_later(world: World) -> None:
    from sqlalchemy import update

    from lessonlens.store.platform_models import WebUser
    from lessonlens.web.accounts import add_user

    engine = world.platform.engine
    school = world.users["lead"].school
    event_id = ev.create_event(engine, world.users["lead"], world.lessons["shared"], rubrics=[RUBRIC],
                               observers=["obs"], title="数学组观评", groups=[("school", "数学")])
    leaf = next(iter(_scores(0)))
    body = {"rubric": RUBRIC, "indicator": leaf, "score": 1}
    with client_for(world, "t2") as c:  # t2 teaches no 数学 yet: not invited
        assert "数学组观评" not in c.get("/observe/invitations").text
        assert c.post(f"/observe/{event_id}/save", json=body, headers={"x-csrftoken": csrf(c)}).status_code == 404
    with engine.begin() as conn:  # now t2 teaches 数学 too
        conn.execute(update(WebUser).where(WebUser.name == "t2").values(subjects="数学"))
    add_user(engine, "newcomer", Role.TEACHER, "correct horse battery", school=school, subjects=["数学"])
    add_user(engine, "elsewhere", Role.TEACHER, "correct horse battery", school="另一所学校", subjects=["数学"])
    for name in ("t2", "newcomer"):  # invited when they next look, and may score
        with client_for(world, name) as c:
            assert "数学组观评" in c.get("/observe/invitations").text
            assert c.get("/observe/invitations").text.count("数学组观评") == 1  # joining twice is joining once
            assert c.post(f"/observe/{event_id}/save", json=body, headers={"x-csrftoken": csrf(c)}).status_code == 200
    for name in ("elsewhere", "t1"):  # another school; the lesson's own teacher is never a rater
        with client_for(world, name) as c:
            assert "数学组观评" not in c.get("/observe/invitations").text
    with engine.begin() as conn:
        conn.execute(update(WebUser).where(WebUser.name == "t1").values(subjects="数学"))
    with client_for(world, "t1") as c:
        assert "数学组观评" not in c.get("/observe/invitations").text
    event = ev.get_event(engine, event_id)
    assert event is not None and {i.name for i in event.invitees} == {"obs", "t2", "newcomer"}
