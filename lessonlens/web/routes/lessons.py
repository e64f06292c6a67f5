"""The lesson list, the lesson page (video beside the report's charts), job status, media by byte
ranges, downloads, sharing and deletion. A lesson the user may not see is a 404, exactly like one
that does not exist."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Stream, Template

from lessonlens.core.documents import dumps
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.web.accounts import get_user, taught_subjects
from lessonlens.web.auth import current, signed_in
from lessonlens.web.catalog import (
    LessonItem,
    ListFilters,
    audit,
    delete_lesson,
    filter_choices,
    group_counts,
    lesson_for,
    list_lessons,
    revoke,
    share,
    shares,
)
from lessonlens.web.jobs import lesson_folder
from lessonlens.web.media import VIDEO_ROLES
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.platform import Platform
from lessonlens.web.recording import serve_recording
from lessonlens.web.roles import Account, Action, Capability, Role, can, may_follow_teacher
from lessonlens.web.texts import metric_name, mode_labels, ui
from lessonlens.web.transcript import transcript
from lessonlens.web.uploads import parse_day

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")


def _lesson(request: Request[Any, Any, Any], lesson_id: FromPath[str], action: Action) -> LessonItem:
    if not _ID.match(lesson_id):
        raise NotFoundException()
    item = lesson_for(platform(request).engine, current(request), lesson_id, action)
    if item is None:
        raise NotFoundException()
    return item


# -- the list ----------------------------------------------------------------------------------
def _filters(request: Request[Any, Any, Any]) -> ListFilters:
    q = request.query_params
    modes = mode_labels("en")  # the ids the mode metric declares

    def day(key: str) -> Any:
        try:
            return parse_day(q.get(key, "") or "")
        except InputError:
            return None

    return ListFilters(text=q.get("q", "")[:200], teacher=q.get("teacher", ""), school=q.get("school", ""),
                       subject=q.get("subject", ""), grade=q.get("grade", ""),
                       mode=q.get("mode", "") if q.get("mode", "") in modes else "", finding=q.get("finding", ""),
                       date_from=day("from"), date_to=day("to"))


def _group_line(p: Platform, account: Account, lang: str) -> str:
    """District / school statistics outside sharing: only counts, and only for a large enough group."""
    if not can(account, Capability.AGGREGATES):
        return ""
    if account.role is Role.SCHOOL_LEAD:
        (n, teachers), scope = group_counts(p.engine, school=account.school), account.school
    elif account.role is Role.RESEARCHER:
        (n, teachers), scope = group_counts(p.engine, region=account.region), account.region
    else:
        (n, teachers), scope = group_counts(p.engine), ui("region", lang)
    if n < p.settings.min_group:
        return ui("group_small", lang, scope=scope, min=p.settings.min_group)
    return ui("group", lang, scope=scope, n=n, t=teachers)


@get("/", guards=[signed_in], sync_to_thread=True)
def lesson_list(request: Request[Any, Any, Any]) -> Template:
    p, account, lang = platform(request), current(request), lang_of(request)
    filters = _filters(request)
    try:
        page_number = int(request.query_params.get("page", "1"))
    except ValueError:
        page_number = 1
    page = list_lessons(p.engine, account, filters, page_number, p.settings.page_size)
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}

    def page_url(n: int) -> str:
        return "/?" + urlencode({**params, "page": n})

    def state_label(item: LessonItem) -> str:
        if item.analysed and item.job_state in (None, "done"):
            return ui("state_done", lang)
        return ui(f"state_{item.job_state}" if item.job_state else "state_none", lang)

    return render(request, "lessons.html.j2", filters=filters, page=page, page_url=page_url,
                  choices=filter_choices(p.engine, account), state_label=state_label,
                  group=_group_line(p, account, lang), modes=mode_labels(lang), mode_title=metric_name("mode", lang))


# -- one lesson --------------------------------------------------------------------------------
def _side(request: Request[Any, Any, Any], item: LessonItem) -> dict[str, Any]:
    p, account, lang = platform(request), current(request), lang_of(request)
    owner = item.owner_id == account.id
    cameras = [{"url": f"/lessons/{item.id}/media/{role}", "label": ui(f"role_{role}", lang)}
               for role in VIDEO_ROLES if role in item.roles]
    return {"lesson": item, "cameras": cameras, "job": p.runner.view(item.id), "analysed": item.analysed,
            "may_share": owner, "may_retry": owner, "shares": shares(p.engine, item.id) if owner else [],
            "reload": False, "transcript": [], "growth_url": _growth_url(request, item)}


def _growth_url(request: Request[Any, Any, Any], item: LessonItem) -> str:
    """The lesson's teacher's growth page, where the viewer may follow them (``roles.may_follow_teacher``)."""
    p, account = platform(request), current(request)
    if item.owner_id is None or item.owner_id == account.id:
        return ""
    teacher = get_user(p.engine, item.owner_id)
    teaches = taught_subjects(p.engine, item.owner_id).get(item.owner_id, ())
    if teacher is None or not may_follow_teacher(account, teacher, teaches):
        return ""
    return f"/teachers/{teacher.id}/growth"


@get("/lessons/{lesson_id:str}", guards=[signed_in], sync_to_thread=True)
def lesson_page(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Template:
    from lessonlens.plugins.reports.common import ui as report_ui
    from lessonlens.plugins.reports.lesson import lesson_report

    p, account, lang = platform(request), current(request), lang_of(request)
    item = _lesson(request, lesson_id, Action.VIEW)
    audit(p.engine, account, "viewed", item.id)
    values = _side(request, item)
    analysis = p.store.get(item.id) if item.analysed else None
    if analysis is not None and analysis.metrics is not None:
        report = lesson_report(ReportJob(report="lesson", analyses=(analysis,), lang=lang), Path("/nonexistent/r.html"))

        def t(key: str, **params: object) -> str:
            return report_ui(key, lang, **params)

        merged = {**report.context, **values, "transcript": transcript(analysis)}
        return render(request, "web_lesson.html.j2", **merged, report=report, title=report.title,
                      charts={c.id: c for c in report.charts}, chart_list=report.charts, t=t, for_print=False,
                      video="", seek_label=report_ui("seek_to", lang, t="{t}"))
    return render(request, "lesson_pending.html.j2", **values)


@get("/lessons/{lesson_id:str}/status", guards=[signed_in], sync_to_thread=True)
def job_status(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Template:
    item = _lesson(request, lesson_id, Action.VIEW)
    values = _side(request, item)
    return render(request, "_job.html.j2", **values | {"reload": True})


@post("/lessons/{lesson_id:str}/retry", guards=[signed_in], sync_to_thread=True, status_code=200)
def retry(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Template:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.RETRY)
    job = p.runner.view(item.id)
    if job is not None and job.state == "failed":
        p.runner.retry(item.id)
        audit(p.engine, current(request), "retried", item.id)
    values = _side(request, item)
    return render(request, "_job.html.j2", **values)


@get("/lessons/{lesson_id:str}/media/{role:str}", guards=[signed_in], sync_to_thread=True)
def media(request: Request[Any, Any, Any], lesson_id: FromPath[str], role: FromPath[str]) -> Response[Any] | Stream:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.VIEW)
    entry = next((m for m in item.media if m.get("role") == role), None)
    if entry is None:
        raise NotFoundException()
    return serve_recording(request, entry, lesson_folder(p.media, item.id), p.settings.import_root)


def _download(name: str, body: bytes | str, kind: str) -> Response[Any]:
    return Response(body, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@get("/lessons/{lesson_id:str}/analysis.json", guards=[signed_in], sync_to_thread=True)
def analysis_json(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Response[Any]:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.DOWNLOAD)
    analysis = p.store.get(item.id)
    if analysis is None:
        raise NotFoundException()
    audit(p.engine, current(request), "downloaded", item.id, "analysis.json")
    return _download(f"{item.id}.analysis.json", dumps(analysis), "application/json")


#: report downloads: URL name -> (suffix lessonlens.report writes by, MIME type)
REPORTS = {"report.html": (".html", "text/html; charset=utf-8"), "report.pdf": (".pdf", "application/pdf"),
           "charts.zip": (".zip", "application/zip"), "charts.json": (".json", "application/json")}


@get("/lessons/{lesson_id:str}/{name:str}", guards=[signed_in], sync_to_thread=True)
def report_file(request: Request[Any, Any, Any], lesson_id: FromPath[str], name: FromPath[str]) -> Response[Any]:
    """The lesson report as HTML or PDF, or every chart's table as CSV (zip) or JSON."""
    import lessonlens

    if name not in REPORTS:
        raise NotFoundException()
    p = platform(request)
    item = _lesson(request, lesson_id, Action.DOWNLOAD)
    analysis = p.store.get(item.id)
    if analysis is None:
        raise NotFoundException()
    suffix, kind = REPORTS[name]
    with tempfile.TemporaryDirectory(prefix="lessonlens-report-") as tmp:
        path = lessonlens.report("lesson", Path(tmp) / f"report{suffix}", [analysis], lang=lang_of(request))
        body = Path(path).read_bytes()
    audit(p.engine, current(request), "downloaded", item.id, name)
    return _download(f"{item.id}.{name}", body, kind)


