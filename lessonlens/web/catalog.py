"""The platform's lessons: the catalogue with owners, lists with filters and paging, shares, deletion
and the audit log. Every read that could show a lesson goes through :mod:`lessonlens.web.roles`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.store.db import WRITE
from lessonlens.store.ingest import remove_lessons
from lessonlens.store.models import (
    analysis_table,
    finding_table,
    job_table,
    lesson_table,
    region_table,
    school_table,
)
from lessonlens.store.models import teacher_table as _teacher
from lessonlens.store.platform_models import AuditEvent, LessonShare, WebLesson, WebUser
from lessonlens.web.accounts import now
from lessonlens.web.roles import SCOPES, Account, Action, LessonFacts, Role, Share, may, visible_clause

_T = {
    "scope": Text(zh="未知的分享范围 {scope}", en="unknown share scope {scope}"),
    "user": Text(zh="没有用户 {name}", en="no user {name}"),
    "teacher": Text(zh="没有教师账户 {name}", en="no teacher account {name}"),
    "owned": Text(zh="课例 {lesson} 不存在或已有归属", en="lesson {lesson} does not exist or has an owner"),
}


@attrs.frozen
class ListFilters:
    """What a lesson list is narrowed to (empty = any); dates inclusive."""

    text: str = ""
    teacher: str = ""
    school: str = ""
    subject: str = ""
    grade: str = ""
    mode: str = ""
    finding: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@attrs.frozen
class LessonItem:
    """One lesson as lists and the lesson page show it."""

    id: str
    title: str
    teacher: str
    school: str
    region: str
    subject: str
    grade: str
    date: dt.date | None
    owner_id: int | None
    media: tuple[dict[str, Any], ...]
    analysed: bool
    mode: str | None
    n_findings: int | None
    job_state: str | None
    job_id: int | None

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(str(m["role"]) for m in self.media)


@attrs.frozen
class Page:
    items: tuple[LessonItem, ...]
    total: int
    page: int
    pages: int


@attrs.frozen
class ShareItem:
    id: int
    user: str
    scope: str
    created_at: dt.datetime


def _items_select() -> Any:
    A, J = analysis_table.c, job_table.c
    return (select(WebLesson, A.lesson_id.is_not(None), A.mode, A.n_findings, J.state, J.id)
            .outerjoin(analysis_table, A.lesson_id == WebLesson.id)
            .outerjoin(job_table, J.lesson_id == WebLesson.id))


def _item(row: Any) -> LessonItem:
    lesson, analysed, mode, n_findings, job_state, job_id = row
    return LessonItem(id=lesson.id, title=lesson.title, teacher=lesson.teacher, school=lesson.school,
                      region=lesson.region, subject=lesson.subject, grade=lesson.grade, date=lesson.date,
                      owner_id=lesson.owner_id, media=tuple(json.loads(lesson.media or "[]")),
                      analysed=bool(analysed), mode=mode, n_findings=n_findings, job_state=job_state, job_id=job_id)


def _filters(filters: ListFilters) -> list[Any]:
    where: list[Any] = []
    if filters.text:
        like = f"%{filters.text}%"
        where.append(WebLesson.title.like(like) | WebLesson.teacher.like(like) | WebLesson.id.like(like))
    for field in ("teacher", "school", "subject", "grade"):
        value = getattr(filters, field)
        if value:
            where.append(getattr(WebLesson, field) == value)
    if filters.date_from:
        where.append(WebLesson.date >= filters.date_from)
    if filters.date_to:
        where.append(WebLesson.date <= filters.date_to)
    if filters.mode:
        where.append(analysis_table.c.mode == filters.mode)
    if filters.finding:
        where.append(exists(select(finding_table.c.id).where(finding_table.c.lesson_id == WebLesson.id,
                                                             finding_table.c.finding_id == filters.finding)))
    return where


def list_lessons(engine: Engine, account: Account, filters: ListFilters, page: int = 1,
                 page_size: int = 20) -> Page:
    """The lessons ``account`` may see, newest first, one page of them."""
    where = [visible_clause(account), *_filters(filters)]
    with engine.connect() as conn, Session(bind=conn) as session:
        total = session.scalar(select(func.count()).select_from(
            select(WebLesson.id).outerjoin(analysis_table, analysis_table.c.lesson_id == WebLesson.id)
            .where(*where).subquery())) or 0
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        stmt = (_items_select().where(*where)
                .order_by(WebLesson.date.desc().nulls_last(), WebLesson.created_at.desc(), WebLesson.id)
                .limit(page_size).offset((page - 1) * page_size))
        items = tuple(_item(row) for row in session.execute(stmt))
    return Page(items=items, total=total, page=page, pages=pages)


def filter_choices(engine: Engine, account: Account) -> dict[str, list[str]]:
    """The values each list filter can take among the lessons ``account`` may see (two queries)."""
    fields = ("teacher", "school", "subject", "grade")
    found: dict[str, set[str]] = {f: set() for f in fields}
    with engine.connect() as conn:
        for row in conn.execute(select(*(getattr(WebLesson, f) for f in fields)).where(visible_clause(account))
                                .distinct()):
            for field, value in zip(fields, row, strict=True):
                if value:
                    found[field].add(value)
        findings = sorted(conn.scalars(
            select(finding_table.c.finding_id).join(WebLesson, WebLesson.id == finding_table.c.lesson_id)
            .where(visible_clause(account)).distinct()))
    return {**{f: sorted(v) for f, v in found.items()}, "finding": findings}


def group_counts(engine: Engine, *, school: str | None = None, region: str | None = None) -> tuple[int, int]:
    """Stored lessons and their teachers in a school, a region, or the whole store (aggregates only)."""
    L = lesson_table.c
    stmt = select(func.count(), func.count(L.teacher_id.distinct()))
    if school is not None:
        stmt = stmt.where(L.school_id.in_(select(school_table.c.id).where(school_table.c.name == school)))
    if region is not None:
        stmt = stmt.where(L.region_id.in_(select(region_table.c.id).where(region_table.c.name == region)))
    with engine.connect() as conn:
        row = conn.execute(stmt).one()
    return int(row[0]), int(row[1])


def facts(conn: Connection, lesson_id: str) -> LessonFacts | None:
    row = conn.execute(select(WebLesson.owner_id, WebLesson.school, WebLesson.region, WebLesson.subject)
                       .where(WebLesson.id == lesson_id)).first()
    if row is None:
        return None
    shares = tuple(Share(user_id=u, scope=s) for u, s in conn.execute(
        select(LessonShare.user_id, LessonShare.scope)
        .where(LessonShare.lesson_id == lesson_id, LessonShare.revoked_at.is_(None))))
    return LessonFacts(owner_id=row.owner_id, school=row.school, region=row.region, subject=row.subject,
                       shares=shares)


def lesson_for(engine: Engine, account: Account, lesson_id: str, action: Action) -> LessonItem | None:
    """The lesson if it exists and ``account`` may do ``action`` to it; None otherwise (callers answer
    404 either way, so a hidden lesson cannot be told from a missing one)."""
    with engine.connect() as conn:
        known = facts(conn, lesson_id)
        if known is None or not may(account, action, known):
            return None
        with Session(bind=conn) as session:
            row = session.execute(_items_select().where(WebLesson.id == lesson_id)).first()
    return None if row is None else _item(row)


def create_lesson(engine: Engine, owner: Account | None, lesson_id: str, *, title: str = "", teacher: str = "",
                  school: str = "", region: str = "", subject: str = "", grade: str = "",
                  date: dt.date | None = None, media: list[dict[str, Any]] | None = None) -> None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(insert(WebLesson).values(
            id=lesson_id, owner_id=owner.id if owner else None, title=title, teacher=teacher, school=school,
            region=region, subject=subject, grade=grade, date=date, media=json.dumps(media or [], ensure_ascii=False),
            created_at=now()))


def unowned(engine: Engine, limit: int = 200) -> list[LessonItem]:
    """Lessons no account owns (registered or added to the store by other means), newest first."""
    with engine.connect() as conn, Session(bind=conn) as session:
        stmt = (_items_select().where(WebLesson.owner_id.is_(None))
                .order_by(WebLesson.created_at.desc(), WebLesson.id).limit(limit))
        return [_item(row) for row in session.execute(stmt)]


def assign_owner(engine: Engine, lesson_id: str, teacher: str) -> Account:
    """Give a lesson no one owns to a teacher account (by name); it stays private to them until shared."""
    from lessonlens.web.accounts import user_by_name

    account = user_by_name(engine, teacher)
    if account is None or account.role is not Role.TEACHER:
        raise InputError(_T["teacher"], name=teacher)
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        done = conn.execute(update(WebLesson).where(WebLesson.id == lesson_id, WebLesson.owner_id.is_(None))
                            .values(owner_id=account.id))
        if not done.rowcount:
            raise InputError(_T["owned"], lesson=lesson_id)
    return account


def set_owner(engine: Engine, lesson_id: str, owner: Account) -> None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(update(WebLesson).where(WebLesson.id == lesson_id).values(owner_id=owner.id))


def sync_from_store(engine: Engine) -> int:
    """Give every stored lesson that the platform does not know yet a catalogue entry (no owner:
    it stays private until an admin assigns it). Returns how many were added."""
    L = lesson_table.c
    source = (select(L.id, L.title, _teacher.c.name, school_table.c.name, region_table.c.name, L.subject, L.grade,
                     L.date, L.media, L.added_at)
              .join(_teacher, _teacher.c.id == L.teacher_id).join(school_table, school_table.c.id == L.school_id)
              .join(region_table, region_table.c.id == L.region_id)
              .where(~exists(select(WebLesson.id).where(WebLesson.id == L.id))))
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        rows = conn.execute(source).all()
        if rows:
            conn.execute(insert(WebLesson), [
                {"id": r[0], "owner_id": None, "title": r[1], "teacher": r[2], "school": r[3], "region": r[4],
                 "subject": r[5], "grade": r[6], "date": r[7], "media": "[]", "created_at": r[9] or now()}
                for r in rows])
    return len(rows)


def refresh_from_store(conn: Connection, lesson_id: str) -> None:
    """Copy the stored analysis's lesson metadata (title, date …) into the catalogue entry."""
    L = lesson_table.c
    row = conn.execute(select(L.title, L.subject, L.grade, L.date, _teacher.c.name, school_table.c.name,
                              region_table.c.name)
                       .join(_teacher, _teacher.c.id == L.teacher_id)
                       .join(school_table, school_table.c.id == L.school_id)
                       .join(region_table, region_table.c.id == L.region_id).where(L.id == lesson_id)).first()
    if row is not None:
        conn.execute(update(WebLesson).where(WebLesson.id == lesson_id).values(
            title=row[0], subject=row[1], grade=row[2], date=row[3], teacher=row[4], school=row[5], region=row[6]))


