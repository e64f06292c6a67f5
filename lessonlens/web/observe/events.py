"""Observation events in the store: opening one with its invitations, every observer's drafts
(scores, comments and notes, each saved on its own and idempotently), submissions, and the
observers' sheets as the rubric package reads them (:class:`~lessonlens.core.rubric.ScoreSheet`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.rubric import ScoreSheet, TimedNote
from lessonlens.rubric.catalog import find_rubric_schema
from lessonlens.rubric.tree import RubricTree, rubric_tree
from lessonlens.store.db import WRITE, read_only
from lessonlens.store.observe_models import ObserveEvent, ObserveInvite, ObserveNote, ObserveScore
from lessonlens.store.platform_models import WebLesson, WebUser
from lessonlens.web.accounts import now
from lessonlens.web.catalog import facts as lesson_facts
from lessonlens.web.roles import Account, EventFacts, LessonFacts, Role, may_open_event

_T = {
    "no_rubric": Text(zh="请至少选择一个量规", en="choose at least one rubric"),
    "no_observer": Text(zh="请至少邀请一位观课人", en="invite at least one observer"),
    "user": Text(zh="没有用户 {name}", en="no user {name}"),
    "rubric": Text(zh="本次观评课没有量规 {rubric}", en="this event has no rubric {rubric}"),
    "point": Text(zh="量规 {rubric} 没有观察点 {indicator}", en="rubric {rubric} has no observation point {indicator}"),
    "range": Text(zh="{indicator} 的得分应在 0 到 {max} 之间：{score}",
                  en="a score of {indicator} is between 0 and {max}: {score}"),
    "time": Text(zh="笔记的时间应为非负秒数：{t}", en="a note's time is a number of seconds ≥ 0: {t}"),
    "client": Text(zh="笔记编号无效", en="bad note id"),
    "too_long": Text(zh="文字过长（最多 {n} 字）", en="text too long (at most {n} characters)"),
    "lesson": Text(zh="没有课例 {lesson}，或您不能为它发起观评课",
                   en="no lesson {lesson}, or you cannot open an event on it"),
}
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TEXT = 4000
#: group invitations: "teachers of a subject in my school / my region"
GROUP_SCOPES = ("school", "region")


@attrs.frozen
class Invitee:
    user_id: int
    name: str
    label: str
    submitted_at: dt.datetime | None


@attrs.frozen
class Event:
    """One event with what its pages and rules need."""

    id: int
    lesson_id: str
    lesson_title: str
    title: str
    rubrics: tuple[str, ...]
    deadline: dt.datetime | None
    blind: bool
    created_by: int | None
    created_at: dt.datetime
    invitees: tuple[Invitee, ...]
    facts: EventFacts

    @property
    def open(self) -> bool:
        return self.facts.open

    def rater(self, user_id: int) -> str:
        """The name an observer's sheet carries: their display name, made unique within the event."""
        return raters(self.invitees)[user_id]


@attrs.frozen
class Draft:
    """One observer's saved work: scores and comments by (rubric, point), and notes in time order."""

    scores: dict[tuple[str, str], float | None]
    comments: dict[tuple[str, str], str]
    notes: tuple[Note, ...]
    submitted_at: dt.datetime | None


@attrs.frozen
class Note:
    client_id: str
    t: float
    text: str
    rubric: str = ""
    indicator: str = ""
    user_id: int = 0


def raters(invitees: Iterable[Invitee]) -> dict[int, str]:
    """user id -> a rater name unique within the event (the display name; the account name added on a clash)."""
    people = list(invitees)
    counts: dict[str, int] = {}
    for p in people:
        counts[p.label] = counts.get(p.label, 0) + 1
    return {p.user_id: p.label if counts[p.label] == 1 else f"{p.label} ({p.name})" for p in people}


@functools.lru_cache(maxsize=32)
def _tree_of(rubric: str) -> RubricTree:
    return rubric_tree(find_rubric_schema(rubric))


_TREE_LOCK = threading.Lock()


def tree_of(rubric: str) -> RubricTree:
    """The indicator tree of a registered rubric (schemas are files shipped or on the rubric path),
    read once: the first autosaves of many observers at once wait for one read, not each do one."""
    with _TREE_LOCK:
        return _tree_of(rubric)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None or value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


