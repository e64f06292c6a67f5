"""student-actions ``backend=mmaction2``: mmaction2's own SlowOnly AVA detector (FastRCNN with a
ResNet3d, mmcv's RoIAlign, ``BBoxHeadAVA``) run in-process from a local config and checkpoint made here
(tests/support/mm_models.py), on the person boxes of a YOLOX ONNX model; and the same checkpoint
exported by scripts/export_mmaction2_ava.py and run by the default onnx backend.

mmaction2 needs mmcv's compiled ops and mmdet, a long source build: skipped where they are not
installed (CI); docs/perception.md has the measured recipe (a separate venv)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue
from lessonlens.core.plugins import get_manager

MISSING = [m for m in ("mmcv", "mmdet", "mmaction", "rtmlib", "onnx") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"{', '.join(MISSING)} not installed (mmcv is a source "
                                                      "build: docs/perception.md, 'mmpose and mmaction2')")

from tests.support import mm_models, onnx_models  # noqa: E402
from tests.support.vision_scenes import write_video  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "export_mmaction2_ava.py"
NAMES = ["stand", "read", "talk to (e.g., self, a person, a group)", "hand wave", "listen to (a person)"]
LABELS = [f"{NAMES[i % 5]} {i + 1}" if i >= 5 else NAMES[i] for i in range(80)]  # AVA's 80 classes
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]


def _scene(tmp_path: Path, models: Path) -> Path:
    """Four people (YOLOX boxes x 40-240 + 320 i in the picture), each in a stripe of its colour."""
    boxes = np.array([[20 + 160 * i, 100, 120 + 160 * i, 330, 0.9] for i in range(4)], np.float32)  # 640-px input
    onnx_models.yolox(models / "yolox-humanart-640x640.onnx", boxes)
    scene = np.full((720, 1280, 3), 128, np.uint8)
    for i, colour in enumerate(COLOURS):
        scene[:, 320 * i + 20:320 * i + 300] = colour
    return write_video(tmp_path / "students.mp4", [scene, scene])


def _cues(video: Path, options: dict[str, object], instants: tuple[float, ...] = (6.0,)) -> list[BehaviourCue]:
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),),
                            instants=instants, options=options)
    return [o for o in get_manager().detector("student-actions").detect(request) if isinstance(o, BehaviourCue)]


def test_mmaction2_gives_each_person_the_cue_of_its_known_scores(tmp_path: Path, models_dir: Path) -> None:
    video = _scene(tmp_path, models_dir)
    (models_dir / "ava-actions.labels.txt").write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    for label, code in ((1, "reading_writing"), (0, "answering")):
        scores = np.full(80, 0.01)
        scores[label], scores[4] = 0.9, 0.6  # listening scores lower than the chosen action
        mm_models.slowonly_ava(models_dir, scores)
        found = _cues(video, {"backend": "mmaction2"}, (3.0, 9.0))
        own = [(o.t, o.actor, o.behaviour, o.confidence) for o in found if o.actor.startswith("student:")]
        assert own == [(t, f"student:box-{k:02d}", code, 0.9) for t in (3.0, 9.0) for k in range(1, 5)]
        assert {(o.t, o.behaviour, o.share) for o in found if o.actor == "students"} == {
            (3.0, code, 1.0), (9.0, code, 1.0)}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_mmaction2_ava", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_mmaction2_in_process_agrees_with_its_onnx_export(tmp_path: Path, models_dir: Path) -> None:
    """Random weights: the in-process detector and the script's ONNX export give every person the same
    cue and confidence (mmcv's RoIAlign exported as ONNX RoiAlign)."""
    config, checkpoint = mm_models.slowonly_ava(tmp_path, seed=3)
    label_map = tmp_path / "label_map.txt"
    label_map.write_text("".join(f"{i + 1}: {name}\n" for i, name in enumerate(LABELS)), encoding="utf-8")
    assert _script().main([str(config), str(checkpoint), "--label-map", str(label_map),
                           "--out", str(models_dir / "ava-actions.onnx"), "--height", "256", "--width", "455"]) == 0
    assert (models_dir / "ava-actions.labels.txt").read_text(encoding="utf-8").splitlines() == LABELS
    video = _scene(tmp_path, models_dir)
    results = []
    for options in ({"backend": "onnx"}, {"backend": "mmaction2", "action_config": str(config),
                                          "action_checkpoint": str(checkpoint)}):
        cues = _cues(video, {**options, "threshold": 0.0})
        results.append([(o.actor, o.behaviour, o.confidence) for o in cues if o.actor.startswith("student:")])
    assert len(results[0]) == 4 and [r[:2] for r in results[0]] == [r[:2] for r in results[1]]
    assert all(abs(a[2] - b[2]) < 0.01 for a, b in zip(*results, strict=True))


def test_missing_and_corrupt_files_are_one_line_errors_naming_them(models_dir: Path) -> None:
    from lessonlens.plugins.detectors.student_pose.actions import mmaction2_action_model

    def error() -> str:
        with pytest.raises(PluginError) as caught:
            mmaction2_action_model({})
        message = caught.value.message("en")
        assert "\n" not in message
        return message

    assert "ava-actions.py" in error() and "lessonlens models add" in error()
    config, checkpoint = mm_models.slowonly_ava(models_dir, np.full(80, 0.5))
    labels = models_dir / "ava-actions.labels.txt"
    labels.write_text("stand\nread\n", encoding="utf-8")
    message = error()
    assert str(labels) in message and "2 lines" in message and "80 classes" in message
    labels.write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    _, names = mmaction2_action_model({})
    assert names == LABELS
    good = checkpoint.read_bytes()
    checkpoint.write_bytes(b"PK\x03\x04 not a checkpoint")
    message = error()
    assert str(checkpoint) in message and "does not load" in message
    checkpoint.write_bytes(good)
    wider = mm_models.SLOWONLY_AVA.replace("base_channels=8", "base_channels=16").replace("in_channels=64",
                                                                                         "in_channels=128")
    config.write_text(wider, encoding="utf-8")  # the checkpoint was trained for another config
    message = error()
    assert str(checkpoint) in message and "another config" in message
    config.write_text("model = dict(\n", encoding="utf-8")
    message = error()
    assert str(config) in message and "does not load" in message