# -- shares ------------------------------------------------------------------------------------
def share(engine: Engine, lesson_id: str, by: Account, *, user: str = "", scope: str = "") -> None:
    """Share with a user (by account name) or a scope; an existing active share is kept as it is."""
    if scope and scope not in SCOPES:
        raise InputError(_T["scope"], scope=scope)
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        user_id = None
        if user:
            user_id = conn.scalar(select(WebUser.id).where(WebUser.name == user))
            if user_id is None:
                raise InputError(_T["user"], name=user)
        same = (LessonShare.user_id == user_id) if user_id is not None else and_(
            LessonShare.user_id.is_(None), LessonShare.scope == scope)
        if conn.scalar(select(LessonShare.id).where(LessonShare.lesson_id == lesson_id, same,
                                                    LessonShare.revoked_at.is_(None))) is None:
            conn.execute(insert(LessonShare).values(lesson_id=lesson_id, user_id=user_id,
                                                    scope="" if user_id else scope, created_by=by.id,
                                                    created_at=now()))


def revoke(engine: Engine, lesson_id: str, share_id: int) -> bool:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        result = conn.execute(update(LessonShare).where(LessonShare.id == share_id, LessonShare.lesson_id == lesson_id,
                                                        LessonShare.revoked_at.is_(None)).values(revoked_at=now()))
        return bool(result.rowcount)


