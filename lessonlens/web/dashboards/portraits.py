"""School and region portraits (学校 / 区域画像): the monthly trends, the mean behaviour distribution,
metric bands, teaching modes, rubric score shares, norms by subject and grade, the schools of a
region and the most frequent findings — aggregates of every stored lesson of the place, never a
lesson or a teacher's name. A group (the place, a month, a subject and grade, a school) is shown
only with at least ``min_lessons`` lessons of at least ``min_teachers`` teachers, so no one teacher's
lessons can be read off it. Charts are the period report's own builders (trend, share trend, rose).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from lessonlens.plugins.reports.behaviour import rose_chart
from lessonlens.plugins.reports.common import STUDENTS, TEACHER, mode_labels
from lessonlens.plugins.reports.model import DataTable
from lessonlens.plugins.reports.period import TrendPoint, share_trend_chart, trend_chart
from lessonlens.store.api import Store
from lessonlens.store.indexed import METRIC_BY_ID
from lessonlens.store.results import LessonQuery, MetricStats, Portrait
from lessonlens.web.dashboards.model import Section
from lessonlens.web.dashboards.texts import dt_ui
from lessonlens.web.roles import group_shown

#: the metrics of the bands table and the norms (ids of the store's indexed metrics)
SHOWN = ("rt", "ch", "participation_mean", "attention_mean", "consistency_mean", "longest_lecture",
         "teacher_shares.lecturing", "teacher_shares.teacher_student_interaction", "student_shares.answering",
         "student_shares.peer_interaction")
NORM_METRICS = ("rt", "ch", "participation_mean", "teacher_shares.lecturing", "student_shares.answering")
#: fewest teachers behind any shown group (with fewer, a teacher could read the others' numbers off it)
MIN_TEACHERS = 3
_PCTS = (10, 25, 50, 75, 90)


@attrs.frozen
class PortraitView:
    """A place's portrait as the page shows it; ``small`` says why nothing is shown (else "")."""

    n_lessons: int
    n_teachers: int
    date_from: str
    date_to: str
    sections: tuple[Section, ...] = ()
    small: str = ""


def large_enough(n_lessons: int, n_teachers: int, min_lessons: int) -> bool:
    """The platform's minimum group size (``roles.group_shown``) in lessons, and enough teachers."""
    return group_shown(n_lessons, min_lessons) and n_teachers >= MIN_TEACHERS


def _label(metric_id: str, lang: str) -> str:
    found = METRIC_BY_ID.get(metric_id)
    return found.label.get(lang) if found else metric_id


def _stats_row(stats: MetricStats) -> tuple[object, ...]:
    return (stats.n, stats.mean, *[stats.percentiles.get(p) for p in _PCTS])


def _trends(store: Store, query: LessonQuery, lang: str, min_lessons: int) -> list[Section]:
    months = [m for m in store.monthly(query) if large_enough(m.n_lessons, m.n_teachers, min_lessons)]
    if len(months) < 2:
        return []
    first = months[0].month
    points = [TrendPoint(f"{m.month.year}-{m.month.month:02d}", float((m.month - first).days), m.n_lessons,
                         dict(m.means)) for m in months]
    note = dt_ui("months_note", lang, min=min_lessons, t=MIN_TEACHERS)
    return [Section("trend", dt_ui("monthly_trend", lang), chart=trend_chart(points, lang, True), note=note),
            Section("share_trend", dt_ui("monthly_shares", lang), chart=share_trend_chart(points, lang, True))]


def _rose(portrait: Portrait, lang: str) -> list[Section]:
    def means(side: str, ids: Sequence[str]) -> dict[str, float]:
        found = {b: portrait.metrics.get(f"{side}.{b}") for b in ids}
        return {b: s.mean for b, s in found.items() if s is not None and s.mean is not None}

    chart = rose_chart(means("teacher_shares", TEACHER), means("student_shares", STUDENTS), lang,
                       chart_id="mean_rose", title=dt_ui("mean_shares", lang))
    return [Section("mean_rose", chart.title, chart=chart)] if chart else []


def _bands(portrait: Portrait, lang: str) -> Section:
    rows = tuple((m, _label(m, lang), *_stats_row(portrait.metrics[m])) for m in SHOWN
                 if m in portrait.metrics and portrait.metrics[m].n)
    table = DataTable("metrics", dt_ui("metric_bands", lang),
                      ("metric_id", "metric", "n", "mean", *[f"p{p}" for p in _PCTS]), rows)
    return Section("metrics", table.title, table=table, hidden=("metric_id",))


def _modes(portrait: Portrait, lang: str) -> Section:
    names = mode_labels(lang)
    rows = tuple((m, names.get(m, m), n, n / portrait.n_lessons) for m, n in portrait.modes.items())
    table = DataTable("modes", dt_ui("modes", lang), ("mode_id", "mode", "lessons", "share_of_lessons"), rows)
    return Section("modes", table.title, table=table, hidden=("mode_id",))


def _rubrics(portrait: Portrait, lang: str) -> list[Section]:
    rows = []
    for key, stats in sorted(portrait.rubrics.items()):
        # rubric.<rubric>.<indicator>.share
        parts = key.split(".")
        if len(parts) >= 4 and stats.n:
            rows.append((parts[1], ".".join(parts[2:-1]), *_stats_row(stats)))
    if not rows:
        return []
    table = DataTable("rubrics", dt_ui("rubric_shares", lang),
                      ("rubric", "indicator", "n", "mean", *[f"p{p}" for p in _PCTS]), tuple(rows))
    return [Section("rubrics", table.title, table=table, note=dt_ui("rubric_note", lang))]


