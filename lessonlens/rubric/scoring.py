"""The public rubric API: find a schema, read raters' sheets, score a lesson, write a template,
attach a result to an analysis document.

    >>> import lessonlens
    >>> result = lessonlens.score("classroom-teaching", ["wang.xlsx", "li.csv"], lesson="2024-05-17-g6-en")
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.rubric import RubricResult, RubricSchema, ScoreSheet
from lessonlens.files.documents import load, save
from lessonlens.files.gates import check_output_file
from lessonlens.rubric.aggregate import aggregate
from lessonlens.rubric.catalog import RubricEntry, find_rubric_schema
from lessonlens.rubric.catalog import list_rubric_schemas as _list
from lessonlens.rubric.schema_io import validate_rubric_schema
from lessonlens.rubric.sheet_io import SheetsRead
from lessonlens.rubric.sheet_io import read_score_sheets as _read
from lessonlens.rubric.sheet_write import template_sheets, write_score_sheets
from lessonlens.rubric.tree import RubricTree, rubric_tree
from lessonlens.tables.problems import raise_errors

SchemaRef = RubricSchema | str | Path
SheetRef = ScoreSheet | str | Path
LessonRef = LessonMeta | Analysis | str | None


def load_rubric_schema(schema: SchemaRef, paths: Sequence[str | Path] = ()) -> RubricSchema:
    """A schema object (checked), a schema file, or the id of a registered schema (``paths`` searched first)."""
    if isinstance(schema, RubricSchema):
        raise_errors(validate_rubric_schema(schema))
        return schema
    return find_rubric_schema(schema, paths)


def list_rubric_schemas(paths: Sequence[str | Path] = ()) -> list[RubricEntry]:
    """Schemas found in ``paths``, ``LESSONLENS_RUBRIC_PATH`` and those plugins register."""
    return _list(paths)


def _tree(schema: SchemaRef | RubricTree, paths: Sequence[str | Path] = ()) -> RubricTree:
    return schema if isinstance(schema, RubricTree) else rubric_tree(load_rubric_schema(schema, paths))


def read_score_sheets(schema: SchemaRef, files: Iterable[str | Path], paths: Sequence[str | Path] = ()) -> SheetsRead:
    """Raters' sheets from CSV / XLSX / JSON files; errors of every file raise together."""
    return _read(files, _tree(schema, paths))


def score(schema: SchemaRef, sheets: Iterable[SheetRef], lesson: LessonRef = None,
          paths: Sequence[str | Path] = ()) -> RubricResult:
    """Score one lesson: aggregate the raters' sheets (objects or files) on the rubric ``schema``."""
    tree = _tree(schema, paths)
    items = list(sheets)
    files = [s for s in items if not isinstance(s, ScoreSheet)]
    read = _read(files, tree) if files else SheetsRead((), ())
    by_file: dict[str, list[ScoreSheet]] = {}
    for sheet, source in zip(read.sheets, read.sources, strict=True):
        by_file.setdefault(source, []).append(sheet)
    collected: list[ScoreSheet] = []
    sources: list[str | None] = []
    for item in items:  # keep the raters in the order given
        found = [item] if isinstance(item, ScoreSheet) else by_file.pop(str(item), [])
        collected.extend(found)
        sources.extend(None if isinstance(item, ScoreSheet) else str(item) for _ in found)
    return aggregate(tree, collected, lesson=_lesson_id(lesson), sources=sources)


def _lesson_id(lesson: LessonRef) -> str:
    if isinstance(lesson, Analysis):
        return lesson.lesson.id
    if isinstance(lesson, LessonMeta):
        return lesson.id
    return lesson or ""


def write_rubric_template(schema: SchemaRef, path: str | Path, fmt: str | None = None, layout: str = "long",
                          raters: Sequence[str] = (), paths: Sequence[str | Path] = ()) -> Path:
    """A blank score sheet for ``schema`` (CSV or XLSX, by ``fmt`` or the file suffix)."""
    check_output_file(path)
    tree = _tree(schema, paths)
    return write_score_sheets(tree, template_sheets(tree, raters or ("",)), path, fmt, layout)


def attach_rubric_result(analysis: Analysis | str | Path, result: RubricResult) -> Analysis:
    """The analysis with ``result`` added (replacing an earlier result of the same rubric).

    Given a path, the analysis file is rewritten atomically.
    """
    doc = analysis if isinstance(analysis, Analysis) else load(analysis, Analysis)
    kept = tuple(r for r in doc.rubric_results if r.rubric != result.rubric)
    if not result.lesson:
        result = attrs.evolve(result, lesson=doc.lesson.id)
    updated = attrs.evolve(doc, rubric_results=(*kept, result))
    if not isinstance(analysis, Analysis):
        save(updated, analysis)
    return updated
