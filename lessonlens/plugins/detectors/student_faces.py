"""Students from the student camera: find the seats, then read each student's head at every instant.

A class of 30-50 students is too many for a per-person pose model at every instant, so the work
is split by cost:

1. *Seats*: mediapipe's face detector scans overlapping tiles of the frame (its short-range model
   wants faces that fill a good part of its 128-px input) at a few instants spread over the
   lesson; faces found at the same place in several of them are the seats (the class size).
2. *Each instant, each seat*: the same detector runs on a small crop around the seat, and only
   where the crop changed since the previous instant. Each face is judged against that seat's
   usual face over the lesson: well above the seat -> standing (answering); narrower than usual
   or shifted sideways -> turned to a neighbour (peer interaction); no face but a profile
   (OpenCV's profile cascade) -> turned too; no face at all -> head bowed (reading/writing);
   otherwise facing the front (listening).
3. *Raised hands*: two small colour strips beside and above each seated head are kept at every
   instant; where one differs from that seat's median strip over the lesson, an arm is up. (The
   strip straight above the head is left out: it shows the student of the row behind.)

Emits one :class:`FaceObservation` per seat and instant (the evidence) and, per instant, one
student :class:`BehaviourCue` per behaviour with the share of seated students doing it. The face
model ships inside mediapipe 0.10.21, the profile cascade inside opencv(-headless) < 5. (On the
composed test classrooms, mediapipe's full-range model on whole-frame tiles found about half of
40-48 px faces and OpenCV's frontal cascade about 90 % with false hits; short-range tiles 100 %.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole
from lessonlens.core.observations import BehaviourCue, Box, FaceObservation, Observation
from lessonlens.core.readings import StudentReading
from lessonlens.media import frames_at
from lessonlens.media.vision import MISSING_MODEL, Image, grey, require

NAME = "student-faces"
Boxes = npt.NDArray[np.int32]  # (n, 4): x, y, w, h in pixels
Found = tuple[float, float, float, float, float]  # x, y, w, h (pixels), score

#: What a student whose head is in each state is doing (SPEC.md section 2 student behaviours).
BEHAVIOUR_OF_STATE: dict[str, str] = {
    "front": "listening", "standing": "answering", "raised": "hand_raising",
    "down": "reading_writing", "side": "peer_interaction",
}
_STRIP = (6, 16)  # width, height of each beside-the-head strip kept per seat and instant
_UNCHANGED = 4.0  # mean grey-level change of a seat's 12x12 thumbnail below which it is not re-measured
STANDING = (-1.6, -0.55)  # face centre above the seat, in face sizes: higher is the row behind


@attrs.frozen
class Seat:
    """Where a seated student's face is (centre and size), in pixels of the analysed frame."""

    x: float
    y: float
    size: float


@attrs.frozen
class SeatState:
    state: str
    box: tuple[float, float, float, float] | None  # the face found, in pixels
    confidence: float


@attrs.frozen
class Measure:
    """One seat at one instant: the face found (centre offset from the seat and width, in seat
    sizes) or, without a face, whether a profile was seen."""

    face: tuple[float, float, float, float] | None  # x, y, w, h in pixels
    dx: float = 0.0
    dy: float = 0.0
    width: float = 0.0
    profile: bool = False
    score: float = 0.0


