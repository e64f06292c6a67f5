"""Where rubric schemas come from: paths a user gives, ``LESSONLENS_RUBRIC_PATH``, then the paths
plugins register (lessonlens' own schemas are one such plugin). The first schema with an id wins.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.plugins import get_manager
from lessonlens.core.rubric import RubricSchema
from lessonlens.rubric.schema_io import check_rubric_schema_file, read_rubric_schema
from lessonlens.tables.problems import Problem

ENV_VAR = "LESSONLENS_RUBRIC_PATH"
SUFFIXES = (".yaml", ".yml", ".json")

_UNKNOWN = Text(zh="找不到量规 {ref}（既不是文件，也不是已注册量规的编号）；可用：{known}",
                en="no rubric {ref} (neither a file nor the id of a registered rubric); available: {known}")


@attrs.frozen
class RubricEntry:
    """A schema file found on the search path; ``problems`` is empty when it is valid."""

    id: str
    name: dict[str, str]
    kind: str
    path: Path
    origin: str
    problems: tuple[Problem, ...] = ()


def search_paths(extra: Sequence[str | Path] = ()) -> list[tuple[Path, str]]:
    """Directories or files to search, each with where it came from, in the order they win."""
    paths: list[tuple[Path, str]] = [(Path(p), "user") for p in extra]
    paths += [(Path(p), ENV_VAR) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    paths += [(reg.item, reg.plugin) for reg in get_manager().registry.rubric_schema_paths]
    return paths


def schema_files(paths: Iterable[tuple[Path, str]]) -> Iterator[tuple[Path, str]]:
    for path, origin in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.suffix.lower() in SUFFIXES and file.is_file() and not file.name.startswith("."):
                    yield file, origin
        elif path.is_file():
            yield path, origin


def list_rubric_schemas(extra: Sequence[str | Path] = ()) -> list[RubricEntry]:
    """Every schema file on the search path (valid or not), shadowed ids left out."""
    entries: list[RubricEntry] = []
    seen: set[str] = set()
    for file, origin in schema_files(search_paths(extra)):
        schema, problems = check_rubric_schema_file(file)
        errors = tuple(p for p in problems if not p.warning)
        schema_id = schema.id if schema is not None and schema.id else file.stem
        if schema_id in seen:
            continue
        seen.add(schema_id)
        entries.append(RubricEntry(id=schema_id, name=dict(schema.name) if schema else {},
                                   kind=schema.kind if schema else "", path=file, origin=origin, problems=errors))
    return entries


def find_rubric_schema(ref: str | Path, extra: Sequence[str | Path] = ()) -> RubricSchema:
    """The schema at path ``ref``, or the registered schema whose id is ``ref``."""
    path = Path(ref)
    if path.is_file() or path.suffix.lower() in SUFFIXES or os.sep in str(ref):
        return read_rubric_schema(path)
    entries = list_rubric_schemas(extra)
    for entry in entries:
        if entry.id == str(ref):
            return read_rubric_schema(entry.path)
    known = ", ".join(e.id for e in entries if not e.problems) or "-"
    raise InputError(_UNKNOWN, ref=ref, known=known)
