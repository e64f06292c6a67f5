"""The ``lessonlens`` command itself: version, languages, plugin listing, error lines and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LESSONLENS = Path(sys.executable).with_name("lessonlens")


def run(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LESSONLENS_PLUGINS": ""}
    env.pop("LESSONLENS_LANG", None)
    if lang:
        env["LESSONLENS_LANG"] = lang
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("lessonlens ") and result.stdout.strip().split()[1][0].isdigit()


def test_plugins_table_in_chinese_by_default_and_english_on_request() -> None:
    zh = run("plugins")
    assert zh.returncode == 0 and "插件" in zh.stdout and "内置" in zh.stdout
    en = run("--lang", "en", "plugins")
    assert "Plugin" in en.stdout and "built-in" in en.stdout
    assert "platform-9" in en.stdout


def test_plugins_json_lists_the_builtins() -> None:
    listing = json.loads(run("plugins", "--json").stdout)
    registers = {p["name"]: p["registers"] for p in listing["plugins"]}
    assert registers["lessonlens.plugins.coders.platform9"]["coders"] == ["platform-9"]
    assert listing["failures"] == []


def test_bad_option_value_exits_2_with_one_line() -> None:
    result = run("--lang", "fr", "plugins")
    assert result.returncode == 2
    assert "unsupported language" in result.stderr


def test_module_entry_point_works_too() -> None:
    result = subprocess.run([sys.executable, "-m", "lessonlens", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stdout.startswith("lessonlens ")
