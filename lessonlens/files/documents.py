"""Document files: read a document from JSON text or a file through the gates, save one atomically.

The format itself (schema tags, versions, the cattrs round trip) is :mod:`lessonlens.core.documents`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from lessonlens.core.documents import dumps, from_dict
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.atomic import write_text_atomic
from lessonlens.files.gates import read_input_bytes
from lessonlens.files.json_gate import load_json

T = TypeVar("T")

_NOT_JSON = Text(zh="不是有效的 JSON：{error}", en="not valid JSON: {error}")


def loads(text: str, cls: type[T] | None = None, source: str | Path | None = None) -> T:
    return from_dict(load_json(text, source), cls, source)


def load(path: str | Path, cls: type[T] | None = None) -> T:
    """Read a document from a JSON file; every problem is an :class:`InputError` naming the file."""
    file = Path(path)
    data = read_input_bytes(file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(_NOT_JSON, file, error=exc) from None
    return loads(text, cls, file)


def save(doc: Any, path: str | Path) -> Path:
    """Write a document as JSON atomically (temp file + rename) and return its path."""
    write_text_atomic(path, dumps(doc) + "\n")
    return Path(path)
