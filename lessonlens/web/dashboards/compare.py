"""Teachers of a school or region side by side (教师对比). A teacher is named, with their own numbers,
only when they agreed to be named to this viewer (``roles.nameable_clause``, the same rule as
``roles.may_name_teacher``); everyone else is counted in one unnamed row, shown only when it is a
large enough group. Teachers are accounts: a teacher's lessons are the analysed lessons they own in
the place (a lesson no account owns belongs to a teacher who could not consent: never named). A named
teacher's name links to their growth page where the viewer may follow them (``roles.may_follow_teacher``)."""

from __future__ import annotations

import attrs
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lessonlens.core.metrics import Metrics
from lessonlens.plugins.reports.behaviour import rtch_chart
from lessonlens.plugins.reports.common import mode_labels
from lessonlens.plugins.reports.model import DataTable
from lessonlens.store.api import Store
from lessonlens.store.models import lesson_table
from lessonlens.store.platform_models import WebLesson, WebUser
from lessonlens.store.results import LessonQuery, Portrait
from lessonlens.web.accounts import account_of, taught_subjects
from lessonlens.web.dashboards.model import Section
from lessonlens.web.dashboards.portraits import large_enough
from lessonlens.web.dashboards.texts import dt_ui
from lessonlens.web.roles import Account, Place, may_follow_teacher, nameable_clause

_COLUMNS = ("rt", "ch", "participation_mean", "teacher_shares.lecturing", "student_shares.answering")


@attrs.frozen
class Comparison:
    sections: tuple[Section, ...]
    named: int
    unnamed: int


def _teachers(engine: Engine, place: Place) -> dict[int, tuple[str, list[str]]]:
    """Teacher account id -> (label, their analysed lessons in the place)."""
    stmt = (select(WebUser.id, WebUser.display_name, WebUser.name, WebLesson.id)
            .join(WebLesson, WebLesson.owner_id == WebUser.id)
            .where(WebUser.role == "teacher", WebLesson.id.in_(select(lesson_table.c.id))))
    if place.school:
        stmt = stmt.where(WebLesson.school == place.school)
    if place.region:
        stmt = stmt.where(WebLesson.region == place.region)
    found: dict[int, tuple[str, list[str]]] = {}
    with engine.connect() as conn:
        for user_id, display, name, lesson_id in conn.execute(stmt):
            found.setdefault(user_id, (display or name, []))[1].append(lesson_id)
    return found


def _followed(engine: Engine, viewer: Account, user_ids: list[int]) -> set[int]:
    """Which of the named ``user_ids`` ``viewer`` may follow to their growth page (``may_follow_teacher``)."""
    if not user_ids:
        return set()
    with engine.connect() as conn, Session(bind=conn) as session:
        accounts = [account_of(row) for row in session.scalars(select(WebUser).where(WebUser.id.in_(user_ids)))]
    teaches = taught_subjects(engine)
    return {a.id for a in accounts if may_follow_teacher(viewer, a, teaches.get(a.id, ()))}


def _row(label: str, p: Portrait) -> tuple[object, ...]:
    mode = next(iter(p.modes), "")
    return (label, p.n_lessons, *[p.metrics[m].mean if m in p.metrics else None for m in _COLUMNS], mode)


def compare(store: Store, viewer: Account, place: Place, query: LessonQuery, lang: str,
            min_lessons: int) -> Comparison:
    """The place's teachers who may be named to ``viewer``, each with their own figures (over ``query``'s
    subject, grade and dates), and one row for all the others when they are a large enough group."""
    teachers = _teachers(store.engine, place)
    with store.engine.connect() as conn:
        nameable = set(conn.scalars(select(WebUser.id).where(nameable_clause(viewer))))
    named: list[tuple[int, str, list[str]]] = []
    others: list[tuple[str, list[str]]] = []
    for user_id, (label, lessons) in sorted(teachers.items(), key=lambda kv: kv[1][0]):
        if user_id in nameable:
            named.append((user_id, label, lessons))
        else:
            others.append((label, lessons))
    followed = _followed(store.engine, viewer, [user_id for user_id, _, _ in named])
    rows, points, links = [], [], []
    for user_id, label, lessons in named:
        p = store.portrait(attrs.evolve(query, lesson_ids=tuple(lessons)), findings_limit=0)
        if p.n_lessons == 0:
            continue
        rows.append(_row(label, p))
        links.append(f"/teachers/{user_id}/growth" if user_id in followed else "")
        scalars = {"rt": p.metrics["rt"].mean, "ch": p.metrics["ch"].mean, "mode": next(iter(p.modes), "")}
        points.append((label, Metrics(scheme="", interval=0.0, n_samples=0, scalars=scalars)))
    other_ids = tuple(i for _, lessons in others for i in lessons)
    if other_ids:
        p = store.portrait(attrs.evolve(query, lesson_ids=other_ids), findings_limit=0)
        if large_enough(p.n_lessons, p.n_teachers, min_lessons):
            rows.append(_row(dt_ui("compare_others", lang, n=len(others)), p))
    names = mode_labels(lang)
    shown_rows = tuple((*r[:-1], names.get(str(r[-1]), str(r[-1]))) for r in rows)
    table = DataTable("teachers", dt_ui("compare_teachers", lang), ("teacher", "lessons", *_COLUMNS, "mode"),
                      shown_rows)
    sections = [Section("teachers", table.title, table=table, links=tuple(links),
                        note=dt_ui("compare_note", lang) if named else dt_ui("compare_none", lang))]
    palette = ("#2f6db5", "#d9534f", "#5cb85c", "#f0ad4e", "#7b5ea7", "#3fa7a3", "#8c6d31", "#c2548e")
    chart = rtch_chart(points, lang, [palette[k % len(palette)] for k in range(len(points))]) if points else None
    if chart is not None:
        sections.append(Section("rtch", chart.title, chart=chart))
    return Comparison(tuple(sections), len(named), len(others))