# -- opening ------------------------------------------------------------------------------------
def _group_members(conn: Connection, by: Account, scope: str, subject: str) -> list[int]:
    """Teachers of ``subject`` in the opener's school or region (subject matched on the user's subjects)."""
    where = [WebUser.role == Role.TEACHER.value, WebUser.active.is_(True)]
    if scope == "school":
        where.append(WebUser.school == by.school)
    else:
        where.append(WebUser.region == by.region)
    rows = conn.execute(select(WebUser.id, WebUser.subjects).where(*where)).all()
    return [uid for uid, subjects in rows
            if not subject or subject in {s.strip() for s in (subjects or "").split(",")}]


def _in_group(account: Account, group: dict[str, str]) -> bool:
    """Whether a teacher account belongs to a stored group (its place and subject as the opener chose)."""
    place = account.school if group.get("scope") == "school" else account.region
    subject = group.get("subject", "")
    return bool(place) and place == group.get("place") and (not subject or subject in account.subjects)


def _open(deadline: dt.datetime | None, moment: dt.datetime) -> bool:
    return deadline is None or moment < deadline


def join_groups(engine: Engine, account: Account) -> int:
    """Invite ``account`` to the open events whose stored groups it belongs to and that do not invite
    it yet (a teacher who joined the school, region or subject after the event was opened; never the
    lesson's own teacher). Idempotent; returns how many invitations were added."""
    if not account.active or account.role is not Role.TEACHER:
        return 0
    moment = now()
    invited = select(ObserveInvite.event_id).where(ObserveInvite.user_id == account.id)
    stmt = (select(ObserveEvent.id, ObserveEvent.groups, ObserveEvent.deadline, WebLesson.owner_id)
            .join(WebLesson, WebLesson.id == ObserveEvent.lesson_id)
            .where(ObserveEvent.groups != "", ObserveEvent.id.not_in(invited)))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    joining = [event_id for event_id, groups, deadline, owner in rows
               if owner != account.id and _open(_aware(deadline), moment)
               and any(_in_group(account, g) for g in json.loads(groups or "[]"))]
    if not joining:
        return 0
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        stmt = _insert(conn, ObserveInvite).values([{"event_id": e, "user_id": account.id, "invited_at": moment}
                                                    for e in joining])
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["event_id", "user_id"]))
    return len(joining)


def create_event(engine: Engine, by: Account, lesson_id: str, *, rubrics: Sequence[str], observers: Sequence[str],
                 title: str = "", deadline: dt.datetime | None = None, blind: bool = True,
                 groups: Sequence[tuple[str, str]] = ()) -> int:
    """Open an event; ``observers`` are account names, ``groups`` (scope, subject) pairs expanded to
    the teachers of that subject in the opener's school or region at this moment — and remembered, so
    teachers who match later are invited when they next look (:func:`join_groups`)."""
    chosen = [r for r in dict.fromkeys(r.strip() for r in rubrics) if r]
    if not chosen:
        raise InputError(_T["no_rubric"])
    for rubric in chosen:
        tree_of(rubric)  # an unknown rubric raises, naming the ones available
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        known = lesson_facts(conn, lesson_id)
        if known is None or not may_open_event(by, known):
            raise InputError(_T["lesson"], lesson=lesson_id)
        user_ids: list[int] = []
        standing = [{"scope": scope, "place": by.school if scope == "school" else by.region,
                     "subject": subject.strip()} for scope, subject in groups if scope in GROUP_SCOPES]
        for name in dict.fromkeys(n.strip() for n in observers):
            if not name:
                continue
            uid = conn.scalar(select(WebUser.id).where(WebUser.name == name, WebUser.active.is_(True)))
            if uid is None:
                raise InputError(_T["user"], name=name)
            user_ids.append(uid)
        for scope, subject in groups:
            if scope in GROUP_SCOPES:
                user_ids.extend(_group_members(conn, by, scope, subject.strip()))
        user_ids = [u for u in dict.fromkeys(user_ids) if u != known.owner_id]
        if not user_ids:
            raise InputError(_T["no_observer"])
        stamp = now()
        event_id = conn.execute(insert(ObserveEvent).values(
            lesson_id=lesson_id, title=title.strip()[:500], rubrics=",".join(chosen), deadline=deadline,
            blind=blind, created_by=by.id, created_at=stamp,
            groups=json.dumps([g for g in standing if g["place"]], ensure_ascii=False) if standing else "",
        ).returning(ObserveEvent.id)).scalar_one()
        conn.execute(insert(ObserveInvite), [{"event_id": event_id, "user_id": u, "invited_at": stamp}
                                             for u in user_ids])
    return int(event_id)


