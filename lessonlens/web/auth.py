"""Who is asking: the session cookie (pages) or a personal token (``/api/``), and the guards routes
declare. Pages never accept tokens and the API never accepts cookies, so
the API needs no CSRF token and a page's CSRF check cannot be sidestepped through the API.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import Engine

from lessonlens.web.accounts import session_account, token_account
from lessonlens.web.roles import Account, Capability, can

SESSION_COOKIE = "ll_session"
API_PREFIX = "/api"


def _bearer(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if kind.lower() == "bearer" and token.strip() else None
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None


class AuthMiddleware(ASGIMiddleware):
    """Puts the signed-in :class:`Account` (or None) in ``scope["user"]``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        account: Account | None = None
        path = scope.get("path", "")
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            token = _bearer(scope)
            if token:
                account = await anyio.to_thread.run_sync(token_account, self.engine, token)
        elif not path.startswith("/static/"):
            cookie = _cookie(scope, SESSION_COOKIE)
            if cookie:
                account = await anyio.to_thread.run_sync(session_account, self.engine, cookie)
        scope["user"] = account
        await next_app(scope, receive, send)


def current(connection: ASGIConnection) -> Account:  # type: ignore[type-arg]
    user = connection.scope.get("user")
    if not isinstance(user, Account):
        raise NotAuthorizedException()
    return user


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    current(connection)


def requires(capability: Capability) -> Callable[[ASGIConnection, BaseRouteHandler], None]:  # type: ignore[type-arg]
    """A guard: the signed-in account's role has ``capability`` (else 403)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        if not can(current(connection), capability):
            raise PermissionDeniedException()

    return guard
