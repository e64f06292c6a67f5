"""The dashboards' pages: ``/growth`` (a teacher's own term), ``/teachers/ID/growth`` (a teacher's term
as a researcher or school lead they are named to sees it; anyone else: 404), ``/portraits`` (a school's or region's
portrait and norms), ``/compare`` (teachers side by side, named only with their consent), each with
``…/csv/TABLE`` giving a chart's or table's data as CSV. Who may open which is decided in
:mod:`lessonlens.web.roles` (``may_see_view``): a view or a place one may not see answers 403.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from lessonlens.core.errors import InputError
from lessonlens.plugins.reports.model import DataTable
from lessonlens.store.results import LessonQuery
from lessonlens.web.accounts import get_user, taught_subjects
from lessonlens.web.auth import current, signed_in
from lessonlens.web.catalog import audit
from lessonlens.web.dashboards.compare import compare
from lessonlens.web.dashboards.growth import Growth, growth
from lessonlens.web.dashboards.model import Section, find_table, table_csv
from lessonlens.web.dashboards.portraits import MIN_TEACHERS, choices, portrait_view, region_names, school_names
from lessonlens.web.dashboards.terms import parse_term
from lessonlens.web.dashboards.texts import dt_ui
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.roles import Account, Place, Role, View, home_place, may_follow_teacher, may_see_view
from lessonlens.web.texts import ui
from lessonlens.web.uploads import parse_day

_TABLE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _csv(table: DataTable | None, lang: str, name: str) -> Response[bytes]:
    if table is None:
        raise NotFoundException()
    return Response(table_csv(table, lang).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{table.id}.csv"'})


# -- a teacher's growth ---------------------------------------------------------------------------
def _growth(request: Request[Any, Any, Any], teacher: Account | None = None) -> Growth:
    """The viewer's own growth, or (``teacher``) the growth of a teacher the viewer may follow."""
    account = current(request)
    if teacher is None and not may_see_view(account, View.GROWTH):
        raise PermissionDeniedException()
    term = parse_term(request.query_params.get("term", ""))
    p = platform(request)
    return growth(p.store, teacher or account, term, lang_of(request), min_lessons=p.settings.min_group,
                  viewer=account)


def _followed(request: Request[Any, Any, Any], user_id: int) -> Account:
    """The teacher ``user_id`` if the viewer may follow them (``roles.may_follow_teacher``); else 404,
    the same for an account that does not exist, so the page tells nothing about who exists."""
    viewer, p = current(request), platform(request)
    teacher = get_user(p.engine, user_id)
    if teacher is None or not may_follow_teacher(viewer, teacher, taught_subjects(p.engine, user_id).get(user_id, ())):
        raise NotFoundException()
    return teacher


def _growth_page(request: Request[Any, Any, Any], g: Growth, base: str, teacher: Account | None) -> Template:
    from lessonlens.plugins.reports.common import ui as report_ui

    lang = lang_of(request)
    report = g.report

    def t(key: str, **params: object) -> str:
        return report_ui(key, lang, **params)

    heading = (dt_ui("teacher_growth_title", lang, teacher=teacher.label, term=g.term.label(lang)) if teacher
               else dt_ui("growth_title", lang, term=g.term.label(lang)))
    values: dict[str, Any] = {"g": g, "term_label": g.term.label(lang), "t": t, "for_print": False, "video": "",
                              "query": urlencode({"term": g.term.id}), "base": base, "heading": heading,
                              "followed": teacher, "lang_sections": _shown((g.norm,) if g.norm else (), lang)}
    if report is None:
        return render(request, "growth.html.j2", report=None, **values)
    context = {**report.context, "goals": []}  # the page shows the term's goals itself, with their lessons
    return render(request, "growth.html.j2", **context, **values, report=report, title=report.title,
                  charts={c.id: c for c in report.charts}, chart_list=report.charts,
                  seek_label=report_ui("seek_to", lang, t="{t}"))


@get("/growth", guards=[signed_in], sync_to_thread=True)
def growth_page(request: Request[Any, Any, Any]) -> Template:
    """The teacher's term: the period report of their own lessons, live from the store, and goals."""
    return _growth_page(request, _growth(request), "/growth", None)


@get("/growth/csv/{table_id:str}", guards=[signed_in], sync_to_thread=True)
def growth_csv(request: Request[Any, Any, Any], table_id: FromPath[str]) -> Response[bytes]:
    return _growth_csv(request, _growth(request), table_id)


def _growth_csv(request: Request[Any, Any, Any], g: Growth, table_id: str) -> Response[bytes]:
    tables = [*(g.report.all_tables() if g.report else ()), *(g.norm.tables if g.norm else ())]
    found = next((t for t in tables if t.id == table_id), None)
    return _csv(found, lang_of(request), f"growth-{g.term.id}")


