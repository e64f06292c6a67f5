"""Batch manifests: CSV and YAML with the documented columns, the folder convention, one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from lessonlens.core.errors import InputError
from lessonlens.core.lesson import MediaRole
from lessonlens.jobs import RubricSheets, read_manifest
from lessonlens.jobs.manifest import COLUMNS
from tests.support.batch import write_manifest


def test_a_csv_manifest_with_every_column(tmp_path: Path) -> None:
    row = {"lesson_id": "L1", "teacher": "王老师", "school": "一中", "region": "海淀区", "subject": "数学",
           "grade": "五年级", "date": "2026-09-01", "teacher_video": "rec/t.mp4", "students_video": "/abs/s.mp4",
           "board_video": "s3://district/b.mp4", "audio": "rec/mic.m4a", "video": "",
           "offsets": "audio=1.5;board=-0.4", "layout": "room.yaml",
           "rubric_sheets": "rec/wang.xlsx|rec/li.csv;teaching-design=td.csv"}
    assert tuple(row) == COLUMNS
    path = write_manifest(tmp_path / "term.csv", [row, {"lesson_id": "L2", "video": "mixed.mp4"}])
    first, second = read_manifest(path)
    assert first.lesson.id == "L1" and first.lesson.teacher == "王老师" and first.lesson.region == "海淀区"
    assert first.lesson.date == dt.date(2026, 9, 1) and first.source == f"{path}:2"
    media = {m.role: m for m in first.media}
    assert media[MediaRole.TEACHER].path == str(tmp_path / "rec" / "t.mp4")
    assert media[MediaRole.STUDENTS].path == "/abs/s.mp4"
    assert media[MediaRole.BOARD].path == "s3://district/b.mp4" and media[MediaRole.BOARD].offset == -0.4
    assert media[MediaRole.AUDIO].offset == 1.5 and MediaRole.MIXED not in media
    assert first.layout == str(tmp_path / "room.yaml")
    assert first.rubrics == (
        RubricSheets("classroom-teaching", (str(tmp_path / "rec" / "wang.xlsx"), str(tmp_path / "rec" / "li.csv"))),
        RubricSheets("teaching-design", (str(tmp_path / "td.csv"),)))
    assert [m.role for m in second.media] == [MediaRole.MIXED] and second.lesson.teacher == ""


def test_a_csv_manifest_is_read_like_every_sheet(tmp_path: Path) -> None:
    """GB18030 as Chinese Excel saves it, a semicolon separator, padded header cells: tables.read's rules."""
    path = tmp_path / "term.csv"
    path.write_bytes("lesson_id ; teacher;video\n\nL1;王老师;v.mp4\n".encode("gb18030"))
    (spec,) = read_manifest(path)
    assert spec.lesson.id == "L1" and spec.lesson.teacher == "王老师" and spec.source == f"{path}:3"
    assert [m.path for m in spec.media] == [str(tmp_path / "v.mp4")]


def test_a_yaml_manifest_takes_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "term.yaml"
    path.write_text(yaml.safe_dump({"lessons": [
        {"lesson_id": "L1", "date": dt.date(2026, 9, 2), "video": "v.mp4", "offsets": {"audio": 2},
         "audio": "a.m4a", "rubric_sheets": {"classroom-teaching": ["x.csv"]}},
    ]}, allow_unicode=True), encoding="utf-8")
    (spec,) = read_manifest(path)
    assert spec.lesson.date == dt.date(2026, 9, 2)
    assert {m.role: m.offset for m in spec.media} == {MediaRole.AUDIO: 2.0, MediaRole.MIXED: 0.0}
    assert spec.rubrics == (RubricSheets("classroom-teaching", (str(tmp_path / "x.csv"),)),)


@pytest.mark.parametrize(("rows", "message"), [
    ([{"lesson_id": "L1", "video": "v.mp4", "camera": "x", "notes": "y"}], "unknown column(s) camera, notes"),
    ([{"lesson_id": "", "video": "v.mp4"}], "row 2 has no lesson_id"),
    ([{"lesson_id": "L1", "video": "v.mp4"}, {"lesson_id": "L1", "video": "w.mp4"}],
     "lesson_id L1 appears twice (rows 2 and 3)"),
    ([{"lesson_id": "L1", "teacher": "王"}], "row 2 (L1) names no recording"),
    ([{"lesson_id": "L1", "video": "v.mp4", "offsets": "sound=1"}], "row 2: offsets must be ROLE=SECONDS"),
    ([{"lesson_id": "L1", "video": "v.mp4", "date": "2026-13-01"}], "row 2: "),
])
def test_manifest_problems_are_one_line_naming_file_and_row(tmp_path: Path, rows: list[dict[str, str]],
                                                            message: str) -> None:
    path = write_manifest(tmp_path / "m.csv", rows)
    with pytest.raises(InputError) as caught:
        read_manifest(path)
    line = caught.value.message("en")
    assert line.startswith(f"{path}: ") and message in line and "\n" not in line


def test_other_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_manifest(tmp_path / "none.csv")
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(InputError, match=r"\.csv, \.xlsx or \.yaml"):
        read_manifest(tmp_path / "m.txt")


def test_a_folder_of_lesson_folders(tmp_path: Path) -> None:
    one = tmp_path / "2026-09-01-wang"
    (one / "rubric" / "classroom-teaching").mkdir(parents=True)
    for name in ("teacher.mp4", "students.mp4", "audio.m4a", "layout.yaml", "notes.txt",
                 "rubric/classroom-teaching/wang.csv"):
        (one / name).write_text("x")
    (one / "lesson.yaml").write_text(yaml.safe_dump(
        {"title": "分数", "teacher": "王老师", "date": "2026-09-01", "offsets": {"audio": 0.8}}, allow_unicode=True),
        encoding="utf-8")
    two = tmp_path / "b"
    two.mkdir()
    (two / "video.mkv").write_text("x")
    (two / "lesson.yaml").write_text("id: custom-id\n")
    (tmp_path / "not-a-lesson").mkdir()
    first, second = read_manifest(tmp_path)
    assert first.lesson.id == "2026-09-01-wang" and first.lesson.title == "分数"
    assert {m.role: Path(m.path).name for m in first.media} == {
        MediaRole.TEACHER: "teacher.mp4", MediaRole.STUDENTS: "students.mp4", MediaRole.AUDIO: "audio.m4a"}
    assert next(m for m in first.media if m.role is MediaRole.AUDIO).offset == 0.8
    assert first.layout == str(one / "layout.yaml")
    assert first.rubrics == (RubricSheets("classroom-teaching", (str(one / "rubric/classroom-teaching/wang.csv"),)),)
    assert second.lesson.id == "custom-id" and [m.role for m in second.media] == [MediaRole.MIXED]
    (two / "video.mp4").write_text("x")
    with pytest.raises(InputError, match=r"more than one recording for role mixed: video\.mkv, video\.mp4"):
        read_manifest(tmp_path)
    # one lesson's own folder (it holds its lesson.yaml) is that one lesson
    (alone,) = read_manifest(one)
    assert alone == first
