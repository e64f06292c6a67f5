"""student-pose: posture cues on hand-built and photographed keypoints, seat tracking, and the rtmlib
backends' real pre/post-processing on ONNX models built here with the families' exact signatures."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue, PoseObservation
from lessonlens.core.plugins import get_manager
from lessonlens.plugins.detectors.student_pose import observations_at, track
from lessonlens.plugins.detectors.student_pose.cues import COCO17, Person, posture
from lessonlens.plugins.detectors.student_pose.seats import SeatTracker

onnx = pytest.importorskip("onnx")
from tests.support import onnx_models  # noqa: E402
from tests.support.cli import run_here  # noqa: E402
from tests.support.vision_scenes import write_video  # noqa: E402

K = {name: i for i, name in enumerate(COCO17)}


def person(cx: float = 640, cy: float = 400, s: float = 100, **moved: tuple[float, float]) -> Person:
    """A seated student facing the camera, shoulders at (cx, cy), shoulder width ``s``; ``moved``
    places named keypoints at offsets (in shoulder widths) from the shoulders' middle."""
    at = {
        "nose": (0, -0.6), "left_eye": (0.18, -0.72), "right_eye": (-0.18, -0.72), "left_ear": (0.35, -0.62),
        "right_ear": (-0.35, -0.62), "left_shoulder": (0.5, 0), "right_shoulder": (-0.5, 0),
        "left_elbow": (0.6, 0.8), "right_elbow": (-0.6, 0.8), "left_wrist": (0.45, 1.3), "right_wrist": (-0.45, 1.3),
        "left_hip": (0.35, 1.8), "right_hip": (-0.35, 1.8), "left_knee": (0.4, 2.5), "right_knee": (-0.4, 2.5),
        "left_ankle": (0.4, 3.2), "right_ankle": (-0.4, 3.2),
    } | moved
    p = np.zeros((17, 3), np.float32)
    for name, (dx, dy) in at.items():
        p[K[name]] = (cx + dx * s, cy + dy * s, 0.0 if name.endswith(("knee", "ankle")) else 0.9)
    return p


LISTENING = person()
ARM_UP = person(left_elbow=(0.75, -0.6), left_wrist=(0.7, -1.5))
DESK_RAISE = person(left_elbow=(0.7, 0.6), left_wrist=(0.75, -0.5))  # elbow on the desk, forearm upright
CHIN_REST = person(left_elbow=(0.1, 0.6), left_wrist=(0.05, -0.4))  # forearm upright under the chin
HEAD_DOWN = person(nose=(0, -0.15), left_eye=(0.18, -0.25), right_eye=(-0.18, -0.25), left_ear=(0.35, -0.35),
                   right_ear=(-0.35, -0.35))
TURNED = person(nose=(0.3, -0.6), left_eye=(0.38, -0.72), right_eye=(0.05, -0.72))


def test_each_hand_built_posture_gives_its_cue() -> None:
    assert posture([LISTENING], 0).behaviour == "listening"
    arm = posture([ARM_UP], 0)
    assert (arm.hand_raised, arm.hand, arm.behaviour) == (True, "right", "hand_raising")
    assert posture([DESK_RAISE], 0).behaviour == "hand_raising"
    assert posture([CHIN_REST], 0).hand_raised is False
    assert posture([HEAD_DOWN], 0).behaviour == "reading_writing"
    turn = posture([TURNED], 0)
    assert (turn.turned, turn.behaviour) == ("right", "peer_interaction")
    mirrored = TURNED.copy()
    mirrored[:, 0] = 1280 - mirrored[:, 0]
    assert posture([mirrored], 0).turned == "left"


def test_standing_is_read_against_seated_neighbours_and_the_seat() -> None:
    row = [person(cx=400), person(cx=540), person(cx=680, cy=400 - 180), person(cx=820)]
    assert [posture(row, i).behaviour for i in range(4)] == ["listening", "listening", "answering", "listening"]
    alone = [person(cy=400 - 150)]
    assert not posture(alone, 0).standing  # nobody to compare with ...
    assert posture(alone, 0, usual_y=400.0, usual_scale=100.0).standing  # ... but the seat's usual height
    small_behind = [person(cx=540, cy=250, s=60), person(cx=640)]  # the row behind is smaller, not standing
    assert not posture(small_behind, 0).standing


