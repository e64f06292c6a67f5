"""``/overview``: the group statistics of the viewer's scope — a school for its lead, a region for its
researchers, the district for admins — from every stored lesson, shared or not. Aggregates only: no
lesson, no teacher name, and nothing at all for a group smaller than the minimum size."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from lessonlens.store.indexed import METRIC_BY_ID
from lessonlens.store.results import LessonQuery
from lessonlens.web.auth import current, requires
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.roles import Capability, Role
from lessonlens.web.texts import metric_name, mode_labels, ui

#: the metrics the overview shows (ids of the store's indexed metrics)
SHOWN = ("rt", "ch", "participation_mean", "attention_mean", "consistency_mean", "longest_lecture",
         "teacher_shares.lecturing", "student_shares.answering")


@get("/overview", guards=[requires(Capability.AGGREGATES)], sync_to_thread=True)
def overview(request: Request[Any, Any, Any]) -> Template:
    p, account, lang = platform(request), current(request), lang_of(request)
    if account.role is Role.SCHOOL_LEAD:
        query, scope = LessonQuery(school=account.school), account.school
    elif account.role is Role.RESEARCHER:
        query, scope = LessonQuery(region=account.region), account.region
    else:
        query, scope = LessonQuery(), ui("district", lang)
    portrait = p.store.portrait(query, findings_limit=10)
    if portrait.n_lessons < p.settings.min_group:
        return render(request, "overview.html.j2", scope=scope, portrait=None,
                      small=ui("group_small", lang, scope=scope, min=p.settings.min_group))
    metrics = []
    for metric_id in SHOWN:
        stats = portrait.metrics.get(metric_id)
        if stats is not None and stats.n:
            metrics.append({"label": METRIC_BY_ID[metric_id].label.get(lang), "n": stats.n, "mean": stats.mean,
                            "p10": stats.percentiles.get(10), "p50": stats.percentiles.get(50),
                            "p90": stats.percentiles.get(90)})
    labels = mode_labels(lang)
    modes = [{"label": labels.get(m, m), "n": n} for m, n in portrait.modes.items()]
    findings = [{"title": f.title.get(lang) or f.title.get("zh-CN") or f.finding_id, "lessons": f.lessons,
                 "share": f.share} for f in portrait.findings]
    return render(request, "overview.html.j2", scope=scope, portrait=portrait, small="", metrics=metrics,
                  modes=modes, findings=findings, mode_title=metric_name("mode", lang))
