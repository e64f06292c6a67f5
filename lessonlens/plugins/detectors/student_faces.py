"""Students from the student camera: find the seats, then read each student's head at every instant.

A class of 30-50 students is too many for a per-person pose model at every instant, so the work
is split by cost:

1. *Seats*: OpenCV's frontal-face cascade scans the whole frame at a few instants spread over the
   lesson; faces found in several of them at the same place are the seats (the class size).
2. *Each instant, each seat*: the cascades run only on a small crop around the seat:
   a frontal face at the seat -> ``front`` (listening); the same face well above the seat ->
   standing (answering); only a profile face -> ``side`` (turned to a neighbour: peer interaction);
   no face -> ``down`` (head down: reading/writing).
3. *Raised hands*: a small grey patch above each seat is kept at every instant; where it differs
   from that seat's median patch over the lesson, something (an arm) is raised above the head.

Emits one :class:`FaceObservation` per seat and instant (the evidence) and, per instant, one
student :class:`BehaviourCue` per behaviour with the share of seated students doing it.
OpenCV's Haar cascades ship inside ``opencv-python(-headless)`` < 5 (5.0 dropped them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole
from lessonlens.core.observations import BehaviourCue, Box, FaceObservation, Observation
from lessonlens.media import frames_at
from lessonlens.media.vision import MISSING_MODEL, Image, grey, require

NAME = "student-faces"
Boxes = npt.NDArray[np.int32]  # (n, 4): x, y, w, h in pixels

#: What a student whose head is in each state is doing (SPEC.md section 2 student behaviours).
BEHAVIOUR_OF_STATE: dict[str, str] = {
    "front": "listening", "standing": "answering", "raised": "hand_raising",
    "down": "reading_writing", "side": "peer_interaction",
}
_PATCH = (16, 12)  # width, height of the above-the-head patch kept per seat and instant


@attrs.frozen
class Seat:
    """Where a seated student's face is, in pixels of the analysed frame."""

    x: float
    y: float
    size: float


@attrs.frozen
class SeatState:
    state: str
    box: tuple[float, float, float, float] | None  # the face found, in pixels
    confidence: float


class Cascades:
    """OpenCV's frontal and profile face cascades (from the opencv wheel, or user-given files)."""

    def __init__(self, frontal: str | None = None, profile: str | None = None) -> None:
        self.cv2 = require("cv2", NAME, "opencv-python-headless<5", "vision")
        folder = Path(getattr(getattr(self.cv2, "data", None), "haarcascades", ""))
        self.frontal = self._load(frontal or str(folder / "haarcascade_frontalface_default.xml"))
        self.profile = self._load(profile or str(folder / "haarcascade_profileface.xml"))

    def _load(self, path: str) -> Any:
        cascade = self.cv2.CascadeClassifier(path) if Path(path).is_file() else None
        if cascade is None or cascade.empty():
            raise PluginError(MISSING_MODEL, detector=NAME, path=path, package="opencv-python-headless<5")
        return cascade

    def faces(self, image: Image, smallest: float, largest: float, step: float = 1.1,
              neighbours: int = 3) -> Boxes:
        found = self.frontal.detectMultiScale(image, scaleFactor=step, minNeighbors=neighbours,
                                              minSize=(int(smallest), int(smallest)),
                                              maxSize=(int(largest), int(largest)))
        return np.asarray(found, dtype=np.int32).reshape(-1, 4)

    def profiles(self, image: Image, smallest: float, largest: float) -> Boxes:
        """Profile faces looking either way (the cascade knows one side; the mirror gives the other)."""
        sizes = {"minSize": (int(smallest), int(smallest)), "maxSize": (int(largest), int(largest))}
        right = np.asarray(self.profile.detectMultiScale(image, 1.1, 3, **sizes), dtype=np.int32).reshape(-1, 4)
        left = np.asarray(self.profile.detectMultiScale(np.ascontiguousarray(image[:, ::-1]), 1.1, 3, **sizes),
                          dtype=np.int32).reshape(-1, 4)
        left[:, 0] = image.shape[1] - left[:, 0] - left[:, 2]
        return np.concatenate([right, left])


