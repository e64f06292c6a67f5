"""Lesson metadata from a YAML (or JSON) file: the fields of :class:`LessonMeta`, nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta
from lessonlens.tables.times import parse_date
from lessonlens.tables.yaml_files import read_yaml_file

_MISSING = Text(zh="课堂信息文件不存在", en="lesson metadata file not found")
_NOT_YAML = Text(zh="不是有效的 YAML：{error}", en="not valid YAML: {error}")
_NOT_MAPPING = Text(zh="应为“字段: 值”形式的映射", en="expected a mapping of field: value")
_UNKNOWN = Text(zh="未知字段 {names}（可用：{known}）", en="unknown field(s) {names} (known: {known})")
_BAD_VALUE = Text(zh="字段 {name} 的值 {value!r} 无效：{problem}",
                  en="field {name}: invalid value {value!r}: {problem}")

FIELDS = tuple(f.name for f in attrs.fields(LessonMeta))


def read_lesson_meta(path: str | Path) -> LessonMeta:
    """The lesson described in ``path``; ``id`` defaults to the file's stem."""
    file = Path(path)
    try:
        data = read_yaml_file(file) or {}
    except ValueError as exc:  # a date YAML reads as one but is not
        raise InputError(_NOT_YAML, file, error=" ".join(str(exc).split())) from None
    if not isinstance(data, dict):
        raise InputError(_NOT_MAPPING, file)
    return lesson_meta_from_mapping(data, file, file.stem)


def lesson_meta_from_mapping(data: dict[str, Any], source: str | Path, default_id: str) -> LessonMeta:
    """The lesson of a mapping of :class:`LessonMeta` fields read from ``source`` (named in errors)."""
    unknown = sorted(set(map(str, data)) - set(FIELDS))
    if unknown:
        raise InputError(_UNKNOWN, source, names=", ".join(unknown), known=", ".join(FIELDS))
    values: dict[str, Any] = {k: v for k, v in data.items() if v is not None and v != ""}
    values.setdefault("id", default_id)
    for name in ("id", "title", "subject", "grade", "teacher", "school", "region"):
        if name in values:
            values[name] = str(values[name])
    try:
        if "date" in values:  # 2026-11-03, Excel's 2026/11/3 in CSV, a date cell, 2026年11月3日
            values["date"] = parse_date(values["date"])
        if "duration" in values:
            values["duration"] = float(values["duration"])
            if values["duration"] <= 0:
                raise ValueError("must be positive")
        if "extra" in values:
            if not isinstance(values["extra"], dict):
                raise ValueError("must be a mapping")
            values["extra"] = {str(k): str(v) for k, v in values["extra"].items()}
    except (ValueError, TypeError) as exc:
        name = next((n for n in ("date", "duration", "extra") if n in values and str(exc)), "?")
        raise InputError(_BAD_VALUE, source, name=name, value=data.get(name), problem=exc) from None
    return LessonMeta(**values)