@get("/teachers/{user_id:int}/growth", guards=[signed_in], sync_to_thread=True)
def teacher_growth_page(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template | Redirect:
    """A teacher's term as a researcher or school lead who may follow them sees it (their own: /growth)."""
    if user_id == current(request).id and may_see_view(current(request), View.GROWTH):
        term = request.query_params.get("term", "")
        return Redirect("/growth" + (f"?{urlencode({'term': term[:50]})}" if term else ""))
    teacher = _followed(request, user_id)
    g = _growth(request, teacher)
    audit(platform(request).engine, current(request), "viewed_growth", "", f"teacher {teacher.id} {g.term.id}")
    return _growth_page(request, g, f"/teachers/{teacher.id}/growth", teacher)


@get("/teachers/{user_id:int}/growth/csv/{table_id:str}", guards=[signed_in], sync_to_thread=True)
def teacher_growth_csv(request: Request[Any, Any, Any], user_id: FromPath[int],
                       table_id: FromPath[str]) -> Response[bytes]:
    teacher = _followed(request, user_id)
    g = _growth(request, teacher)
    audit(platform(request).engine, current(request), "downloaded", "", f"growth {teacher.id} {table_id}")
    return _growth_csv(request, g, table_id)


# -- portraits and comparisons of a place -----------------------------------------------------------
def _place(request: Request[Any, Any, Any], view: View) -> tuple[Account, Place, LessonQuery, dict[str, str]]:
    """The place and filters asked for (default: the viewer's own school / region / district), if the
    viewer may see ``view`` there; else 403."""
    account, q = current(request), request.query_params
    home = home_place(account)
    asked = {k: q.get(k, "")[:200] for k in ("region", "school", "subject", "grade", "from", "to")}
    place = Place(region=asked["region"], school=asked["school"]) if asked["region"] or asked["school"] else home
    kind = View.COMPARE if view is View.COMPARE else (View.SCHOOL if place.school else View.REGION)
    if not may_see_view(account, kind, place):
        raise PermissionDeniedException()

    def day(key: str) -> Any:
        try:
            return parse_day(asked[key])
        except InputError:  # a bad date in a filter is ignored, as in the lesson list
            return None

    query = LessonQuery(region=place.region or None, school=place.school or None,
                        subject=asked["subject"] or None, grade=asked["grade"] or None,
                        date_from=day("from"), date_to=day("to"))
    params = {"region": place.region, "school": place.school, "subject": asked["subject"],
              "grade": asked["grade"], "from": asked["from"], "to": asked["to"]}
    return account, place, query, params


def _place_name(place: Place, lang: str) -> str:
    if place.school:
        return dt_ui("portrait_school", lang, school=place.school)
    if place.region:
        return dt_ui("portrait_region", lang, region=place.region)
    return dt_ui("portrait_district", lang)


def _portrait(request: Request[Any, Any, Any]) -> tuple[Account, Place, dict[str, str], Any]:
    account, place, query, params = _place(request, View.REGION)
    p = platform(request)
    return account, place, params, portrait_view(p.store, query, lang_of(request), p.settings.min_group)


def _schools(request: Request[Any, Any, Any], account: Account, place: Place) -> list[str]:
    """The schools a researcher or admin may open from a region's portrait."""
    if place.school or account.role is Role.SCHOOL_LEAD:
        return []
    return school_names(platform(request).store, LessonQuery(region=place.region or None))


@get("/portraits", guards=[signed_in], sync_to_thread=True)
def portraits_page(request: Request[Any, Any, Any]) -> Template:
    lang = lang_of(request)
    account, place, params, view = _portrait(request)
    p = platform(request)
    subjects, grades = choices(p.store, LessonQuery(region=place.region or None, school=place.school or None))
    audit(p.engine, account, "viewed_portrait", "", urlencode(params))
    return render(request, "portrait.html.j2", view=view, heading=_place_name(place, lang), params=params,
                  query=urlencode(params), subjects=subjects, grades=grades, base="/portraits",
                  note=dt_ui("portrait_note", lang, min=p.settings.min_group, t=MIN_TEACHERS),
                  schools=_schools(request, account, place), place=place, lang_sections=_shown(view.sections, lang),
                  regions=region_names(p.store) if account.role is Role.ADMIN and place == Place() else [])


@get("/portraits/csv/{table_id:str}", guards=[signed_in], sync_to_thread=True)
def portraits_csv(request: Request[Any, Any, Any], table_id: FromPath[str]) -> Response[bytes]:
    if not _TABLE_ID.match(table_id):
        raise NotFoundException()
    account, place, _params, view = _portrait(request)
    audit(platform(request).engine, account, "downloaded", "", f"portrait {place.region}/{place.school} {table_id}")
    return _csv(find_table(view.sections, table_id), lang_of(request), "portrait")


def _compare(request: Request[Any, Any, Any]) -> tuple[Account, Place, dict[str, str], Any]:
    account, place, query, params = _place(request, View.COMPARE)
    p = platform(request)
    found = compare(p.store, account, place, query, lang_of(request), p.settings.min_group)
    return account, place, params, found


@get("/compare", guards=[signed_in], sync_to_thread=True)
def compare_page(request: Request[Any, Any, Any]) -> Template:
    lang = lang_of(request)
    _account, place, params, found = _compare(request)
    p = platform(request)
    subjects, grades = choices(p.store, LessonQuery(region=place.region or None, school=place.school or None))
    return render(request, "compare.html.j2", found=found, params=params, query=urlencode(params),
                  heading=dt_ui("compare_title", lang, place=place.school or place.region or ui("district", lang)),
                  subjects=subjects, grades=grades, base="/compare", place=place,
                  lang_sections=_shown(found.sections, lang))


@get("/compare/csv/{table_id:str}", guards=[signed_in], sync_to_thread=True)
def compare_csv(request: Request[Any, Any, Any], table_id: FromPath[str]) -> Response[bytes]:
    account, place, _params, found = _compare(request)
    audit(platform(request).engine, account, "downloaded", "", f"compare {place.region}/{place.school} {table_id}")
    return _csv(find_table(found.sections, table_id), lang_of(request), "compare")


def _shown(sections: tuple[Section, ...], lang: str) -> list[dict[str, Any]]:
    """Each section with its table's headers and cells as the page shows them."""
    out = []
    for s in sections:
        heads, rows = s.shown(lang) if s.table is not None else ([], [])
        out.append({"s": s, "heads": heads, "rows": rows, "tables": s.tables})
    return out


ROUTES = [growth_page, growth_csv, teacher_growth_page, teacher_growth_csv, portraits_page, portraits_csv,
          compare_page, compare_csv]
