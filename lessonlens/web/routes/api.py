"""The JSON API under ``/api/`` (personal tokens: ``Authorization: Bearer llt_…``): the same lesson
operations as the pages, the same permission rules; the OpenAPI description is at ``/api/schema``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from litestar import Request, Router, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Response

from lessonlens.core.documents import dumps
from lessonlens.web.accounts import set_consent
from lessonlens.web.auth import current, signed_in
from lessonlens.web.catalog import LessonItem, audit, delete_lesson, list_lessons, revoke, share, shares
from lessonlens.web.jobs import JobView
from lessonlens.web.media import ROLES
from lessonlens.web.pages import platform
from lessonlens.web.roles import Account, Action, Capability, can
from lessonlens.web.routes.lessons import _filters, _lesson
from lessonlens.web.routes.upload import read_attachments
from lessonlens.web.uploads import save_upload, upload_meta


@dataclasses.dataclass
class Me:
    id: int
    name: str
    display_name: str
    role: str
    region: str
    school: str
    subjects: list[str]
    #: a teacher's consent to be named in rankings: none, school or region
    ranking_consent: str


@dataclasses.dataclass
class ConsentIn:
    consent: str


@dataclasses.dataclass
class Job:
    id: int
    state: str
    step: str
    progress: float
    error: str
    attempts: int


@dataclasses.dataclass
class Lesson:
    id: str
    title: str
    teacher: str
    school: str
    region: str
    subject: str
    grade: str
    date: dt.date | None
    analysed: bool
    mode: str | None
    n_findings: int | None
    media: list[str]
    job: Job | None


@dataclasses.dataclass
class LessonPage:
    items: list[Lesson]
    total: int
    page: int
    pages: int


@dataclasses.dataclass
class ShareIn:
    user: str = ""
    scope: str = ""


@dataclasses.dataclass
class ShareOut:
    id: int
    user: str
    scope: str


def _job(job: JobView | None) -> Job | None:
    return None if job is None else Job(id=job.id, state=job.state, step=job.step, progress=job.progress,
                                        error=job.error, attempts=job.attempts)


def _out(request: Request[Any, Any, Any], item: LessonItem, with_job: bool = True) -> Lesson:
    job = platform(request).runner.view(item.id) if with_job else None
    return Lesson(id=item.id, title=item.title, teacher=item.teacher, school=item.school, region=item.region,
                  subject=item.subject, grade=item.grade, date=item.date, analysed=item.analysed, mode=item.mode,
                  n_findings=item.n_findings, media=list(item.roles), job=_job(job))


def _me(a: Account) -> Me:
    return Me(id=a.id, name=a.name, display_name=a.display_name, role=a.role.value, region=a.region,
              school=a.school, subjects=sorted(a.subjects), ranking_consent=a.consent.value)


@get("/me", sync_to_thread=False)
def me(request: Request[Any, Any, Any]) -> Me:
    return _me(current(request))


@put("/me/consent", sync_to_thread=True)
def put_consent(request: Request[Any, Any, Any], data: JSONBody[ConsentIn]) -> Me:
    """A teacher's consent to be named in rankings and comparisons: ``none``, ``school`` or ``region``."""
    p, account = platform(request), current(request)
    updated = set_consent(p.engine, account, data.consent)
    audit(p.engine, account, "consent", detail=f"{updated.consent.value} (api)")
    return _me(updated)


@get("/lessons", sync_to_thread=True)
def lessons(request: Request[Any, Any, Any], page: FromQuery[int] = 1) -> LessonPage:
    p = platform(request)
    found = list_lessons(p.engine, current(request), _filters(request), page, p.settings.page_size)
    return LessonPage(items=[_out(request, i, with_job=False) for i in found.items], total=found.total,
                      page=found.page, pages=found.pages)


@get("/lessons/{lesson_id:str}", sync_to_thread=True)
def lesson(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Lesson:
    item = _lesson(request, lesson_id, Action.VIEW)
    audit(platform(request).engine, current(request), "viewed", item.id, "api")
    return _out(request, item)


@get("/lessons/{lesson_id:str}/analysis", sync_to_thread=True, media_type="application/json")
def analysis(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Response[str]:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.DOWNLOAD)
    found = p.store.get(item.id)
    if found is None:
        raise NotFoundException()
    audit(p.engine, current(request), "downloaded", item.id, "analysis.json (api)")
    return Response(dumps(found), media_type="application/json")


async def upload(request: Request[Any, Any, Any]) -> Lesson:
    """Multipart form: metadata fields (title, subject, grade, date, teacher_name), one file per role
    (teacher, students, board, mixed, audio), and optionally ``lesson_yaml``, ``layout`` and raters'
    score sheets (``sheets``, repeated) of ``rubric``."""
    import anyio.to_thread

    p, account = platform(request), current(request)
    if not can(account, Capability.UPLOAD):
        raise PermissionDeniedException()
    form = await request.form()
    files = [(role, f) for role in ROLES if isinstance(f := form.get(role), UploadFile)]
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        lesson_id = await save_upload(p, account, upload_meta(values), files, await read_attachments(form))
    finally:
        for _, f in files:
            await f.close()
    await anyio.to_thread.run_sync(lambda: audit(p.engine, account, "uploaded", lesson_id, "api"))
    item = await anyio.to_thread.run_sync(lambda: _lesson(request, lesson_id, Action.VIEW))
    return await anyio.to_thread.run_sync(lambda: _out(request, item))


@post("/lessons/{lesson_id:str}/retry", sync_to_thread=True, status_code=200)
def retry(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Job | None:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.RETRY)
    job = p.runner.view(item.id)
    if job is not None and job.state == "failed":
        p.runner.retry(item.id)
        audit(p.engine, current(request), "retried", item.id, "api")
    return _job(p.runner.view(item.id))


@post("/lessons/{lesson_id:str}/shares", sync_to_thread=True, status_code=200)
def add_share(request: Request[Any, Any, Any], lesson_id: FromPath[str], data: JSONBody[ShareIn]) -> list[ShareOut]:
    p, account = platform(request), current(request)
    item = _lesson(request, lesson_id, Action.SHARE)
    share(p.engine, item.id, account, user=data.user.strip(), scope="" if data.user.strip() else data.scope)
    audit(p.engine, account, "shared", item.id, f"user={data.user}" if data.user else f"scope={data.scope}")
    return [ShareOut(id=s.id, user=s.user, scope=s.scope) for s in shares(p.engine, item.id)]


@delete("/lessons/{lesson_id:str}/shares/{share_id:int}", sync_to_thread=True)
def remove_share(request: Request[Any, Any, Any], lesson_id: FromPath[str], share_id: FromPath[int]) -> None:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.SHARE)
    if not revoke(p.engine, item.id, share_id):
        raise NotFoundException()
    audit(p.engine, current(request), "unshared", item.id, f"share={share_id} (api)")


@delete("/lessons/{lesson_id:str}", sync_to_thread=True)
def remove_lesson(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> None:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.DELETE)
    delete_lesson(p.engine, p.media, item.id)
    audit(p.engine, current(request), "deleted", item.id, "api")


def api_router(max_upload: int) -> Router:
    upload_handler = post("/lessons", request_max_body_size=max_upload, status_code=201)(upload)
    return Router("/api", guards=[signed_in], route_handlers=[
        me, put_consent, lessons, lesson, analysis, upload_handler, retry, add_share, remove_share, remove_lesson])