# -- reading ------------------------------------------------------------------------------------
def _event(conn: Connection, row: Any, moment: dt.datetime, only: int | None = None) -> Event | None:
    known = lesson_facts(conn, row.lesson_id)
    if known is None:
        return None
    stmt = (select(ObserveInvite.user_id, WebUser.name, WebUser.display_name, ObserveInvite.submitted_at)
            .join(WebUser, WebUser.id == ObserveInvite.user_id)
            .where(ObserveInvite.event_id == row.id).order_by(ObserveInvite.id))
    if only is not None:
        stmt = stmt.where(ObserveInvite.user_id == only)
    people = conn.execute(stmt).all()
    invitees = tuple(Invitee(user_id=u, name=n, label=d or n, submitted_at=_aware(s)) for u, n, d, s in people)
    return _assemble(row, known, invitees, moment)


def _assemble(row: Any, known: LessonFacts, invitees: tuple[Invitee, ...], moment: dt.datetime) -> Event:
    deadline = _aware(row.deadline)
    event_facts = EventFacts(lesson=known, created_by=row.created_by,
                             invited=frozenset(i.user_id for i in invitees),
                             submitted=frozenset(i.user_id for i in invitees if i.submitted_at is not None),
                             blind=bool(row.blind), open=deadline is None or moment < deadline)
    return Event(id=row.id, lesson_id=row.lesson_id, lesson_title=row.lesson_title or row.lesson_id,
                 title=row.title or "", rubrics=tuple(r for r in row.rubrics.split(",") if r), deadline=deadline,
                 blind=bool(row.blind), created_by=row.created_by, created_at=_aware(row.created_at) or moment,
                 invitees=invitees, facts=event_facts)


def _select() -> Any:
    return (select(ObserveEvent.id, ObserveEvent.lesson_id, ObserveEvent.title, ObserveEvent.rubrics,
                   ObserveEvent.deadline, ObserveEvent.blind, ObserveEvent.created_by, ObserveEvent.created_at,
                   WebLesson.title.label("lesson_title"))
            .join(WebLesson, WebLesson.id == ObserveEvent.lesson_id))


def get_event(engine: Engine, event_id: int, only: int | None = None) -> Event | None:
    """The event; with ``only``, its invitees narrowed to that user (enough to decide what they may
    do, and cheap when hundreds are invited: what every autosave asks)."""
    if only is not None:
        return _light_event(engine, event_id, only)
    with engine.connect() as conn:
        row = conn.execute(_select().where(ObserveEvent.id == event_id)).first()
        return None if row is None else _event(conn, row, now(), only)


def _light_event(engine: Engine, event_id: int, user_id: int) -> Event | None:
    """The event with only ``user_id``'s invitation, in one query and outside a transaction (one round
    trip on PostgreSQL instead of eight). Its lesson facts carry no shares: the observation rules
    (:func:`lessonlens.web.roles.may_observe`) read only the lesson's owner."""
    stmt = (_select().add_columns(WebLesson.owner_id, WebLesson.school, WebLesson.region, WebLesson.subject,
                                  ObserveInvite.user_id.label("invitee"), WebUser.name, WebUser.display_name,
                                  ObserveInvite.submitted_at)
            .outerjoin(ObserveInvite, (ObserveInvite.event_id == ObserveEvent.id) & (ObserveInvite.user_id == user_id))
            .outerjoin(WebUser, WebUser.id == ObserveInvite.user_id)
            .where(ObserveEvent.id == event_id))
    with engine.connect().execution_options(**read_only(engine)) as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    known = LessonFacts(owner_id=row.owner_id, school=row.school, region=row.region, subject=row.subject)
    invitees = () if row.invitee is None else (
        Invitee(user_id=row.invitee, name=row.name, label=row.display_name or row.name,
                submitted_at=_aware(row.submitted_at)),)
    return _assemble(row, known, invitees, now())


def events_for(engine: Engine, account: Account) -> list[Event]:
    """Events ``account`` was invited to, opened, or that are on their own lessons; newest first."""
    invited = select(ObserveInvite.event_id).where(ObserveInvite.user_id == account.id)
    stmt = _select().where((ObserveEvent.id.in_(invited)) | (ObserveEvent.created_by == account.id)
                           | (WebLesson.owner_id == account.id)).order_by(ObserveEvent.id.desc()).limit(200)
    moment = now()
    with engine.connect() as conn:
        found = [_event(conn, row, moment) for row in conn.execute(stmt).all()]
    return [e for e in found if e is not None]