# -- sharing and deleting ----------------------------------------------------------------------
@post("/lessons/{lesson_id:str}/share", guards=[signed_in], sync_to_thread=True, status_code=303)
def share_lesson(request: Request[Any, Any, Any], lesson_id: FromPath[str], data: Form) -> Redirect:
    p, account = platform(request), current(request)
    item = _lesson(request, lesson_id, Action.SHARE)
    user, scope = data.get("user", "").strip(), data.get("scope", "").strip()
    if user or scope:
        share(p.engine, item.id, account, user=user, scope="" if user else scope)
        audit(p.engine, account, "shared", item.id, f"user={user}" if user else f"scope={scope}")
    return Redirect(f"/lessons/{item.id}", status_code=303)


@post("/lessons/{lesson_id:str}/shares/{share_id:int}/revoke", guards=[signed_in], sync_to_thread=True,
      status_code=303)
def revoke_share(request: Request[Any, Any, Any], lesson_id: FromPath[str], share_id: FromPath[int]) -> Redirect:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.SHARE)
    if revoke(p.engine, item.id, share_id):
        audit(p.engine, current(request), "unshared", item.id, f"share={share_id}")
    return Redirect(f"/lessons/{item.id}", status_code=303)


@post("/lessons/{lesson_id:str}/delete", guards=[signed_in], sync_to_thread=True, status_code=303)
def delete(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Redirect:
    p = platform(request)
    item = _lesson(request, lesson_id, Action.DELETE)
    delete_lesson(p.engine, p.media, item.id)
    audit(p.engine, current(request), "deleted", item.id, item.title)
    return Redirect("/", status_code=303)
