"""The ``lessonlens`` command line in its own process, as a user runs it (built-in plugins only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LESSONLENS = Path(sys.executable).with_name("lessonlens")


def run(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """``lessonlens ARGS`` (no third-party plugins; ``lang`` sets LESSONLENS_LANG, else the default language)."""
    env = {**os.environ, "LESSONLENS_PLUGINS": ""}
    env.pop("LESSONLENS_LANG", None)
    if lang:
        env["LESSONLENS_LANG"] = lang
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)
