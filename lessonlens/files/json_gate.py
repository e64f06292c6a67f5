"""JSON from users, read within limits no input can bypass: nested at most :data:`MAX_DEPTH` deep
(deeper JSON is refused, never a RecursionError); NaN and Infinity refused. (YAML's gate, which
rule packs, schemas and layouts go through, is :mod:`lessonlens.tables.yaml_files`.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text

#: nesting of YAML and JSON documents (the deepest lessonlens document nests < 12 levels)
MAX_DEPTH = 64

NOT_JSON = Text(zh="不是有效的 JSON：{error}", en="not valid JSON: {error}")
TOO_DEEP = Text(zh="嵌套超过 {limit} 层", en="nested deeper than {limit} levels")


def json_depth_ok(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` (decoded JSON) nests no deeper than ``limit`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))
    return True


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str | bytes, source: str | Path | None = None, limit: int = MAX_DEPTH) -> Any:
    """Decoded JSON nested at most ``limit`` deep; NaN and Infinity are refused (not JSON numbers)."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(TOO_DEEP, source, limit=limit) from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(NOT_JSON, source, error=exc) from None
    if not json_depth_ok(data, limit):
        raise InputError(TOO_DEEP, source, limit=limit)
    return data
