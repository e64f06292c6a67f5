"""Who taught what, when, and which recordings show it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import attrs


class MediaRole(StrEnum):
    """What a recording shows; a smart recording classroom usually has several."""

    TEACHER = "teacher"
    STUDENTS = "students"
    BOARD = "board"
    MIXED = "mixed"
    AUDIO = "audio"


@attrs.frozen
class MediaSource:
    """One recording of the lesson; ``offset`` (s) is added to its clock to align it with the lesson."""

    path: str
    role: MediaRole = attrs.field(converter=MediaRole)
    offset: float = 0.0
    duration: float | None = None


@attrs.frozen
class LessonMeta:
    """Lesson metadata; ``id`` is stable across re-analyses and identifies the lesson in the store."""

    id: str
    title: str = ""
    subject: str = ""
    grade: str = ""
    teacher: str = ""
    school: str = ""
    region: str = ""
    date: dt.date | None = None
    duration: float | None = None
    extra: dict[str, str] = attrs.field(factory=dict)
