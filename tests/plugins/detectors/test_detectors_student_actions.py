"""student-actions: an AVA-style action head (ONNX, the exact input/rois -> scores signature) on the
person boxes of a YOLOX detector, over a clip around each instant; labels mapped to platform-9 cues."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue
from lessonlens.core.plugins import get_manager
from lessonlens.plugins.detectors.student_pose.actions import cue_of

pytest.importorskip("onnx")
from tests.support import onnx_models
from tests.support.vision_scenes import write_video

LABELS = ["stand", "read", "talk to (e.g., self, a person, a group)", "hand wave"]


def test_ava_labels_map_to_platform9_codes() -> None:
    assert [cue_of(label) for label in LABELS] == ["answering", "reading_writing", "peer_interaction", "hand_raising"]
    assert cue_of("listen to (a person)") == "listening" and cue_of("write") == "reading_writing"
    assert cue_of("ride (e.g., a bike, a car, a horse)") is None


@pytest.mark.skipif(importlib.util.find_spec("rtmlib") is None, reason="rtmlib not installed")
def test_each_person_gets_the_cue_of_its_action(tmp_path: Path, models_dir: Path) -> None:
    boxes = np.array([[20 + 160 * i, 100, 120 + 160 * i, 330, 0.9] for i in range(4)], np.float32)  # 640-px input
    onnx_models.yolox(models_dir / "yolox-humanart-640x640.onnx", boxes)
    onnx_models.action_head(models_dir / "ava-actions.onnx", len(LABELS))
    (models_dir / "ava-actions.labels.txt").write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    frames = [np.full((720, 1280, 3), 60 + 40 * k, np.uint8) for k in range(3)]
    video = write_video(tmp_path / "students.mp4", frames)
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),),
                            instants=(6.0, 12.0))
    found = [o for o in get_manager().detector("student-actions").detect(request) if isinstance(o, BehaviourCue)]
    own = [(o.t, o.actor, o.behaviour) for o in found if o.actor.startswith("student:")]
    assert own[:4] == [(6.0, "student:box-01", "answering"), (6.0, "student:box-02", "reading_writing"),
                       (6.0, "student:box-03", "peer_interaction"), (6.0, "student:box-04", "hand_raising")]
    shares = {(o.t, o.behaviour): o.share for o in found if o.actor == "students"}
    assert shares[(12.0, "hand_raising")] == 0.25 and len(shares) == 8


def test_missing_action_model_and_the_mmaction2_recipe(tmp_path: Path, models_dir: Path) -> None:
    video = write_video(tmp_path / "s.mp4", [np.zeros((360, 640, 3), np.uint8)], hold=2.0)
    detector = get_manager().detector("student-actions")
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),), instants=(0.0,))
    with pytest.raises(PluginError, match=r"lessonlens models add FILE --as student-actions\.onnx\.action_model"):
        list(detector.detect(request))
    if importlib.util.find_spec("mmaction") is not None:  # where it is installed: the mmaction2 tests' file
        return
    export = DetectRequest(lesson=LessonMeta(id="t"), media=request.media, instants=(0.0,),
                           options={"backend": "mmaction2"})
    with pytest.raises(PluginError, match="export"):
        list(detector.detect(export))


def test_person_boxes_keep_their_ids_across_instants() -> None:
    from lessonlens.plugins.detectors.student_pose.actions import box_ids
    from lessonlens.plugins.detectors.student_pose.seats import SeatTracker

    def boxes(*rows: tuple[float, float]) -> np.ndarray:  # (left, top) of 100x230-px seated people
        return np.array([[x, y, x + 100, y + 230] for x, y in rows], np.float32)

    tracker = SeatTracker()
    assert box_ids(tracker, boxes((40, 200), (360, 200), (680, 200))) == ["box-01", "box-02", "box-03"]
    assert box_ids(tracker, boxes((42, 204), (362, 198), (678, 202))) == ["box-01", "box-02", "box-03"]
    assert box_ids(tracker, boxes((38, 201), (681, 199), (361, 202))) == ["box-01", "box-03", "box-02"]
    # the middle student stands up (box 150 px higher), the right one is hidden, someone new appears far right
    assert box_ids(tracker, boxes((40, 200), (358, 50), (1000, 200))) == ["box-01", "box-02", "box-04"]
    assert box_ids(tracker, boxes((40, 200), (360, 201), (680, 200), (1001, 200))) == [
        "box-01", "box-02", "box-03", "box-04"]