def draft(engine: Engine, event_id: int, user_id: int) -> Draft:
    with engine.connect() as conn:
        rows = conn.execute(select(ObserveScore.rubric, ObserveScore.indicator, ObserveScore.score,
                                   ObserveScore.comment)
                            .where(ObserveScore.event_id == event_id, ObserveScore.user_id == user_id)).all()
        notes = conn.execute(select(ObserveNote.client_id, ObserveNote.t, ObserveNote.text, ObserveNote.rubric,
                                    ObserveNote.indicator)
                             .where(ObserveNote.event_id == event_id, ObserveNote.user_id == user_id,
                                    ObserveNote.deleted.is_(False)).order_by(ObserveNote.t, ObserveNote.id)).all()
        submitted = conn.scalar(select(ObserveInvite.submitted_at).where(ObserveInvite.event_id == event_id,
                                                                         ObserveInvite.user_id == user_id))
    return Draft(scores={(r, i): s for r, i, s, _ in rows}, comments={(r, i): c for r, i, _, c in rows if c},
                 notes=tuple(Note(client_id=c, t=t, text=x, rubric=r, indicator=i, user_id=user_id)
                             for c, t, x, r, i in notes),
                 submitted_at=_aware(submitted))


def all_notes(engine: Engine, event_id: int, user_ids: Iterable[int]) -> list[Note]:
    ids = list(user_ids)
    with engine.connect() as conn:
        rows = conn.execute(select(ObserveNote.client_id, ObserveNote.t, ObserveNote.text, ObserveNote.rubric,
                                   ObserveNote.indicator, ObserveNote.user_id)
                            .where(ObserveNote.event_id == event_id, ObserveNote.user_id.in_(ids),
                                   ObserveNote.deleted.is_(False)).order_by(ObserveNote.t, ObserveNote.id)).all()
    return [Note(client_id=c, t=t, text=x, rubric=r, indicator=i, user_id=u) for c, t, x, r, i, u in rows]


def lesson_media(engine: Engine, lesson_id: str) -> list[dict[str, Any]]:
    """The lesson's uploaded recordings (``{"role", "file", "type"}``) as the catalogue lists them."""
    with engine.connect() as conn:
        listed = conn.scalar(select(WebLesson.media).where(WebLesson.id == lesson_id))
    found = json.loads(listed or "[]")
    return [m for m in found if isinstance(m, dict)]


def version(engine: Engine, event: Event) -> str:
    """A short tag that changes whenever what the aggregate shows may change (a submission, a later
    edit of a submitted sheet, a note): the event page polls with it and gets 204 while it holds."""
    done = sorted(event.facts.submitted)
    if not done:
        return "0"
    with engine.connect() as conn:
        scores = conn.execute(select(func.count(), func.max(ObserveScore.updated_at))
                              .where(ObserveScore.event_id == event.id, ObserveScore.user_id.in_(done))).one()
        notes = conn.execute(select(func.count(), func.max(ObserveNote.id), func.max(ObserveNote.t))
                             .where(ObserveNote.event_id == event.id, ObserveNote.user_id.in_(done),
                                    ObserveNote.deleted.is_(False))).one()
    text = f"{done}|{tuple(scores)}|{tuple(notes)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- writing ------------------------------------------------------------------------------------
def check_score(event: Event, rubric: str, indicator: str, score: float | None) -> None:
    """Refuse a rubric the event does not use, a point that is not a leaf of it, a score out of range."""
    if rubric not in event.rubrics:
        raise InputError(_T["rubric"], rubric=rubric)
    tree = tree_of(rubric)
    if indicator not in tree.leaf_max:
        raise InputError(_T["point"], rubric=rubric, indicator=indicator)
    top = tree.leaf_max[indicator]
    if score is not None and (not math.isfinite(score) or score < 0 or score > top):
        raise InputError(_T["range"], indicator=indicator, max=f"{top:g}", score=score)