def test_head_down_against_the_seats_usual_head_height() -> None:
    slight = person(nose=(0, -0.3), left_ear=(0.35, -0.45), right_ear=(-0.35, -0.45))
    assert not posture([slight], 0).head_down
    assert posture([slight], 0, usual_head=0.6).head_down


def test_cues_on_mediapipe_poses_of_real_photographs() -> None:
    from skimage import data

    from lessonlens.plugins.detectors.student_pose.backends import mediapipe_runner

    run = mediapipe_runner({"crops": "tiles", "tiles": "1x1"})
    astronaut = run(data.astronaut())  # upright, facing the camera, hands low
    assert len(astronaut) == 1
    assert posture(astronaut, 0).behaviour == "listening"
    camera = data.camera()
    cameraman = run(np.stack([camera] * 3, axis=-1))  # in profile, looking into his camera on the right
    assert len(cameraman) == 1
    assert posture(cameraman, 0).turned == "right"
    mirrored = run(np.ascontiguousarray(np.stack([camera] * 3, axis=-1)[:, ::-1]))  # the same photo, flipped
    assert len(mirrored) == 1 and posture(mirrored, 0).turned == "left"
    import matplotlib.cbook
    from PIL import Image

    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")) as photo:  # a seated portrait
        hopper = run(np.asarray(photo.convert("RGB")))
    assert len(hopper) == 1 and posture(hopper, 0).behaviour == "listening"
    assert not any(posture(p, 0).hand_raised for p in (astronaut, cameraman, mirrored, hopper))


def test_mediapipe_runs_pose_again_only_where_the_picture_changed(tmp_path: Path) -> None:
    """A real photo in an H.264 lesson: decoded samples of the unchanged scene reuse each crop's person
    (codec noise stays under ``still``); a change beside her head runs Pose again on the crops it touches."""
    from skimage import data

    from lessonlens.media import frames_at
    from lessonlens.plugins.detectors.student_pose.mediapipe_pose import MediapipePoses

    canvas = np.full((720, 1280, 3), 90, np.uint8)
    canvas[100:612, 384:896] = data.astronaut()
    changed = canvas.copy()
    changed[100:250, 750:896] = 255 - changed[100:250, 750:896]
    video = write_video(tmp_path / "lesson.mp4", [canvas, canvas, changed], hold=2.0)
    frames = [image for _, image in frames_at(str(video), [0.5, 1.5, 2.5, 3.5, 4.5], 0.0, size=1280)]
    model = MediapipePoses({})
    first = model(frames[0])
    runs = model.pose_runs
    assert len(first) == 1 and runs >= 1 and model.searches == 1
    for image in frames[1:4]:
        again = model(image)
        assert len(again) == 1 and np.array_equal(again[0], first[0])
    assert model.pose_runs == runs
    model(frames[4])
    assert runs < model.pose_runs <= 2 * runs
    stills = MediapipePoses({"rescan": 1})  # lessonlens evaluate-frames: every still searched for faces
    for image in frames[:3]:
        stills(image)
    assert stills.searches == 3


def test_postures_made_from_a_photographed_pose() -> None:
    """The astronaut's real mediapipe keypoints (real body proportions), with one part moved to each posture."""
    from skimage import data

    from lessonlens.plugins.detectors.student_pose.backends import mediapipe_runner
    from lessonlens.plugins.detectors.student_pose.cues import scale

    (real,) = mediapipe_runner({"crops": "tiles", "tiles": "1x1"})(data.astronaut())
    s = scale(real)
    shoulder = real[K["left_shoulder"], :2]
    nose = real[K["nose"], :2]

    def moved(**at: tuple[float, float]) -> Person:
        p = real.copy()
        for name, (x, y) in at.items():
            p[K[name]] = (x, y, 0.9)
        return p

    arm_up = moved(left_elbow=(shoulder[0] + 0.3 * s, shoulder[1] - 0.3 * s),
                   left_wrist=(shoulder[0] + 0.25 * s, shoulder[1] - 1.0 * s))
    assert posture([arm_up], 0).behaviour == "hand_raising"
    desk = moved(left_elbow=(shoulder[0] + 0.15 * s, shoulder[1] + 0.5 * s),  # elbow on the desk, forearm upright
                 left_wrist=(shoulder[0] + 0.2 * s, shoulder[1] - 0.45 * s))
    assert posture([desk], 0).behaviour == "hand_raising"
    chin = moved(left_elbow=(nose[0] + 0.05 * s, shoulder[1] + 0.5 * s), left_wrist=(nose[0], nose[1] + 0.3 * s))
    assert not posture([chin], 0).hand_raised  # a chin resting on a hand
    drop = (shoulder[1] - 0.1 * s) - nose[1]  # the head bowed until the nose is just above the shoulders
    face = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
    head = {n: (real[K[n], 0], real[K[n], 1] + drop) for n in face}
    assert posture([moved(**head)], 0).behaviour == "reading_writing"
    row = [real.copy() for _ in range(4)]
    for i, p in enumerate(row):
        p[:, 0] += 1.3 * s * i
    row[2][:, 1] -= 1.0 * s  # the third student stands up
    assert [posture(row, i).behaviour for i in range(4)] == ["listening", "listening", "answering", "listening"]


