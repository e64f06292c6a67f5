"""What one analysis job is: a lesson's metadata, its recordings, room layout and raters' sheets.

A :class:`LessonSpec` is what a manifest row, a lesson folder or the web application describes; it
travels to the worker that analyses the lesson and is kept (as JSON) in the jobs table, so a
failed job can be retried from the table alone.
"""

from __future__ import annotations

import json

import attrs

from lessonlens.core.documents import converter
from lessonlens.core.lesson import LessonMeta, MediaSource

#: the rubric of a ``rubric_sheets`` cell that names none
DEFAULT_RUBRIC = "classroom-teaching"


@attrs.frozen
class RubricSheets:
    """Raters' score sheets of one rubric for the lesson (paths or URLs)."""

    rubric: str
    sheets: tuple[str, ...]


@attrs.frozen
class LessonSpec:
    """One lesson to analyse. Media paths are absolute paths or fsspec URLs the workers can read.

    ``source`` says where the lesson was described (``manifest.csv:7``), for messages.
    """

    lesson: LessonMeta
    media: tuple[MediaSource, ...]
    layout: str | None = None
    rubrics: tuple[RubricSheets, ...] = ()
    source: str = ""

    @property
    def lesson_id(self) -> str:
        return self.lesson.id


def spec_to_json(spec: LessonSpec) -> str:
    return json.dumps(converter.unstructure(spec), ensure_ascii=False, sort_keys=True)


def spec_from_json(text: str) -> LessonSpec:
    return converter.structure(json.loads(text), LessonSpec)
