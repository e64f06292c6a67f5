"""A teacher's growth over a term: the period report of their own analysed lessons, built live from
the store (so a lesson analysed a minute ago, or an observation event's rubric result just stored
with it, is in it), where the term's lessons stand in the region's norm of their subject and grade,
and the goals they set in their reflections of the term before. A researcher or school lead the teacher
is named to sees the same aggregates, and of lessons and goals only what the teacher shared."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import attrs
from sqlalchemy import Engine, select

from lessonlens.core.extensions import ReportJob
from lessonlens.plugins.reports.model import DataTable, Report
from lessonlens.plugins.reports.period import period_report
from lessonlens.store.api import Store
from lessonlens.store.indexed import METRIC_BY_ID
from lessonlens.store.models import lesson_table
from lessonlens.store.platform_models import WebLesson
from lessonlens.store.results import LessonQuery
from lessonlens.web.dashboards.model import Section
from lessonlens.web.dashboards.portraits import MIN_TEACHERS, NORM_METRICS, large_enough
from lessonlens.web.dashboards.terms import Term, term_of
from lessonlens.web.dashboards.texts import dt_ui
from lessonlens.web.reflection import Goal, goals_for
from lessonlens.web.roles import Account, visible_clause


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
    #: the term's means against the region's norm of the teacher's subject and grade (None: no lessons)
    norm: Section | None = None
    #: seen by someone else: the lessons they may open (None: the teacher's own view, all of them)
    opened: frozenset[str] | None = None

    def may_open(self, lesson_id: str) -> bool:
        return self.opened is None or lesson_id in self.opened


def own_lessons(engine: Engine, account: Account) -> list[OwnLesson]:
    """The teacher's lessons that have a stored analysis, oldest first (undated last)."""
    stmt = (select(WebLesson.id, WebLesson.title, WebLesson.date)
            .where(WebLesson.owner_id == account.id, WebLesson.id.in_(select(lesson_table.c.id))))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    found = [OwnLesson(r[0], r[1], r[2]) for r in rows]
    return sorted(found, key=lambda x: (x.date is None, x.date or dt.date.min, x.id))


def norm_position(store: Store, lesson_ids: tuple[str, ...], lang: str, min_lessons: int) -> Section | None:
    """The mean of each norm metric over the teacher's lessons of their most frequent subject and grade,
    beside the region's norm of that subject and grade (P10, median, P90) and where the mean falls in
    it (percentile). The norm is shown only for a large enough group (lessons and teachers)."""
    records = store.lessons(LessonQuery(lesson_ids=lesson_ids))
    if not records:
        return None
    (region, subject, grade), _ = Counter((r.region, r.subject, r.grade) for r in records).most_common(1)[0]
    mine = [r for r in records if (r.region, r.subject, r.grade) == (region, subject, grade)]
    query = LessonQuery(region=region or None, subject=subject, grade=grade)
    group = store.portrait(query, findings_limit=0)
    title = dt_ui("norm_position", lang, subject=subject, grade=grade, region=region)
    if not large_enough(group.n_lessons, group.n_teachers, min_lessons):
        return Section("norm_position", title, note=dt_ui("dash_group_small", lang, min=min_lessons, t=MIN_TEACHERS))
    norm = store.norms(query).get(subject, grade)
    rows = []
    for metric in NORM_METRICS:
        values = [v for v in (r.metrics.get(metric) for r in mine) if v is not None]
        stats = norm.metrics.get(metric) if norm else None
        if not values or stats is None or not stats.n:
            continue
        mean = sum(values) / len(values)
        rank = norm.percentile_rank(metric, mean) if norm else None
        rows.append((metric, METRIC_BY_ID[metric].label.get(lang), len(values), mean, stats.percentiles.get(10),
                     stats.percentiles.get(50), stats.percentiles.get(90), rank))
    table = DataTable("norm_position", title, ("metric_id", "metric", "lessons", "mine", "p10", "p50", "p90",
                                               "percentile"), tuple(rows))
    return Section("norm_position", title, table=table, hidden=("metric_id",),
                   note=dt_ui("norm_note", lang, n=group.n_lessons, t=group.n_teachers))


def opened_to(engine: Engine, viewer: Account, lesson_ids: tuple[str, ...]) -> frozenset[str]:
    """Which of ``lesson_ids`` ``viewer`` may open (``roles.visible_clause``: the teacher shared them)."""
    if not lesson_ids:
        return frozenset()
    stmt = select(WebLesson.id).where(WebLesson.id.in_(lesson_ids), visible_clause(viewer))
    with engine.connect() as conn:
        return frozenset(conn.scalars(stmt))


def growth(store: Store, account: Account, term: Term | None, lang: str, today: dt.date | None = None,
           min_lessons: int = 5, viewer: Account | None = None) -> Growth:
    """The teacher's ``term`` (default: the latest term with a lesson, else the current one). Seen by
    another ``viewer`` (who may follow the teacher: the caller checks ``roles.may_follow_teacher``), the
    aggregates are the same, but the goals are only those of reflections of lessons the viewer may open,
    and :attr:`Growth.opened` says which of the term's lessons those are."""
    lessons = own_lessons(store.engine, account)
    terms = tuple(sorted({term_of(x.date) for x in lessons if x.date}, reverse=True))
    chosen = term or (terms[0] if terms else term_of(today or dt.date.today()))
    inside = tuple(x for x in lessons if x.date and chosen.start <= x.date <= chosen.end)
    goals = goals_for(store.engine, account.id, chosen)
    goals_next = goals_for(store.engine, account.id, chosen.next())
    opened: frozenset[str] | None = None
    if viewer is not None and viewer.id != account.id:
        asked = tuple({x.id for x in inside} | {g.lesson_id for g in (*goals, *goals_next)})
        opened = opened_to(store.engine, viewer, asked)
        goals = [g for g in goals if g.lesson_id in opened]
        goals_next = [g for g in goals_next if g.lesson_id in opened]
    report = None
    if len(inside) >= 2:
        analyses = store.analyses(LessonQuery(lesson_ids=tuple(x.id for x in inside)))
        job = ReportJob(report="period", analyses=tuple(analyses), lang=lang,
                        title=chosen.label(lang), options={"goals": [g.text for g in goals]})
        report = period_report(job, Path("/nonexistent/period.html"))
    norm = norm_position(store, tuple(x.id for x in inside), lang, min_lessons) if inside else None
    return Growth(term=chosen, terms=terms, lessons=inside, report=report, goals_for_term=tuple(goals),
                  goals_next=tuple(goals_next), norm=norm, opened=opened)