def test_seats_keep_their_ids_while_a_student_stands_and_shares_follow() -> None:
    tracker = SeatTracker()
    seated = [person(cx=400), person(cx=540), person(cx=680)]
    for t in (0.0, 6.0, 12.0):
        observations_at(t, seated, tracker, (1280, 720))
    up = [person(cx=540, cy=220, left_elbow=(0.75, -0.6)), person(cx=402), person(cx=682)]
    found = observations_at(18.0, up, tracker, (1280, 720))
    poses = [o for o in found if isinstance(o, PoseObservation)]
    assert [p.person for p in poses] == ["seat-02", "seat-01", "seat-03"]
    own = {o.actor: o.behaviour for o in found if isinstance(o, BehaviourCue) and o.actor.startswith("student:")}
    assert own == {"student:seat-02": "answering", "student:seat-01": "listening", "student:seat-03": "listening"}
    shares = {o.behaviour: o.share for o in found if isinstance(o, BehaviourCue) and o.actor == "students"}
    assert shares == {"answering": pytest.approx(1 / 3, abs=1e-3), "listening": pytest.approx(2 / 3, abs=1e-3)}
    nose = poses[0].keypoints[0]
    assert nose.name == "nose"
    assert (nose.x, nose.y) == (pytest.approx(540 / 1280, abs=1e-4), pytest.approx(160 / 720, abs=1e-4))
    assert len(tracker.seats) == 3


needs_rtmlib = pytest.mark.skipif(importlib.util.find_spec("rtmlib") is None,
                                  reason="rtmlib not installed (pip install --no-deps rtmlib==0.0.16)")


def _dot_frame() -> np.ndarray:
    frame = np.full((720, 1280, 3), 200, np.uint8)
    frame[360:372, 640:652] = 255
    return frame


def _rtmo_model(path: Path) -> tuple[Path, list[Person]]:
    truth = [person(cx=400, **{"left_elbow": (0.75, -0.6), "left_wrist": (0.7, -1.5)}), person(cx=700)]
    # the model's keypoints are relative to the bright dot, in the letterboxed input (ratio 0.5)
    base = np.stack([np.concatenate([(p[:, :2] - (640, 360)) / 2, p[:, 2:]], axis=1) for p in truth])
    boxes = np.array([[150, 100, 260, 330, 0.9], [300, 100, 410, 330, 0.8]], np.float32)
    return onnx_models.rtmo(path, base.astype(np.float32), boxes), truth


@needs_rtmlib
def test_rtmo_through_rtmlib_decodes_keypoints_and_the_plugin_reads_a_video(tmp_path: Path, models_dir: Path) -> None:
    model, truth = _rtmo_model(models_dir / "rtmo-body7-640x640.onnx")
    video = write_video(tmp_path / "students.mp4", [_dot_frame(), _dot_frame()])
    detector = get_manager().detector("student-pose")
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),),
                            instants=(0.0, 6.0), options={"backend": "rtmo"})
    found = list(detector.detect(request))
    poses = [o for o in found if isinstance(o, PoseObservation) and o.t == 0.0]
    assert [p.person for p in poses] == ["seat-01", "seat-02"]
    for pose, p in zip(poses, truth, strict=True):
        got = np.array([(k.x * 1280, k.y * 720) for k in pose.keypoints])
        assert np.abs(got - p[:, :2]).max() <= 2.5  # the letterbox undone, H.264 may move the dot by a pixel
    own = [o.behaviour for o in found if isinstance(o, BehaviourCue) and o.t == 6.0 and o.actor.startswith("student:")]
    assert own == ["hand_raising", "listening"]
    assert model.is_file()


