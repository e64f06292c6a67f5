"""Teacher pose and position from the teacher camera (mediapipe Pose, models shipped in the wheel).

At each instant: the teacher's body keypoints (:class:`PoseObservation`, COCO-style names so other
pose models drop in) and where the teacher stands (:class:`PositionObservation`): the room-layout
zone holding the middle of the shoulders, and ``moving`` when that point moved more than
``min_move`` (frame fractions) since the previous instant. Whether the teacher faces the class or
the board, and whether an arm is raised, is read off the keypoints by the coder.

Frames are decoded straight to ``width`` px (640 by default): mediapipe's detector looks at 224 px
and the landmark model at 256 px, so a larger picture only costs time. A frame whose 160-px grey
thumbnail did not change since the previous instant keeps the previous pose without a model run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole
from lessonlens.core.observations import Box, Keypoint, Observation, PoseObservation, PositionObservation
from lessonlens.media import frames_at
from lessonlens.media.layout import DEFAULT_LAYOUT, RoomLayout, layout_from_mapping
from lessonlens.media.vision import MISSING_MODEL, Image, changed_fraction, require, thumbnail

NAME = "teacher-pose"

#: mediapipe's 33 landmarks -> the 17 COCO keypoints every pose model names the same way.
KEYPOINTS: dict[str, int] = {
    "nose": 0, "left_eye": 2, "right_eye": 5, "left_ear": 7, "right_ear": 8,
    "left_shoulder": 11, "right_shoulder": 12, "left_elbow": 13, "right_elbow": 14,
    "left_wrist": 15, "right_wrist": 16, "left_hip": 23, "right_hip": 24,
    "left_knee": 25, "right_knee": 26, "left_ankle": 27, "right_ankle": 28,
}
_NAMES = tuple(KEYPOINTS)
_INDEX = np.array(list(KEYPOINTS.values()))
_SHOULDERS = (_NAMES.index("left_shoulder"), _NAMES.index("right_shoulder"))
_NOSE = _NAMES.index("nose")

_STILL = 0.002  # share of thumbnail pixels that may change while the picture counts as the same
Landmarks = npt.NDArray[np.float32]  # (17, 3): x, y, visibility in frame fractions
PoseModel = Callable[[Image], "Landmarks | None"]


def bundled_pose_model() -> tuple[PoseModel, Callable[[], None]]:
    """mediapipe's Pose solution (complexity 1: the model the wheel ships) and its closer."""
    mp = require("mediapipe", NAME, "mediapipe==0.10.21", "vision")
    pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)

    def run(image: Image) -> Landmarks | None:
        result = pose.process(image)
        if not result.pose_landmarks:
            return None
        marks = result.pose_landmarks.landmark
        return np.array([(marks[i].x, marks[i].y, marks[i].visibility) for i in _INDEX], dtype=np.float32)

    return run, pose.close


def task_pose_model(path: str) -> tuple[PoseModel, Callable[[], None]]:
    """A mediapipe Tasks pose landmarker from a ``.task`` file the user downloaded."""
    mp = require("mediapipe", NAME, "mediapipe==0.10.21", "vision")
    if not Path(path).is_file():
        raise PluginError(MISSING_MODEL, detector=NAME, path=path, package="mediapipe")
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=path),
                                           running_mode=vision.RunningMode.IMAGE, num_poses=1)
    landmarker = vision.PoseLandmarker.create_from_options(options)

    def run(image: Image) -> Landmarks | None:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)))
        if not result.pose_landmarks:
            return None
        marks = result.pose_landmarks[0]
        return np.array([(marks[i].x, marks[i].y, marks[i].visibility or 0.0) for i in _INDEX], dtype=np.float32)

    return run, landmarker.close


def anchor(landmarks: Landmarks) -> tuple[float, float]:
    """The point that places a person: mid-shoulders, or the nose when the shoulders are hidden."""
    shoulders = landmarks[list(_SHOULDERS)]
    if shoulders[:, 2].min() >= 0.3:
        return float(shoulders[:, 0].mean()), float(shoulders[:, 1].mean())
    return float(landmarks[_NOSE, 0]), float(landmarks[_NOSE, 1])