def shares(engine: Engine, lesson_id: str) -> list[ShareItem]:
    with engine.connect() as conn:
        rows = conn.execute(select(LessonShare.id, WebUser.name, LessonShare.scope, LessonShare.created_at)
                            .outerjoin(WebUser, WebUser.id == LessonShare.user_id)
                            .where(LessonShare.lesson_id == lesson_id, LessonShare.revoked_at.is_(None))
                            .order_by(LessonShare.id)).all()
    return [ShareItem(id=r[0], user=r[1] or "", scope=r[2], created_at=r[3]) for r in rows]


# -- deleting ----------------------------------------------------------------------------------
def delete_lesson(engine: Engine, media_root: Path, lesson_id: str) -> None:
    """The lesson, its analysis, jobs, shares and media files."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        remove_lessons(conn, [lesson_id])
        conn.execute(delete(job_table).where(job_table.c.lesson_id == lesson_id))
        conn.execute(delete(WebLesson).where(WebLesson.id == lesson_id))
    folder = media_root / "lessons" / lesson_id
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def apply_retention(engine: Engine, media_root: Path, days: float, account: Account | None = None) -> list[str]:
    """Delete the recordings of lessons uploaded more than ``days`` ago; their analysis, findings and
    catalogue entry stay. Returns the lessons whose media went (each is audited)."""
    cutoff = now() - dt.timedelta(days=days)
    with engine.connect() as conn:
        rows = conn.execute(select(WebLesson.id).where(WebLesson.created_at < cutoff, WebLesson.media != "[]")).all()
    done = []
    for (lesson_id,) in rows:
        folder = media_root / "lessons" / lesson_id
        for child in folder.iterdir() if folder.is_dir() else ():
            if child.is_file() and child.parent == folder:
                child.unlink(missing_ok=True)
        with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(update(WebLesson).where(WebLesson.id == lesson_id).values(media="[]"))
        audit(engine, account, "media_deleted", lesson_id, f"retention {days:g} days")
        done.append(lesson_id)
    return done


def remove_orphans(engine: Engine, media_root: Path, older_than_s: float = 3600.0) -> list[str]:
    """Delete lesson folders with no catalogue entry (an upload killed before its row was written),
    once they are ``older_than_s`` old (so an upload in flight in another server process is kept)."""
    folder = media_root / "lessons"
    if not folder.is_dir():
        return []
    with engine.connect() as conn:
        known = set(conn.scalars(select(WebLesson.id)))
    limit = time.time() - older_than_s
    removed = []
    for child in folder.iterdir():
        if child.is_dir() and child.name not in known and child.stat().st_mtime < limit:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
    return removed


def remove_abandoned_uploads(media_root: Path, older_than_days: float = 7.0) -> list[str]:
    """Delete resumable uploads nobody has added a chunk to for ``older_than_days``."""
    folder = media_root / "uploads"
    if not folder.is_dir():
        return []
    limit = time.time() - older_than_days * 86400
    removed = []
    for child in folder.iterdir():
        stamps = [child.stat().st_mtime, *(f.stat().st_mtime for f in child.iterdir())] if child.is_dir() else []
        if stamps and max(stamps) < limit:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
    return removed


# -- audit -------------------------------------------------------------------------------------
def audit(engine: Engine, account: Account | None, action: str, lesson_id: str = "", detail: str = "") -> None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(insert(AuditEvent).values(at=now(), user_id=account.id if account else None,
                                               user_name=account.name if account else "", action=action,
                                               lesson_id=lesson_id, detail=detail[:2000]))


@attrs.frozen
class AuditItem:
    at: dt.datetime
    user: str
    action: str
    lesson_id: str
    detail: str


def audit_events(engine: Engine, lesson_id: str | None = None, limit: int = 200) -> list[AuditItem]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if lesson_id is not None:
        stmt = stmt.where(AuditEvent.lesson_id == lesson_id)
    with engine.connect() as conn, Session(bind=conn) as session:
        return [AuditItem(at=e.at, user=e.user_name, action=e.action, lesson_id=e.lesson_id, detail=e.detail)
                for e in session.scalars(stmt)]