def find_seats(detections: Sequence[Boxes], min_support: int) -> list[Seat]:
    """Seats: places where faces were found in at least ``min_support`` of the scanned frames."""
    points = [(x + w / 2, y + h / 2, float(w)) for boxes in detections for x, y, w, h in boxes]
    points.sort(key=lambda p: -p[2])
    clusters: list[list[tuple[float, float, float]]] = []
    for px, py, size in points:
        for cluster in clusters:
            cx, cy, cs = np.median(np.array(cluster), axis=0)
            if abs(px - cx) < 0.5 * cs and abs(py - cy) < 0.5 * cs:
                cluster.append((px, py, size))
                break
        else:
            clusters.append([(px, py, size)])
    seats = []
    for cluster in clusters:
        if len(cluster) >= min_support:
            # the lowest quarter of positions: a student seen standing in one scan is seated in the others
            arr = np.array(cluster)
            seats.append(Seat(float(np.median(arr[:, 0])), float(np.percentile(arr[:, 1], 75)),
                              float(np.median(arr[:, 2]))))
    seats.sort(key=lambda s: (round(s.y / s.size), s.x))
    return seats


def _crop(image: Image, x0: float, y0: float, x1: float, y1: float) -> tuple[Image, int, int]:
    h, w = image.shape[:2]
    a, b = max(0, int(x0)), max(0, int(y0))
    return image[b:min(h, int(y1)), a:min(w, int(x1))], a, b


def seat_state(cascades: Cascades, image: Image, seat: Seat) -> SeatState:
    """The state of one seat's head in a grey frame (see the module docstring)."""
    s = seat.size
    crop, ox, oy = _crop(image, seat.x - 1.0 * s, seat.y - 2.0 * s, seat.x + 1.0 * s, seat.y + 0.9 * s)
    if crop.size == 0:
        return SeatState("down", None, 0.3)
    faces = cascades.faces(crop, 0.65 * s, 1.6 * s)
    if len(faces):
        centres = faces[:, :2] + faces[:, 2:] / 2 + (ox, oy)
        best = int(np.argmin(np.abs(centres[:, 0] - seat.x) + 0.3 * np.abs(centres[:, 1] - seat.y)))
        fx, fy = centres[best]
        if abs(fx - seat.x) < 0.6 * s:
            box = (float(faces[best, 0] + ox), float(faces[best, 1] + oy), float(faces[best, 2]), float(faces[best, 3]))
            standing = fy - seat.y < -0.6 * s
            return SeatState("standing" if standing else "front", box, 0.85)
    level, lx, ly = _crop(image, seat.x - 1.0 * s, seat.y - 0.9 * s, seat.x + 1.0 * s, seat.y + 0.9 * s)
    profiles = cascades.profiles(level, 0.6 * s, 1.6 * s) if level.size else np.zeros((0, 4), np.int32)
    if len(profiles):
        x, y, w, h = (float(v) for v in profiles[0])
        return SeatState("side", (x + lx, y + ly, w, h), 0.7)
    return SeatState("down", None, 0.6)


def above_head_patch(cv2: Any, image: Image, seat: Seat) -> Image:
    """A small grey patch of the space above a seated student's head (where a raised arm shows)."""
    s = seat.size
    crop, _, _ = _crop(image, seat.x - 1.0 * s, seat.y - 2.0 * s, seat.x + 1.0 * s, seat.y - 0.75 * s)
    if crop.size == 0:
        return np.zeros(_PATCH[::-1], np.uint8)
    patch: Image = cv2.resize(crop, _PATCH, interpolation=cv2.INTER_AREA)
    return patch


def raised_hands(patches: npt.NDArray[np.uint8], level: int = 30, share: float = 0.12) -> npt.NDArray[np.bool_]:
    """For one seat's patches over the lesson (instants, h, w): where something new is above the head."""
    if len(patches) < 3:
        return np.zeros(len(patches), dtype=bool)
    reference = np.median(patches, axis=0)
    changed = np.abs(patches.astype(np.float32) - reference) > level
    raised: npt.NDArray[np.bool_] = changed.mean(axis=(1, 2)) > share
    return raised


