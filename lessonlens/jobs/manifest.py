"""Reading a batch: a manifest (CSV or XLSX, or YAML with the same keys) or a folder of lesson folders.

A manifest has one lesson per row with the columns of :data:`COLUMNS` (any subset; empty cells
allowed). Media paths are relative to the manifest, absolute, or fsspec URLs (``s3://…``) that the
workers can read. A folder holds one folder per lesson with role-named recordings
(``teacher.mp4``, ``students.mp4``, ``board.mp4``, ``audio.m4a``, ``video.mp4``), a ``lesson.yaml``
(the lesson's fields, plus optionally ``offsets`` and ``layout``), optionally ``layout.yaml`` and
``rubric/<rubric-id>/*`` score sheets. Every problem is one line naming the file and row.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole, MediaSource
from lessonlens.files.gates import check_input
from lessonlens.jobs.spec import DEFAULT_RUBRIC, LessonSpec, RubricSheets
from lessonlens.perception.meta import lesson_meta_from_mapping
from lessonlens.tables.read import read_tables
from lessonlens.tables.safety import MAX_SHEET_BYTES
from lessonlens.tables.yaml_files import read_yaml_file

#: the manifest's columns, in the documented order (``title`` is accepted too)
COLUMNS = ("lesson_id", "teacher", "school", "region", "subject", "grade", "date", "teacher_video",
           "students_video", "board_video", "audio", "video", "offsets", "layout", "rubric_sheets")
ACCEPTED = (*COLUMNS, "title")
#: media column -> role
MEDIA_COLUMNS = {"teacher_video": MediaRole.TEACHER, "students_video": MediaRole.STUDENTS,
                 "board_video": MediaRole.BOARD, "audio": MediaRole.AUDIO, "video": MediaRole.MIXED}
#: names an ``offsets`` cell may use for a role (the media column names work too)
OFFSET_NAMES = {**{r.value: r for r in MediaRole}, **MEDIA_COLUMNS, "video": MediaRole.MIXED}
#: file stems of a lesson folder -> role
FOLDER_ROLES = {"teacher": MediaRole.TEACHER, "students": MediaRole.STUDENTS, "board": MediaRole.BOARD,
                "audio": MediaRole.AUDIO, "video": MediaRole.MIXED}
MEDIA_SUFFIXES = {".mp4", ".mkv", ".mov", ".avi", ".ts", ".flv", ".webm", ".m4a", ".mp3", ".wav", ".aac",
                  ".flac", ".ogg", ".wma", ".wmv", ".mpg", ".mpeg", ".m4v"}
SHEET_SUFFIXES = {".csv", ".xlsx", ".json"}
_FOLDER_EXTRA = ("offsets", "layout")

_T = {
    "missing": Text(zh="批量清单不存在", en="batch manifest not found"),
    "format": Text(zh="批量清单应为 .csv、.xlsx、.yaml/.yml 文件或课例文件夹所在的目录",
                   en="a batch manifest must be a .csv, .xlsx or .yaml/.yml file, or a folder of lesson folders"),
    "unknown": Text(zh="未知列 {names}（可用：{known}）", en="unknown column(s) {names} (known: {known})"),
    "not_list": Text(zh="YAML 清单应为课例列表（或 lessons: 列表）",
                     en="a YAML manifest must be a list of lessons (or lessons: a list)"),
    "not_mapping": Text(zh="第 {row} 项应为“列: 值”的映射", en="item {row} must be a mapping of column: value"),
    "not_yaml": Text(zh="不是有效的 YAML：{error}", en="not valid YAML: {error}"),
    "no_id": Text(zh="第 {row} 行没有 lesson_id", en="row {row} has no lesson_id"),
    "duplicate": Text(zh="lesson_id {id} 出现了两次（第 {first} 行与第 {row} 行）",
                      en="lesson_id {id} appears twice (rows {first} and {row})"),
    "no_media": Text(zh="第 {row} 行（{id}）没有任何录像或录音", en="row {row} ({id}) names no recording"),
    "offset": Text(zh="第 {row} 行的 offsets 应写成 角色=秒;角色=秒（角色为 {roles}）：{value}",
                   en="row {row}: offsets must be ROLE=SECONDS;ROLE=SECONDS with ROLE one of {roles}: {value}"),
    "field": Text(zh="第 {row} 行：{problem}", en="row {row}: {problem}"),
    "empty": Text(zh="清单中没有课例", en="the manifest holds no lessons"),
    "two_files": Text(zh="{role} 角色有多个录像：{files}", en="more than one recording for role {role}: {files}"),
}


def read_manifest(path: str | Path) -> list[LessonSpec]:
    """The lessons of a CSV, XLSX or YAML manifest, of a folder of lesson folders, or of one lesson folder
    (a folder with its ``lesson.yaml``), checked, in order."""
    source = Path(path)
    if source.is_dir() and (source / "lesson.yaml").is_file():  # one lesson's folder
        specs = [_folder_lesson(source)]
    elif source.is_dir():
        specs = _folder_lessons(source)
    elif not os.path.lexists(source):
        raise InputError(_T["missing"], source)
    elif _regular(source) and source.suffix.lower() in (".csv", ".xlsx", ".xlsm"):  # the first worksheet
        specs = _rows_to_specs(source, _csv_rows(source))
    elif source.suffix.lower() in (".yaml", ".yml"):
        specs = _rows_to_specs(source, _yaml_rows(source))
    else:
        raise InputError(_T["format"], source)
    if not specs:
        raise InputError(_T["empty"], source)
    return specs


def _regular(path: Path) -> bool:
    """True for a regular file of a manifest's size; a FIFO, device or link loop is refused by name."""
    return bool(check_input(path, MAX_SHEET_BYTES))