class FaceFinder:
    """mediapipe's short-range face detector (its model ships in the mediapipe 0.10.21 wheel)."""

    def __init__(self, min_confidence: float = 0.5) -> None:
        mp = require("mediapipe", NAME, "mediapipe==0.10.21", "vision")
        self.detector = mp.solutions.face_detection.FaceDetection(model_selection=0,
                                                                  min_detection_confidence=min_confidence)

    def __call__(self, image: Image) -> list[Found]:
        """Faces in ``image`` (RGB) as (x, y, w, h, score) in its pixels."""
        result = self.detector.process(np.ascontiguousarray(image))
        h, w = image.shape[:2]
        found = []
        for detection in result.detections or ():
            box = detection.location_data.relative_bounding_box
            found.append((box.xmin * w, box.ymin * h, box.width * w, box.height * h, float(detection.score[0])))
        return found

    def tiles(self, image: Image, tile: int) -> list[Found]:
        """Faces in a whole frame, from half-overlapping square tiles; duplicates merged."""
        h, w = image.shape[:2]
        step = max(1, tile // 2)
        found: list[Found] = []
        for y0 in range(0, max(1, h - step), step):
            for x0 in range(0, max(1, w - step), step):
                for x, y, fw, fh, score in self(image[y0:y0 + tile, x0:x0 + tile]):
                    found.append((x + x0, y + y0, fw, fh, score))
        found.sort(key=lambda f: -f[4])
        kept: list[Found] = []
        for f in found:
            cx, cy = f[0] + f[2] / 2, f[1] + f[3] / 2
            if all(abs(cx - k[0] - k[2] / 2) > 0.5 * k[2] or abs(cy - k[1] - k[3] / 2) > 0.5 * k[2] for k in kept):
                kept.append(f)
        return kept

    def close(self) -> None:
        self.detector.close()


class Profiles:
    """OpenCV's profile-face cascade (from the opencv wheel, or a user-given file), both ways round."""

    def __init__(self, path: str | None = None) -> None:
        self.cv2 = require("cv2", NAME, "opencv-python-headless<5", "vision")
        folder = Path(getattr(getattr(self.cv2, "data", None), "haarcascades", ""))
        path = path or str(folder / "haarcascade_profileface.xml")
        cascade = self.cv2.CascadeClassifier(path) if Path(path).is_file() else None
        if cascade is None or cascade.empty():
            raise PluginError(MISSING_MODEL, path=path, detector=NAME, package="opencv-python-headless<5")
        self.cascade: Any = cascade

    def __call__(self, image: Image, smallest: float, largest: float) -> Boxes:
        sizes = {"minSize": (int(smallest), int(smallest)), "maxSize": (int(largest), int(largest))}
        right = np.asarray(self.cascade.detectMultiScale(image, 1.1, 3, **sizes), dtype=np.int32).reshape(-1, 4)
        left = np.asarray(self.cascade.detectMultiScale(np.ascontiguousarray(image[:, ::-1]), 1.1, 3, **sizes),
                          dtype=np.int32).reshape(-1, 4)
        left[:, 0] = image.shape[1] - left[:, 0] - left[:, 2]
        return np.concatenate([right, left])


def find_seats(detections: Sequence[Sequence[Found]], min_support: int) -> list[Seat]:
    """Seats: places where faces were found in at least ``min_support`` of the scanned frames."""
    points = [(x + w / 2, y + h / 2, w) for frame in detections for x, y, w, h, _ in frame]
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
            # the lower positions: a student seen standing in one scan is seated in the others
            arr = np.array(cluster)
            seats.append(Seat(float(np.median(arr[:, 0])), float(np.percentile(arr[:, 1], 75)),
                              float(np.median(arr[:, 2]))))
    seats.sort(key=lambda s: (s.y, s.x))
    rows: list[list[Seat]] = []
    for seat in seats:  # row-major order, back row first, as a seating plan reads
        if rows and abs(seat.y - rows[-1][0].y) < 0.5 * seat.size:
            rows[-1].append(seat)
        else:
            rows.append([seat])
    return [seat for row in rows for seat in sorted(row, key=lambda s: s.x)]


def seat_scan(finder: FaceFinder, scans: Sequence[Image], tile: int | None = None) -> list[Seat]:
    """The seats seen in a few RGB frames (``tile``: px of the scanning tiles, by default width / 6.4)."""
    if not scans:
        return []
    tile = tile or max(96, round(scans[0].shape[1] / 6.4))
    detections = [finder.tiles(image, tile) for image in scans]
    return find_seats(detections, min_support=max(1, round(0.25 * len(scans))))


def _crop(image: Image, x0: float, y0: float, x1: float, y1: float) -> tuple[Image, int, int]:
    h, w = image.shape[:2]
    a, b = max(0, int(x0)), max(0, int(y0))
    return image[b:min(h, int(y1)), a:min(w, int(x1))], a, b


def seat_crop(image: Image, seat: Seat) -> tuple[Image, int, int]:
    """The part of the frame where a seat's head can be: seated, turned, or standing (above it)."""
    s = seat.size
    return _crop(image, seat.x - 1.0 * s, seat.y - 2.3 * s, seat.x + 1.0 * s, seat.y + 0.9 * s)


def measure_seat(finder: FaceFinder, profiles: Profiles, rgb: Image, image: Image, seat: Seat) -> Measure:
    """Look for the face of one seat: mediapipe on the crop; without a face, the profile cascade."""
    s = seat.size
    crop, ox, oy = seat_crop(rgb, seat)
    faces = finder(crop) if crop.size else []
    if faces:
        # the face nearest the seat: the crop's top can hold the chin of the student behind
        x, y, w, h, score = min(faces, key=lambda f: abs(f[0] + f[2] / 2 + ox - seat.x)
                                + 0.5 * abs(f[1] + f[3] / 2 + oy - seat.y))
        box = (x + ox, y + oy, w, h)
        return Measure(box, (box[0] + w / 2 - seat.x) / s, (box[1] + h / 2 - seat.y) / s, w / s, score=score)
    level, lx, ly = _crop(image, seat.x - 1.0 * s, seat.y - 0.9 * s, seat.x + 1.0 * s, seat.y + 0.9 * s)
    found = profiles(level, 0.6 * s, 1.6 * s) if level.size else np.zeros((0, 4), np.int32)
    if len(found):
        x, y, w, h = (float(v) for v in found[0])
        return Measure((x + lx, y + ly, w, h), profile=True, score=0.7)
    return Measure(None)


def seat_states(measures: Sequence[Measure], turned_shift: float = 0.1, turned_width: float = 0.8) -> list[SeatState]:
    """One seat's states over the lesson, each face judged against the seat's own usual face.

    A face well above the seat is a student standing (unless it is smaller than usual: that is
    the student of the row behind); a face narrower than usual (foreshortened)
    or shifted sideways is turned to a neighbour; a profile only is turned too; no face at all is
    a head bowed over the desk; a face too far off the seat is someone else's (head bowed too).
    """
    seated = [m for m in measures if m.face is not None and not m.profile and m.dy > STANDING[1]]
    usual_dx = float(np.median([m.dx for m in seated])) if seated else 0.0
    usual_width = float(np.median([m.width for m in seated])) if seated else 0.0
    states = []
    for m in measures:
        if m.face is None or abs(m.dx - usual_dx) > 0.6 or m.dy < STANDING[0] or m.dy > 0.6:
            states.append(SeatState("down", None, 0.6))
        elif m.profile:
            states.append(SeatState("side", m.face, 0.7))
        elif m.dy <= STANDING[1] and m.width < 0.92 * usual_width:  # a smaller face: the row behind
            states.append(SeatState("down", None, 0.5))
        elif m.dy <= STANDING[1]:
            states.append(SeatState("standing", m.face, round(0.5 + 0.4 * m.score, 3)))
        elif abs(m.dx - usual_dx) > turned_shift or m.width < turned_width * usual_width:
            states.append(SeatState("side", m.face, round(0.4 + 0.4 * m.score, 3)))
        else:
            states.append(SeatState("front", m.face, round(0.5 + 0.4 * m.score, 3)))
    return states


def beside_head(cv2: Any, image: Image, seat: Seat) -> Image:
    """Two small colour strips, left and right of and above a seated head (where a raised arm and
    hand show); colour, because a sleeve or a hand can have the wall's brightness but not its hue."""
    s = seat.size
    strips = []
    for x0 in (seat.x - 1.5 * s, seat.x + 0.75 * s):  # the head itself reaches about 0.7 face widths out
        crop, _, _ = _crop(image, x0, seat.y - 2.6 * s, x0 + 0.75 * s, seat.y - 0.6 * s)
        strips.append(cv2.resize(crop, _STRIP, interpolation=cv2.INTER_AREA) if crop.size
                      else np.zeros((_STRIP[1], _STRIP[0], 3), np.uint8))
    both: Image = np.stack(strips)
    return both


def raised_hands(strips: npt.NDArray[np.uint8], level: int = 30, share: float = 0.15) -> npt.NDArray[np.bool_]:
    """For one seat's strips over the lesson (instants, 2, h, w, 3): where something new rose beside the head."""
    if len(strips) < 3:
        return np.zeros(len(strips), dtype=bool)
    reference = np.median(strips, axis=0)
    changed = (np.abs(strips.astype(np.float32) - reference) > level).any(axis=-1)
    raised: npt.NDArray[np.bool_] = changed.mean(axis=(2, 3)).max(axis=1) > share
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


def classify(finder: FaceFinder, profiles: Profiles, frames: Iterable[tuple[float, Image]], seats: Sequence[Seat],
             source: str = "", progress: Callable[[int, int], None] | None = None,
             total: int = 0) -> Iterator[Observation]:
    """Seat states at each instant, judged per seat against the whole lesson (faces and hands).

    A seat whose crop did not change since the previous instant keeps its measure (no model run).
    """
    cv2 = profiles.cv2
    times: list[float] = []
    measures: list[list[Measure]] = []
    strips: list[list[Image]] = []
    last: list[tuple[Image, Measure] | None] = [None] * len(seats)
    size = (0, 0)
    for done, (t, rgb) in enumerate(frames, start=1):
        image = grey(rgb)
        size = (image.shape[1], image.shape[0])
        times.append(t)
        row = []
        for index, seat in enumerate(seats):
            crop, _, _ = seat_crop(image, seat)
            small: Image = (cv2.resize(crop, (12, 12), interpolation=cv2.INTER_AREA) if crop.size
                            else np.zeros((12, 12), np.uint8))
            previous = last[index]
            if previous is not None and float(np.abs(previous[0].astype(np.int16) - small).mean()) < _UNCHANGED:
                row.append(previous[1])
                continue
            found = measure_seat(finder, profiles, rgb, image, seat)
            last[index] = (small, found)
            row.append(found)
        measures.append(row)
        strips.append([beside_head(cv2, rgb, seat) for seat in seats])
        if progress is not None:
            progress(done, total)
    states: list[list[SeatState]] = [[] for _ in times]
    for index in range(len(seats)):
        for i, state in enumerate(seat_states([row[index] for row in measures])):
            states[i].append(state)
    if seats and times:
        stack = np.array(strips, dtype=np.uint8)  # (instants, seats, 2, h, w, 3)
        for index in range(len(seats)):
            for i in np.flatnonzero(raised_hands(stack[:, index])):
                if states[i][index].state in ("front", "side", "down"):
                    states[i][index] = attrs.evolve(states[i][index], state="raised", confidence=0.6)
    for t, row_states in zip(times, states, strict=True):
        yield from observations_at(t, seats, row_states, size, source)


class StudentFacesDetector(Detector):
    """Options: ``width`` (px of the analysed frame), ``scan_instants`` (seat-finding scans),
    ``tile`` (px of the seat-finding tiles), ``profile_cascade`` (path to an OpenCV cascade file),
    ``sampling`` (``exact`` or ``keyframe``)."""

    name = NAME
    by_default: ClassVar[bool] = False  # student-states reads real classrooms; this one only the synthetic ones
    roles = (MediaRole.STUDENTS,)
    emits = ("face", "behaviour")
    description = Text(zh="学生头部状态与行为占比（mediapipe 人脸 + OpenCV 侧脸）",
                       en="Student head states and behaviour shares (mediapipe faces + OpenCV profiles)")

    def __init__(self, width: int = 1280, scan_instants: int = 8, tile: int | None = None,
                 profile_cascade: str | None = None) -> None:
        self.width = width
        self.scan_instants = scan_instants
        self.tile = tile
        self.profile_cascade = profile_cascade

    def fingerprint(self) -> str:
        return f"{NAME}/3:{self.width}:{self.scan_instants}:{self.tile}:{self.profile_cascade}"

    def frame_reader(self) -> Callable[[Image], list[StudentReading]]:
        """Each still frame as a one-instant lesson: seats from the frame itself, then the seat states
        (what ``lessonlens evaluate-frames`` measures; a raised hand needs three instants, so none)."""
        finder, profiles = FaceFinder(), Profiles(self.profile_cascade)

        def read(rgb: Image) -> list[StudentReading]:
            image = rgb if rgb.shape[1] == self.width else _resized(profiles.cv2, rgb, self.width)
            scale = rgb.shape[1] / image.shape[1]
            seats = seat_scan(finder, [image], self.tile)
            readings = []
            for obs in classify(finder, profiles, [(0.0, image)], seats):
                if isinstance(obs, FaceObservation) and obs.box is not None:
                    h, w = image.shape[:2]
                    box = (obs.box.x * w * scale, obs.box.y * h * scale, obs.box.w * w * scale, obs.box.h * h * scale)
                    readings.append(StudentReading(box, obs.gaze if obs.gaze in ("front", "down", "side") else None))
            return readings

        return read

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        width = int(options.get("width", self.width))
        profiles = Profiles(options.get("profile_cascade", self.profile_cascade))
        media = request.media[0]
        instants = request.instants
        count = int(options.get("scan_instants", self.scan_instants))
        picks = sorted({instants[int(i)] for i in np.linspace(0, len(instants) - 1, count)} if instants else set())
        finder = FaceFinder()
        try:
            scans = [frame for _, frame in frames_at(media.path, picks, media.offset, size=width,
                                                     threads=request.threads)]
            seats = seat_scan(finder, scans, options.get("tile", self.tile))
            del scans
            frames = frames_at(media.path, instants, media.offset, size=width,
                               sampling=options.get("sampling", "exact"), threads=request.threads)
            yield from classify(finder, profiles, frames, seats, media.role.value, request.progress, len(instants))
        finally:
            finder.close()


def _resized(cv2: Any, rgb: Image, width: int) -> Image:
    height = round(rgb.shape[0] * width / rgb.shape[1])
    out: Image = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    return out


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(StudentFacesDetector())
