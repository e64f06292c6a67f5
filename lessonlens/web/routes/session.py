"""Signing in and out, and the language switch."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlparse

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from lessonlens.web.accounts import authenticate, close_session, open_session
from lessonlens.web.auth import SESSION_COOKIE
from lessonlens.web.catalog import audit
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.texts import LANG_COOKIE, ui

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def safe_next(value: str | None) -> str:
    """Only a path on this site (no scheme, no host, not ``//evil``) may follow a sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parsed = urlparse(value)
    return "/" if parsed.scheme or parsed.netloc else value


@get("/login", sync_to_thread=False)
def login_page(request: Request[Any, Any, Any], next: FromQuery[str] = "/") -> Template:
    return render(request, "login.html.j2", next=safe_next(next), error="", name="")


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "?"


@post("/login", sync_to_thread=True, status_code=200)
def login(request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
    p = platform(request)
    name = data.get("name", "").strip()
    keys = (f"name:{name}", f"ip:{_client(request)}")
    attempt = p.limiter.start(*keys)  # counted in the database: the limit holds across server processes
    lang = lang_of(request)
    if attempt.wait > 0:
        return render(request, "login.html.j2", status_code=429, next=safe_next(data.get("next")), name=name,
                      error=ui("too_many", lang, s=int(attempt.wait) + 1))
    account = authenticate(p.engine, name, data.get("password", ""))
    if account is None:  # the attempt's rows stay: they are its failures
        audit(p.engine, None, "login_failed", detail=f"{name} from {_client(request)}")
        return render(request, "login.html.j2", status_code=401, next=safe_next(data.get("next")), name=name,
                      error=ui("bad_login", lang))
    p.limiter.succeeded(attempt, keys[0])
    token = open_session(p.engine, account, p.settings.session_days, replaces=request.cookies.get(SESSION_COOKIE))
    audit(p.engine, account, "login", detail=_client(request))
    response = Redirect(safe_next(data.get("next")), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=p.settings.secure_cookies,
                        max_age=int(dt.timedelta(days=p.settings.session_days).total_seconds()), path="/")
    return response


@post("/logout", sync_to_thread=True, status_code=303)
def logout(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(platform(request).engine, token)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/lang/{code:str}", sync_to_thread=False)
def switch_lang(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    back = request.headers.get("referer", "/")
    parsed = urlparse(back)
    target = safe_next((parsed.path or "/") + (f"?{parsed.query}" if parsed.query else ""))
    response = Redirect(target, status_code=303)
    response.set_cookie(LANG_COOKIE, "en" if code == "en" else "zh-CN", max_age=365 * 86400, samesite="lax",
                        path="/")
    return response
