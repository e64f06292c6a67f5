"""The user API (``lessonlens``) and the plugin-author API (``lessonlens.plugin``): names, laziness."""

from __future__ import annotations

import json
import subprocess
import sys

import lessonlens
import lessonlens.plugin


def test_every_public_name_resolves() -> None:
    for name in lessonlens.__all__:
        assert getattr(lessonlens, name) is not None, name
    for name in lessonlens.plugin.__all__:
        assert getattr(lessonlens.plugin, name) is not None, name
    assert lessonlens.metrics is lessonlens.measure
    assert lessonlens.hookimpl is lessonlens.plugin.hookimpl  # plugin-author names stay importable from here


def test_the_user_api_is_small_and_the_rest_stays_importable() -> None:
    """About 35 user names; the stage functions, rubric charts and document parts left out of ``__all__``
    still resolve (compatibility) and are the same objects as in their subsystem modules."""
    from lessonlens.pipeline import stages
    from lessonlens.rubric import charts, facts

    assert len(lessonlens.__all__) == len(set(lessonlens.__all__)) <= 36
    assert {"analyze", "measure", "diagnose", "score", "report", "load", "save", "Analysis"} <= set(lessonlens.__all__)
    assert not {"detect", "code", "compute_metrics_many", "matrix_chart", "hookimpl"} & set(lessonlens.__all__)
    assert lessonlens.compute_metrics_many is stages.compute_metrics_many and lessonlens.detect is stages.detect
    assert lessonlens.matrix_chart is charts.matrix_chart and lessonlens.rubric_facts is facts.rubric_facts


def test_import_lessonlens_loads_no_video_decoding_numpy_plugins_or_perception() -> None:
    code = "import json, sys, lessonlens; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    heavy = [m for m in loaded if m.split(".")[0] in ("av", "numpy", "cv2", "mediapipe")
             or m.startswith(("lessonlens.perception", "lessonlens.plugins", "lessonlens.media"))]
    assert heavy == []
    assert [m for m in loaded if m.startswith("lessonlens")] == ["lessonlens"]
