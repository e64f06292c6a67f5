"""teacher-pose on real photos (scikit-image's astronaut and cameraman) placed in a classroom frame."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("mediapipe")

from lessonlens.core.errors import InputError, PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import PoseObservation, PositionObservation
from lessonlens.core.plugins import get_manager
from lessonlens.media.layout import DEFAULT_LAYOUT, layout_from_mapping
from lessonlens.plugins.detectors import teacher_pose
from tests.support.vision_scenes import teacher_frame, write_video


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    run, close = teacher_pose.bundled_pose_model()
    yield run
    close()


def _position(frames, model, min_move=0.05):  # type: ignore[no-untyped-def]
    found = list(teacher_pose.TeacherPoseDetector.track(frames, model, DEFAULT_LAYOUT, min_move))
    positions = [o for o in found if isinstance(o, PositionObservation)]
    return positions, [o for o in found if isinstance(o, PoseObservation)]


def test_zones_follow_where_the_teacher_stands(model) -> None:  # type: ignore[no-untyped-def]
    frames = [(0.0, teacher_frame("lecturing", 0.5)), (6.0, teacher_frame("board", 0.3)),
              (12.0, teacher_frame("patrol", 0.4))]
    positions, poses = _position(frames, model)
    assert [p.zone for p in positions] == ["podium", "board", "aisle"]
    assert all(p.confidence > 0.5 for p in positions)
    names = {k.name for k in poses[0].keypoints}
    assert {"nose", "left_shoulder", "right_wrist", "left_hip"} <= names
    # facing the class: the left shoulder shows on the right of the picture
    kp = {k.name: k for k in poses[0].keypoints}
    assert kp["left_shoulder"].x > kp["right_shoulder"].x


def test_moving_compares_consecutive_instants(model) -> None:  # type: ignore[no-untyped-def]
    frames = [(0.0, teacher_frame("patrol", 0.3)), (6.0, teacher_frame("patrol", 0.6)),
              (12.0, teacher_frame("patrol", 0.6))]
    positions, _ = _position(frames, model)
    assert [p.moving for p in positions] == [False, True, False]
    assert positions[1].x > positions[0].x + 0.2


def test_empty_room_gives_no_observation(model) -> None:  # type: ignore[no-untyped-def]
    frame = teacher_frame("lecturing", 0.5)
    frame[:] = 128
    assert _position([(0.0, frame)], model) == ([], [])


def test_detect_reads_a_video_through_the_plugin_manager(tmp_path: Path) -> None:
    video = write_video(tmp_path / "teacher.mp4", [teacher_frame("lecturing"), teacher_frame("patrol", 0.3),
                                                   teacher_frame("patrol", 0.7)])
    detector = get_manager().detector("teacher-pose")
    seen: list[int] = []
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "teacher"),),
                            instants=(0.0, 6.0, 12.0), progress=lambda done, total: seen.append(done))
    positions = [o for o in detector.detect(request) if isinstance(o, PositionObservation)]
    assert [(p.t, p.zone, p.moving) for p in positions] == [(0.0, "podium", False), (6.0, "aisle", True),
                                                             (12.0, "aisle", True)]
    assert seen == [1, 2, 3]


def test_layout_option_and_bad_layout() -> None:
    layout = layout_from_mapping({"board": {"x": 0, "y": 0, "w": 1, "h": 0.5}})
    assert layout.zone_of(0.5, 0.2) == "board" and layout.zone_of(0.5, 0.8) == "aisle"
    with pytest.raises(InputError, match="podium"):
        layout_from_mapping({"podium": {"x": 0.5, "y": 0, "w": 0.9, "h": 0.5}})


def test_missing_model_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"pose\.task.*mediapipe"):
        teacher_pose.task_pose_model(str(tmp_path / "pose.task"))


def test_an_unchanged_picture_is_not_run_again(model) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def counting(image):  # type: ignore[no-untyped-def]
        calls.append(1)
        return model(image)

    frame = teacher_frame("lecturing", 0.5)
    frames = [(0.0, frame), (6.0, frame.copy()), (12.0, teacher_frame("patrol", 0.4))]
    positions, _ = _position(frames, counting)
    assert len(calls) == 2 and [p.zone for p in positions] == ["podium", "podium", "aisle"]


def test_room_layout_files(tmp_path: Path) -> None:
    from lessonlens.media.layout import read_layout

    room = tmp_path / "room.yaml"
    room.write_text("# 讲台在画面下半部\nzones:\n  board: {x: 0.1, y: 0, w: 0.8, h: 0.4}\n  podium: [0, 0.4, 1, 0.7]\n",
                    encoding="utf-8")
    zones = read_layout(room)
    assert layout_from_mapping(zones).zone_of(0.5, 0.5) == "podium" and list(zones) == ["board", "podium"]
    plain = tmp_path / "plain.json"
    plain.write_text('{"podium": [0, 0, 1, 1]}', encoding="utf-8")
    assert list(read_layout(plain)) == ["podium"]
    for text, message in (("podium: [0, 0, 1]", "room layout zone podium is invalid"),
                          ("- podium", "not a room layout"), ("zones: {", "not valid YAML"), ("{}", "no zones")):
        room.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message) as caught:
            read_layout(room)
        assert caught.value.path == str(room)
    with pytest.raises(InputError, match="file not found"):
        read_layout(tmp_path / "missing.yaml")