def observations_at(t: float, seats: Sequence[Seat], states: Sequence[SeatState], frame_size: tuple[int, int],
                    source: str = "") -> list[Observation]:
    """Per-seat face observations and the class's behaviour shares at one instant."""
    width, height = frame_size
    found: list[Observation] = []
    for index, (seat, state) in enumerate(zip(seats, states, strict=True)):
        x, y, w, h = state.box or (seat.x - seat.size / 2, seat.y - seat.size / 2, seat.size, seat.size)
        gaze = {"standing": "front", "raised": "front"}.get(state.state, state.state)
        found.append(FaceObservation(
            t=t, source=source, detector=NAME, confidence=state.confidence, person=f"s{index + 1:02d}",
            box=Box(round(x / width, 4), round(y / height, 4), round(w / width, 4), round(h / height, 4)),
            gaze=gaze, pitch=45.0 if gaze == "down" else None, yaw=60.0 if gaze == "side" else None,
        ))
    if states:
        counts: dict[str, list[float]] = {}
        for state in states:
            counts.setdefault(BEHAVIOUR_OF_STATE[state.state], []).append(state.confidence)
        for behaviour, confidences in sorted(counts.items()):
            found.append(BehaviourCue(t=t, source=source, detector=NAME, actor="students", behaviour=behaviour,
                                      share=round(len(confidences) / len(states), 4),
                                      confidence=round(float(np.mean(confidences)), 3)))
    return found


class StudentFacesDetector(Detector):
    """Options: ``width`` (px of the analysed frame), ``scan_instants`` (seat-finding scans),
    ``frontal_cascade`` / ``profile_cascade`` (paths to OpenCV cascade files)."""

    name = NAME
    roles = (MediaRole.STUDENTS,)
    emits = ("face", "behaviour")
    description = Text(zh="学生头部状态与行为占比（OpenCV 人脸级联）",
                       en="Student head states and behaviour shares (OpenCV face cascades)")

    def __init__(self, width: int = 1280, scan_instants: int = 12, frontal_cascade: str | None = None,
                 profile_cascade: str | None = None) -> None:
        self.width = width
        self.scan_instants = scan_instants
        self.frontal_cascade = frontal_cascade
        self.profile_cascade = profile_cascade

    def fingerprint(self) -> str:
        return f"{NAME}/1:{self.width}:{self.scan_instants}:{self.frontal_cascade}:{self.profile_cascade}"

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        width = int(options.get("width", self.width))
        cascades = Cascades(options.get("frontal_cascade", self.frontal_cascade),
                            options.get("profile_cascade", self.profile_cascade))
        media = request.media[0]
        instants = request.instants
        picks = sorted({instants[int(i)] for i in np.linspace(0, len(instants) - 1, self.scan_instants)}
                       if instants else set())
        scans = [grey(frame) for _, frame in frames_at(media.path, picks, media.offset, size=width)]
        seats = seat_scan(cascades, scans)
        frames = ((t, grey(frame)) for t, frame in frames_at(media.path, instants, media.offset, size=width))
        yield from classify(cascades, frames, seats, media.role.value, request.progress, len(instants))


def seat_scan(cascades: Cascades, scans: Sequence[Image]) -> list[Seat]:
    """The seats seen in a few grey frames (faces between 1.5% and 15% of the frame width)."""
    if not scans:
        return []
    width = scans[0].shape[1]
    detections = [cascades.faces(image, max(16, 0.015 * width), 0.15 * width, step=1.15) for image in scans]
    return find_seats(detections, min_support=max(1, round(0.25 * len(scans))))


def classify(cascades: Cascades, frames: Iterable[tuple[float, Image]], seats: Sequence[Seat], source: str = "",
             progress: Callable[[int, int], None] | None = None, total: int = 0) -> Iterator[Observation]:
    """Seat states at each instant, hands decided against each seat's whole-lesson patch median."""
    times: list[float] = []
    states: list[list[SeatState]] = []
    patches: list[list[Image]] = []
    size = (0, 0)
    for done, (t, image) in enumerate(frames, start=1):
        size = (image.shape[1], image.shape[0])
        times.append(t)
        states.append([seat_state(cascades, image, seat) for seat in seats])
        patches.append([above_head_patch(cascades.cv2, image, seat) for seat in seats])
        if progress is not None:
            progress(done, total)
    if seats and times:
        stack = np.array(patches, dtype=np.uint8)  # (instants, seats, h, w)
        for index in range(len(seats)):
            for i in np.flatnonzero(raised_hands(stack[:, index])):
                if states[i][index].state in ("front", "side", "down"):
                    states[i][index] = attrs.evolve(states[i][index], state="raised", confidence=0.6)
    for t, row in zip(times, states, strict=True):
        yield from observations_at(t, seats, row, size, source)


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(StudentFacesDetector())
