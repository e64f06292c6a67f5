"""The teacher's reflection on a lesson and the goals it sets for the next term: reading, saving
(an upsert: the autosaving page sends the whole text each time, the last save wins) and the goals
of a term for the period report. Who may read or write is decided in :mod:`lessonlens.web.roles`
(``may_reflect`` and ``may(…, VIEW, …)``): the callers check it."""

from __future__ import annotations

import datetime as dt

import attrs
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.store.db import WRITE
from lessonlens.store.platform_models import WebLesson
from lessonlens.store.reflection_models import LessonReflection
from lessonlens.web.accounts import now
from lessonlens.web.dashboards.terms import Term, term_of

MAX_TEXT = 20_000
MAX_GOALS = 20
MAX_GOAL = 500
_TOO_LONG = Text(zh="内容过长（最多 {n} 字）", en="too long (at most {n} characters)")
_TOO_MANY = Text(zh="目标最多 {n} 条", en="at most {n} goals")


@attrs.frozen
class Reflection:
    lesson_id: str
    text: str
    goals: tuple[str, ...]
    goals_term: str
    updated_at: dt.datetime | None


@attrs.frozen
class Goal:
    """A goal line and the lesson whose reflection set it."""

    text: str
    lesson_id: str
    lesson_title: str


def goals_term_of(lesson_date: dt.date | None, today: dt.date | None = None) -> Term:
    """The term after the lesson's (after today's for an undated lesson)."""
    return term_of(lesson_date or today or dt.date.today()).next()


def split_goals(goals: str) -> tuple[str, ...]:
    lines = tuple(line.strip() for line in goals.replace("\r", "").split("\n"))
    return tuple(line for line in lines if line)


def read(engine: Engine, lesson_id: str) -> Reflection | None:
    R = LessonReflection
    with engine.connect() as conn:
        row = conn.execute(select(R.text, R.goals, R.goals_term, R.updated_at).where(R.lesson_id == lesson_id)).first()
    return None if row is None else Reflection(lesson_id, row[0], split_goals(row[1]), row[2], row[3])


def check(text: str, goals: str) -> None:
    """Refuse a reflection too long to keep (one-line reason)."""
    if len(text) > MAX_TEXT:
        raise InputError(_TOO_LONG, n=MAX_TEXT)
    lines = split_goals(goals)
    if len(lines) > MAX_GOALS:
        raise InputError(_TOO_MANY, n=MAX_GOALS)
    if any(len(line) > MAX_GOAL for line in lines):
        raise InputError(_TOO_LONG, n=MAX_GOAL)


def save(engine: Engine, lesson_id: str, user_id: int, text: str, goals: str, goals_term: Term) -> dt.datetime:
    """Insert or replace the lesson's reflection; returns when it was saved."""
    check(text, goals)
    at = now()
    values = {"user_id": user_id, "text": text, "goals": "\n".join(split_goals(goals)),
              "goals_term": goals_term.id, "updated_at": at}
    R = LessonReflection
    for _ in range(2):  # two first saves at once: the loser of the insert updates
        with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            done = conn.execute(update(R).where(R.lesson_id == lesson_id).values(**values))
            if done.rowcount:
                return at
            try:
                with conn.begin_nested():
                    conn.execute(insert(R).values(lesson_id=lesson_id, **values))
                return at
            except IntegrityError:
                continue
    return at


def goals_for(engine: Engine, user_id: int, term: Term) -> list[Goal]:
    """The goals ``user_id`` set for ``term`` in the reflections of their lessons, lesson by lesson."""
    R = LessonReflection
    stmt = (select(R.goals, R.lesson_id, WebLesson.title, WebLesson.date)
            .join(WebLesson, WebLesson.id == R.lesson_id)
            .where(R.user_id == user_id, R.goals_term == term.id, WebLesson.owner_id == user_id))
    with engine.connect() as conn:
        rows = list(conn.execute(stmt).all())
    rows.sort(key=lambda r: (r[3] is None, r[3] or dt.date.min, r[1]))
    return [Goal(line, r[1], r[2]) for r in rows for line in split_goals(r[0])]
