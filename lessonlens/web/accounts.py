"""Accounts, browser sessions and personal API tokens in the store's database.

Session cookies and API tokens are random (``secrets``, 256 bits) and only their SHA-256 is
stored, so a copy of the database opens no account. Every login makes a new session (the
cookie a browser arrived with is never promoted: no session fixation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

import attrs
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.store.db import WRITE, read_only
from lessonlens.store.platform_models import ApiToken, WebLesson, WebSession, WebUser
from lessonlens.web.passwords import MIN_LENGTH, dummy_verify, hash_password, verify_password
from lessonlens.web.roles import Account, Consent, Role

_T = {
    "exists": Text(zh="用户 {name} 已存在", en="user {name} already exists"),
    "unknown": Text(zh="没有用户 {name}", en="no user {name}"),
    "role": Text(zh="未知角色 {role}（可用：{roles}）", en="unknown role {role} (use {roles})"),
    "short": Text(zh="密码至少 {n} 个字符", en="a password needs at least {n} characters"),
    "name": Text(zh="用户名只能用字母、数字、点、横线和下划线（1–100 个字符）：{name}",
                 en="a user name is 1–100 letters, digits, dots, dashes or underscores: {name}"),
    "scope": Text(zh="{role} 需要 {what}", en="a {role} needs {what}"),
    "consent": Text(zh="未知的署名同意范围 {value}（可用：{values}）",
                    en="unknown naming consent {value} (use {values})"),
    "consent_role": Text(zh="只有教师账户可以同意在排名中署名",
                         en="only a teacher account can agree to be named in rankings"),
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def account_of(row: WebUser) -> Account:
    subjects = frozenset(s.strip() for s in row.subjects.split(",") if s.strip())
    return Account(id=row.id, name=row.name, role=Role(row.role), display_name=row.display_name,
                   region=row.region, school=row.school, subjects=subjects, active=row.active,
                   consent=_consent(row.ranking_consent))


def _consent(value: str | None) -> Consent:
    try:
        return Consent(value or Consent.NONE.value)
    except ValueError:  # an unknown stored value names nobody
        return Consent.NONE


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower().replace("-", "_"))
    except ValueError:
        raise InputError(_T["role"], role=role, roles=", ".join(r.value for r in Role)) from None


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InputError(_T["short"], n=MIN_LENGTH)


def _check_name(name: str) -> None:
    if not (0 < len(name) <= 100) or not all(c.isalnum() or c in "._-" for c in name):
        raise InputError(_T["name"], name=name)


def _check_scope(role: Role, region: str, school: str, subjects: Iterable[str]) -> None:
    if role is Role.SCHOOL_LEAD and not school:
        raise InputError(_T["scope"], role=role.value, what="--school")
    if role is Role.RESEARCHER and not (region and any(subjects)):
        raise InputError(_T["scope"], role=role.value, what="--region, --subject")


def add_user(engine: Engine, name: str, role: str | Role, password: str, *, display_name: str = "",
             region: str = "", school: str = "", subjects: Iterable[str] = ()) -> Account:
    """Create an account; the name must be new and the role's scope given (school, region + subjects)."""
    _check_name(name)
    chosen = role if isinstance(role, Role) else parse_role(role)
    subjects = [s.strip() for s in subjects if s.strip()]
    _check_scope(chosen, region, school, subjects)
    check_password(password)
    row = WebUser(name=name, display_name=display_name or name, role=chosen.value, region=region, school=school,
                  subjects=",".join(subjects), password_hash=hash_password(password), active=True, created_at=now())
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        if conn.scalar(select(WebUser.id).where(WebUser.name == name)) is not None:
            raise InputError(_T["exists"], name=name)
        with Session(bind=conn) as session:
            session.add(row)
            session.flush()
            account = account_of(row)
    return account


def users(engine: Engine) -> list[Account]:
    with engine.connect() as conn, Session(bind=conn) as session:
        return [account_of(row) for row in session.scalars(select(WebUser).order_by(WebUser.name))]


def taught_subjects(engine: Engine, owner_id: int | None = None) -> dict[int, frozenset[str]]:
    """Account id -> the subjects of the lessons it owns (what a teacher teaches, beside the subjects
    of their account: :func:`lessonlens.web.roles.may_name_teacher`'s ``teaches``); only ``owner_id``'s
    when given."""
    found: dict[int, set[str]] = {}
    stmt = (select(WebLesson.owner_id, WebLesson.subject).distinct()
            .where(WebLesson.owner_id.is_not(None), WebLesson.subject != ""))
    if owner_id is not None:
        stmt = stmt.where(WebLesson.owner_id == owner_id)
    with engine.connect() as conn:
        for owner, subject in conn.execute(stmt):
            if owner is not None:
                found.setdefault(owner, set()).add(subject)
    return {owner: frozenset(subjects) for owner, subjects in found.items()}


