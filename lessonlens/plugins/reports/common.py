"""Helpers every report builder shares: labels in the report language, number formats, lesson facts,
the video the time links seek, and findings as template rows."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from lessonlens.core.analysis import Analysis
from lessonlens.core.findings import Finding
from lessonlens.core.i18n import pick
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.metrics import Metrics
from lessonlens.core.version import __version__
from lessonlens.files.gates import resolved
from lessonlens.plugins.reports import labels, svg

TEACHER: tuple[str, ...] = ("lecturing", "board_writing", "patrolling", "teacher_student_interaction")
STUDENTS: tuple[str, ...] = ("listening", "hand_raising", "answering", "reading_writing", "peer_interaction")
#: The key metrics shown in cards and side-by-side tables, in this order.
KEY_METRICS: tuple[str, ...] = (
    "rt", "ch", "mode", "participation_mean", "consistency_mean", "attention_mean", "longest_lecture",
    "switches_per_10min", "duration",
)
_PERCENT = {"participation_mean", "consistency_mean", "attention_mean"}
_SECONDS = {"duration", "longest_lecture"}


def ui(key: str, lang: str, **params: object) -> str:
    """A report text; a metric id (``mode``, ``duration``) is the metric's own label, never a copy here."""
    if key not in labels.UI and key in labels.metric_ids():
        return labels.metric_name(key).get(lang)
    return labels.UI[key].format(lang, **params)


def behaviour_labels(lang: str) -> dict[str, str]:
    return {b: text.get(lang) for b, text in labels.BEHAVIOURS.items()}


def mode_labels(lang: str) -> dict[str, str]:
    return {m: text.get(lang) for m, text in labels.modes().items()}


def metric_label(key: str, lang: str) -> str:
    return labels.metric_name(key).get(lang)


def format_metric(key: str, value: Any, lang: str) -> str:
    """A metric value as a teacher reads it: Rt/Ch with two decimals, means in %, durations as mm:ss."""
    if value is None:
        return ui("not_measured", lang)
    if key == "mode":
        text = labels.modes().get(str(value))
        return text.get(lang) if text else str(value)
    if key in _PERCENT:
        return svg.percent(float(value))
    if key in _SECONDS:
        return svg.clock(float(value))
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def lesson_name(lesson: LessonMeta) -> str:
    """A short name for a lesson in legends: teacher and date (or title, or id)."""
    parts = [p for p in (lesson.teacher, lesson.date.isoformat() if lesson.date else "") if p]
    return " ".join(parts) or lesson.title or lesson.id


def lesson_facts(lesson: LessonMeta, metrics: Metrics | None, lang: str) -> list[tuple[str, str]]:
    """(label, value) rows of the lesson's metadata for the report header; empty fields left out."""
    duration = lesson.duration or (metrics.scalars.get("duration") if metrics else None)
    rows = [
        (ui("teacher", lang), lesson.teacher),
        (ui("school", lang), lesson.school),
        (ui("subject", lang), lesson.subject),
        (ui("grade", lang), lesson.grade),
        (ui("date", lang), lesson.date.isoformat() if lesson.date else ""),
        (ui("duration", lang), svg.clock(float(duration)) if isinstance(duration, int | float) else ""),
    ]
    return [(k, str(v)) for k, v in rows if v]


def finding_rows(findings: Sequence[Finding], lang: str) -> list[dict[str, Any]]:
    """Findings for the template, most serious first; each time range becomes a seek link."""
    order = {"concern": 0, "warning": 1, "notice": 2, "info": 3, "strength": 4}
    rows = []
    for f in sorted(findings, key=lambda f: order.get(str(f.severity), 9)):
        severity = str(f.severity)
        rows.append({
            "id": f.id,
            "severity": severity,
            "severity_label": labels.SEVERITIES[severity].get(lang) if severity in labels.SEVERITIES else severity,
            "title": pick(f.title, lang),
            "explanation": pick(f.explanation, lang),
            "suggestion": pick(f.suggestion, lang) if f.suggestion else "",
            "ranges": [{"t": r.start, "label": f"{svg.clock(r.start)}–{svg.clock(r.end)}"} for r in f.time_ranges],
        })
    return rows


def video_source(video: str | None, analyses: Sequence[Analysis], output: Path) -> str:
    """What the report's ``<video>`` plays, relative to the report file where possible.

    An explicit ``video`` (path or URL) wins; otherwise a recording of the lesson that sits in the
    report's folder. '' when there is none, so the report shows no broken player.
    """
    folder = resolved(output).parent
    if video:
        if urlparse(video).scheme in ("http", "https", "file"):
            return video
        target = resolved(Path(video).expanduser())
        try:
            return quote(os.path.relpath(target, folder).replace(os.sep, "/"))
        except ValueError:  # another drive on Windows
            return target.as_uri()
    for analysis in analyses:
        for media in analysis.media:
            if (folder / Path(media.path).name).is_file():
                return quote(Path(media.path).name)
    return ""


def generated_line(lang: str) -> str:
    return ui("generated", lang, version=__version__)
