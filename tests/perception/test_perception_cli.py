"""Parsing the analyze command's options, and the media sources it builds."""

from __future__ import annotations

import pytest

from lessonlens.cli.analyze_cmd import _names, parse_offsets
from lessonlens.core.errors import InputError
from lessonlens.core.lesson import MediaRole
from lessonlens.perception import media_sources


def test_offsets_by_role() -> None:
    assert parse_offsets(["students=2.5", "board=-1"]) == {"students": 2.5, "board": -1.0}
    for bad in ("students", "camera=3", "students=soon"):
        with pytest.raises(InputError, match="ROLE=SECONDS"):
            parse_offsets([bad])


def test_detector_names_split_on_commas() -> None:
    assert _names(["speech,teacher-pose", " board-ocr "]) == ["speech", "teacher-pose", "board-ocr"]
    assert _names([]) is None


def test_media_sources_carry_roles_and_offsets() -> None:
    sources = media_sources(teacher="t.mp4", audio="a.m4a", offsets={"audio": 1.5})
    assert [(s.role, s.path, s.offset) for s in sources] == [
        (MediaRole.TEACHER, "t.mp4", 0.0), (MediaRole.AUDIO, "a.m4a", 1.5)]
    assert [s.role for s in media_sources(video="lesson.mp4")] == [MediaRole.MIXED]