def get_user(engine: Engine, user_id: int) -> Account | None:
    with engine.connect() as conn, Session(bind=conn) as session:
        row = session.get(WebUser, user_id)
        return None if row is None else account_of(row)


def user_by_name(engine: Engine, name: str) -> Account | None:
    with engine.connect() as conn, Session(bind=conn) as session:
        row = session.scalar(select(WebUser).where(WebUser.name == name))
        return None if row is None else account_of(row)


def _update_user(engine: Engine, name: str, **values: object) -> None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        result = conn.execute(update(WebUser).where(WebUser.name == name).values(**values))
        if result.rowcount == 0:
            raise InputError(_T["unknown"], name=name)
        if values.get("active") is False or "password_hash" in values:
            # a disabled account or a new password ends every session and token of the account
            user_id = conn.scalar(select(WebUser.id).where(WebUser.name == name))
            conn.execute(delete(WebSession).where(WebSession.user_id == user_id))
            if values.get("active") is False:
                conn.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now()))


def set_active(engine: Engine, name: str, active: bool) -> None:
    _update_user(engine, name, active=active)


def set_consent(engine: Engine, account: Account, consent: Consent | str) -> Account:
    """A teacher's own consent to be named in rankings (:func:`lessonlens.web.roles.may_name_teacher`);
    it takes effect on the next page any viewer opens. Returns the updated account."""
    chosen = consent if isinstance(consent, Consent) else parse_consent(consent)
    if account.role is not Role.TEACHER and chosen is not Consent.NONE:
        raise InputError(_T["consent_role"])
    _update_user(engine, account.name, ranking_consent=chosen.value, ranking_consent_at=now())
    return attrs.evolve(account, consent=chosen)


def parse_consent(value: str) -> Consent:
    try:
        return Consent(value.strip().lower())
    except ValueError:
        raise InputError(_T["consent"], value=value, values=", ".join(c.value for c in Consent)) from None


def set_password(engine: Engine, name: str, password: str) -> None:
    check_password(password)
    _update_user(engine, name, password_hash=hash_password(password))


def authenticate(engine: Engine, name: str, password: str) -> Account | None:
    """The active account with this name and password, else None (same time either way)."""
    with engine.connect() as conn:
        row = conn.execute(select(WebUser.id, WebUser.password_hash, WebUser.active)
                           .where(WebUser.name == name)).first()
    if row is None:
        dummy_verify(password)
        return None
    if not verify_password(row.password_hash, password) or not row.active:
        return None
    return get_user(engine, row.id)


# -- sessions ----------------------------------------------------------------------------------
def open_session(engine: Engine, account: Account, days: float, replaces: str | None = None) -> str:
    """A new session token for ``account`` (the ``replaces`` token, if any, is ended)."""
    token = secrets.token_urlsafe(32)
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        if replaces:
            conn.execute(delete(WebSession).where(WebSession.id == token_hash(replaces)))
        conn.execute(delete(WebSession).where(WebSession.expires_at < now()))
        conn.execute(WebSession.__table__.insert().values(  # type: ignore[attr-defined]
            id=token_hash(token), user_id=account.id, created_at=now(),
            expires_at=now() + dt.timedelta(days=days)))
    return token


def session_account(engine: Engine, token: str) -> Account | None:
    """The active account a session cookie belongs to, if the session is known and not expired."""
    with engine.connect() as conn, Session(bind=conn) as session:
        row = session.execute(select(WebUser, WebSession.expires_at).join(WebSession, WebSession.user_id == WebUser.id)
                              .where(WebSession.id == token_hash(token))).first()
        if row is None:
            return None
        user, expires = row
        if _aware(expires) < now() or not user.active:
            return None
        return account_of(user)


def close_session(engine: Engine, token: str) -> None:
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(delete(WebSession).where(WebSession.id == token_hash(token)))


# -- API tokens --------------------------------------------------------------------------------
def new_token(engine: Engine, account: Account, name: str = "") -> str:
    """A personal API token (shown once; only its hash is kept)."""
    token = "llt_" + secrets.token_urlsafe(32)
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(ApiToken.__table__.insert().values(  # type: ignore[attr-defined]
            user_id=account.id, name=name[:100], token_hash=token_hash(token), created_at=now()))
    return token


def token_account(engine: Engine, token: str) -> Account | None:
    # one SELECT on every API request: outside a transaction (no BEGIN/ROLLBACK round trips on PostgreSQL)
    with engine.connect().execution_options(**read_only(engine)) as conn, Session(bind=conn) as session:
        user = session.scalar(select(WebUser).join(ApiToken, ApiToken.user_id == WebUser.id)
                              .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)))
        return None if user is None or not user.active else account_of(user)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns: they were written in UTC
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
