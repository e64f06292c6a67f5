"""Online observation pages (观评课): open an event, score a lesson beside its video with autosave
and time-stamped notes, submit, follow the live aggregate, export the sheets; and the same under
``/api/observe`` for scripts. Who may do what is decided in :mod:`lessonlens.web.roles`
(``may_observe``); an event the user may not follow is a 404, like one that does not exist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, Router, get, post, put
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Stream, Template

from lessonlens.core.errors import InputError
from lessonlens.core.extensions import ReportJob
from lessonlens.core.i18n import Text, pick
from lessonlens.web.accounts import now
from lessonlens.web.auth import current, signed_in
from lessonlens.web.catalog import ListFilters, audit, list_lessons
from lessonlens.web.jobs import lesson_folder
from lessonlens.web.media import VIDEO_ROLES
from lessonlens.web.observe import events as ev
from lessonlens.web.observe.results import EXPORT_FORMATS, event_results, export_sheets, sections, store_results
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.recording import serve_recording
from lessonlens.web.roles import Account, ObserveAction, Role, may_observe
from lessonlens.web.texts import ui

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
OPENERS = (Role.TEACHER, Role.RESEARCHER, Role.SCHOOL_LEAD)


class Refused(HTTPException):
    """A write the rules or the rubric refuse: 400 with the one-line reason (403 after the deadline)."""

    status_code = 400


def _event(request: Request[Any, Any, Any], event_id: int, action: ObserveAction = ObserveAction.FOLLOW,
           light: bool = False) -> ev.Event:
    """The event if the user may ``action`` it; 404 when they may not even follow it, else 403.
    ``light``: only the user's own invitation is loaded (autosaves need no more)."""
    account = current(request)
    event = ev.get_event(platform(request).engine, event_id, only=account.id if light else None)
    if event is None or not may_observe(account, ObserveAction.FOLLOW, event.facts):
        raise NotFoundException()
    if not may_observe(account, action, event.facts):
        if action is ObserveAction.SCORE and account.id in event.facts.invited:
            raise PermissionDeniedException(detail=ui("observe_deadline_passed", lang_of(request)))
        raise PermissionDeniedException()
    return event


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _status(event: ev.Event) -> tuple[int, int]:
    return len(event.facts.submitted), len(event.invitees)


# -- lists and opening --------------------------------------------------------------------------
def _openable(request: Request[Any, Any, Any], account: Account) -> list[Any]:
    if account.role not in OPENERS:
        return []
    page = list_lessons(platform(request).engine, account, ListFilters(), 1, 200)
    return [item for item in page.items if account.role is not Role.TEACHER or item.owner_id == account.id]


@get("/observe", guards=[signed_in], sync_to_thread=True)
def observe_home(request: Request[Any, Any, Any]) -> Template:
    from lessonlens.rubric.scoring import list_rubric_schemas

    account, lang = current(request), lang_of(request)
    ev.join_groups(platform(request).engine, account)
    found = ev.events_for(platform(request).engine, account)
    lessons = _openable(request, account)
    rubrics = [(e.id, pick(e.name, lang) if e.name else e.id) for e in list_rubric_schemas() if not e.problems]
    return render(request, "observe_home.html.j2", events=found, lessons=lessons, rubrics=rubrics,
                  when=_when, status=_status, error="")


@get("/observe/invitations", guards=[signed_in], sync_to_thread=True)
def invitations(request: Request[Any, Any, Any]) -> Template:
    """The home page's list of events waiting for this observer's scores (loaded by htmx)."""
    account = current(request)
    ev.join_groups(platform(request).engine, account)
    pending = [e for e in ev.events_for(platform(request).engine, account)
               if account.id in e.facts.invited and account.id not in e.facts.submitted and e.open]
    return render(request, "_observe_invitations.html.j2", pending=pending, when=_when)


_BAD_DEADLINE = Text(zh="截止时间无效：{value}", en="not a date and time: {value}")


