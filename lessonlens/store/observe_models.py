"""The tables of online observation (观评课, ``lessonlens serve``): events on a lesson, the invited
observers and when they submitted, every observer's scores (one row per observer × rubric ×
observation point, upserted, so autosaving twice is saving once) and their time-stamped notes
(keyed by an id the browser makes, so a note sent twice is stored once). Revision ``0005_observe``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lessonlens.store.models import Base


class ObserveEvent(Base):
    """An observation event (观评课活动) on one lesson: its rubrics, deadline and blind mode."""

    __tablename__ = "observe_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("web_lesson.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    #: comma-separated rubric ids, in the order the scoring page shows them
    rubrics: Mapped[str] = mapped_column(String(1000))
    #: scores may be changed until then (None: no deadline)
    deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: an observer sees the others' scores only after submitting
    blind: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("web_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: JSON list of the groups invited: ``{"scope": "school"|"region", "place": …, "subject": …}``; a
    #: teacher who matches one later is invited when they next look (revision ``0008_observe_groups``)
    groups: Mapped[str] = mapped_column(Text, default="", server_default="")


class ObserveInvite(Base):
    """An invited observer of an event; ``submitted_at`` is set when they submit (and kept on later edits)."""

    __tablename__ = "observe_invite"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("observe_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    invited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ObserveScore(Base):
    """One observer's score and comment of one observation point (a rubric leaf); blank score = None."""

    __tablename__ = "observe_score"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "rubric", "indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("observe_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"))
    rubric: Mapped[str] = mapped_column(String(100))
    indicator: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ObserveNote(Base):
    """A note at ``t`` seconds into the lesson video; ``client_id`` is made by the browser (idempotent saves)."""

    __tablename__ = "observe_note"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "client_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("observe_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    t: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    #: the rubric and observation point the note is about ("" when none)
    rubric: Mapped[str] = mapped_column(String(100), default="")
    indicator: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
