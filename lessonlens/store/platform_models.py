"""The web platform's tables (``lessonlens serve``): accounts, sessions, API tokens, the lesson
catalogue with owners and shares, and the audit log. Analysis jobs are rows of the jobs table
(``job``, revision ``0003_jobs``, API in :mod:`lessonlens.jobs`).

They live in the store's database and migrations (revision ``0004_web``) so one ``--db`` URL holds
everything. A lesson appears in the catalogue (``web_lesson``) as soon as it is uploaded; its
``lesson`` row (the store's) follows when the analysis is stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lessonlens.store.models import Base


class WebUser(Base):
    """An account: its role and the scope the role applies to (region, school, subjects)."""

    __tablename__ = "web_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(200), default="")
    school: Mapped[str] = mapped_column(String(200), default="")
    #: comma-separated subjects a researcher covers
    subjects: Mapped[str] = mapped_column(String(500), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: whom the teacher lets name them in rankings and comparisons of teachers: ``none`` (the default),
    #: ``school`` or ``region`` (:func:`lessonlens.web.roles.may_name_teacher`; revision ``0006_privacy``)
    ranking_consent: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    #: when the teacher last changed it
    ranking_consent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """A failed sign-in, kept for the login rate limit (per account name and per client address), so
    the limit holds across every server process sharing the database (revision ``0006_privacy``)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``name:<account name>`` or ``ip:<client address>``
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its random cookie token (the token itself is never stored)."""

    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A personal token for scripts (``Authorization: Bearer …``), stored as its SHA-256."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebLesson(Base):
    """A lesson on the platform: who owns it, its metadata for lists, and its uploaded media."""

    __tablename__ = "web_lesson"
    __table_args__ = (Index("ix_web_lesson_region_subject", "region", "subject"),)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("web_user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    teacher: Mapped[str] = mapped_column(String(200), default="")
    school: Mapped[str] = mapped_column(String(200), default="", index=True)
    region: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[dt.date | None] = mapped_column(index=True)
    #: JSON list of ``{"role", "file", "size", "type"}`` (files under the media folder)
    media: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LessonShare(Base):
    """A lesson shared with one user, or with a scope (``school``: its school leads; ``region``: the
    researchers of its region and subject). Revoking stamps ``revoked_at``; the row stays as history."""

    __tablename__ = "lesson_share"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("web_lesson.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(20), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("web_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who did what to which lesson (viewed, shared, downloaded, deleted …); names are copied so the
    record outlives the account and the lesson."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("web_user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(40))
    lesson_id: Mapped[str] = mapped_column(String(200), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
