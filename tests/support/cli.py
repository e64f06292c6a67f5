"""The ``lessonlens`` command line in its own process, as a user runs it (built-in plugins only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LESSONLENS = Path(sys.executable).with_name("lessonlens")


def run(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """``lessonlens ARGS`` (no third-party plugins; ``lang`` sets LESSONLENS_LANG, else the default language)."""
    env = {**os.environ, "LESSONLENS_PLUGINS": ""}
    env.pop("LESSONLENS_LANG", None)
    if lang:
        env["LESSONLENS_LANG"] = lang
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


def run_here(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """``lessonlens --lang en ARGS`` in this process, as the console script runs it (so what the test set up
    here, e.g. ``LESSONLENS_MODELS``, holds): (exit code, stdout + stderr)."""
    from lessonlens.cli import main

    monkeypatch.setattr(sys, "argv", ["lessonlens", "--lang", "en", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err
