"""The ``lessonlens`` command itself: version, languages, plugin listing, error lines and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import LESSONLENS, run


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


SCHOOL_TYPO = '''
from tests.support.cli import LESSONLENS, run
from lessonlens.plugin import hookimpl


@hookimpl
def register_metric(register):  # misspelled: register_metrics
    raise AssertionError("never called")
'''

SCHOOL_FIAS = '''
from lessonlens.plugin import hookimpl
from lessonlens.plugins.coders.fias import FiasCoder


@hookimpl
def register_coders(register):
    register(FiasCoder())  # a second coder named fias
'''


def test_plugins_reports_a_misspelled_hook_and_a_name_collision(tmp_path: Path) -> None:
    (tmp_path / "school_typo.py").write_text(SCHOOL_TYPO, encoding="utf-8")
    (tmp_path / "school_fias.py").write_text(SCHOOL_FIAS, encoding="utf-8")
    dist = tmp_path / "school_plugins-1.0.dist-info"  # a real entry point, found on PYTHONPATH
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: school-plugins\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[lessonlens]\nschool-typo = school_typo\nschool-fias = school_fias\n", encoding="utf-8")
    env = {**os.environ, "LESSONLENS_PLUGINS": "school-typo,school-fias", "LESSONLENS_LANG": "en",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    result = subprocess.run([str(LESSONLENS), "plugins", "--json"], capture_output=True, text=True, env=env,
                            check=False)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    (failure,) = listing["failures"]
    assert failure["name"] == "school-typo" and "did you mean register_metrics?" in failure["error"]
    assert listing["collisions"] == [
        {"kind": "coders", "name": "fias", "kept": "lessonlens.plugins.coders.fias", "ignored": "school-fias"}]
    table = subprocess.run([str(LESSONLENS), "plugins"], capture_output=True, text=True, env=env, check=False)
    assert "register_metric is not a lessonlens hook" in table.stdout
    assert "coders fias: lessonlens.plugins.coders.fias is used, school-fias is ignored" in table.stdout
