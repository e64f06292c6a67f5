"""The reflection box of the lesson page: the observers' comments (from the rubric results stored with
the lesson) and the teacher's reflection and goals. ``GET /reflections/ID`` is the box (htmx loads it
into the lesson page) for whoever may view the lesson — read-only but for its teacher; ``POST`` saves
(the teacher only; JSON ``{"text", "goals"}``, CSRF header). A lesson one may not view is a 404."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import pick
from lessonlens.plugins.reports.svg import clock
from lessonlens.web import reflection
from lessonlens.web.auth import current, signed_in
from lessonlens.web.catalog import LessonItem, facts, lesson_for
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.roles import Action, may_reflect


def _lesson(request: Request[Any, Any, Any], lesson_id: str) -> tuple[LessonItem, bool]:
    """The lesson if the user may view it (else 404), and whether they may write its reflection."""
    p, account = platform(request), current(request)
    item = lesson_for(p.engine, account, lesson_id, Action.VIEW)
    if item is None:
        raise NotFoundException()
    with p.engine.connect() as conn:
        known = facts(conn, lesson_id)
    return item, known is not None and may_reflect(account, known)


def _names(rubric: str, lang: str) -> tuple[str, dict[str, str]]:
    """A rubric's name and its indicators' names in ``lang`` (ids where the schema is not known)."""
    from lessonlens.plugin import find_rubric_schema

    try:
        schema = find_rubric_schema(rubric)
    except InputError:
        return rubric, {}
    return pick(schema.name, lang) or rubric, {i.id: pick(i.name, lang) for i in schema.indicators}


def _comments(request: Request[Any, Any, Any], lesson_id: str) -> list[dict[str, Any]]:
    """The observers' comments and notes of the rubric results stored with the lesson."""
    analysis = platform(request).store.get(lesson_id)
    lang = lang_of(request)
    out: list[dict[str, Any]] = []
    for result in analysis.rubric_results if analysis else ():
        rubric, names = _names(result.rubric, lang)
        for indicator, texts in result.comments.items():
            where = names.get(indicator, indicator)
            out.extend({"rubric": rubric, "where": where, "text": text} for text in texts if text)
        out.extend({"rubric": rubric, "where": clock(n.t), "text": f"{n.rater}: {n.text}"}
                   for n in sorted(result.notes, key=lambda n: n.t) if n.text)
    return out


@get("/reflections/{lesson_id:str}", guards=[signed_in], sync_to_thread=True)
def reflection_box(request: Request[Any, Any, Any], lesson_id: FromPath[str]) -> Template:
    item, editable = _lesson(request, lesson_id)
    found = reflection.read(platform(request).engine, item.id)
    term = reflection.goals_term_of(item.date)
    return render(request, "_reflection.html.j2", lesson=item, editable=editable, found=found,
                  comments=_comments(request, item.id), goals_term=term.label(lang_of(request)),
                  text=found.text if found else "", goals="\n".join(found.goals) if found else "")


@post("/reflections/{lesson_id:str}", guards=[signed_in], sync_to_thread=True, status_code=200)
def save_reflection(request: Request[Any, Any, Any], lesson_id: FromPath[str],
                    data: JSONBody[dict[str, Any]]) -> Response[dict[str, str]]:
    p, account = platform(request), current(request)
    item, editable = _lesson(request, lesson_id)
    if not editable:
        raise PermissionDeniedException()
    text, goals = data.get("text", ""), data.get("goals", "")
    if not isinstance(text, str) or not isinstance(goals, str):
        return Response({"detail": "text and goals must be strings"}, status_code=400)
    term = reflection.goals_term_of(item.date)
    try:
        at = reflection.save(p.engine, item.id, account.id, text, goals, term)
    except InputError as exc:
        return Response({"detail": exc.message(lang_of(request))}, status_code=400)
    return Response({"saved_at": at.isoformat(), "goals_term": term.id})


ROUTES = [reflection_box, save_reflection]
