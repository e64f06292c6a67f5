"""Teacher and district views (issue 17, item 4) and reflections (item 5) on a real SQLite store and
the Litestar app: who may open which view (a matrix over every role), the minimum group size, the
consent rule naming teachers, CSV downloads (formula-like cells neutralised), the growth page's
numbers equal to the period report of the same lessons, reflections' privacy and autosave, and goals
reaching the next term."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import attrs
import numpy as np
import pytest
from sqlalchemy import func, select

from lessonlens.core.extensions import ReportJob
from lessonlens.core.rubric import RubricResult, TimedNote
from lessonlens.plugins.reports.period import period_report
from lessonlens.store.reflection_models import LessonReflection
from lessonlens.store.results import LessonQuery
from lessonlens.store.synthetic import synthetic_analysis
from lessonlens.web.accounts import user_by_name
from lessonlens.web.catalog import share
from lessonlens.web.dashboards.model import table_csv
from lessonlens.web.dashboards.terms import parse_term, term_of
from lessonlens.web.roles import Place, View, may_see_view
from tests.support.dashboards import INJECTED, Dash, make_dash
from tests.support.web import client_for, csrf


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Dash:
    return make_dash(tmp_path_factory.mktemp("dash"))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_view_rules_as_a_table(dash: Dash) -> None:
    users = dash.world.users
    r = dash.region
    rows = [  # view, place, roles that may
        (View.GROWTH, Place(), {"t1", "t2"}),
        (View.REGION, Place(region=r), {"admin", "res"}),
        (View.REGION, Place(region="另一区"), {"admin", "res_other"}),
        (View.SCHOOL, Place(region=r, school="S00"), {"admin", "res"}),
        (View.SCHOOL, Place(school=users["lead"].school), {"admin", "lead"}),
        (View.SCHOOL, Place(school="另一所学校"), {"admin", "lead_other"}),
        (View.COMPARE, Place(region=r), {"admin", "res"}),
        (View.COMPARE, Place(school=users["lead"].school), {"admin", "lead"}),
    ]
    for view, place, allowed in rows:
        got = {name for name, a in users.items() if may_see_view(a, view, place)}
        assert got == allowed, (view, place)
    disabled = attrs.evolve(users["admin"], active=False)
    assert not any(may_see_view(disabled, v, Place()) for v in View)


def test_who_may_open_which_view_over_http(dash: Dash) -> None:
    r = dash.region
    pages = {
        "growth": "/growth",
        "home portrait": "/portraits",
        "region": f"/portraits?region={r}",
        "school in region": f"/portraits?region={r}&school=S00",
        "school alone": "/portraits?school=S00",
        "compare": "/compare",
        "csv": f"/portraits/csv/metrics?region={r}",
    }
    expected = {  # user -> pages answered 200 (everything else 403)
        "admin": {"home portrait", "region", "school in region", "school alone", "compare", "csv"},
        "res": {"home portrait", "region", "school in region", "compare", "csv"},
        "res_other": {"home portrait", "compare"},
        "lead_s00": {"home portrait", "school alone", "compare"},
        "lead_other": {"home portrait", "compare"},
        "s00t0": {"growth"},
        "t2": {"growth"},
        "obs": set(),
    }
    for name, allowed in expected.items():
        with client_for(dash.world, name) as c:
            for key, url in pages.items():
                status = c.get(url).status_code
                assert status == (200 if key in allowed else 403), (name, key, status)
    with client_for(dash.world) as anonymous:
        for url in pages.values():
            assert anonymous.get(url, follow_redirects=False).status_code == 303


def test_portraits_aggregate_only_above_the_minimum_group(dash: Dash) -> None:
    with client_for(dash.world, "res") as c:
        page = c.get(f"/portraits?region={dash.region}").text
        for teacher in ("T00-00", "教师甲0", "s00t0"):
            assert teacher not in page  # aggregates never name a teacher
        for section in ("section-trend", "section-mean_rose", "section-metrics", "section-findings",
                        "section-norms", "section-schools", "section-rubrics"):
            assert section in page
        store = dash.world.platform.store
        portrait = store.portrait(LessonQuery(region=dash.region))
        assert f'data-lessons="{portrait.n_lessons}"' in page
        # two days hold too few lessons: the whole portrait is refused, not only its small groups
        small = c.get(f"/portraits?region={dash.region}&from=2026-03-01&to=2026-03-02").text
        assert "不显示统计" in small and "section-metrics" not in small
        # norms: every subject/grade group shown has enough lessons and teachers
        norms = _rows(c.get(f"/portraits/csv/norms?region={dash.region}").text)
        head = norms[0]
        assert head[:4] == ["学科", "年级", "课例数", "教师数"]
        assert norms[1:] and all(int(row[2]) >= 5 and int(row[3]) >= 3 for row in norms[1:])
        # every chart and table has its CSV link, and the CSV of the metric bands equals the store's figures
        metrics = _rows(c.get(f"/portraits/csv/metrics?region={dash.region}").text)
        rt = next(row for row in metrics if row[0] == "rt")
        assert float(rt[3]) == pytest.approx(portrait.metrics["rt"].mean)
        assert c.get(f"/portraits/csv/nope?region={dash.region}").status_code == 404
    with client_for(dash.world, "lead_other") as c:
        assert "不显示统计" in c.get("/portraits").text  # a school with no lessons
    with client_for(dash.world, "admin") as c:  # the district, with a link to each region and school
        district = c.get("/portraits").text
        assert "全区画像" in district and f'href="/portraits?region={quote_plus(dash.region)}"' in district
        assert "href=\"/portraits?region=&amp;school=S00\"" in district


def test_csv_cells_that_look_like_formulas_are_neutralised(dash: Dash) -> None:
    with client_for(dash.world, "res") as c:
        response = c.get(f"/portraits/csv/schools?region={dash.region}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        schools = {row[0] for row in _rows(response.text)[1:]}
        assert "'" + INJECTED in schools and INJECTED not in schools and "S00" in schools


def test_comparison_names_only_teachers_who_consented(dash: Dash) -> None:
    with client_for(dash.world, "res_yuwen") as c:  # a researcher of 语文: only region consent names
        page = c.get(f"/compare?region={dash.region}").text
        assert "教师甲0" in page and "教师甲1" not in page and "教师甲2" not in page
        table = _rows(c.get(f"/compare/csv/teachers?region={dash.region}").text)
        assert table[1][0] == "教师甲0"
        assert "其他" in table[-1][0]  # everyone else, together (a large enough group)
    with client_for(dash.world, "res") as c:  # 数学's researcher: 教师甲0 teaches 语文, so is not named
        page = c.get(f"/compare?region={dash.region}").text
        assert "教师甲" not in page
        assert "其他" in _rows(c.get(f"/compare/csv/teachers?region={dash.region}").text)[-1][0]
    with client_for(dash.world, "lead_s00") as c:  # the school's lead: school consent too
        page = c.get("/compare").text
        assert "教师甲0" in page and "教师甲1" in page and "教师甲2" not in page
    with client_for(dash.world, "lead_other") as c:
        assert "教师甲" not in c.get("/compare").text


def test_growth_is_the_period_report_of_the_teachers_own_term(dash: Dash) -> None:
    p = dash.world.platform
    lessons = p.store.lessons(LessonQuery(teacher=dash.owners["s00t0"]))
    terms = sorted({term_of(r.date) for r in lessons if r.date}, reverse=True)
    with client_for(dash.world, "s00t0") as c:
        page = c.get("/growth").text  # the latest term with lessons
        assert terms[0].label("zh-CN") in page
        for term in terms:
            inside = [r for r in lessons if r.date and term.start <= r.date <= term.end]
            got = c.get("/growth", params={"term": term.id})
            assert got.status_code == 200
            if len(inside) < 2:
                assert "至少需要两节" in got.text
                continue
            analyses = p.store.analyses(LessonQuery(lesson_ids=tuple(r.lesson_id for r in inside)))
            report = period_report(ReportJob(report="period", analyses=tuple(analyses), lang="zh-CN"),
                                   Path("/nonexistent/x.html"))
            for table in report.all_tables():
                served = c.get(f"/growth/csv/{table.id}", params={"term": term.id})
                assert served.status_code == 200, table.id
                assert _rows(served.text) == _rows(table_csv(table, "zh-CN")), table.id
            assert "rubric_trend" in {t.id for t in report.all_tables()}
    with client_for(dash.world, "t2") as c:  # a teacher with no analysed lessons of their own
        assert "至少需要两节" in c.get("/growth").text
        assert c.get("/growth/csv/trend").status_code == 404


def _save(c: Any, lesson: str, text: str, goals: str = "", token: bool = True) -> Any:
    headers = {"x-csrftoken": csrf(c)} if token else {}
    return c.post(f"/reflections/{lesson}", json={"text": text, "goals": goals}, headers=headers)


def _with_comments(dash: Dash, lesson_id: str) -> None:
    """Store an observation result with a comment and a note with the lesson (as an event does)."""
    store = dash.world.platform.store
    analysis = store.get(lesson_id)
    assert analysis is not None
    result = RubricResult(rubric="classroom-teaching", kind="teaching", lesson=lesson_id, raters=("obs",),
                          indicators=(), comments={"achievement.focus": ("目标清楚，但练习偏少",)},
                          notes=(TimedNote(t=754.0, text="学生齐答", rater="obs"),))
    store.add([attrs.evolve(analysis, rubric_results=(result,))])


def test_reflection_is_the_teachers_and_read_where_the_lesson_is_shared(dash: Dash) -> None:
    world = dash.world
    private, shared = world.lessons["private"], world.lessons["shared"]
    _with_comments(dash, shared)
    with client_for(world, "t1") as c:
        box = c.get(f"/reflections/{shared}").text
        assert 'data-editable="true"' in box and "观课人评语" in box
        # the observers' comments and notes, by the rubric's and the indicator's names
        assert "目标清楚，但练习偏少" in box and "目标落实" in box and "12:34" in box and "obs: 学生齐答" in box
        assert _save(c, shared, "first").status_code == 200
        saved = _save(c, shared, "提问更开放 <b>x</b>", "多让学生追问\n\n减少齐答")
        assert saved.status_code == 200 and saved.json()["goals_term"]
        assert _save(c, private, "私下的反思").status_code == 200
        assert _save(c, shared, "x", token=False).status_code == 403  # no CSRF token
        too_long = _save(c, shared, "x" * 20_001)
        assert too_long.status_code == 400 and "20000" in too_long.json()["detail"]
        assert "&lt;b&gt;x&lt;/b&gt;" in c.get(f"/reflections/{shared}").text
    with world.platform.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(LessonReflection)) == 2  # upserts, not rows per save
    for reader in ("obs", "lead", "res"):  # the shared lesson's readers: read-only
        with client_for(world, reader) as c:
            box = c.get(f"/reflections/{shared}")
            assert box.status_code == 200 and 'data-editable="false"' in box.text and "提问更开放" in box.text
            assert "<textarea" not in box.text
            assert _save(c, shared, "hijack").status_code == 403
            assert c.get(f"/reflections/{private}").status_code == 404  # private: as if it did not exist
            assert _save(c, private, "hijack").status_code == 404
    for outsider in ("t2", "obs_other", "res_other", "lead_other"):
        with client_for(world, outsider) as c:
            assert c.get(f"/reflections/{shared}").status_code == 404
            assert _save(c, shared, "hijack").status_code == 404
    with client_for(world, "t1") as c:
        assert "提问更开放" in c.get(f"/reflections/{shared}").text  # nothing was overwritten
        lesson_page = c.get(f"/lessons/{shared}").text
        assert f'hx-get="/reflections/{shared}"' in lesson_page and "/static/reflection.js" in lesson_page


def test_goals_show_in_the_next_terms_growth(dash: Dash) -> None:
    world = dash.world
    p = world.platform
    lesson = next(r for r in p.store.lessons(LessonQuery(teacher=dash.owners["s00t1"])) if r.date)
    following = term_of(lesson.date).next()
    with client_for(world, "s00t1") as c:
        assert _save(c, lesson.lesson_id, "反思", "每节课至少三次小组讨论\n=cmd").status_code == 200
        now = c.get("/growth", params={"term": term_of(lesson.date).id}).text
        assert "为下学期设定的目标" in now and "每节课至少三次小组讨论" in now
        later = c.get("/growth", params={"term": following.id}).text
        assert "本学期目标" in later and "每节课至少三次小组讨论" in later
    assert parse_term(following.id) == following
    assert term_of(dt.date(2027, 1, 31)).id == "2026-autumn" and term_of(dt.date(2027, 2, 1)).id == "2027-spring"
    assert term_of(dt.date(2026, 8, 1)).next().id == "2027-spring"


def test_the_views_speak_english_too(dash: Dash) -> None:
    with client_for(dash.world, "res") as c:
        c.get("/lang/en")
        portrait = c.get(f"/portraits?region={dash.region}").text
        assert f"Portrait of {dash.region}" in portrait and "Norms by subject and grade" in portrait
        assert "Data (CSV)" in portrait and "区域画像" not in portrait
        assert "Teachers of" in c.get("/compare").text
        assert _rows(c.get(f"/portraits/csv/norms?region={dash.region}").text)[0][:2] == ["subject", "grade"]
    with client_for(dash.world, "s00t0") as c:
        c.get("/lang/en")
        growth = c.get("/growth").text
        assert "My growth" in growth and "Goals set for next term" in growth and "个人成长" not in growth


def test_growth_places_the_term_in_the_regions_norm(dash: Dash) -> None:
    store = dash.world.platform.store
    lessons = store.lessons(LessonQuery(teacher=dash.owners["s00t0"]))
    term = sorted({term_of(r.date) for r in lessons if r.date}, reverse=True)[0]
    inside = [r for r in lessons if r.date and term.start <= r.date <= term.end]
    subject, grade = inside[0].subject, inside[0].grade  # a synthetic teacher keeps one subject and grade
    with client_for(dash.world, "s00t0") as c:  # alone in their subject and grade: no norm to show
        page = c.get("/growth", params={"term": term.id}).text
        assert "section-norm_position" in page and "不显示统计" in page
        assert c.get("/growth/csv/norm_position", params={"term": term.id}).status_code == 404
    # three more teachers of the subject and grade in the region (no accounts), inside the term
    rng = np.random.default_rng(9)
    store.add([synthetic_analysis(rng, f"N-{k}", f"N-teacher-{k % 3}", "S09", dash.region, subject, grade,
                                  term.start + dt.timedelta(days=10 + k)) for k in range(6)])
    norm = store.norms(LessonQuery(region=dash.region, subject=subject, grade=grade)).get(subject, grade)
    assert norm is not None
    with client_for(dash.world, "s00t0") as c:
        page = c.get("/growth", params={"term": term.id}).text
        assert f"{subject}{grade}常模" in page and "N-teacher" not in page
        rows = _rows(c.get("/growth/csv/norm_position", params={"term": term.id}).text)
    assert rows[0] == ["指标代码", "指标", "课例数", "本人平均", "P10", "中位数", "P90", "百分位"]
    rt = next(row for row in rows if row[0] == "rt")
    mine = sum(r.metrics["rt"] or 0.0 for r in inside) / len(inside)
    assert int(rt[2]) == len(inside) and float(rt[3]) == pytest.approx(mine)
    assert float(rt[5]) == pytest.approx(norm.metrics["rt"].percentiles[50])
    rank = norm.percentile_rank("rt", mine)
    assert rank is not None and float(rt[7]) == pytest.approx(rank) and 0 <= rank <= 100


def _growth_url(dash: Dash, teacher: str, rest: str = "") -> str:
    account = user_by_name(dash.world.platform.engine, teacher)
    assert account is not None
    return f"/teachers/{account.id}/growth{rest}"


def test_who_may_follow_a_teachers_growth(dash: Dash) -> None:
    """The viewer x consent table of another teacher's growth page over HTTP: 200 only for a researcher
    or school lead the teacher is named to (``may_name_teacher``); everyone else the same 404 as an
    account that does not exist; the teacher themselves goes to /growth; signed out: the login page."""
    followers = {  # teacher (consent) -> viewers answered 200
        "s00t0": {"res_yuwen", "lead_s00"},  # region: the region's researcher of 语文 (what s00t0 teaches), the lead
        "s00t1": {"lead_s00"},               # school: the school's lead only
        "s00t2": set(),                      # no consent: nobody
        "t1": set(),                         # no consent (world's teacher)
    }
    viewers = ["admin", "res", "res_other", "res_yuwen", "lead", "lead_s00", "lead_other", "obs", "t1", "t2",
               "s00t0", "s00t1", "s00t2"]
    missing = "/teachers/999999/growth"
    for viewer in viewers:
        with client_for(dash.world, viewer) as c:
            for teacher, allowed in followers.items():
                url = _growth_url(dash, teacher)
                got = c.get(url, follow_redirects=False)
                if viewer == teacher:
                    assert got.status_code in (302, 303, 307) and got.headers["location"].startswith("/growth")
                    continue
                want = 200 if viewer in allowed else 404
                assert got.status_code == want, (viewer, teacher, got.status_code)
                csv_status = c.get(url + "/csv/trend", follow_redirects=False).status_code
                assert csv_status == want, (viewer, teacher, "csv", csv_status)
                if want == 404:  # the same answer as for nobody: nothing tells the teacher exists
                    assert got.text == c.get(missing).text
            assert c.get(missing).status_code == 404
    with client_for(dash.world) as anonymous:
        for teacher in followers:
            assert anonymous.get(_growth_url(dash, teacher), follow_redirects=False).status_code == 303


def test_a_followed_teachers_growth_shows_aggregates_and_only_what_was_shared(dash: Dash) -> None:
    world, p = dash.world, dash.world.platform
    lessons = p.store.lessons(LessonQuery(teacher=dash.owners["s00t0"]))
    term = sorted({term_of(r.date) for r in lessons if r.date}, reverse=True)[0]
    inside = sorted((r for r in lessons if r.date and term.start <= r.date <= term.end), key=lambda r: r.lesson_id)
    assert len(inside) >= 2
    kept, opened = inside[0].lesson_id, inside[1].lesson_id
    url = _growth_url(dash, "s00t0")
    with client_for(world, "s00t0") as c:
        assert _save(c, kept, "私下的反思", "私下的目标").status_code == 200
        assert _save(c, opened, "分享的反思", "分享的目标").status_code == 200
        own = c.get("/growth", params={"term": term.id}).text
        assert "私下的目标" in own and "分享的目标" in own
        own_csv = c.get("/growth/csv/trend", params={"term": term.id}).text
    with client_for(world, "res_yuwen") as c:
        page = c.get(url, params={"term": term.id}).text
        assert "教师甲0" in page and "section-norm_position" in page and 'id="chart-trend"' in page
        assert "私下的目标" not in page and "分享的目标" not in page and "私下的反思" not in page
        assert "/lessons/" not in page and "未分享的课例" in page  # nothing of a lesson not shared
        assert f'{url}/csv/trend?term={term.id}' in page
        assert _rows(c.get(f"{url}/csv/trend", params={"term": term.id}).text) == _rows(own_csv)
    share(p.engine, opened, _account(dash, "s00t0"), scope="region")
    with client_for(world, "res_yuwen") as c:
        page = c.get(url, params={"term": term.id}).text
        assert "分享的目标" in page and f'href="/lessons/{opened}"' in page  # shared: its goal and its link
        assert "私下的目标" not in page and f'href="/lessons/{kept}"' not in page
        assert c.get(f"/lessons/{kept}").status_code == 404  # and the lesson itself stays closed
        # the shared lesson's page leads back to its teacher's growth
        assert f'href="{url}"' in c.get(f"/lessons/{opened}").text
    with client_for(world, "res") as c:  # the world's shared lesson: its teacher (t1) did not consent
        lesson_page = c.get(f"/lessons/{world.lessons['shared']}").text
        assert "teacher-growth" not in lesson_page and "/teachers/" not in lesson_page
    with client_for(world, "lead_s00") as c:  # a region share does not open the lesson to the school's lead
        page = c.get(url, params={"term": term.id}).text
        assert "分享的目标" not in page and "/lessons/" not in page
        c.get("/lang/en")
        english = c.get(url, params={"term": term.id}).text
        assert "Growth of 教师甲0" in english and "lesson not shared" in english and "个人成长" not in english


def _account(dash: Dash, name: str) -> Any:
    account = user_by_name(dash.world.platform.engine, name)
    assert account is not None
    return account


def test_compare_links_the_named_teachers_a_viewer_may_follow(dash: Dash) -> None:
    links = {name: f'href="{_growth_url(dash, name)}"' for name in ("s00t0", "s00t1", "s00t2")}
    with client_for(dash.world, "res_yuwen") as c:
        page = c.get(f"/compare?region={dash.region}").text
        assert links["s00t0"] in page and links["s00t1"] not in page and links["s00t2"] not in page
    with client_for(dash.world, "lead_s00") as c:
        page = c.get("/compare").text
        assert links["s00t0"] in page and links["s00t1"] in page and links["s00t2"] not in page
    with client_for(dash.world, "admin") as c:  # named to the district's admins, but not followed by them
        page = c.get(f"/compare?region={dash.region}").text
        assert "教师甲0" in page and "/teachers/" not in page
