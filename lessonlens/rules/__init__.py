"""The default diagnosis rule packs (YAML data files beside this module), registered as a plugin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lessonlens.core.hookspecs import hookimpl

RULES_DIR = Path(__file__).parent


@hookimpl
def register_rules(register: Callable[[Path], None]) -> None:
    register(RULES_DIR)
