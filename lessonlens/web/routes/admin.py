"""Accounts (admin only): list, add, disable/enable, reset a password; the audit log; and each
user's own page with personal API tokens and, for teachers, their consent to be named in rankings."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Template

from lessonlens.core.errors import InputError
from lessonlens.web.accounts import add_user, get_user, new_token, set_active, set_consent, set_password, users
from lessonlens.web.auth import current, requires, signed_in
from lessonlens.web.catalog import audit, audit_events
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.roles import Capability, Consent, Role
from lessonlens.web.texts import ui

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
_admin = [requires(Capability.MANAGE_USERS)]


def _users_page(request: Request[Any, Any, Any], error: str = "", message: str = "",
                status_code: int = 200) -> Template:
    return render(request, "users.html.j2", status_code=status_code, users=users(platform(request).engine),
                  roles=[r.value for r in Role], error=error, message=message)


@get("/admin/users", guards=_admin, sync_to_thread=True)
def users_page(request: Request[Any, Any, Any]) -> Template:
    return _users_page(request)


@post("/admin/users", guards=_admin, sync_to_thread=True, status_code=200)
def create_user(request: Request[Any, Any, Any], data: Form) -> Template:
    p = platform(request)
    try:
        made = add_user(p.engine, data.get("name", "").strip(), data.get("role", ""), data.get("password", ""),
                        display_name=data.get("display_name", "").strip(), region=data.get("region", "").strip(),
                        school=data.get("school", "").strip(), subjects=data.get("subjects", "").split(","))
    except InputError as exc:
        return _users_page(request, error=exc.message(lang_of(request)), status_code=400)
    audit(p.engine, current(request), "user_added", detail=f"{made.name} ({made.role})")
    return _users_page(request, message=ui("saved", lang_of(request)))


def _target(request: Request[Any, Any, Any], user_id: FromPath[int]) -> str:
    found = get_user(platform(request).engine, user_id)
    if found is None:
        raise NotFoundException()
    return found.name


@post("/admin/users/{user_id:int}/{what:str}", guards=_admin, sync_to_thread=True, status_code=200)
def change_user(request: Request[Any, Any, Any], user_id: FromPath[int], what: FromPath[str], data: Form) -> Template:
    p = platform(request)
    name = _target(request, user_id)
    try:
        if what == "disable":
            if user_id == current(request).id:
                raise NotFoundException()  # an admin cannot lock themselves out
            set_active(p.engine, name, False)
        elif what == "enable":
            set_active(p.engine, name, True)
        elif what == "password":
            set_password(p.engine, name, data.get("password", ""))
        else:
            raise NotFoundException()
    except InputError as exc:
        return _users_page(request, error=exc.message(lang_of(request)), status_code=400)
    audit(p.engine, current(request), f"user_{what}", detail=name)
    return _users_page(request, message=ui("saved", lang_of(request)))


def _register_page(request: Request[Any, Any, Any], status_code: int = 200, **values: Any) -> Template:
    from lessonlens.web.catalog import unowned

    p = platform(request)
    return render(request, "register.html.j2", status_code=status_code, root=p.settings.import_root,
                  unowned=unowned(p.engine), **{"done": [], "error": "", "path": "", "message": "", **values})


@get("/admin/register", guards=_admin, sync_to_thread=True)
def register_page(request: Request[Any, Any, Any]) -> Template:
    return _register_page(request)


@post("/admin/lessons/{lesson_id:str}/owner", guards=_admin, sync_to_thread=True, status_code=200)
def assign(request: Request[Any, Any, Any], lesson_id: FromPath[str], data: Form) -> Template:
    """An admin gives a lesson no one owns to a teacher (it is not opened to the admin by this)."""
    from lessonlens.web.catalog import assign_owner

    p = platform(request)
    try:
        owner = assign_owner(p.engine, lesson_id, data.get("teacher", "").strip())
    except InputError as exc:
        return _register_page(request, status_code=400, error=exc.message(lang_of(request)))
    audit(p.engine, current(request), "owner_assigned", lesson_id, owner.name)
    return _register_page(request, message=ui("saved", lang_of(request)))


@post("/admin/register", guards=_admin, sync_to_thread=True, status_code=200)
def register_lessons(request: Request[Any, Any, Any], data: Form) -> Template:
    from lessonlens.web.register import register

    p = platform(request)
    path = data.get("path", "").strip()
    try:
        done = register(p, path)
    except InputError as exc:
        return _register_page(request, status_code=400, error=exc.message(lang_of(request)), path=path)
    for item in done:
        audit(p.engine, current(request), "registered", item.lesson_id, f"{path} owner={item.owner}")
    return _register_page(request, done=done, path=path)


@get("/admin/audit", guards=_admin, sync_to_thread=True)
def audit_page(request: Request[Any, Any, Any]) -> Template:
    return render(request, "audit.html.j2", events=audit_events(platform(request).engine))


def _account_page(request: Request[Any, Any, Any], *, token: str = "", message: str = "", error: str = "",
                  status_code: int = 200) -> Template:
    return render(request, "account.html.j2", status_code=status_code, token=token, message=message, error=error,
                  consents=[c.value for c in Consent])


@get("/account", guards=[signed_in], sync_to_thread=False)
def account_page(request: Request[Any, Any, Any]) -> Template:
    return _account_page(request)


@post("/account/tokens", guards=[signed_in], sync_to_thread=True, status_code=200)
def create_token(request: Request[Any, Any, Any], data: Form) -> Template:
    p, account = platform(request), current(request)
    token = new_token(p.engine, account, data.get("name", ""))
    audit(p.engine, account, "token_created", detail=data.get("name", "")[:100])
    return _account_page(request, token=token)


@post("/account/consent", guards=[signed_in], sync_to_thread=True, status_code=200)
def change_consent(request: Request[Any, Any, Any], data: Form) -> Template:
    """A teacher's own consent to be named in rankings and comparisons (``roles.may_name_teacher``)."""
    p, account = platform(request), current(request)
    try:
        updated = set_consent(p.engine, account, data.get("consent", ""))
    except InputError as exc:
        return _account_page(request, status_code=400, error=exc.message(lang_of(request)))
    audit(p.engine, account, "consent", detail=updated.consent.value)
    request.scope["user"] = updated  # this page already shows the new setting
    return _account_page(request, message=ui("saved", lang_of(request)))
