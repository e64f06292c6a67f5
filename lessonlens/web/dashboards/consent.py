"""Whether a teacher may be named to a viewer in a comparison: the teacher's consent, decided by the
platform's consent setting. Until that setting exists every teacher stays unnamed (aggregates only):
the safe answer when nobody has been asked."""

from __future__ import annotations

from sqlalchemy import Engine

from lessonlens.web.roles import Account


def may_be_named(engine: Engine, viewer: Account, teacher_id: int) -> bool:
    """May the teacher account ``teacher_id`` be named, with their own figures, to ``viewer``."""
    return viewer.active and viewer.id == teacher_id
