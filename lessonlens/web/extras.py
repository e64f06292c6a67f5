"""What comes with a lesson's recordings, as in a batch's lesson folder (``lessonlens.jobs.manifest``):
its ``lesson.yaml`` (the lesson's fields and the recordings' ``offsets``), the room layout, and the
raters' score sheets of a rubric (``rubric/<rubric-id>/*``). Each file is checked when it arrives
(name, size, content) and refused with one line naming the user's file; the checked files are kept
in the lesson's folder under names the server makes, and go into the job's :class:`LessonSpec`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta, MediaRole
from lessonlens.jobs.manifest import parse_offsets
from lessonlens.jobs.spec import DEFAULT_RUBRIC, RubricSheets

#: largest lesson.yaml (a few fields)
MAX_LESSON_YAML = 64 * 1024
#: largest score sheet, and how many one upload may carry
MAX_RUBRIC_SHEET = 5 * 1024 * 1024
MAX_RUBRIC_SHEETS = 50
SHEET_SUFFIXES = (".csv", ".xlsx", ".json")
#: the lesson.yaml keys an upload takes (its id is the server's; recordings and layout are uploaded)
YAML_FIELDS = ("title", "teacher", "school", "region", "subject", "grade", "date", "duration", "extra", "offsets")

_T = {
    "yaml_kind": Text(zh="{name} 不是 lesson.yaml（应为 .yaml 或 .yml）",
                      en="{name} is not a lesson.yaml (.yaml or .yml)"),
    "yaml_big": Text(zh="{name} 超过 64 KB，不像 lesson.yaml", en="{name} is over 64 KB: not a lesson.yaml"),
    "yaml_map": Text(zh="{name} 应为“字段: 值”的映射", en="{name} must be a mapping of field: value"),
    "yaml_keys": Text(zh="{name}：未知字段 {names}（可用：{known}）",
                      en="{name}: unknown field(s) {names} (known: {known})"),
    "problem": Text(zh="{name}：{problem}", en="{name}: {problem}"),
    "sheet_kind": Text(zh="{name} 不是评分表（CSV、XLSX 或 JSON）",
                       en="{name} is not a score sheet (CSV, XLSX or JSON)"),
    "sheet_big": Text(zh="{name} 超过 5 MB，不像评分表", en="{name} is over 5 MB: not a score sheet"),
    "sheets_many": Text(zh="评分表最多 {n} 份", en="at most {n} score sheets"),
    "rubric": Text(zh="未知量规 {rubric}（可用：{known}）", en="unknown rubric {rubric} (available: {known})"),
    "more": Text(zh="（另有 {n} 处问题）", en=" (and {n} more problems)"),
}


@attrs.frozen
class Attachments:
    """The files that came with the recordings: (file name, bytes) each."""

    lesson_yaml: tuple[str, bytes] | None = None
    layout: tuple[str, bytes] | None = None
    sheets: tuple[tuple[str, bytes], ...] = ()
    rubric: str = DEFAULT_RUBRIC

    @property
    def empty(self) -> bool:
        return self.lesson_yaml is None and self.layout is None and not self.sheets


#: no attachments
NONE = Attachments()


@attrs.frozen
class Kept:
    """The checked attachments, kept in the lesson's folder."""

    fields: dict[str, Any] = attrs.field(factory=dict)
    offsets: dict[MediaRole, float] = attrs.field(factory=dict)
    layout: Path | None = None
    rubrics: tuple[RubricSheets, ...] = ()


#: largest room-layout file (a few zones of YAML)
MAX_LAYOUT = 64 * 1024
_LAYOUT_BIG = Text(zh="{name} 超过 64 KB，不像教室布局文件", en="{name} is over 64 KB: not a room layout")


def save_layout(folder: Path, filename: str, data: bytes) -> Path:
    """Check a room-layout YAML (the zones of the teacher camera's picture) and keep it as
    ``layout.yaml`` in ``folder``; a bad one is an InputError naming the user's file."""
    from lessonlens.media.layout import read_layout

    if len(data) > MAX_LAYOUT:
        raise InputError(_LAYOUT_BIG, name=filename)
    path = folder / "layout.yaml"
    path.write_bytes(data)
    try:
        read_layout(path)
    except InputError as exc:
        path.unlink(missing_ok=True)
        raise InputError(Text(zh="{name}：{problem}", en="{name}: {problem}"), name=filename,
                         problem=exc.message().replace(str(path), filename).removeprefix(filename + ": ")) from None
    return path


def rubric_ids() -> list[str]:
    """The registered rubrics score sheets may be given for (valid schemas only)."""
    from lessonlens.rubric.catalog import list_rubric_schemas

    return [e.id for e in list_rubric_schemas() if not e.problems]


def _renamed(exc: InputError, path: Path, name: str) -> InputError:
    """The error of a kept file, naming the user's file instead, on one line."""
    lines = exc.message().replace(str(path), name).splitlines() or ["-"]
    problem = lines[0].removeprefix(name + ": ").removeprefix(name + "：")
    if len(lines) > 1:
        problem += _T["more"].format(n=len(lines) - 1)
    return InputError(_T["problem"], name=name, problem=problem)


