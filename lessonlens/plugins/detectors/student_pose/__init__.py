"""``student-pose``: every student's body keypoints on the student camera, seats tracked across samples,
and the posture cues a coder needs (hand raised, standing, head down, turned to a neighbour).

Backends (option ``backend``): ``rtmo`` or ``rtmpose`` (ONNX files through rtmlib, the ``rtm``
extra), ``mmpose`` (when installed), ``mediapipe`` (offline, coarse; the default). Model files come
from the user's disk (``lessonlens models``). Not run by default: name it
(``--detectors ...,student-pose``).

Emits per instant, for each person placed in a seat:

- :class:`PoseObservation` ``person="seat-NN"``: 17 COCO keypoints in frame fractions
  (``visibility`` is the model's score) and the box around them;
- :class:`BehaviourCue` ``actor="student:seat-NN"``: that student's platform-9 code
  (``hand_raising``, ``answering`` for standing, ``reading_writing`` for head down,
  ``peer_interaction`` for turned, else ``listening``), ``confidence`` the keypoints' mean score;

and for the class a :class:`BehaviourCue` ``actor="students"`` per code with ``share`` = the
fraction of the people seen (the same contract as ``student-faces``, so coders read it unchanged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from lessonlens.core.readings import StudentReading
from lessonlens.media import frames_at
from lessonlens.media.vision import Image
from lessonlens.plugin import (
    BehaviourCue,
    Box,
    Detector,
    DetectRequest,
    Keypoint,
    MediaRole,
    Observation,
    PoseObservation,
    Text,
    hookimpl,
)
from lessonlens.plugins.detectors.student_pose.actions import StudentActionsDetector
from lessonlens.plugins.detectors.student_pose.backends import BACKENDS, NAME, PoseRunner, runner
from lessonlens.plugins.detectors.student_pose.cues import (
    COCO17,
    DEFAULT,
    L_EAR,
    L_EL,
    L_EYE,
    L_WR,
    NOSE,
    R_EAR,
    R_EL,
    R_EYE,
    R_WR,
    Frame,
    Person,
    Thresholds,
    frame_of,
    posture,
    scale,
)
from lessonlens.plugins.detectors.student_pose.seats import SeatTracker


def observations_at(t: float, people: list[Person], tracker: SeatTracker, size: tuple[int, int],
                    source: str = "", th: Thresholds = DEFAULT) -> list[Observation]:
    """The pose, per-student and class observations of one instant; ``size`` is the frame's (w, h)."""
    w, h = size
    frame = frame_of(people, th)
    seats = tracker.assign(people, frame)
    found: list[Observation] = []
    codes: Counter[str] = Counter()
    confidence: dict[str, list[float]] = {}
    for i, (p, seat) in enumerate(zip(people, seats, strict=True)):
        if seat is None:
            continue
        state = posture(people, i, seat.usual_y(), seat.scale() if seat.scales else None, seat.usual_head(), th,
                        frame)
        tracker.remember(seat, p, state.standing)
        seen = p[p[:, 2] >= th.score]
        lo = seen[:, :2].min(axis=0) if len(seen) else p[:, :2].min(axis=0)
        hi = seen[:, :2].max(axis=0) if len(seen) else p[:, :2].max(axis=0)
        found.append(PoseObservation(
            t=t, source=source, detector=NAME, confidence=state.confidence, person=seat.id,
            box=Box(round(float(lo[0]) / w, 4), round(float(lo[1]) / h, 4), round(float(hi[0] - lo[0]) / w, 4),
                    round(float(hi[1] - lo[1]) / h, 4)),
            keypoints=tuple(Keypoint(name, round(float(x) / w, 4), round(float(y) / h, 4), round(float(v), 3))
                            for name, (x, y, v) in zip(COCO17, p, strict=True))))
        code = state.behaviour
        found.append(BehaviourCue(t=t, source=source, detector=NAME, actor=f"student:{seat.id}", behaviour=code,
                                  confidence=state.confidence))
        codes[code] += 1
        confidence.setdefault(code, []).append(state.confidence)
    total = sum(codes.values())
    for code, n in sorted(codes.items()):
        found.append(BehaviourCue(t=t, source=source, detector=NAME, actor="students", behaviour=code,
                                  share=round(n / total, 4), confidence=round(float(np.mean(confidence[code])), 3)))
    return found


