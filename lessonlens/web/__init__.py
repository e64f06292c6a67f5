"""The web platform (``lessonlens serve``): accounts and roles, lessons and their analysis jobs,
the lesson page (video beside the report's charts) and a JSON API — see ``docs/web.md``.

Server-rendered Jinja2 pages with htmx (vendored in ``static/``) on Litestar; the tables live in
the lesson store's database (``lessonlens.store.platform_models``, migration ``0004``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lessonlens.web.app import create_app
    from lessonlens.web.settings import WebSettings


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from lessonlens.web.app import create_app

        return create_app
    if name == "WebSettings":
        from lessonlens.web.settings import WebSettings

        return WebSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["WebSettings", "create_app"]