def _csv_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a CSV or XLSX manifest by line number, read like every sheet (tables.read: the input
    gate and size limit, UTF-8 or GB18030, the separator of the header line; an XLSX's first worksheet,
    names merged over several rows filled down)."""
    table = read_tables(path)[0]
    _check_columns(path, [n for n in table.header if n])
    return [(number, {k: v for k, v in zip(table.header, cells, strict=False) if k}) for number, cells in table.rows]


def _yaml_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = read_yaml_file(path)  # within the YAML limits (alias bombs, depth, size)
    except ValueError as exc:  # a date YAML reads as one but is not
        raise InputError(_T["not_yaml"], path, error=" ".join(str(exc).split())) from None
    if isinstance(data, dict) and set(data) == {"lessons"}:
        data = data["lessons"]
    if not isinstance(data, list):
        raise InputError(_T["not_list"], path)
    rows = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputError(_T["not_mapping"], path, row=i)
        _check_columns(path, [str(k) for k in item])
        rows.append((i, {str(k): v for k, v in item.items()}))
    return rows


def _check_columns(path: Path, names: Iterable[str]) -> None:
    unknown = [n for n in names if n.strip() not in ACCEPTED]
    if unknown:
        raise InputError(_T["unknown"], path, names=", ".join(unknown), known=", ".join(COLUMNS))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()  # a date cell of a spreadsheet
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _media_path(value: str, base: Path) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).absolute())


def parse_offsets(value: Any, source: Path, row: int) -> dict[MediaRole, float]:
    """``audio=1.5;board=-0.4`` (or a YAML mapping) as seconds by role."""
    if value is None or value == "":
        return {}
    items = value.items() if isinstance(value, Mapping) else (
        part.partition("=")[::2] for part in str(value).replace(",", ";").split(";") if part.strip())
    offsets = {}
    for name, seconds in items:
        try:
            offsets[OFFSET_NAMES[str(name).strip()]] = float(seconds)
        except (KeyError, ValueError, TypeError):
            raise InputError(_T["offset"], source, row=row, roles="/".join(r.value for r in MediaRole),
                             value=value) from None
    return offsets


def parse_rubric_sheets(value: Any, base: Path) -> tuple[RubricSheets, ...]:
    """``classroom-teaching=a.csv|b.xlsx;teaching-design=c.csv`` (a bare list of files is
    ``classroom-teaching``), or a YAML mapping of rubric -> files, or a YAML list of files."""
    if value is None or value == "":
        return ()
    groups: dict[str, list[str]] = {}
    if isinstance(value, Mapping):
        pairs = [(str(k), v if isinstance(v, list) else [v]) for k, v in value.items()]
    elif isinstance(value, list):
        pairs = [(DEFAULT_RUBRIC, value)]
    else:
        pairs = []
        for part in str(value).split(";"):
            if not part.strip():
                continue
            rubric, sep, cell = part.partition("=")
            if not sep:
                rubric, cell = DEFAULT_RUBRIC, part
            pairs.append((rubric.strip(), cell.split("|")))
    for rubric, files in pairs:
        groups.setdefault(rubric, []).extend(_media_path(str(f).strip(), base) for f in files if str(f).strip())
    return tuple(RubricSheets(rubric, tuple(found)) for rubric, found in groups.items() if found)


def _rows_to_specs(source: Path, rows: Sequence[tuple[int, dict[str, Any]]]) -> list[LessonSpec]:
    base = source.parent
    specs: list[LessonSpec] = []
    seen: dict[str, int] = {}
    for row, raw in rows:
        cells = {k.strip(): v for k, v in raw.items()}
        lesson_id = _text(cells.get("lesson_id"))
        if not lesson_id:
            raise InputError(_T["no_id"], source, row=row)
        if lesson_id in seen:
            raise InputError(_T["duplicate"], source, id=lesson_id, first=seen[lesson_id], row=row)
        seen[lesson_id] = row
        offsets = parse_offsets(cells.get("offsets"), source, row)
        media = tuple(MediaSource(_media_path(_text(cells[col]), base), role, offsets.get(role, 0.0))
                      for col, role in MEDIA_COLUMNS.items() if _text(cells.get(col)))
        if not media:
            raise InputError(_T["no_media"], source, row=row, id=lesson_id)
        fields = {name: _text(cells.get(name)) for name in ("title", "teacher", "school", "region", "subject",
                                                            "grade", "date")}
        try:
            meta = lesson_meta_from_mapping({"id": lesson_id, **fields}, f"{source}:{row}", lesson_id)
        except InputError as exc:
            raise InputError(_T["field"], source, row=row, problem=exc.message()) from None
        layout = _text(cells.get("layout"))
        specs.append(LessonSpec(lesson=meta, media=media, layout=_media_path(layout, base) if layout else None,
                                rubrics=parse_rubric_sheets(cells.get("rubric_sheets"), base),
                                source=f"{source}:{row}"))
    return specs


def _folder_lessons(root: Path) -> list[LessonSpec]:
    return [_folder_lesson(folder) for folder in sorted(p for p in root.iterdir() if p.is_dir())
            if (folder / "lesson.yaml").is_file()]


def _folder_lesson(folder: Path) -> LessonSpec:
    meta_file = folder / "lesson.yaml"
    try:
        data = read_yaml_file(meta_file) or {}
    except ValueError as exc:
        raise InputError(_T["not_yaml"], meta_file, error=" ".join(str(exc).split())) from None
    if not isinstance(data, dict):
        raise InputError(_T["not_mapping"], meta_file, row=1)
    extra = {k: data.pop(k) for k in _FOLDER_EXTRA if k in data}
    meta = lesson_meta_from_mapping(data, meta_file, folder.name)
    offsets = parse_offsets(extra.get("offsets"), meta_file, 1)
    found: dict[MediaRole, list[Path]] = {}
    for file in sorted(folder.iterdir()):
        role = FOLDER_ROLES.get(file.stem.lower())
        if role is not None and file.is_file() and file.suffix.lower() in MEDIA_SUFFIXES:
            found.setdefault(role, []).append(file)
    for role, files in found.items():
        if len(files) > 1:
            raise InputError(_T["two_files"], folder, role=role.value, files=", ".join(f.name for f in files))
    if not found:
        raise InputError(_T["no_media"], folder, row=1, id=meta.id)
    media = tuple(MediaSource(str(found[role][0].absolute()), role, offsets.get(role, 0.0))
                  for role in FOLDER_ROLES.values() if role in found)
    layout = _text(extra.get("layout")) or ("layout.yaml" if (folder / "layout.yaml").is_file() else "")
    rubric_dir = folder / "rubric"
    rubrics = tuple(
        RubricSheets(sub.name, tuple(str(f.absolute()) for f in sorted(sub.iterdir())
                                     if f.suffix.lower() in SHEET_SUFFIXES))
        for sub in (sorted(p for p in rubric_dir.iterdir() if p.is_dir()) if rubric_dir.is_dir() else ()))
    return LessonSpec(lesson=meta, media=media, layout=_media_path(layout, folder) if layout else None,
                      rubrics=tuple(r for r in rubrics if r.sheets), source=str(meta_file))