def read_lesson_yaml(folder: Path, name: str, data: bytes) -> tuple[dict[str, Any], dict[MediaRole, float]]:
    """Check an uploaded lesson.yaml and keep it as ``lesson.yaml``: its lesson fields and offsets."""
    from lessonlens.perception.meta import lesson_meta_from_mapping
    from lessonlens.tables.yaml_files import read_yaml_file

    if Path(name).suffix.lower() not in (".yaml", ".yml"):
        raise InputError(_T["yaml_kind"], name=name)
    if len(data) > MAX_LESSON_YAML:
        raise InputError(_T["yaml_big"], name=name)
    path = folder / "lesson.yaml"
    path.write_bytes(data)
    try:
        try:
            loaded = read_yaml_file(path) or {}
        except ValueError as exc:
            raise InputError(_T["problem"], name=name, problem=" ".join(str(exc).split())) from None
        if not isinstance(loaded, dict):
            raise InputError(_T["yaml_map"], name=name)
        data_map = {str(k): v for k, v in loaded.items()}
        unknown = sorted(set(data_map) - set(YAML_FIELDS) - {"id"})
        if unknown:
            raise InputError(_T["yaml_keys"], name=name, names=", ".join(unknown), known=", ".join(YAML_FIELDS))
        offsets = parse_offsets(data_map.pop("offsets", None), path, 1)
        data_map.pop("id", None)  # the server names lessons
        meta = lesson_meta_from_mapping(data_map, path, "upload")
    except InputError as exc:
        path.unlink(missing_ok=True)
        raise _renamed(exc, path, name) from None
    fields = {k: getattr(meta, k) for k in data_map}
    return fields, offsets


def save_sheets(folder: Path, rubric: str, sheets: tuple[tuple[str, bytes], ...]) -> RubricSheets | None:
    """Check raters' score sheets against ``rubric`` (a registered one) and keep them under
    ``rubric/<rubric>/``; every problem of every sheet is reported, the first on the line."""
    from lessonlens.rubric.scoring import read_score_sheets

    if not sheets:
        return None
    known = rubric_ids()
    if rubric not in known:
        raise InputError(_T["rubric"], rubric=rubric, known=", ".join(known) or "-")
    if len(sheets) > MAX_RUBRIC_SHEETS:
        raise InputError(_T["sheets_many"], n=MAX_RUBRIC_SHEETS)
    target = folder / "rubric" / rubric
    target.mkdir(parents=True, exist_ok=True)
    kept: list[Path] = []
    names: dict[str, str] = {}
    for n, (name, data) in enumerate(sheets, start=1):
        suffix = Path(name).suffix.lower()
        if suffix not in SHEET_SUFFIXES:
            raise InputError(_T["sheet_kind"], name=name)
        if len(data) > MAX_RUBRIC_SHEET:
            raise InputError(_T["sheet_big"], name=name)
        stem = re.sub(r"[^\w.-]+", "_", Path(name).stem, flags=re.UNICODE).strip("._")[:60] or "sheet"
        path = target / f"{n:02d}-{stem}{suffix}"
        path.write_bytes(data)
        kept.append(path)
        names[str(path)] = name
    try:
        read_score_sheets(rubric, kept)
    except InputError as exc:
        first = exc.message().splitlines()[0] if exc.message() else ""
        culprit = next((p for p in kept if str(p) in first), kept[0])
        raise _renamed(exc, culprit, names[str(culprit)]) from None
    return RubricSheets(rubric, tuple(str(p) for p in kept))


def keep(folder: Path, attachments: Attachments) -> Kept:
    """Check and keep every attachment in ``folder`` (the caller removes the folder on an error)."""
    fields: dict[str, Any] = {}
    offsets: dict[MediaRole, float] = {}
    if attachments.lesson_yaml is not None:
        fields, offsets = read_lesson_yaml(folder, *attachments.lesson_yaml)
    layout = save_layout(folder, *attachments.layout) if attachments.layout is not None else None
    sheets = save_sheets(folder, attachments.rubric or DEFAULT_RUBRIC, attachments.sheets)
    return Kept(fields=fields, offsets=offsets, layout=layout, rubrics=(sheets,) if sheets else ())


def moved(source: Path, target: Path) -> Kept:
    """Move the attachments :func:`keep` kept in ``source`` (a resumable upload's folder) to the
    lesson's folder ``target`` and say what they are there."""
    fields: dict[str, Any] = {}
    offsets: dict[MediaRole, float] = {}
    if (source / "lesson.yaml").is_file():
        (source / "lesson.yaml").replace(target / "lesson.yaml")
        fields, offsets = read_lesson_yaml(target, "lesson.yaml", (target / "lesson.yaml").read_bytes())
    layout = None
    if (source / "layout.yaml").is_file():
        layout = target / "layout.yaml"
        (source / "layout.yaml").replace(layout)
    rubrics = []
    if (source / "rubric").is_dir():
        (source / "rubric").replace(target / "rubric")
        for folder in sorted(p for p in (target / "rubric").iterdir() if p.is_dir()):
            files = tuple(str(f) for f in sorted(folder.iterdir()) if f.suffix.lower() in SHEET_SUFFIXES)
            if files:
                rubrics.append(RubricSheets(folder.name, files))
    return Kept(fields=fields, offsets=offsets, layout=layout, rubrics=tuple(rubrics))


def lesson_of(lesson_id: str, form: dict[str, str], kept: Kept, owner_label: str, school: str,
              region: str, date: dt.date | None) -> LessonMeta:
    """The lesson's metadata: what the form says, else what its lesson.yaml says; the school and
    region are the uploading teacher's (they decide who a shared lesson opens to), else the yaml's."""
    y = kept.fields

    def pick(name: str, limit: int) -> str:
        return (form.get(name, "").strip() or str(y.get(name) or "").strip())[:limit]

    return LessonMeta(id=lesson_id, title=pick("title", 500), subject=pick("subject", 100),
                      grade=pick("grade", 100), teacher=(pick("teacher", 200) or owner_label)[:200],
                      school=school or str(y.get("school") or "")[:200],
                      region=region or str(y.get("region") or "")[:200],
                      date=date or y.get("date"), duration=y.get("duration"), extra=y.get("extra") or {})


