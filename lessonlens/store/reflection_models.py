"""The teacher's reflection on a lesson (教学反思) and the goals it sets for the next term
(``lessonlens serve``, revision ``0007_reflection``). One reflection per lesson, written by the lesson's
teacher; the goals are lines of text carried to the period report of ``goals_term``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lessonlens.store.models import Base


class LessonReflection(Base):
    """A lesson's reflection and goals, autosaved as the teacher types (the last save wins)."""

    __tablename__ = "lesson_reflection"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("web_lesson.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    #: one goal a line
    goals: Mapped[str] = mapped_column(Text, default="")
    #: the term the goals are for (``2027-spring``): the term after the lesson's
    goals_term: Mapped[str] = mapped_column(String(20), default="", index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
