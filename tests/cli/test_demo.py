"""The README's main job: ``lessonlens demo`` runs every capability on the bundled lesson."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LESSONLENS = Path(sys.executable).with_name("lessonlens")


@pytest.mark.slow
def test_demo_without_video_writes_every_report_and_a_diagnosed_scored_analysis(tmp_path: Path) -> None:
    env = {**os.environ, "LESSONLENS_PLUGINS": "", "LESSONLENS_LANG": "en"}
    out = tmp_path / "demo"
    result = subprocess.run([str(LESSONLENS), "demo", "-o", str(out), "--no-video"], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 0, result.stderr
    bundled = out / "bundled-lesson"
    for name in ("report", "rubric-classroom-teaching", "rubric-teaching-design"):
        assert (bundled / f"{name}.html").stat().st_size > 50_000
        assert (bundled / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    for name in ("compare", "period"):
        assert (out / f"{name}.html").is_file() and (out / f"{name}.pdf").is_file()
    analysis = json.loads((bundled / "analysis.json").read_text(encoding="utf-8"))
    assert analysis["schema"] == "lessonlens.analysis/1"
    assert analysis["metrics"]["scalars"]["mode"] == "mixed"
    assert {r["rubric"] for r in analysis["rubric_results"]} == {"classroom-teaching", "teaching-design"}
    assert all(len(r["raters"]) >= 2 for r in analysis["rubric_results"])
    rules = {f["rule"] for f in analysis["findings"]}
    assert any(rule.startswith("rubric.") for rule in rules), rules  # the raters' low questioning scores
    assert "wrote 11 files" in result.stdout and "not made" not in result.stdout
