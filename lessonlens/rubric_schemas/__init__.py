"""The shipped rubric schemas (YAML data files beside this module), registered as a plugin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lessonlens.core.hookspecs import hookimpl

SCHEMAS_DIR = Path(__file__).parent


@hookimpl
def register_rubric_schemas(register: Callable[[Path], None]) -> None:
    register(SCHEMAS_DIR)