def _deadline(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(_BAD_DEADLINE, value=value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@post("/observe", guards=[signed_in], status_code=303)
async def open_event(request: Request[Any, Any, Any]) -> Redirect:
    account = current(request)
    form = await request.form()
    p = platform(request)
    groups = [(str(form.get("group_scope", "")), str(form.get("group_subject", "")))] \
        if form.get("group_scope") else []
    names = [n for n in str(form.get("observers", "")).replace("，", ",").split(",") if n.strip()]

    def create() -> int:
        return ev.create_event(p.engine, account, str(form.get("lesson", "")),
                               rubrics=[str(r) for r in form.getall("rubric", [])], observers=names,
                               title=str(form.get("title", "")), deadline=_deadline(str(form.get("deadline", ""))),
                               blind=bool(form.get("blind")), groups=groups)

    event_id = await anyio.to_thread.run_sync(create)
    await anyio.to_thread.run_sync(lambda: audit(p.engine, account, "observe_opened", str(form.get("lesson", "")),
                                                 f"event={event_id}"))
    return Redirect(f"/observe/{event_id}", status_code=303)


# -- the event page and its live aggregate --------------------------------------------------------
def _cameras(event: ev.Event, request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    """The event's own video URLs (an observer may not be able to open the lesson page itself)."""
    roles = {str(m.get("role")) for m in ev.lesson_media(platform(request).engine, event.lesson_id)}
    lang = lang_of(request)
    return [{"url": f"/observe/{event.id}/media/{role}", "label": ui(f"role_{role}", lang)}
            for role in VIDEO_ROLES if role in roles]


def _result_values(request: Request[Any, Any, Any], event: ev.Event) -> dict[str, Any]:
    account, lang, p = current(request), lang_of(request), platform(request)
    visible = may_observe(account, ObserveAction.SEE_SCORES, event.facts)
    results = event_results(p.store, event) if visible else []
    duration = 0.0
    parts = [sections(r, lang) for r in results]
    notes = [n for part in parts for n in part["notes"]]
    if notes:
        analysis = p.store.get(event.lesson_id)
        length = analysis.lesson.duration if analysis is not None and analysis.lesson.duration else 0.0
        duration = max(length or 0.0, max(n["t"] for n in notes) + 1.0)
    n, total = _status(event)
    return {"event": event, "visible": visible, "sections": parts, "n_submitted": n, "n_invited": total,
            "timeline_notes": notes, "duration": duration, "version": _version(request, event, visible)}


def _version(request: Request[Any, Any, Any], event: ev.Event, visible: bool) -> str:
    return f"{'v' if visible else 'h'}{len(event.facts.submitted)}-{ev.version(platform(request).engine, event)}"


@get("/observe/{event_id:int}", guards=[signed_in], sync_to_thread=True)
def event_page(request: Request[Any, Any, Any], event_id: FromPath[int]) -> Template:
    account = current(request)
    event = _event(request, event_id)
    audit(platform(request).engine, account, "observe_viewed", event.lesson_id, f"event={event.id}")
    return render(request, "observe_event.html.j2", **_result_values(request, event),
                  cameras=_cameras(event, request), when=_when,
                  may_score=may_observe(account, ObserveAction.SCORE, event.facts),
                  invited=account.id in event.facts.invited, formats=list(EXPORT_FORMATS))


@get("/observe/{event_id:int}/results", guards=[signed_in], sync_to_thread=True)
def results_fragment(request: Request[Any, Any, Any], event_id: FromPath[int], v: FromQuery[str] = "") -> Any:
    """The live aggregate (htmx polls it); 204 while nothing changed since version ``v`` (cheap polling)."""
    event = _event(request, event_id)
    if v and v == _version(request, event, may_observe(current(request), ObserveAction.SEE_SCORES, event.facts)):
        return Response(b"", status_code=204)
    return render(request, "_observe_results.html.j2", **_result_values(request, event), formats=list(EXPORT_FORMATS))


# -- the scoring page ---------------------------------------------------------------------------
def _form_tree(rubric: str, lang: str) -> list[dict[str, Any]]:
    """The rubric as nested groups for the form: level-1 perspectives folding their points (as in the schema)."""
    tree = ev.tree_of(rubric)

    def node(i: int) -> dict[str, Any]:
        ind = tree.indicator(i)
        return {"id": ind.id, "name": pick(ind.name, lang), "level": tree.levels[i],
                "description": pick(ind.description, lang) if ind.description else "",
                "max": tree.max_scores[i], "leaf": tree.is_leaf(i), "children": [node(c) for c in tree.children[i]]}

    roots = [i for i in range(len(tree.ids)) if tree.levels[i] == 1]
    return [node(i) for i in roots]


def _lesson_charts(request: Request[Any, Any, Any], lesson_id: str) -> list[Any]:
    from lessonlens.plugins.reports.lesson import lesson_report

    analysis = platform(request).store.get(lesson_id)
    if analysis is None or analysis.metrics is None:
        return []
    report = lesson_report(ReportJob(report="lesson", analyses=(analysis,), lang=lang_of(request)),
                           Path("/nonexistent/r.html"))
    return list(report.charts)


@get("/observe/{event_id:int}/score", guards=[signed_in], sync_to_thread=True)
def score_page(request: Request[Any, Any, Any], event_id: FromPath[int]) -> Template:
    from lessonlens.plugins.reports.common import ui as report_ui

    account, lang = current(request), lang_of(request)
    event = _event(request, event_id)
    if account.id not in event.facts.invited:
        raise NotFoundException()
    mine = ev.draft(platform(request).engine, event.id, account.id)
    rubrics = [{"id": r, "name": pick(ev.tree_of(r).schema.name, lang), "groups": _form_tree(r, lang)}
               for r in event.rubrics]
    notes = [{"cid": n.client_id, "t": n.t, "text": n.text} for n in mine.notes]
    return render(request, "observe_score.html.j2", event=event, rubrics=rubrics, draft=mine, notes=notes,
                  cameras=_cameras(event, request), charts=_lesson_charts(request, event.lesson_id),
                  editable=event.open, when=_when, seek_label=report_ui("seek_to", lang, t="{t}"))


@dataclasses.dataclass
class ScoreIn:
    rubric: str
    indicator: str
    #: absent: keep the score; null: blank it
    score: float | None = None
    comment: str | None = None


@dataclasses.dataclass
class NoteIn:
    client_id: str
    t: float
    text: str = ""
    rubric: str = ""
    indicator: str = ""


@dataclasses.dataclass
class Saved:
    saved_at: dt.datetime


def _save_score(request: Request[Any, Any, Any], event_id: int, data: dict[str, Any]) -> Saved:
    account = current(request)
    event = _event(request, event_id, ObserveAction.SCORE, light=True)
    try:
        rubric, indicator = str(data["rubric"]), str(data["indicator"])
        score = data.get("score")
        value = None if score is None or score == "" else float(score)
        comment = data.get("comment")
    except (KeyError, TypeError, ValueError):
        raise Refused(detail="rubric, indicator and a numeric score are needed") from None
    try:
        stamp = ev.save_score(platform(request).engine, event, account.id, rubric, indicator, score=value,
                              set_score="score" in data, comment=None if comment is None else str(comment))
    except InputError as exc:
        raise Refused(detail=exc.message(lang_of(request))) from None
    _restore_if_submitted(request, event)
    return Saved(saved_at=stamp)


def _restore_if_submitted(request: Request[Any, Any, Any], event: ev.Event) -> None:
    """An observer who already submitted changed a score, comment or note: the result stored with the
    lesson follows at once (the edit counts, as the submission did), not only on a second submit."""
    if current(request).id not in event.facts.submitted:
        return
    p = platform(request)
    fresh = ev.get_event(p.engine, event.id)
    if fresh is not None:
        store_results(p.store, fresh)


def _save_note(request: Request[Any, Any, Any], event_id: int, data: NoteIn) -> Saved:
    account = current(request)
    event = _event(request, event_id, ObserveAction.SCORE, light=True)
    try:
        stamp = ev.save_note(platform(request).engine, event, account.id, data.client_id, float(data.t), data.text,
                             data.rubric, data.indicator)
    except InputError as exc:
        raise Refused(detail=exc.message(lang_of(request))) from None
    _restore_if_submitted(request, event)
    return Saved(saved_at=stamp)


def _as_json(run: Any) -> Response[Any]:
    """The page's autosave answers JSON, refusals included (``{"detail": …}``), never an HTML error page."""
    try:
        saved = run()
    except HTTPException as exc:
        return Response({"status_code": exc.status_code, "detail": str(exc.detail)}, status_code=exc.status_code)
    return Response({"saved_at": saved.saved_at.isoformat()})


@post("/observe/{event_id:int}/save", guards=[signed_in], sync_to_thread=True, status_code=200)
def save(request: Request[Any, Any, Any], event_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> Response[Any]:
    """One autosave from the scoring page (JSON; the CSRF token in the ``x-csrftoken`` header)."""
    return _as_json(lambda: _save_score(request, event_id, data))


@post("/observe/{event_id:int}/notes", guards=[signed_in], sync_to_thread=True, status_code=200)
def save_note(request: Request[Any, Any, Any], event_id: FromPath[int], data: JSONBody[NoteIn]) -> Response[Any]:
    return _as_json(lambda: _save_note(request, event_id, data))


@post("/observe/{event_id:int}/notes/{client_id:str}/delete", guards=[signed_in], sync_to_thread=True,
      status_code=200)
def delete_note(request: Request[Any, Any, Any], event_id: FromPath[int], client_id: FromPath[str]) -> Saved:
    event = _event(request, event_id, ObserveAction.SCORE, light=True)
    ev.delete_note(platform(request).engine, event, current(request).id, client_id)
    _restore_if_submitted(request, event)
    return Saved(saved_at=now())


def _submit(request: Request[Any, Any, Any], event_id: int) -> ev.Event:
    account, p = current(request), platform(request)
    event = _event(request, event_id, ObserveAction.SCORE)
    ev.submit(p.engine, event, account.id)
    audit(p.engine, account, "observe_submitted", event.lesson_id, f"event={event.id}")
    fresh = ev.get_event(p.engine, event.id)
    assert fresh is not None
    store_results(p.store, fresh)
    return fresh


@post("/observe/{event_id:int}/submit", guards=[signed_in], sync_to_thread=True, status_code=303)
def submit(request: Request[Any, Any, Any], event_id: FromPath[int]) -> Redirect:
    _submit(request, event_id)
    return Redirect(f"/observe/{event_id}", status_code=303)


# -- media and downloads --------------------------------------------------------------------------
@get("/observe/{event_id:int}/media/{role:str}", guards=[signed_in], sync_to_thread=True)
def media(request: Request[Any, Any, Any], event_id: FromPath[int], role: FromPath[str]) -> Response[Any] | Stream:
    """The lesson's recording for the event's observers (byte ranges), without opening the lesson itself."""
    p = platform(request)
    event = _event(request, event_id)
    entry = next((m for m in ev.lesson_media(p.engine, event.lesson_id)
                  if m.get("role") == role and role in VIDEO_ROLES), None)
    if entry is None:
        raise NotFoundException()
    return serve_recording(request, entry, lesson_folder(p.media, event.lesson_id), p.settings.import_root)


@get("/observe/{event_id:int}/sheets/{rubric:str}/{fmt:str}", guards=[signed_in], sync_to_thread=True)
def export(request: Request[Any, Any, Any], event_id: FromPath[int], rubric: FromPath[str],
           fmt: FromPath[str]) -> Response[bytes]:
    """The submitted sheets of one rubric, as ``lessonlens rubric score`` reads them (CSV or XLSX)."""
    event = _event(request, event_id, ObserveAction.SEE_SCORES)
    if rubric not in event.rubrics or fmt not in EXPORT_FORMATS:
        raise NotFoundException()
    body = export_sheets(event, platform(request).store, rubric, fmt)
    audit(platform(request).engine, current(request), "downloaded", event.lesson_id,
          f"event={event.id} {rubric}.{fmt}")
    name = f"{event.lesson_id}-{rubric}-event{event.id}.{fmt}"
    return Response(body, media_type=EXPORT_FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


#: rubric report downloads: format -> MIME type (``lessonlens.report`` writes by the file's suffix)
REPORT_FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _report(request: Request[Any, Any, Any], event_id: int, rubric: str, fmt: str) -> Response[bytes]:
    """The rubric report (teaching design or classroom teaching) of the event's result as HTML or PDF
    (the reports package's own renderers: the PDF is the print page laid out by headless Chromium)."""
    import tempfile

    import lessonlens

    p = platform(request)
    event = _event(request, event_id, ObserveAction.SEE_SCORES)
    if fmt not in REPORT_FORMATS:
        raise NotFoundException()
    result = next((r for r in event_results(p.store, event) if r.rubric == rubric), None)
    if result is None:
        raise NotFoundException()
    analysis = p.store.get(event.lesson_id)
    with tempfile.TemporaryDirectory(prefix="lessonlens-observe-") as tmp:
        path = lessonlens.report("rubric", Path(tmp) / f"report.{fmt}", [analysis] if analysis else [], [result],
                                 lang=lang_of(request))
        body = Path(path).read_bytes()
    audit(p.engine, current(request), "downloaded", event.lesson_id, f"event={event.id} report {rubric}.{fmt}")
    return Response(body, media_type=REPORT_FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{event.lesson_id}-{rubric}.{fmt}"'})


@get("/observe/{event_id:int}/report/{rubric:str}", guards=[signed_in], sync_to_thread=True)
def report_html(request: Request[Any, Any, Any], event_id: FromPath[int], rubric: FromPath[str]) -> Response[bytes]:
    """The rubric report as HTML (the first URL of it; ``…/report/RUBRIC/pdf`` gives the PDF)."""
    return _report(request, event_id, rubric, "html")


@get("/observe/{event_id:int}/report/{rubric:str}/{fmt:str}", guards=[signed_in], sync_to_thread=True)
def report_file(request: Request[Any, Any, Any], event_id: FromPath[int], rubric: FromPath[str],
                fmt: FromPath[str]) -> Response[bytes]:
    return _report(request, event_id, rubric, fmt)


PAGE_ROUTES = [observe_home, invitations, open_event, event_page, results_fragment, score_page, save, save_note,
               delete_note, submit, media, export, report_html, report_file]


# -- the JSON API ---------------------------------------------------------------------------------
@dataclasses.dataclass
class ScoreOut:
    rater: str
    rubric: str
    indicator: str
    score: float | None
    comment: str


@dataclasses.dataclass
class EventOut:
    id: int
    lesson: str
    title: str
    rubrics: list[str]
    deadline: dt.datetime | None
    blind: bool
    open: bool
    invited: int
    submitted: int
    me_invited: bool
    me_submitted: bool


@dataclasses.dataclass
class ScoresOut:
    mine: list[ScoreOut]
    #: the other observers' scores; empty while blind mode hides them
    others: list[ScoreOut]
    others_hidden: bool


def _event_out(account: Account, event: ev.Event) -> EventOut:
    return EventOut(id=event.id, lesson=event.lesson_id, title=event.title, rubrics=list(event.rubrics),
                    deadline=event.deadline, blind=event.blind, open=event.open, invited=len(event.invitees),
                    submitted=len(event.facts.submitted), me_invited=account.id in event.facts.invited,
                    me_submitted=account.id in event.facts.submitted)


@get("/{event_id:int}", sync_to_thread=True)
def api_event(request: Request[Any, Any, Any], event_id: FromPath[int]) -> EventOut:
    return _event_out(current(request), _event(request, event_id))


@get("/{event_id:int}/scores", sync_to_thread=True)
def api_scores(request: Request[Any, Any, Any], event_id: FromPath[int]) -> ScoresOut:
    """My scores, and the others' only where the rules let me see them (blind mode: after I submitted)."""
    account, p = current(request), platform(request)
    event = _event(request, event_id)
    names = ev.raters(event.invitees)
    see = may_observe(account, ObserveAction.SEE_SCORES, event.facts)
    mine: list[ScoreOut] = []
    others: list[ScoreOut] = []
    for person in event.invitees:
        if person.user_id != account.id and not see:
            continue
        got = ev.draft(p.engine, event.id, person.user_id)
        rows = [ScoreOut(rater=names[person.user_id], rubric=r, indicator=i, score=s,
                         comment=got.comments.get((r, i), "")) for (r, i), s in sorted(got.scores.items())]
        (mine if person.user_id == account.id else others).extend(rows)
    return ScoresOut(mine=mine, others=others, others_hidden=not see)


@put("/{event_id:int}/scores", sync_to_thread=True, status_code=200)
def api_save(request: Request[Any, Any, Any], event_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> Saved:
    """Upsert one of my scores and/or comments: ``{"rubric", "indicator", "score"?, "comment"?}``."""
    return _save_score(request, event_id, data)


@post("/{event_id:int}/notes", sync_to_thread=True, status_code=200)
def api_note(request: Request[Any, Any, Any], event_id: FromPath[int], data: JSONBody[NoteIn]) -> Saved:
    return _save_note(request, event_id, data)


@post("/{event_id:int}/submit", sync_to_thread=True, status_code=200)
def api_submit(request: Request[Any, Any, Any], event_id: FromPath[int]) -> EventOut:
    return _event_out(current(request), _submit(request, event_id))


@get("/{event_id:int}/result", sync_to_thread=True, media_type="application/json")
def api_result(request: Request[Any, Any, Any], event_id: FromPath[int]) -> Response[str]:
    """The aggregated rubric results (``lessonlens.rubric_result/1`` documents), 403 while blind mode hides them."""
    import json

    from lessonlens.core.documents import to_dict

    event = _event(request, event_id, ObserveAction.SEE_SCORES)
    results = event_results(platform(request).store, event)
    return Response(json.dumps([to_dict(r) for r in results], ensure_ascii=False), media_type="application/json")


def observe_api_router() -> Router:
    return Router("/api/observe", guards=[signed_in], route_handlers=[
        api_event, api_scores, api_save, api_note, api_submit, api_result])