@needs_rtmlib
def test_rtmpose_with_a_yolox_detector_decodes_simcc_in_each_box(models_dir: Path) -> None:
    from lessonlens.plugins.detectors.student_pose.backends import rtmpose_runner

    boxes = np.array([[100, 100, 250, 330, 0.9], [350, 100, 500, 330, 0.85]], np.float32)  # 640-px input
    onnx_models.yolox(models_dir / "yolox-humanart-640x640.onnx", boxes)
    onnx_models.rtmpose(models_dir / "rtmpose-body7-256x192.onnx")
    frame = np.full((720, 1280, 3), 90, np.uint8)
    frame[:, 330:334] = 250  # a bright column inside the first person's box (x 200-500 in the picture)
    frame[:, 830:834] = 250  # ... and inside the second's (x 700-1000)
    frame[400:404, :] = 250  # a bright row through both
    people = rtmpose_runner({})(frame)
    assert len(people) == 2
    for p, x in zip(people, (331.5, 831.5), strict=True):
        assert np.abs(p[:, 0] - x).max() < 3.0
        assert np.abs(p[:, 1] - 401.5).max() < 3.0
        assert p[:, 2].min() > 0.9


@needs_rtmlib
def test_missing_and_corrupt_model_files_are_one_line_errors(models_dir: Path) -> None:
    from lessonlens.plugins.detectors.student_pose.backends import rtmo_runner

    with pytest.raises(PluginError) as missing:
        rtmo_runner({})
    message = missing.value.message("en")
    assert "rtmo-body7-640x640.onnx" in message and "lessonlens models add" in message and "\n" not in message
    (models_dir / "rtmo-body7-640x640.onnx").write_bytes(b"\x08\x07 not an onnx model")
    with pytest.raises(PluginError) as corrupt:
        rtmo_runner({})
    assert corrupt.value.path == str(models_dir / "rtmo-body7-640x640.onnx")
    assert "does not load" in corrupt.value.message("en")
    with pytest.raises(PluginError, match="does not exist"):
        rtmo_runner({"model": str(models_dir / "elsewhere.onnx")})