def _findings(portrait: Portrait, lang: str) -> Section:
    rows = tuple((f.finding_id, f.rule, f.severity, f.title.get(lang) or f.title.get("zh-CN") or f.finding_id,
                  f.lessons, f.share) for f in portrait.findings)
    table = DataTable("findings", dt_ui("frequent_findings", lang),
                      ("finding_id", "rule", "severity", "finding", "lessons", "share_of_lessons"), rows)
    return Section("findings", table.title, table=table, hidden=("finding_id", "rule", "severity"))


def _norms(store: Store, query: LessonQuery, lang: str, min_lessons: int) -> Section:
    groups = store.portraits(("subject", "grade"), query, findings_limit=0)
    rows, hidden = [], 0
    for (subject, grade), p in sorted(groups.items()):
        if not large_enough(p.n_lessons, p.n_teachers, min_lessons):
            hidden += 1
            continue
        for m in NORM_METRICS:
            stats = p.metrics.get(m)
            if stats is not None and stats.n:
                rows.append((subject, grade, p.n_lessons, p.n_teachers, m, _label(m, lang), stats.mean,
                             *[stats.percentiles.get(q) for q in _PCTS]))
    table = DataTable("norms", dt_ui("norms", lang),
                      ("subject", "grade", "lessons", "teachers", "metric_id", "metric", "mean",
                       *[f"p{p}" for p in _PCTS]), tuple(rows))
    note = dt_ui("groups_hidden", lang, n=hidden, min=min_lessons, t=MIN_TEACHERS) if hidden else ""
    return Section("norms", table.title, table=table, hidden=("metric_id", "p25", "p75"), note=note)


def _schools(store: Store, query: LessonQuery, lang: str, min_lessons: int) -> Section:
    groups = store.portraits(("school",), query, findings_limit=0)
    rows, hidden = [], 0
    names = mode_labels(lang)
    for (school,), p in sorted(groups.items()):
        if not large_enough(p.n_lessons, p.n_teachers, min_lessons):
            hidden += 1
            continue
        mode = next(iter(p.modes), "")
        rows.append((school, p.n_lessons, p.n_teachers,
                     *[p.metrics[m].mean if m in p.metrics else None for m in ("rt", "ch", "participation_mean")],
                     names.get(mode, mode)))
    table = DataTable("schools", dt_ui("schools", lang),
                      ("school", "lessons", "teachers", "rt", "ch", "participation_mean", "mode"), tuple(rows))
    note = dt_ui("groups_hidden", lang, n=hidden, min=min_lessons, t=MIN_TEACHERS) if hidden else ""
    return Section("schools", table.title, table=table, note=note)


def portrait_view(store: Store, query: LessonQuery, lang: str, min_lessons: int) -> PortraitView:
    """The portrait of the lessons ``query`` selects (a school, a region, the district; a subject,
    grade and dates within it). Nothing but the counts when the group is too small."""
    portrait = store.portrait(query, findings_limit=10)
    dates = (str(portrait.date_from or ""), str(portrait.date_to or ""))
    if not large_enough(portrait.n_lessons, portrait.n_teachers, min_lessons):
        return PortraitView(0, 0, "", "", small=dt_ui("dash_group_small", lang, min=min_lessons, t=MIN_TEACHERS))
    sections = [*_trends(store, query, lang, min_lessons), *_rose(portrait, lang), _bands(portrait, lang),
                _modes(portrait, lang), *_rubrics(portrait, lang), _findings(portrait, lang),
                _norms(store, query, lang, min_lessons)]
    if not query.school:
        sections.append(_schools(store, query, lang, min_lessons))
    return PortraitView(portrait.n_lessons, portrait.n_teachers, *dates, sections=tuple(sections))



def choices(store: Store, query: LessonQuery) -> tuple[list[str], list[str]]:
    """The subjects and the grades of the place's stored lessons (the page's filter choices)."""
    from sqlalchemy import select

    from lessonlens.store.models import lesson_table
    from lessonlens.store.queries import conditions

    L = lesson_table.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(L.subject, L.grade).where(*conditions(query)).distinct()).all()
    return sorted({r[0] for r in rows if r[0]}), sorted({r[1] for r in rows if r[1]})


def school_names(store: Store, query: LessonQuery) -> list[str]:
    """The schools of the place's stored lessons (links from a region's portrait to its schools)."""
    from sqlalchemy import select

    from lessonlens.store.models import lesson_table, school_table
    from lessonlens.store.queries import conditions

    stmt = (select(school_table.c.name).where(school_table.c.id.in_(
        select(lesson_table.c.school_id).where(*conditions(query)))).distinct())
    with store.engine.connect() as conn:
        return sorted(name for name in conn.scalars(stmt) if name)


def region_names(store: Store) -> list[str]:
    """Every region of the stored lessons (links from the district's portrait, for admins)."""
    from sqlalchemy import select

    from lessonlens.store.models import lesson_table, region_table

    stmt = select(region_table.c.name).where(region_table.c.id.in_(select(lesson_table.c.region_id))).distinct()
    with store.engine.connect() as conn:
        return sorted(name for name in conn.scalars(stmt) if name)
