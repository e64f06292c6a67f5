"""Students from the student camera, read per frame by a small learned model, tracked by seat.

1. *Per frame*: ``models/student_states.onnx`` (a ~320k-parameter CenterNet-style network, trained by
   ``scripts/train_student_states.py`` on the ``train`` splits of two real CC BY 4.0 sets and on
   lessonlens's synthetic classroom; see ``models/NOTICE.md``) runs on the frame scaled to 768 px:
   a heatmap of head centres (every student, head up or down: a face detector misses bowed heads)
   with each head's size and state (``down`` reading/writing, ``side`` looking around / turned,
   ``phone``, ``front`` looking up), and a heatmap of raised hands (including the forearm upright
   beside the head with the elbow on the desk). Raised hands are given to the heads beside or
   below them jointly, one hand per student (``student_hands``: seen from the front, a hand rises
   beside the head of the student behind). One onnxruntime call per frame.
2. *Seats*: heads found at the same place across the lesson's instants are a seat; a head well
   above a seat that is empty at that instant is that student standing (answering).
3. *Smoothing without inventing*: a seat's state probabilities are blended with its neighbours'
   instants (a clear one-instant state stands); a hand counts as raised when its score passes the
   threshold, or a lower one with a raised neighbour instant; a seat not seen at one instant takes
   its neighbours' state only when both agree, else it is unknown (left out of the shares).

Thresholds were chosen on the sets' ``valid`` splits and are kept in ``models/student_states.json``
with the agreement measured on their ``test`` splits (``lessonlens evaluate-frames``), which every
analysis records (``reliability``) so a report can say how far each share can be trusted.
Emits per seat and instant a :class:`StudentObservation` (its state, hand, standing) and a
:class:`FaceObservation` (gaze), and per instant a student :class:`BehaviourCue` per behaviour.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
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
from lessonlens.core.observations import BehaviourCue, Box, FaceObservation, Observation, StudentObservation
from lessonlens.core.readings import StudentReading
from lessonlens.media import MediaUnavailable, frames_at
from lessonlens.media.threads import ort_options
from lessonlens.media.vision import MISSING_MODEL, Image, require
from lessonlens.plugins.detectors import student_hands

NAME = "student-states"
MODELS = Path(__file__).with_name("models")
MODEL_FILE = MODELS / "student_states.onnx"
HEADS_FILE = MODELS / "student_heads.onnx"
SETTINGS_FILE = MODELS / "student_states.json"
STATE_ORDER = ("down", "side", "phone", "front")  # the model's state logits
Floats = npt.NDArray[np.float32]
_NO_STUDENTS = Text(zh="学生机位画面中找不到学生，学生行为未能观测",
                    en="no student is visible in the students camera: their behaviour is not observed")

#: What a student in each state is doing (SPEC.md section 2 student behaviours); phone is none of them.
BEHAVIOUR_OF_STATE: dict[str, str] = {
    "front": "listening", "down": "reading_writing", "side": "peer_interaction",
}


@attrs.frozen
class Settings:
    """Decoding thresholds (chosen on the valid splits) and the model's input width."""

    width: int = 768
    head: float = 0.3
    hand: float = 0.3
    state_bias: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # added to the state logits
    owner: float = 0.15  # a weaker head peak may still own a raised hand (it is no student by itself)
    source_crops: bool = False  # the head classifier reads heads from the frame at its own size, not at width
    context: float = 1.0  # the head classifier's region, in multiples of head_region's


@cache
def shipped_settings() -> tuple[Settings, dict[str, Any]]:
    """The shipped thresholds and the reliability measured on the real test splits."""
    if not SETTINGS_FILE.is_file():
        return Settings(), {}
    data = json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
    known = {f.name for f in attrs.fields(Settings)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in data.get("settings", {}).items() if k in known}
    return Settings(**values), dict(data.get("reliability", {}))


@cache
def model_digest() -> str:
    """A short hash of the shipped models (a retrained model never serves cached observations)."""
    digest = hashlib.sha256()
    for file in (MODEL_FILE, HEADS_FILE):
        digest.update(file.read_bytes() if file.is_file() else b"-")
    return digest.hexdigest()[:16]


@attrs.frozen
class Head:
    x: float  # centre, pixels of the original frame
    y: float
    w: float
    h: float
    score: float
    probs: tuple[float, float, float, float]  # STATE_ORDER

    @property
    def state(self) -> str:
        return STATE_ORDER[int(np.argmax(self.probs))]

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.x - self.w / 2, self.y - self.h / 2, self.w, self.h


