"""The ``lessonlens`` command line: a thin typer app over the public Python API.

Each built-in command group lives in a module of its own here; plugins add theirs through the
``register_commands`` hook. Errors a user can fix print one line and exit with code 2.
"""

from __future__ import annotations

import os
import sys

import typer

from lessonlens.cli import (
    analyze_cmd,
    batch_cmd,
    copus_cmd,
    demo_cmd,
    diagnose_cmd,
    frames_cmd,
    jobs_cmd,
    metrics_cmd,
    models_cmd,
    plugins_cmd,
    report_cmd,
    rubric_cmd,
    rules_cmd,
    sample_cmd,
    serve_cmd,
    store_cmd,
    users_cmd,
)
from lessonlens.core.errors import InputError, LessonlensError
from lessonlens.core.i18n import normalize_lang
from lessonlens.core.plugins import get_manager
from lessonlens.core.version import __version__

app = typer.Typer(
    name="lessonlens",
    help="lessonlens：课堂教学行为智能分析与精准教研 / classroom behaviour analysis for teaching research.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lessonlens {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="显示版本 / show the version."),
    lang: str = typer.Option("", "--lang", help="界面语言 zh|en / language of messages and reports."),
) -> None:
    """lessonlens：课堂教学行为智能分析与精准教研。"""
    if lang:
        try:
            os.environ["LESSONLENS_LANG"] = normalize_lang(lang)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None


analyze_cmd.add_to(app)
batch_cmd.add_to(app)
copus_cmd.add_to(app)
demo_cmd.add_to(app)
diagnose_cmd.add_to(app)
jobs_cmd.add_to(app)
frames_cmd.add_to(app)
metrics_cmd.add_to(app)
models_cmd.add_to(app)
plugins_cmd.add_to(app)
report_cmd.add_to(app)
rubric_cmd.add_to(app)
rules_cmd.add_to(app)
sample_cmd.add_to(app)
serve_cmd.add_to(app)
store_cmd.add_to(app)
users_cmd.add_to(app)


def main() -> None:
    """Entry point: run the app, turning lessonlens errors into one line and exit code 2 (or 1)."""
    get_manager().add_commands(app)
    try:
        app()
    except LessonlensError as exc:
        typer.echo(f"lessonlens: {exc.message()}", err=True)
        sys.exit(2 if isinstance(exc, InputError) else 1)
