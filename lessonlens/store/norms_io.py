"""Norms as a JSON file, so diagnosis can use them without a database at hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cattrs

from lessonlens.core.documents import converter
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.atomic import write_text_atomic
from lessonlens.files.gates import read_input_bytes
from lessonlens.files.json_gate import load_json
from lessonlens.store.results import Norms

SCHEMA = "lessonlens.norms/1"
_BAD = Text(zh="不是 lessonlens 常模文件：{problem}", en="not a lessonlens norms file: {problem}")


def norms_to_dict(norms: Norms) -> dict[str, Any]:
    return {"schema": SCHEMA, **converter.unstructure(norms)}


def write_norms(norms: Norms, path: str | Path) -> Path:
    write_text_atomic(path, json.dumps(norms_to_dict(norms), ensure_ascii=False, indent=2) + "\n")
    return Path(path)


def read_norms(path: str | Path) -> Norms:
    """Read a file written by :func:`write_norms` (``lessonlens store norms -o``)."""
    try:
        data = load_json(read_input_bytes(path), path)
    except InputError as exc:
        raise InputError(_BAD, path, problem=exc.detail()) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(_BAD, path, problem=f'"schema" is not "{SCHEMA}"')
    try:
        return converter.structure({k: v for k, v in data.items() if k != "schema"}, Norms)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        raise InputError(_BAD, path, problem=exc) from None
