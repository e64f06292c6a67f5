"""What the submitted sheets of an event add up to: the rubric results (computed by
``lessonlens.rubric.aggregate``, the one implementation of the formulas), the rubric report's
sections for the page, exports in the format ``lessonlens rubric score`` reads, and the result
stored with the lesson (re-diagnosed, so the rules that read rubric facts fire).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.rubric import RubricResult
from lessonlens.rubric.aggregate import aggregate
from lessonlens.rubric.scoring import attach_rubric_result
from lessonlens.rubric.sheet_write import write_score_sheets
from lessonlens.store.api import Store
from lessonlens.web.observe.events import Event, sheets, tree_of

EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def event_results(store: Store, event: Event) -> list[RubricResult]:
    """One result per rubric of the event that has at least one submitted sheet."""
    out = []
    for rubric in event.rubrics:
        found = sheets(store.engine, event, rubric)
        if found:
            out.append(aggregate(tree_of(rubric), found, lesson=event.lesson_id))
    return out


def sections(result: RubricResult, lang: str) -> dict[str, Any]:
    """The rubric report's section for one result (matrix and radar SVGs, statistics, agreement,
    comments, notes) — the same builder the downloadable rubric report uses."""
    from lessonlens.plugins.reports.rubric import rubric_sections

    context, charts, _tables = rubric_sections(tree_of(result.rubric).schema, result, lang)
    return {**context, "charts": {c.id: c for c in charts}, "chart_list": charts, "rubric": result.rubric}


def export_sheets(event: Event, store: Store, rubric: str, fmt: str) -> bytes:
    """The submitted sheets of one rubric as a CSV or XLSX file (long layout, one rater after another)."""
    tree = tree_of(rubric)
    found = sheets(store.engine, event, rubric)
    with tempfile.TemporaryDirectory(prefix="lessonlens-observe-") as tmp:
        path = write_score_sheets(tree, found, Path(tmp) / f"sheets.{fmt}", fmt, "long")
        return Path(path).read_bytes()


def store_results(store: Store, event: Event) -> bool:
    """Attach the event's results to the lesson's stored analysis (replacing earlier results of the
    same rubrics) and diagnose it again, so rubric findings appear. False when the lesson has no
    stored analysis yet or nothing was submitted."""
    from lessonlens.diagnosis.diagnose import Diagnoser, attach_findings

    analysis = store.get(event.lesson_id)
    results = event_results(store, event)
    if analysis is None or not results:
        return False
    for result in results:
        analysis = attach_rubric_result(analysis, attrs.evolve(result, lesson=analysis.lesson.id))
    analysis = attach_findings(analysis, Diagnoser().diagnose(analysis))
    store.add([analysis])
    return True