def observations_at(t: float, landmarks: Landmarks | None, previous: tuple[float, float] | None,
                    layout: RoomLayout, min_move: float, source: str = "") -> list[Observation]:
    """The pose and position observations of one instant (none when no teacher is in the picture)."""
    if landmarks is None:
        return []
    seen = landmarks[landmarks[:, 2] >= 0.3]
    lo = np.clip(seen[:, :2].min(axis=0), 0, 1) if len(seen) else np.zeros(2)
    hi = np.clip(seen[:, :2].max(axis=0), 0, 1) if len(seen) else np.zeros(2)
    confidence = round(float(landmarks[[*_SHOULDERS, _NOSE], 2].mean()), 3)
    keypoints = tuple(Keypoint(name, round(float(x), 4), round(float(y), 4), round(float(v), 3))
                      for name, (x, y, v) in zip(_NAMES, landmarks, strict=True))
    x, y = anchor(landmarks)
    moved = previous is not None and float(np.hypot(x - previous[0], y - previous[1])) > min_move
    return [
        PoseObservation(t=t, source=source, detector=NAME, confidence=confidence, person="teacher",
                        box=Box(round(float(lo[0]), 4), round(float(lo[1]), 4),
                                round(float(hi[0] - lo[0]), 4), round(float(hi[1] - lo[1]), 4)),
                        keypoints=keypoints),
        PositionObservation(t=t, source=source, detector=NAME, confidence=confidence, person="teacher",
                            x=round(x, 4), y=round(y, 4), zone=layout.zone_of(x, y), moving=moved),
    ]


class TeacherPoseDetector(Detector):
    """Options (constructor or ``request.options``): ``layout`` (zone mapping), ``width`` (px),
    ``min_move`` (frame fraction per instant), ``model_path`` (a mediapipe ``.task`` pose model),
    ``sampling`` (``exact`` or ``keyframe``, see :func:`lessonlens.media.frames_at`)."""

    name = NAME
    roles = (MediaRole.TEACHER,)
    emits = ("pose", "position")
    description = Text(zh="教师姿态与位置（mediapipe Pose）", en="Teacher pose and position (mediapipe Pose)")

    def __init__(self, layout: RoomLayout = DEFAULT_LAYOUT, width: int = 640, min_move: float = 0.05,
                 model_path: str | None = None) -> None:
        self.layout = layout
        self.width = width
        self.min_move = min_move
        self.model_path = model_path

    def fingerprint(self) -> str:
        return f"{NAME}/2:{self.width}:{self.min_move}:{self.model_path or 'mediapipe-0.10.21-full'}:{self.layout!r}"

    def _options(self, options: Mapping[str, Any]) -> tuple[RoomLayout, int, float, str | None]:
        layout = layout_from_mapping(options["layout"]) if "layout" in options else self.layout
        return (layout, int(options.get("width", self.width)), float(options.get("min_move", self.min_move)),
                options.get("model_path", self.model_path))

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        layout, width, min_move, model_path = self._options(request.options)
        media = request.media[0]
        model, close = task_pose_model(model_path) if model_path else bundled_pose_model()
        try:
            frames = frames_at(media.path, request.instants, media.offset, size=width,
                               sampling=request.options.get("sampling", "exact"), threads=request.threads)
            yield from self.track(frames, model,
                                  layout, min_move, media.role.value, request.progress, len(request.instants))
        finally:
            close()

    @staticmethod
    def track(frames: Iterable[tuple[float, Image]], model: PoseModel, layout: RoomLayout, min_move: float,
              source: str = "", progress: Callable[[int, int], None] | None = None,
              total: int = 0) -> Iterator[Observation]:
        """Observations over a sequence of frames; ``moving`` compares consecutive instants."""
        previous: tuple[float, float] | None = None
        last: tuple[Image, Landmarks | None] | None = None
        for done, (t, frame) in enumerate(frames, start=1):
            small = thumbnail(frame)
            if last is not None and last[0].shape == small.shape and changed_fraction(last[0], small) < _STILL:
                landmarks = last[1]  # the same picture as at the previous instant: same pose, no model run
            else:
                landmarks = model(frame)
                last = (small, landmarks)
            found = observations_at(t, landmarks, previous, layout, min_move, source)
            previous = anchor(landmarks) if landmarks is not None else None
            yield from found
            if progress is not None:
                progress(done, total)


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(TeacherPoseDetector())