def test_models_command_lists_and_adds(tmp_path: Path, models_dir: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_here(capsys, monkeypatch, "models", "--json")
    assert code == 0, out
    rows = {(r["detector"], r["backend"], r["option"]): r for r in json.loads(out)["models"]}
    assert rows[("student-pose", "rtmo", "model")]["present"] is False
    assert rows[("student-pose", "rtmo", "model")]["target"] == "student-pose.rtmo.model"  # what --as takes
    assert rows[("student-pose", "rtmpose", "det_model")]["target"] == "student-pose.rtmpose.det_model"
    built, _ = _rtmo_model(tmp_path / "end2end.onnx")
    code, out = run_here(capsys, monkeypatch, "models", "add", str(built))
    assert code == 2 and "--as" in out and out.count("\n") == 1
    code, out = run_here(capsys, monkeypatch, "models", "add", str(built), "--as", "student-pose.rtmo")
    assert code == 0, out
    assert (models_dir / "rtmo-body7-640x640.onnx").read_bytes() == built.read_bytes()
    code, out = run_here(capsys, monkeypatch, "models", "--json")
    row = {(r["detector"], r["backend"], r["option"]): r for r in json.loads(out)["models"]}[
        ("student-pose", "rtmo", "model")]
    assert row["present"] and row["size"] == built.stat().st_size and len(row["sha256"]) == 64
    bad = tmp_path / "rtmo-body7-640x640.onnx"
    bad.write_bytes(b"garbage")
    code, out = run_here(capsys, monkeypatch, "models", "add", str(bad))
    assert code == 2 and "does not load" in out and str(bad) in out and out.count("\n") == 1
    assert (models_dir / "rtmo-body7-640x640.onnx").read_bytes() == built.read_bytes()  # the good copy stays
    code, out = run_here(capsys, monkeypatch, "models", "--no-checksum")
    assert code == 0 and "student-pose" in out and "rtmo-body7" in out


class _Hook:
    """An object a checkpoint should not carry (weights-only loading refuses to rebuild it)."""


def test_models_add_checks_an_openmmlab_checkpoint(tmp_path: Path, models_dir: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A .pth of the mmpose / mmaction2 backends loads weights-only before it is installed: numpy in its
    meta (as OpenMMLab's checkpoints carry) is allowed, garbage and pickled objects are refused."""
    torch = pytest.importorskip("torch")
    good = tmp_path / "good" / "mmpose-body.pth"
    good.parent.mkdir()
    meta = {"dataset_meta": {"sigmas": np.full(17, 0.05, np.float32), "flip_indices": [0, 2, 1]}, "seed": np.int64(3)}
    torch.save({"meta": meta, "state_dict": {"head.fc.weight": torch.zeros(34, 8)}}, good)
    code, out = run_here(capsys, monkeypatch, "models", "add", str(good))
    assert code == 0, out
    assert (models_dir / "mmpose-body.pth").read_bytes() == good.read_bytes()
    for name, content in (("garbage", b"PK\x03\x04 not a checkpoint"), ("hook", None), ("empty", {})):
        bad = tmp_path / name / "ava-actions.pth"
        bad.parent.mkdir()
        if isinstance(content, bytes):
            bad.write_bytes(content)
        else:
            torch.save(content if content is not None else {"state_dict": {"w": torch.zeros(1)}, "meta": _Hook()}, bad)
        code, out = run_here(capsys, monkeypatch, "models", "add", str(bad))
        assert code == 2 and str(bad) in out and "does not load" in out and out.count("\n") == 1, out
        if name == "hook":
            assert "weights-only loading refuses" in out
    assert not (models_dir / "ava-actions.pth").exists()


def test_mmpose_backend_without_mmpose_names_the_recipe() -> None:
    if importlib.util.find_spec("mmpose") is not None:
        pytest.skip("mmpose is installed: the recipe message is for environments without it")
    from lessonlens.plugins.detectors.student_pose.backends import runner

    with pytest.raises(PluginError, match=r"docs/perception\.md"):
        runner("mmpose", {})


def test_track_over_frames_with_a_model_function() -> None:
    frames = [(0.0, np.zeros((720, 1280, 3), np.uint8)), (6.0, np.zeros((720, 1280, 3), np.uint8))]
    shown = iter([[LISTENING], [HEAD_DOWN]])
    found = list(track(frames, lambda image: next(shown)))
    assert [o.behaviour for o in found if isinstance(o, BehaviourCue) and o.actor == "students"] == [
        "listening", "reading_writing"]


REAL = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "real-classroom" / "raised-hands" / "test"


@pytest.mark.parametrize("shot", ["Screenshot-2024-12-15-003343", "Screenshot-2024-12-15-003852"])
def test_a_real_raised_hand_is_found_where_it_is_labelled(shot: str) -> None:
    """Real photographs (CC BY 4.0, /work/shared/data/real-classroom): mediapipe poses on tiles, the
    cue logic, the labelled hand inside the raised forearm's box; nobody else raises a hand."""
    images = sorted((REAL / "images").glob(f"{shot}*")) if REAL.is_dir() else []
    if not images:
        pytest.skip("the real-classroom frames are not here")
    from lessonlens.perception.frame_eval import read_rgb
    from lessonlens.plugins.detectors.student_pose import StudentPoseDetector

    image = read_rgb(images[0])
    h, w = image.shape[:2]
    _, xc, yc, _, _ = (float(v) for v in (REAL / "labels" / f"{images[0].stem}.txt").read_text().split()[:5])
    found = StudentPoseDetector().frame_reader({"crops": "tiles", "tiles": "4x2"})(image)
    raised = [r for r in found if r.raised]
    assert len(found) >= 2 and len(raised) == 1
    x, y, bw, bh = raised[0].hand or (0, 0, 0, 0)
    assert x - 10 <= xc * w <= x + bw + 10 and y - 10 <= yc * h <= y + bh + 10


# --- yolo-pose: a YOLOv8/YOLO11 pose ONNX export read with onnxruntime alone --------------------

RED_DOT = (640, 360)  # top-left of a 16-px red square, in the 1280x720 picture


def _red_dot_frame(colour: tuple[int, int, int] = (255, 0, 0)) -> np.ndarray:
    frame = np.full((720, 1280, 3), 120, np.uint8)
    frame[360:376, 640:656] = colour
    return frame


def _yolo_anchor(p: Person, score: float, ratio: float = 0.5) -> np.ndarray:
    """One anchor of the raw export for picture keypoints ``p``: values relative to the red dot, input pixels."""
    kp = (p[:, :2] - RED_DOT) * ratio
    lo, hi = kp.min(axis=0), kp.max(axis=0)
    box = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[0] - lo[0], hi[1] - lo[1], score]
    return np.concatenate([box, np.concatenate([kp, p[:, 2:]], axis=1).ravel()]).astype(np.float32)


def _yolo_model(path: Path) -> tuple[Path, list[Person]]:
    truth = [person(cx=400, left_elbow=(0.75, -0.6), left_wrist=(0.7, -1.5)), person(cx=700)]
    twin = truth[0].copy()
    twin[:, 0] += 4  # the same person found by a neighbouring anchor: suppressed
    anchors = np.stack([_yolo_anchor(truth[0], 0.9), _yolo_anchor(truth[1], 0.8), _yolo_anchor(twin, 0.6),
                        _yolo_anchor(person(cx=1000), 0.1)])  # below det_score: nobody
    return onnx_models.yolo_pose(path, anchors), truth


def test_yolo_pose_undoes_the_letterbox_and_the_plugin_reads_a_video(tmp_path: Path, models_dir: Path) -> None:
    from lessonlens.plugins.detectors.student_pose.backends import runner

    _yolo_model(models_dir / "yolo-pose.onnx")
    _, truth = _yolo_model(tmp_path / "unused.onnx")
    people = runner("yolo-pose", {})(_red_dot_frame())
    assert len(people) == 2  # the twin suppressed, the weak anchor dropped
    for got, p in zip(people, truth, strict=True):
        assert np.abs(got[:, :2] - p[:, :2]).max() <= 1.0  # RGB / 255 in, the 0.5 scale and 140-px pad undone
        assert np.allclose(got[:, 2], p[:, 2])
    white = _red_dot_frame((255, 255, 255))  # H.264's halved chroma would spread a pure red square
    video = write_video(tmp_path / "students.mp4", [white, white])
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),),
                            instants=(0.0, 6.0), options={"backend": "yolo-pose"})
    found = list(get_manager().detector("student-pose").detect(request))
    poses = [o for o in found if isinstance(o, PoseObservation) and o.t == 0.0]
    assert [p.person for p in poses] == ["seat-01", "seat-02"]
    for pose, p in zip(poses, truth, strict=True):
        got = np.array([(k.x * 1280, k.y * 720) for k in pose.keypoints])
        assert np.abs(got - p[:, :2]).max() <= 2.5  # H.264 may move the dot by a pixel
    own = [o.behaviour for o in found if isinstance(o, BehaviourCue) and o.t == 6.0 and o.actor.startswith("student:")]
    assert own == ["hand_raising", "listening"]