def reading(people: list[Person], i: int, th: Thresholds = DEFAULT,
            frame: Frame | None = None) -> StudentReading | None:
    """Person ``i`` of a still frame as the evaluation harness reads students: head box and state, raised
    hand with the box around its forearm, standing (None: no head seen)."""
    p = people[i]
    head = [k for k in (NOSE, L_EYE, R_EYE, L_EAR, R_EAR) if p[k, 2] >= th.score]
    s = scale(p, th)
    if not head or s <= 0:
        return None
    cx, cy = (float(v) for v in p[head, :2].mean(axis=0))
    size = 0.6 * s
    state = posture(people, i, th=th, frame=frame)
    hand: tuple[float, float, float, float] | None = None
    if state.hand_raised:
        wrist, elbow = (L_WR, L_EL) if (p[L_WR, 0] < cx) == (state.hand == "left") else (R_WR, R_EL)
        pts = p[[wrist, elbow], :2] if p[elbow, 2] >= th.score else p[[wrist], :2]
        lo, hi = pts.min(axis=0) - 0.2 * s, pts.max(axis=0) + 0.2 * s
        hand = (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    gaze = "side" if state.turned else "down" if state.head_down else "front"
    return StudentReading((cx - size / 2, cy - size / 2, size, size), gaze, raised=state.hand_raised, hand=hand,
                          standing=state.standing, score=state.confidence)


def track(frames: Iterable[tuple[float, Image]], model: PoseRunner, source: str = "",
          progress: Callable[[int, int], None] | None = None, total: int = 0) -> Iterator[Observation]:
    """Observations over a sequence of frames, one seat tracker for the lesson."""
    tracker = SeatTracker()
    for done, (t, frame) in enumerate(frames, start=1):
        yield from observations_at(t, model(frame), tracker, (frame.shape[1], frame.shape[0]), source)
        if progress is not None:
            progress(done, total)


class StudentPoseDetector(Detector):
    """Options: ``backend`` (rtmo, rtmpose, mmpose, mediapipe), the backend's model options (``model``,
    ``det_model``, ``config``, ``checkpoint``), ``width`` (px the frames are decoded at, 1280),
    ``min_score`` (a person's mean keypoint score to count), ``det_score``, ``crops``, ``tiles``,
    ``rescan`` and ``still`` (mediapipe: see ``mediapipe_pose``), ``sampling`` (``exact`` or ``keyframe``)."""

    name = NAME
    roles = (MediaRole.STUDENTS,)
    emits = ("pose", "behaviour")
    by_default = False
    backends = BACKENDS
    description = Text(zh="学生多人姿态：举手、起立、低头、转身（rtmlib / mmpose / mediapipe）",
                       en="students' multi-person pose: hands raised, standing, heads down, turned "
                          "(rtmlib / mmpose / mediapipe)")

    def __init__(self, backend: str = "mediapipe", width: int = 1280) -> None:
        self.backend = backend
        self.width = width

    def fingerprint(self) -> str:
        return f"{NAME}/1:{self.backend}:{self.width}"

    def frame_reader(self, options: Mapping[str, Any] | None = None) -> Callable[[Image], list[StudentReading]]:
        """Each still frame read on its own (no seat history): what ``lessonlens evaluate-frames`` measures."""
        chosen = {"rescan": 1, **dict(options or {})}  # every still is a new picture: search it for faces
        model = runner(str(chosen.get("backend", self.backend)), chosen)

        def read(image: Image) -> list[StudentReading]:
            people = model(image)
            frame = frame_of(people)
            found = (reading(people, i, frame=frame) for i in range(len(people)))
            return [r for r in found if r is not None]

        return read

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        media = request.media[0]
        model = runner(str(options.get("backend", self.backend)), options, request.threads)
        frames = frames_at(media.path, request.instants, media.offset, size=int(options.get("width", self.width)),
                           sampling=options.get("sampling", "exact"), threads=request.threads)
        yield from track(frames, model, media.role.value, request.progress, len(request.instants))


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(StudentPoseDetector())
    register(StudentActionsDetector())
