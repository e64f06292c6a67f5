"""What every page template gets: the user, the language, the texts, and what the navigation shows."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.response import Template

from lessonlens.web.auth import current
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account, Capability, Role, can
from lessonlens.web.texts import LANG_COOKIE, pick_lang, step_label, ui


def platform(request: Request[Any, Any, Any]) -> Platform:
    found = request.app.state.platform
    assert isinstance(found, Platform)
    return found


def lang_of(request: Request[Any, Any, Any]) -> str:
    return pick_lang(request.cookies.get(LANG_COOKIE))


def role_name(role: str | Role, lang: str) -> str:
    key = "role_teacher_user" if str(role) == "teacher" else f"role_{role}"
    return ui(key, lang)


def context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    lang = lang_of(request)
    user = request.scope.get("user")
    account = user if isinstance(user, Account) else None

    def tr(key: str, **params: object) -> str:
        return ui(key, lang, **params)

    return {
        "lang": lang, "tr": tr, "user": account,
        "role_label": role_name(account.role, lang) if account else "",
        "role_name": lambda role: role_name(role, lang),
        "step_label": lambda step: step_label(step, lang),
        "may_upload": bool(account and can(account, Capability.UPLOAD)),
        "may_manage": bool(account and can(account, Capability.MANAGE_USERS)),
        "may_aggregate": bool(account and can(account, Capability.AGGREGATES)),
    }


def render(request: Request[Any, Any, Any], template: str, status_code: int = 200, **values: Any) -> Template:
    return Template(template_name=template, context={**context(request), **values}, status_code=status_code)


def account(request: Request[Any, Any, Any]) -> Account:
    return current(request)


def not_found() -> NotFoundException:
    return NotFoundException()
