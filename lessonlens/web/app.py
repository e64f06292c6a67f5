"""The Litestar application: routes, templates, static files, CSRF, security headers, error pages.

``create_app(WebSettings(...))`` is the ASGI app (``lessonlens serve`` runs it with uvicorn; any
ASGI server can: ``uvicorn --factory lessonlens.web.asgi:app``).
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from litestar import Litestar, MediaType, Request, Response, Router, get, post, put
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from lessonlens.core.errors import InputError
from lessonlens.core.version import __version__
from lessonlens.web.auth import API_PREFIX, AuthMiddleware, requires
from lessonlens.web.pages import lang_of, render
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Capability
from lessonlens.web.routes import admin, dashboards, lessons, observe, overview, reflection, session
from lessonlens.web.routes import upload as upload_routes
from lessonlens.web.routes.api import api_router
from lessonlens.web.settings import WebSettings
from lessonlens.web.texts import ui

_HERE = Path(__file__).parent
_REPORTS = "lessonlens.plugins.reports"
#: what a page may load: only this server (inline styles for the charts' SVG attributes)
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "media-src 'self'; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'")
_SECURITY_HEADERS = {"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff",
                     "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def environment() -> jinja2.Environment:
    """The web templates first, then the report templates (the lesson page renders the report's
    sections inside the platform's ``base.html.j2``)."""
    from lessonlens.plugins.reports import svg

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(_HERE / "templates"),
                                    jinja2.PackageLoader(_REPORTS, "templates")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["clock"] = svg.clock
    env.filters["percent"] = svg.percent
    return env


@functools.lru_cache(maxsize=2)
def _report_asset(name: str) -> str:
    from lessonlens.plugins.reports.fonts import FAMILY

    text = importlib.resources.files(_REPORTS).joinpath("templates", name).read_text(encoding="utf-8")
    return text.replace("__FAMILY__", FAMILY)


@get("/assets/report.css", sync_to_thread=False, media_type="text/css")
def report_css() -> str:
    return _report_asset("report.css")


@get("/assets/report.js", sync_to_thread=False, media_type="text/javascript")
def report_js() -> str:
    return _report_asset("report.js")


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path == API_PREFIX or request.url.path.startswith(API_PREFIX + "/")


def _error_page(request: Request[Any, Any, Any], status: int, key: str, detail: str = "") -> Response[Any]:
    if _is_api(request):
        return Response({"status_code": status, "detail": detail or ui(key, "en")}, status_code=status,
                        media_type=MediaType.JSON)
    lang = lang_of(request)
    template = render(request, "error.html.j2", status_code=status, status=status, message=detail or ui(key, lang))
    return template


def _on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target)}" if target != "/" else "/login", status_code=303)
    key = {403: "forbidden", 404: "not_found"}.get(status, "not_found")
    detail = "" if status in (403, 404) else str(exc.detail)
    if status == 403 and "CSRF" in str(exc.detail):
        detail = "CSRF token verification failed"
    return _error_page(request, status, key, detail)


def _on_input_error(request: Request[Any, Any, Any], exc: InputError) -> Response[Any]:
    return _error_page(request, 400, "not_found", exc.message(lang_of(request)))


def _add_security_headers(response: Response[Any]) -> Response[Any]:
    for key, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response


def create_app(settings: WebSettings | None = None, platform: Platform | None = None) -> Litestar:
    """The platform as an ASGI application (opens the store and the media folder)."""
    settings = settings or (platform.settings if platform else WebSettings())
    platform = platform or Platform.open(settings)
    body_limit = settings.max_upload + 1024 * 1024  # the files plus the form's other fields
    uploads = [
        get("/upload", guards=[requires(Capability.UPLOAD)], sync_to_thread=False)(upload_routes.upload_page),
        post("/upload", guards=[requires(Capability.UPLOAD)], request_max_body_size=body_limit,
             status_code=200)(upload_routes.upload),
        post("/upload/sheet", guards=[requires(Capability.UPLOAD)], request_max_body_size=8 * 1024 * 1024,
             status_code=200)(upload_routes.upload_sheet),
        # the announcement carries the lesson.yaml, room layout and score sheets (base64)
        post("/uploads", guards=[requires(Capability.UPLOAD)], request_max_body_size=16 * 1024 * 1024)(
            upload_routes.start_upload),
        get("/uploads/{upload_id:str}", guards=[requires(Capability.UPLOAD)])(upload_routes.upload_status),
        put("/uploads/{upload_id:str}/{role:str}", guards=[requires(Capability.UPLOAD)],
            request_max_body_size=settings.upload_chunk + 65536)(upload_routes.put_chunk),
        post("/uploads/{upload_id:str}/finish", guards=[requires(Capability.UPLOAD)])(upload_routes.finish_upload),
    ]
    pages = Router("/", include_in_schema=False, route_handlers=[
        session.login_page, session.login, session.logout, session.switch_lang,
        lessons.lesson_list, lessons.lesson_page, lessons.job_status, lessons.retry, lessons.media,
        lessons.analysis_json, lessons.report_file, lessons.share_lesson, lessons.revoke_share, lessons.delete,
        *uploads, admin.users_page, admin.create_user, admin.change_user, admin.audit_page,
        admin.register_page, admin.register_lessons, admin.assign, admin.account_page,
        admin.create_token, admin.change_consent, overview.overview, report_css, report_js, *observe.PAGE_ROUTES,
        *dashboards.ROUTES, *reflection.ROUTES,
        create_static_files_router(path="/static", directories=[_HERE / "static"], include_in_schema=False),
    ])
    app = Litestar(
        route_handlers=[pages, api_router(body_limit), observe.observe_api_router()],
        middleware=[AuthMiddleware(platform.engine)],
        csrf_config=CSRFConfig(secret=settings.secret(), cookie_secure=settings.secure_cookies,
                               cookie_httponly=True, cookie_samesite="lax", exclude=[r"^/api(/|$)"]),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment())),
        openapi_config=OpenAPIConfig(title="lessonlens", version=__version__, path="/api/schema",
                                     render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])]),
        exception_handlers={HTTPException: _on_http_error, InputError: _on_input_error},
        after_request=_add_security_headers,
        on_startup=[lambda: platform.start()],
        on_shutdown=[lambda: platform.close()],
        request_max_body_size=1024 * 1024,
        debug=False,
    )
    app.state.platform = platform
    return app