def test_yolo_pose_layouts_tiles_and_merging() -> None:
    from lessonlens.plugins.detectors.student_pose.yolo_pose import decode, nms, parse_tiles, windows

    kps = np.arange(51, dtype=np.float32)
    end2end = np.zeros((1, 3, 57), np.float32)
    end2end[0, 0, :6] = (10, 20, 50, 120, 0.9, 0)
    end2end[0, 1, :6] = (60, 20, 90, 120, 0.2, 0)  # below the score
    end2end[0, :, 6:] = kps
    boxes, scores, points = decode(end2end, 0.25, 0.6)
    assert boxes.tolist() == [[10, 20, 50, 120]] and scores.tolist() == [pytest.approx(0.9)]
    assert points.shape == (1, 17, 3) and points[0, 1].tolist() == [3, 4, 5]
    with pytest.raises(PluginError, match="1x40x8400"):
        decode(np.zeros((1, 40, 8400), np.float32), 0.25, 0.6)
    assert windows(1280, 720, 1, 1) == [(0, 0, 1280, 720)]
    tiles = windows(1200, 600, 2, 2)
    assert tiles[1:] == [(0, 0, 800, 400), (400, 0, 1200, 400), (0, 200, 800, 600), (400, 200, 1200, 600)]
    assert parse_tiles("3x2") == (3, 2)
    with pytest.raises(PluginError, match="COLSxROWS"):
        parse_tiles("three")
    whole = np.array([[100, 100, 200, 400], [100, 250, 200, 400]], np.float32)  # the lower half: a tile's cut
    assert nms(whole, np.array([0.9, 0.8], np.float32), 0.6) == [0, 1]
    assert nms(whole, np.array([0.9, 0.8], np.float32), 0.6, contained=0.7) == [0]