@attrs.frozen
class Hand:
    x: float
    y: float
    w: float
    h: float
    score: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.x - self.w / 2, self.y - self.h / 2, self.w, self.h


@attrs.frozen
class Maps:
    """The network's output for one frame, with the scaled frame it read and the frame-to-input scale."""

    heat: Floats
    state: Floats
    size: Floats
    scale: float
    small: Image
    frame: Image  # the frame as given (the head classifier's source with ``source_crops``)


class StateModel:
    """The ONNX models with their decoding: heads (with states) and raised hands in one RGB frame.

    The frame network finds heads and hands; where the head-state classifier ships
    (``models/student_heads.onnx``), it reads each head's state from the head's region instead of
    the frame network's state map.
    """

    def __init__(self, path: str | Path | None = None, settings: Settings | None = None, threads: int = 1,
                 heads_path: str | Path | None = None) -> None:
        ort = require("onnxruntime", NAME, "onnxruntime", "vision")
        self.threads = threads
        self.cv2 = require("cv2", NAME, "opencv-python-headless<5", "vision")
        file = Path(path) if path else MODEL_FILE
        if not file.is_file():
            raise PluginError(MISSING_MODEL, path=file, detector=NAME, package="lessonlens")
        options = ort_options(threads)
        self.session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        heads_file = Path(heads_path) if heads_path else HEADS_FILE
        self.classifier = (ort.InferenceSession(str(heads_file), options, providers=["CPUExecutionProvider"])
                           if heads_file.is_file() else None)
        self.crop = HEAD_CROP
        if self.classifier is not None:  # the classifier's input size: (n, 3, height, width)
            shape = self.classifier.get_inputs()[0].shape
            if isinstance(shape[2], int) and isinstance(shape[3], int):
                self.crop = (shape[3], shape[2])
        self.settings = settings or shipped_settings()[0]

    def maps(self, rgb: Image) -> Maps:
        """The frame network's maps for a frame."""
        width = self.settings.width
        scale = width / rgb.shape[1]
        height = round(rgb.shape[0] * scale)
        small = rgb if rgb.shape[1] == width else self.cv2.resize(rgb, (width, height),
                                                                  interpolation=self.cv2.INTER_AREA)
        padded = np.zeros((1, 3, -(-height // 32) * 32, -(-width // 32) * 32), np.float32)
        padded[0, :, :height, :width] = small.transpose(2, 0, 1) * np.float32(1 / 255)
        heat, state, size = self.session.run(None, {"image": padded})
        return Maps(heat[0], state[0], size[0], scale, small, rgb)

    def read(self, maps: Maps) -> tuple[list[Head], list[Hand]]:
        """Heads and hands from the maps; each head's state from the classifier where it ships."""
        heads, hands = decode(self.cv2, maps.heat, maps.state, maps.size, maps.scale, self.settings)
        if self.classifier is None or not heads:
            return heads, hands
        image, s = (maps.frame, 1.0) if self.settings.source_crops else (maps.small, maps.scale)
        crops = np.stack([head_region(self.cv2, image, h.x * s, h.y * s, h.w * s, h.h * s, self.crop,
                                      self.settings.context) for h in heads])
        logits = self.classifier.run(None, {"crops": crops.transpose(0, 3, 1, 2).astype(np.float32) / 255})[0]
        logits = logits + np.asarray(self.settings.state_bias, np.float32)
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        return [attrs.evolve(h, probs=(float(p[0]), float(p[1]), float(p[2]), float(p[3])))
                for h, p in zip(heads, probs, strict=True)], hands

    def __call__(self, rgb: Image) -> tuple[list[Head], list[Hand]]:
        return self.read(self.maps(rgb))


def decode(cv2: Any, heat: Floats, state: Floats, size: Floats, scale: float, settings: Settings
           ) -> tuple[list[Head], list[Hand]]:
    """Heads (peaks of the head map, with size and state probabilities) and raised hands (peaks of
    the hand map at 0.7 of its threshold: the seat tracking's lower bar; one per forearm), in frame pixels."""
    bias = np.asarray(settings.state_bias, np.float32)
    heads = []
    for y, x, score in _peaks(cv2, heat[0], min(settings.head, settings.owner)):
        logits = state[:, y, x] + bias
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        w, h = np.exp(size[:, y, x]) / scale
        heads.append(Head((x + 0.5) * 4 / scale, (y + 0.5) * 4 / scale, float(w), float(h), score,
                          (float(probs[0]), float(probs[1]), float(probs[2]), float(probs[3]))))
    hands: list[Hand] = []
    for y, x, score in sorted(_peaks(cv2, heat[1], settings.hand * 0.7), key=lambda p: -p[2]):
        w, h = np.exp(size[:, y, x]) / scale
        hand = Hand((x + 0.5) * 4 / scale, (y + 0.5) * 4 / scale, float(w), float(h), score)
        if not any(_same_hand(hand, kept) for kept in hands):
            hands.append(hand)
    return heads, hands


def _same_hand(weaker: Hand, stronger: Hand) -> bool:
    """A second peak along one raised forearm: its centre inside the stronger hand's box (widened
    a fifth); the hands of two students are at least a hand's size apart."""
    return abs(weaker.x - stronger.x) <= 0.6 * stronger.w and abs(weaker.y - stronger.y) <= 0.6 * stronger.h


HEAD_CROP = (32, 40)  # width, height of the head-state classifier's input (unless its ONNX input says)


def head_region(cv2: Any, image: Image, x: float, y: float, w: float, h: float,
                size: tuple[int, int] = HEAD_CROP, context: float = 1.0) -> Image:
    """One head's region for the state classifier: 1.6 head widths across, from 0.7 head heights
    above its centre to 1.3 below (hands and a phone below the face), all ``context`` times as
    large (shoulders turned to a neighbour), scaled to ``size`` (RGB)."""
    x0, x1 = x - 0.8 * context * w, x + 0.8 * context * w
    y0, y1 = y - 0.7 * context * h, y + 1.3 * context * h
    matrix = np.array([[size[0] / (x1 - x0), 0, -x0 * size[0] / (x1 - x0)],
                       [0, size[1] / (y1 - y0), -y0 * size[1] / (y1 - y0)]], np.float32)
    crop: Image = cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return crop


def _peaks(cv2: Any, heat: Floats, threshold: float) -> list[tuple[int, int, float]]:
    """Local maxima (3x3) of a heatmap at or above ``threshold``: (row, column, score)."""
    peak = cv2.dilate(heat, np.ones((3, 3), np.uint8))
    ys, xs = np.nonzero((heat >= peak) & (heat >= threshold))
    return [(int(y), int(x), float(heat[y, x])) for y, x in zip(ys, xs, strict=True)]


def owner(hand: Hand, heads: Sequence[Head]) -> int | None:
    """The head a single raised hand belongs to: beside or above it (a forearm upright beside the
    head), nearest; :func:`hand_owners` decides several hands together."""
    return hand_owners([hand], heads)[0]


def hand_owners(hands: Sequence[Hand], heads: Sequence[Head]) -> list[int | None]:
    """Each hand's head, assigned jointly: one raised hand per student (see ``student_hands``)."""
    return student_hands.owners([(h.x, h.y) for h in hands], [(h.x, h.y, h.w, h.h) for h in heads])


def readings(heads: Sequence[Head], hands: Sequence[Hand], settings: Settings) -> list[StudentReading]:
    """One frame's students (heads at the head threshold) with their states and raised hands.

    A raised hand needs a head beside or below it: weaker head peaks (down to ``settings.owner``)
    may own a hand (their student is then reported with the hand and no head state), but a hand
    with no head at all is not a student's: on real CCTV frames those are the strokes of the
    burnt-in date and camera name, in every frame.
    """
    owners = [h for h in heads if h.score >= settings.owner]
    strong = [hand for hand in hands if hand.score >= settings.hand]
    raised = {i: hand for hand, i in zip(strong, hand_owners(strong, owners), strict=True) if i is not None}
    out = []
    for i, h in enumerate(owners):
        hand_box = raised[i].box if i in raised else None
        if h.score >= settings.head:
            out.append(StudentReading(h.box, h.state, raised=i in raised, hand=hand_box, score=h.score))
        elif hand_box is not None:
            out.append(StudentReading(h.box, None, raised=True, hand=hand_box, score=h.score))
    return out


@attrs.frozen
class Seat:
    x: float
    y: float
    size: float
    support: int


def find_seats(frames: Sequence[Sequence[Head]], min_support: int) -> list[Seat]:
    """Places where heads were found in at least ``min_support`` instants, back row first.

    Heads join the nearest place within half a head (its centre the running mean), largest first;
    then two places less than half a head apart across and 0.6 of one up or down (a head bowed over
    a book sits lower than the same head looking up) that are hardly ever both seen at one instant
    are one student's seat. Two students are seen together; a standing head is further up.
    """
    points = sorted(((h.x, h.y, h.w, t) for t, heads in enumerate(frames) for h in heads), key=lambda p: -p[2])
    clusters: list[list[tuple[float, float, float, int]]] = []
    centres: list[list[float]] = []  # running mean x, y, size
    for point in points:
        px, py, size, _ = point
        near = [(abs(px - c[0]) / c[2] + abs(py - c[1]) / c[2], k) for k, c in enumerate(centres)
                if abs(px - c[0]) < 0.5 * c[2] and abs(py - c[1]) < 0.5 * c[2]]
        if near:
            k = min(near)[1]
            clusters[k].append(point)
            n = len(clusters[k])
            centres[k] = [c + (v - c) / n for c, v in zip(centres[k], (px, py, size), strict=True)]
        else:
            clusters.append([point])
            centres.append([px, py, size])
    clusters = _merge_places(clusters)
    seats = []
    for cluster in clusters:
        if len(cluster) >= min_support:
            arr = np.array(cluster)
            # the lower positions: a student standing at some instants is seated at the others
            seats.append(Seat(float(np.median(arr[:, 0])), float(np.percentile(arr[:, 1], 75)),
                              float(np.median(arr[:, 2])), len(cluster)))
    seats.sort(key=lambda s: (s.y, s.x))
    return seats


def _merge_places(clusters: list[list[tuple[float, float, float, int]]]) -> list[list[tuple[float, float, float, int]]]:
    """Join places that are one student's (close, and seen together at under a tenth of their instants).

    Largest place first, each takes in the smaller ones that qualify; single sightings (stray peaks)
    are left alone, they never make a seat.
    """
    order = sorted(range(len(clusters)), key=lambda k: -len(clusters[k]))
    kept: list[list[tuple[float, float, float, int]]] = []
    taken = [len(clusters[k]) < 2 for k in range(len(clusters))]
    medians = [np.median(np.array(c)[:, :3], axis=0) if len(c) >= 2 else None for c in clusters]
    for a in order:
        if taken[a]:
            continue
        taken[a] = True
        place, centre, seen = list(clusters[a]), medians[a], {p[3] for p in clusters[a]}
        assert centre is not None
        for b in order:
            other = medians[b]
            if taken[b] or other is None:
                continue
            size = max(centre[2], other[2])
            if abs(centre[0] - other[0]) < 0.5 * size and abs(centre[1] - other[1]) < 0.6 * size:
                seen_b = {p[3] for p in clusters[b]}
                if len(seen & seen_b) < 0.1 * min(len(seen), len(seen_b)):
                    place += clusters[b]
                    seen |= seen_b
                    centre = np.median(np.array(place)[:, :3], axis=0)
                    taken[b] = True
        kept.append(place)
    return kept + [c for c in clusters if len(c) < 2]


@attrs.frozen
class SeatReading:
    """One seat at one instant after tracking and smoothing (state "" = not seen)."""

    state: str
    raised: bool
    standing: bool
    box: tuple[float, float, float, float] | None
    confidence: float


#: Costs of explaining one instant's heads by the seats (in seat sizes): a head left unexplained,
#: a seat whose student is seen (saved), and standing (rarer than sitting; see :func:`_assign`).
_UNEXPLAINED, _SEEN, _STANDING = 1.0, 0.5, 0.25


def _assign(seats: Sequence[Seat], heads: Sequence[Head]) -> tuple[list[int | None], list[bool]]:
    """Each seat's head at one instant and whether that student stands, all heads explained jointly.

    A head is a seat's student seated (within 0.6 of a seat size of the seat) or standing (0.6-2.2
    seat sizes straight above it, as wide as that seat's head, nearest at about one seat size up).
    One head per seat; the explanation
    with the fewest heads left over and seats empty, then the nearest, is taken. Taken seat by seat,
    a class standing up (a chorus) would read as seated one row back: each standing head lands on
    the seat behind, and the back row's heads are left over.
    """
    if not seats or not heads:
        return [None] * len(seats), [False] * len(seats)
    cost = np.full((len(heads), len(seats) + len(heads)), 1e6)
    up = np.zeros((len(heads), len(seats)), dtype=bool)
    for j, h in enumerate(heads):
        cost[j, len(seats) + j] = _UNEXPLAINED
        for i, seat in enumerate(seats):
            dx, dy = (h.x - seat.x) / seat.size, (h.y - seat.y) / seat.size
            if abs(dx) < 0.6 and abs(dy) < 0.6:
                cost[j, i] = float(np.hypot(dx, dy)) - _SEEN
            elif abs(dx) < 0.5 and -2.2 < dy < -0.6 and h.w > 0.85 * seat.size:
                cost[j, i] = _STANDING + abs(dx) + 0.5 * abs(dy + 1.0) - _SEEN  # typically a head higher
                up[j, i] = True
    of_seat: list[int | None] = [None] * len(seats)
    standing = [False] * len(seats)
    for j, i in enumerate(student_hands.min_cost_assignment(cost)):
        if i < len(seats) and cost[j, i] < 1e6:
            of_seat[i] = j
            standing[i] = bool(up[j, i])
    return of_seat, standing


def track(frames: Sequence[tuple[list[Head], list[Hand]]], settings: Settings,
          min_support: int | None = None) -> tuple[list[Seat], list[list[SeatReading]]]:
    """Seats over the lesson and each seat's smoothed reading per instant (see the module docstring)."""
    frames = [([h for h in heads if h.score >= settings.head], hands) for heads, hands in frames]
    n = len(frames)
    # a seat is a place seen at a fifth of the instants (at least twice: a standing head is not a seat)
    support = min_support if min_support is not None else max(1 if n < 3 else 2, round(0.2 * n))
    seats = find_seats([heads for heads, _ in frames], support)
    k = len(seats)
    probs = np.full((n, k, 4), np.nan)
    hand_score = np.zeros((n, k))
    hand_box: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    standing = np.zeros((n, k), dtype=bool)
    boxes: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    for t, (heads, hands) in enumerate(frames):
        of_seat, up = _assign(seats, heads)
        for i, j in enumerate(of_seat):
            if j is not None:
                probs[t, i] = heads[j].probs
                boxes[t, i] = heads[j].box
                standing[t, i] = up[i]
        for hand, at in zip(hands, _seats_of_hands(hands, seats), strict=True):
            if at is not None:
                hand_score[t, at] = hand.score
                hand_box[t, at] = hand.box
    seen = ~np.isnan(probs[:, :, 0])
    smooth = probs.copy()
    for t in range(n):  # blend with the neighbouring instants' readings where seen
        total = np.where(seen[t][:, None], probs[t] * 0.6, 0.0)
        weight = np.where(seen[t], 0.6, 0.0)
        for u in (t - 1, t + 1):
            if 0 <= u < n:
                total += np.where(seen[u][:, None], np.nan_to_num(probs[u]) * 0.2, 0.0)
                weight += np.where(seen[u], 0.2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth[t] = np.where(seen[t][:, None], total / weight[:, None], np.nan)
    high, low = settings.hand, 0.7 * settings.hand
    above = hand_score >= low
    near = np.zeros_like(above)
    near[1:] |= above[:-1]
    near[:-1] |= above[1:]
    raised = (hand_score >= high) | (above & near)
    if n >= 5:  # "raised" at most instants of a lesson is something fixed beside a seat, not a hand
        raised[:, raised.mean(axis=0) > 0.6] = False
    out: list[list[SeatReading]] = []
    for t in range(n):
        row = []
        for i in range(k):
            if seen[t, i]:
                p = smooth[t, i]
                state = STATE_ORDER[int(np.argmax(p))]
                row.append(SeatReading(state, bool(raised[t, i]), bool(standing[t, i]), boxes[t, i],
                                       round(float(np.max(p)), 3)))
                continue
            before = _state_at(smooth, seen, t - 1, i)
            after = _state_at(smooth, seen, t + 1, i)
            state = before if before and before == after else ""
            row.append(SeatReading(state, bool(raised[t, i]) and bool(state), False, None, 0.4 if state else 0.0))
        out.append(row)
    return seats, out


def _state_at(smooth: npt.NDArray[np.float64], seen: npt.NDArray[np.bool_], t: int, i: int) -> str:
    if 0 <= t < len(smooth) and seen[t, i]:
        return STATE_ORDER[int(np.argmax(smooth[t, i]))]
    return ""


def _seats_of_hands(hands: Sequence[Hand], seats: Sequence[Seat]) -> list[int | None]:
    return student_hands.owners([(h.x, h.y) for h in hands], [(s.x, s.y, s.size, s.size) for s in seats])


def observations_at(t: float, seats: Sequence[Seat], row: Sequence[SeatReading], frame_size: tuple[int, int],
                    source: str = "") -> list[Observation]:
    """Per-seat student and face observations, and the class's behaviour shares, at one instant."""
    width, height = frame_size
    found: list[Observation] = []
    counts: dict[str, list[float]] = {}
    for index, (seat, reading) in enumerate(zip(seats, row, strict=True)):
        x, y, w, h = reading.box or (seat.x - seat.size / 2, seat.y - seat.size / 2, seat.size, seat.size)
        box = Box(round(x / width, 4), round(y / height, 4), round(w / width, 4), round(h / height, 4))
        person = f"s{index + 1:02d}"
        found.append(StudentObservation(t=t, source=source, detector=NAME, confidence=reading.confidence,
                                        person=person, box=box, state=reading.state,
                                        hand_raised=reading.raised, standing=reading.standing))
        if reading.state:
            gaze = {"phone": "down"}.get(reading.state, reading.state)
            found.append(FaceObservation(t=t, source=source, detector=NAME, confidence=reading.confidence,
                                         person=person, box=box, gaze=gaze,
                                         pitch=45.0 if gaze == "down" else None,
                                         yaw=60.0 if gaze == "side" else None))
            behaviour = student_behaviour(reading.state, reading.raised, reading.standing)
            counts.setdefault(behaviour or "", []).append(reading.confidence)
    total = sum(len(v) for v in counts.values())
    for behaviour, confidences in sorted(counts.items()):
        if behaviour:
            found.append(BehaviourCue(t=t, source=source, detector=NAME, actor="students", behaviour=behaviour,
                                      share=round(len(confidences) / total, 4),
                                      confidence=round(float(np.mean(confidences)), 3)))
    return found


def student_behaviour(state: str, raised: bool, standing: bool) -> str | None:
    """The platform-9 behaviour of one student: standing answers, a raised hand, else by head state."""
    if standing:
        return "answering"
    if raised:
        return "hand_raising"
    return BEHAVIOUR_OF_STATE.get(state)


class StudentStatesDetector(Detector):
    """Options: ``model_path`` (another ONNX file of the same form), ``threads`` (onnxruntime threads, 1 by
    default: the model is small; never more than the request's thread budget)."""

    name = NAME
    roles = (MediaRole.STUDENTS,)
    emits = ("student", "face", "behaviour")
    description = Text(zh="学生状态（低头/抬头/张望/手机/举手/起立，真实课堂训练的小模型，按座位跟踪）",
                       en="Student states (head down/up, looking around, phone, raised hand, standing; "
                          "a small model trained on real classrooms, tracked by seat)")

    def __init__(self, model_path: str | None = None, threads: int = 1) -> None:
        self.model_path = model_path
        self.threads = threads

    def fingerprint(self) -> str:
        settings = shipped_settings()[0]
        return f"{NAME}/4:{self.model_path}:{model_digest()}:{attrs.astuple(settings)}"

    def reliability(self) -> dict[str, Any]:
        """Agreement measured on real labelled frames (the sets' test splits), per state."""
        return shipped_settings()[1]

    def frame_reader(self) -> Callable[[Image], list[StudentReading]]:
        model = StateModel(self.model_path, threads=self.threads)

        def read(rgb: Image) -> list[StudentReading]:
            heads, hands = model(rgb)
            return readings(heads, hands, model.settings)

        return read

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        threads = min(request.threads, int(options.get("threads", self.threads)))
        model = StateModel(options.get("model_path", self.model_path), threads=threads)
        media = request.media[0]
        times: list[float] = []
        frames: list[tuple[list[Head], list[Hand]]] = []
        size = (0, 0)
        total = len(request.instants)
        size_wanted = None if model.settings.source_crops else model.settings.width
        for done, (t, rgb) in enumerate(frames_at(media.path, request.instants, media.offset,
                                                  size=size_wanted, threads=request.threads), start=1):
            size = (rgb.shape[1], rgb.shape[0])
            times.append(t)
            frames.append(model(rgb))
            if request.progress is not None:
                request.progress(done, total)
        seats, rows = track(frames, model.settings)
        if frames and not seats:  # nobody to read: the students' behaviour is not observed, never "0 %"
            raise MediaUnavailable(_NO_STUDENTS, path=media.path)
        for t, row in zip(times, rows, strict=True):
            yield from observations_at(t, seats, row, size, media.role.value)


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(StudentStatesDetector())
