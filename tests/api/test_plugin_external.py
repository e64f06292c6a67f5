"""A real third-party plugin distribution, installed with pip, extends every stage it registers for."""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
import wave
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from lessonlens import LessonMeta, MediaSource, ReportJob, analyze_media
from lessonlens.core.plugins import PluginManager

FIXTURE = Path(__file__).parents[1] / "fixtures" / "acme_plugin"
LESSONLENS = Path(sys.executable).with_name("lessonlens")


@pytest.fixture(scope="module")
def acme_installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """pip-install the ACME plugin (from a copy, so the source tree stays clean); uninstall afterwards."""
    source = tmp_path_factory.mktemp("acme") / "acme_plugin"
    shutil.copytree(FIXTURE, source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(source)], check=True)
    try:
        yield
    finally:
        subprocess.run([*pip, "uninstall", "-y", "acme-lessonlens"], check=True)


def run_cli(*args: str, plugins: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LESSONLENS_PLUGINS"}
    if plugins is not None:
        env["LESSONLENS_PLUGINS"] = plugins
    env["LESSONLENS_LANG"] = "en"
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


def write_lesson_audio(path: Path, loud_seconds: range, seconds: int = 60, rate: int = 8000) -> None:
    """A teacher-microphone WAV: a 220 Hz voice-like tone in ``loud_seconds``, near silence elsewhere."""
    frames = bytearray()
    for i in range(seconds * rate):
        amplitude = 0.4 if i // rate in loud_seconds else 0.002
        frames += struct.pack("<h", int(32767 * amplitude * math.sin(2 * math.pi * 220 * i / rate)))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))


def test_lessonlens_plugins_lists_the_installed_plugin_and_its_broken_sibling(acme_installed: None) -> None:
    assert metadata.version("acme-lessonlens") == "1.2.0"
    result = run_cli("plugins", "--json", plugins=None)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    acme = next(p for p in listing["plugins"] if p["name"] == "acme")
    assert acme["origin"] == "acme-lessonlens" and acme["version"] == "1.2.0" and not acme["builtin"]
    assert acme["registers"]["detectors"] == ["acme-loudness"]
    assert acme["registers"]["metrics"] == ["acme-talk-ratio"]
    assert acme["registers"]["renderers"] == ["acme-text"]
    assert acme["registers"]["rubric_schemas"][0].endswith("rubrics")
    assert "commands" in acme["registers"]
    (broken,) = listing["failures"]
    assert broken["name"] == "acme-broken" and "acme-vision-sdk" in broken["error"]
    assert any(p["name"] == "lessonlens.plugins.coders.platform9" for p in listing["plugins"])
    table = run_cli("plugins", plugins=None)
    assert "acme-broken" in table.stdout and "acme-loudness" in table.stdout


def test_lessonlens_plugins_env_var_restricts_third_party_plugins(acme_installed: None) -> None:
    only_acme = json.loads(run_cli("plugins", "--json", plugins="acme").stdout)
    assert "acme" in [p["name"] for p in only_acme["plugins"]] and only_acme["failures"] == []
    none = json.loads(run_cli("plugins", "--json", plugins="").stdout)
    assert all(p["builtin"] for p in none["plugins"]) and none["failures"] == []


def test_plugin_commands_join_the_cli(acme_installed: None) -> None:
    result = run_cli("acme-hello", plugins="acme")
    assert result.returncode == 0 and result.stdout.strip() == "hello from acme"


def test_pipeline_uses_the_plugin_detector_metric_and_renderer(
    acme_installed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESSONLENS_PLUGINS", "acme")
    manager = PluginManager()
    audio = tmp_path / "teacher-mic.wav"
    write_lesson_audio(audio, loud_seconds=range(0, 36))
    analysis = analyze_media(LessonMeta(id="acme-1", title="Fractions", duration=60.0),
                             [MediaSource(str(audio), "audio")], detectors=["acme-loudness"], manager=manager)
    assert analysis.timeline is not None and analysis.metrics is not None
    assert [s.teacher for s in analysis.timeline.samples] == ["lecturing"] * 6 + ["patrolling"] * 4
    assert analysis.metrics.scalars["acme_talk_ratio"] == pytest.approx(0.6)
    out = tmp_path / "summary.txt"
    manager.renderer("lesson", "txt").render(ReportJob(report="lesson", analyses=(analysis,)), out)
    assert out.read_text(encoding="utf-8") == "Fractions: talk ratio 0.6\n"
    schema_dirs = [reg for reg in manager.registry.rubric_schema_paths if reg.plugin == "acme"]
    assert (schema_dirs[0].item / "acme_talk.yaml").is_file()