def test_yolo_pose_missing_corrupt_and_models_add(tmp_path: Path, models_dir: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from lessonlens.plugins.detectors.student_pose.backends import runner

    with pytest.raises(PluginError) as missing:
        runner("yolo-pose", {})
    message = missing.value.message("en")
    assert "yolo-pose.onnx" in message and "lessonlens models add" in message and str(models_dir) in message
    assert "\n" not in message
    (models_dir / "yolo-pose.onnx").write_bytes(b"\x08\x07 not an onnx model")
    with pytest.raises(PluginError) as corrupt:
        runner("yolo-pose", {})
    assert corrupt.value.path == str(models_dir / "yolo-pose.onnx") and "does not load" in corrupt.value.message("en")
    (models_dir / "yolo-pose.onnx").unlink()
    built, _ = _yolo_model(tmp_path / "yolo11n-pose.onnx")
    code, out = run_here(capsys, monkeypatch, "models", "add", str(built), "--as", "student-pose.yolo-pose")
    assert code == 0, out
    assert (models_dir / "yolo-pose.onnx").read_bytes() == built.read_bytes()
    assert len(runner("yolo-pose", {})(_red_dot_frame())) == 2
    detection = tmp_path / "yolo11n.onnx"  # a detection-only YOLO (84 channels): loads, then one line naming it
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0), helper.make_node("Mul", ["m", "zero"], ["z"]),
         helper.make_node("Add", ["boxes", "z"], ["output0"])], "yolo_detect",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 84, 10])],
        [numpy_helper.from_array(np.zeros((), np.float32), "zero"),
         numpy_helper.from_array(np.zeros((1, 84, 10), np.float32), "boxes")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(detection))
    with pytest.raises(PluginError) as layout:
        runner("yolo-pose", {"model": str(detection)})(_red_dot_frame())
    assert layout.value.path == str(detection) and "1x84x10" in layout.value.message("en")


def test_evaluate_frames_passes_detector_options(tmp_path: Path, models_dir: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``evaluate-frames --detector-option student-pose.backend=yolo-pose`` measures that backend."""
    import cv2

    _, truth = _yolo_model(models_dir / "yolo-pose.onnx")
    folder = tmp_path / "frames"
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    cv2.imwrite(str(folder / "images" / "a.png"), _red_dot_frame()[:, :, ::-1])
    heads = [p[[K["nose"], K["left_eye"], K["right_eye"]], :2].mean(axis=0) for p in truth]
    (folder / "labels" / "a.txt").write_text("".join(f"3 {x / 1280:.4f} {y / 720:.4f} 0.05 0.08\n" for x, y in heads))
    (folder / "data.yaml").write_text("names: ['down', 'lookaround', 'phone', 'up']\n")
    code, out = run_here(capsys, monkeypatch, "evaluate-frames", str(folder), "--detector", "student-pose",
                     "--detector-option", "student-pose.backend=yolo-pose", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["matched"] == 2 and result["detection"]["recall"] == 1.0
    code, out = run_here(capsys, monkeypatch, "evaluate-frames", str(folder), "--detector-option",
                         "student-pose.tiles=2x2")
    assert code == 2 and "only detector student-states" in out and out.count("\n") == 1
    code, out = run_here(capsys, monkeypatch, "evaluate-frames", str(folder), "--detector-option",
                     "student-states.width=640")
    assert code == 2 and "takes no options" in out and out.count("\n") == 1