def save_score(engine: Engine, event: Event, user_id: int, rubric: str, indicator: str, *,
               score: float | None = None, set_score: bool = False, comment: str | None = None) -> dt.datetime:
    """Upsert one observer's score and/or comment of one point (what is not given is kept)."""
    check_score(event, rubric, indicator, score if set_score else None)
    if comment is not None and len(comment) > MAX_TEXT:
        raise InputError(_T["too_long"], n=MAX_TEXT)
    stamp = now()
    values: dict[str, Any] = {"event_id": event.id, "user_id": user_id, "rubric": rubric, "indicator": indicator,
                              "score": score if set_score else None, "comment": comment or "", "updated_at": stamp}
    changes: dict[str, Any] = {"updated_at": stamp}
    if set_score:
        changes["score"] = score
    if comment is not None:
        changes["comment"] = comment
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        stmt = _insert(conn, ObserveScore).values(**values)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["event_id", "user_id", "rubric", "indicator"], set_=changes))
    return stamp


def save_note(engine: Engine, event: Event, user_id: int, client_id: str, t: float, text: str,
              rubric: str = "", indicator: str = "") -> dt.datetime:
    """Add or update a note (keyed by the browser's ``client_id``, so sending it twice stores it once)."""
    if not _CLIENT_ID.match(client_id):
        raise InputError(_T["client"])
    if not math.isfinite(t) or t < 0:
        raise InputError(_T["time"], t=t)
    if len(text) > MAX_TEXT:
        raise InputError(_T["too_long"], n=MAX_TEXT)
    if rubric or indicator:
        check_score(event, rubric, indicator, None)
    stamp = now()
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        stmt = _insert(conn, ObserveNote).values(event_id=event.id, user_id=user_id, client_id=client_id, t=t,
                                                 text=text, rubric=rubric, indicator=indicator, created_at=stamp,
                                                 deleted=False)
        conn.execute(stmt.on_conflict_do_update(index_elements=["event_id", "user_id", "client_id"],
                                                set_={"t": t, "text": text, "rubric": rubric,
                                                      "indicator": indicator, "deleted": False}))
    return stamp


def delete_note(engine: Engine, event: Event, user_id: int, client_id: str) -> bool:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        result = conn.execute(update(ObserveNote).where(ObserveNote.event_id == event.id,
                                                        ObserveNote.user_id == user_id,
                                                        ObserveNote.client_id == client_id).values(deleted=True))
        return bool(result.rowcount)


def submit(engine: Engine, event: Event, user_id: int) -> None:
    """Mark the observer's sheet submitted (the first time; later edits keep the first stamp)."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(update(ObserveInvite).where(ObserveInvite.event_id == event.id, ObserveInvite.user_id == user_id,
                                                 ObserveInvite.submitted_at.is_(None)).values(submitted_at=now()))


# -- as score sheets ----------------------------------------------------------------------------
def sheets(engine: Engine, event: Event, rubric: str, only_submitted: bool = True) -> list[ScoreSheet]:
    """The observers' sheets of one rubric (submitted ones by default), in invitation order.

    Notes about a point of this rubric go on this rubric's sheet; notes about no point go on the
    sheet of the event's first rubric (so each note is counted once).
    """
    names = raters(event.invitees)
    people = [i for i in event.invitees if i.submitted_at is not None or not only_submitted]
    if not people:
        return []
    ids = [p.user_id for p in people]
    leaves = set(tree_of(rubric).leaf_max)
    with engine.connect() as conn:
        rows = conn.execute(select(ObserveScore.user_id, ObserveScore.indicator, ObserveScore.score,
                                   ObserveScore.comment, ObserveScore.updated_at)
                            .where(ObserveScore.event_id == event.id, ObserveScore.rubric == rubric,
                                   ObserveScore.user_id.in_(ids))).all()
    notes = all_notes(engine, event.id, ids)
    first = event.rubrics[0] if event.rubrics else rubric
    out = []
    for person in people:
        mine = [r for r in rows if r.user_id == person.user_id and r.indicator in leaves]
        stamps = [_aware(r.updated_at) for r in mine]
        made = max((s for s in stamps if s is not None), default=person.submitted_at)
        timed = tuple(TimedNote(t=n.t, text=n.text, indicator=n.indicator or None)
                      for n in notes if n.user_id == person.user_id
                      and (n.rubric == rubric or (not n.rubric and rubric == first)))
        out.append(ScoreSheet(rubric=rubric, rater=names[person.user_id], lesson=event.lesson_id, mode="recording",
                              made_at=made.replace(microsecond=0) if made else None,
                              scores={r.indicator: float(r.score) for r in mine if r.score is not None},
                              comments={r.indicator: r.comment for r in mine if r.comment.strip()}, notes=timed))
    return out
