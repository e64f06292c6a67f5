"""A teacher's growth over a term: the period report of their own analysed lessons, built live from
the store (so a lesson analysed a minute ago, or an observation event's rubric result just stored
with it, is in it), with the goals they set in their reflections of the term before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from sqlalchemy import Engine, select

from lessonlens.core.extensions import ReportJob
from lessonlens.plugins.reports.model import Report
from lessonlens.plugins.reports.period import period_report
from lessonlens.store.api import Store
from lessonlens.store.models import lesson_table
from lessonlens.store.platform_models import WebLesson
from lessonlens.store.results import LessonQuery
from lessonlens.web.dashboards.terms import Term, term_of
from lessonlens.web.reflection import Goal, goals_for
from lessonlens.web.roles import Account


@attrs.frozen
class OwnLesson:
    id: str
    title: str
    date: dt.date | None


@attrs.frozen
class Growth:
    """One term of a teacher: their analysed lessons, the period report (None under two lessons), the
    goals set for this term and those set in it for the next, and the other terms with lessons."""

    term: Term
    terms: tuple[Term, ...]
    lessons: tuple[OwnLesson, ...]
    report: Report | None
    goals_for_term: tuple[Goal, ...]
    goals_next: tuple[Goal, ...]


def own_lessons(engine: Engine, account: Account) -> list[OwnLesson]:
    """The teacher's lessons that have a stored analysis, oldest first (undated last)."""
    stmt = (select(WebLesson.id, WebLesson.title, WebLesson.date)
            .where(WebLesson.owner_id == account.id, WebLesson.id.in_(select(lesson_table.c.id))))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    found = [OwnLesson(r[0], r[1], r[2]) for r in rows]
    return sorted(found, key=lambda x: (x.date is None, x.date or dt.date.min, x.id))


def growth(store: Store, account: Account, term: Term | None, lang: str, today: dt.date | None = None) -> Growth:
    """The teacher's ``term`` (default: the latest term with a lesson, else the current one)."""
    lessons = own_lessons(store.engine, account)
    terms = tuple(sorted({term_of(x.date) for x in lessons if x.date}, reverse=True))
    chosen = term or (terms[0] if terms else term_of(today or dt.date.today()))
    inside = tuple(x for x in lessons if x.date and chosen.start <= x.date <= chosen.end)
    goals = goals_for(store.engine, account.id, chosen)
    report = None
    if len(inside) >= 2:
        analyses = store.analyses(LessonQuery(lesson_ids=tuple(x.id for x in inside)))
        job = ReportJob(report="period", analyses=tuple(analyses), lang=lang,
                        title=chosen.label(lang), options={"goals": [g.text for g in goals]})
        report = period_report(job, Path("/nonexistent/period.html"))
    return Growth(term=chosen, terms=terms, lessons=inside, report=report, goals_for_term=tuple(goals),
                  goals_next=tuple(goals_for(store.engine, account.id, chosen.next())))
