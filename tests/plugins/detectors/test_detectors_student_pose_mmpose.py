"""student-pose ``backend=mmpose``: mmpose's own ``MMPoseInferencer`` with a local top-down config and
checkpoint and a local mmdet person detector (RTMDet), made here with the packages' own configs and
registries (tests/support/mm_models.py). The detector's box and the pose head's output are fixed, so
the decoded keypoints and the posture cues are known.

mmpose and mmdet need mmcv's compiled ops, a long source build: these tests are skipped where they are
not installed (CI); docs/perception.md has the measured recipe (a separate venv)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue, PoseObservation
from lessonlens.core.plugins import get_manager
from lessonlens.plugins.detectors.student_pose.cues import COCO17

MISSING = [m for m in ("mmcv", "mmdet", "mmpose") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"{', '.join(MISSING)} not installed (mmcv is a source "
                                                      "build: docs/perception.md, 'mmpose and mmaction2')")

from tests.support import mm_models  # noqa: E402
from tests.support.vision_scenes import write_video  # noqa: E402

K = {name: i for i, name in enumerate(COCO17)}
# the test detector's one box: mmdet resizes 1280x720 to 640x360 and pads it to 640x640, and clips the
# boxes to that padded square, so a box reaching past every edge is the square scaled back
WHOLE = (0.0, 0.0, 1280.0, 1280.0)


def arm_up(cx: float = 640, cy: float = 400, s: float = 100) -> np.ndarray:
    """A seated student facing the camera (shoulders' middle at cx, cy), the left arm (COCO's ``left_*``,
    on the picture's right) raised; 17 x 2 picture pixels."""
    at = {
        "nose": (0, -0.6), "left_eye": (0.18, -0.72), "right_eye": (-0.18, -0.72), "left_ear": (0.35, -0.62),
        "right_ear": (-0.35, -0.62), "left_shoulder": (0.5, 0), "right_shoulder": (-0.5, 0),
        "left_elbow": (0.75, -0.6), "right_elbow": (-0.6, 0.8), "left_wrist": (0.7, -1.5),
        "right_wrist": (-0.45, 1.3), "left_hip": (0.35, 1.8), "right_hip": (-0.35, 1.8), "left_knee": (0.4, 2.5),
        "right_knee": (-0.4, 2.5), "left_ankle": (0.4, 3.2), "right_ankle": (-0.4, 3.2),
    }
    return np.array([(cx + at[n][0] * s, cy + at[n][1] * s) for n in COCO17], np.float64)


def _models(folder: Path, score: float = 0.8, keypoints: np.ndarray | None = None) -> np.ndarray:
    truth = arm_up() if keypoints is None else keypoints
    mm_models.rtmdet_person(folder, score)
    mm_models.regression_pose(folder, truth, WHOLE)
    return truth


def _frame() -> np.ndarray:
    frame = np.full((720, 1280, 3), 90, np.uint8)
    frame[200:600, 500:800] = (180, 120, 60)
    return frame


def test_mmpose_decodes_the_keypoints_in_the_detectors_box(models_dir: Path) -> None:
    from lessonlens.plugins.detectors.student_pose.backends import runner

    truth = _models(models_dir)
    people = runner("mmpose", {}, threads=1)(_frame())
    assert len(people) == 1
    got = people[0]
    assert got.shape == (17, 3)
    assert np.abs(got[:, :2] - truth).max() < 0.5  # box -> crop -> RegressionLabel decode -> picture
    assert np.allclose(got[:, 2], 1.0)  # RegressionLabel scores every keypoint 1


def test_an_empty_picture_gives_nobody_not_a_whole_picture_person(models_dir: Path) -> None:
    """mmpose poses the whole picture when its detector finds nobody; the backend reports nobody."""
    from lessonlens.plugins.detectors.student_pose.backends import runner

    _models(models_dir, score=0.02)  # under the detector's own score_thr (0.05)
    assert runner("mmpose", {})(_frame()) == []
    _models(models_dir, score=0.2)  # found by mmdet, under the backend's det_score (0.3)
    assert runner("mmpose", {})(_frame()) == []
    assert len(runner("mmpose", {"det_score": 0.1})(_frame())) == 1


def test_a_bottom_up_config_needs_no_person_detector(models_dir: Path) -> None:
    """mmpose's own RTMO-t config (bottom-up): no det_config / det_checkpoint asked for; its classifier
    finds nobody, and nobody is what the backend reports (no whole-picture stand-in)."""
    from lessonlens.plugins.detectors.student_pose.backends import runner

    mm_models.rtmo_nobody(models_dir)
    assert runner("mmpose", {})(_frame()) == []


def test_the_plugin_reads_a_video_with_mmpose(tmp_path: Path, models_dir: Path) -> None:
    truth = _models(models_dir)
    video = write_video(tmp_path / "students.mp4", [_frame(), _frame()], hold=3.0)
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),),
                            instants=(1.0, 4.0), options={"backend": "mmpose"})
    found = list(get_manager().detector("student-pose").detect(request))
    poses = [o for o in found if isinstance(o, PoseObservation)]
    assert [(p.t, p.person) for p in poses] == [(1.0, "seat-01"), (4.0, "seat-01")]
    wrist = poses[0].keypoints[K["left_wrist"]]
    assert (wrist.x * 1280, wrist.y * 720) == (pytest.approx(truth[K["left_wrist"], 0], abs=0.5),
                                               pytest.approx(truth[K["left_wrist"], 1], abs=0.5))
    own = [(o.t, o.actor, o.behaviour) for o in found if isinstance(o, BehaviourCue) and o.actor != "students"]
    assert own == [(1.0, "student:seat-01", "hand_raising"), (4.0, "student:seat-01", "hand_raising")]


def test_missing_and_corrupt_files_are_one_line_errors_naming_them(models_dir: Path) -> None:
    from lessonlens.plugins.detectors.student_pose.backends import runner

    def error(options: dict[str, str] | None = None) -> str:
        with pytest.raises(PluginError) as caught:
            runner("mmpose", options or {})
        message = caught.value.message("en")
        assert "\n" not in message
        return message

    assert "mmpose-body.py" in error() and "lessonlens models add" in error()
    _models(models_dir)
    config, weights = models_dir / "mmpose-body.py", models_dir / "mmpose-body.pth"
    det_config, det_weights = models_dir / "mmdet-person.py", models_dir / "mmdet-person.pth"
    good = weights.read_bytes()
    weights.write_bytes(b"PK\x03\x04 not a checkpoint")
    message = error()
    assert str(weights) in message and "does not load" in message
    weights.write_bytes(good)
    det_weights.write_bytes(b"garbage")
    message = error()
    assert str(det_weights) in message and "does not load" in message
    det_weights.unlink()
    assert "mmdet-person.pth" in error()  # top-down: a local person detector, never a download
    det_config.unlink()
    assert "mmdet-person.py" in error()
    config.write_text("model = dict(\n", encoding="utf-8")
    message = error()
    assert str(config) in message and "does not load" in message
    assert "does not exist" in error({"config": str(models_dir / "elsewhere.py")})
