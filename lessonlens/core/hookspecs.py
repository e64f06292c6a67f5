"""The hooks plugins implement. Each hands the plugin a ``register`` callable (or the CLI app)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pluggy

from lessonlens.core.extensions import Coder, Detector, Metric, Renderer

PROJECT = "lessonlens"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_detectors(register: Callable[[Detector], None]) -> None:
    """Register detectors, e.g. ``register(HandRaiseDetector())``."""


@hookspec
def register_coders(register: Callable[[Coder], None]) -> None:
    """Register coders (one coding scheme each), e.g. ``register(FiasCoder())``."""


@hookspec
def register_metrics(register: Callable[[Metric], None]) -> None:
    """Register metrics, e.g. ``register(StAnalysis())``."""


@hookspec
def register_rubric_schemas(register: Callable[[Path], None]) -> None:
    """Register rubric schema files or directories of them, e.g. ``register(Path(__file__).parent / "rubrics")``."""


@hookspec
def register_rules(register: Callable[[Path], None]) -> None:
    """Register diagnosis rule files or directories of them."""


@hookspec
def register_report_renderers(register: Callable[[Renderer], None]) -> None:
    """Register report renderers, e.g. ``register(LessonHtml())``."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add sub-commands to the ``lessonlens`` typer app: ``@cli.command() def mine(): ...``."""
