"""The ``mediapipe`` backend of ``student-pose``: mediapipe Pose (shipped in the wheel), one person per crop.

Crops are found around each face mediapipe's face detector sees on half-overlapping tiles
(``crops=faces``, default), or are a grid of tiles (``crops=tiles``, ``tiles=COLSxROWS``). On a
1280×720 frame the face search is about 85 detector calls and Pose about 11 ms of CPU a crop, so a
class of 40 costs about half a second a frame if everything runs every time. Over a lesson most of
it need not: seats do not move, and most students do not move between two samples. So the runner

- searches for faces every ``rescan`` calls (5; 1 for still frames), keeping a seat's crop box when
  its face is found again in about the same place (so what is remembered for it stays valid), and
  sooner when a crop changed a lot (someone stood up or sat down: at the next call; a third of the
  crops at once, the camera or the whole class: at this one);
- runs Pose on a crop only when its picture changed since it last ran (a pixel of its 16×16 grey
  thumbnail moved by more than ``still`` grey levels, 12: a raised forearm moves several by far
  more, H.264 noise of a still scene by a few); an unchanged crop keeps its person.

One Pose and one face-detector graph serve every crop (built once per runner). mediapipe 0.10.21's
solutions have no thread setting and run on one thread here (CPU time below wall time), so a
lesson's thread budget needs nothing from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.media.vision import Image, grey, require
from lessonlens.plugins.detectors.student_pose.cues import Person
from lessonlens.plugins.detectors.student_pose.cues import scale as cues_scale

Crop = tuple[int, int, int, int]  # x0, y0, width, height in pixels
Thumb = npt.NDArray[np.float32]

#: mediapipe's 33 landmarks -> COCO-17
_MP_INDEX = np.array([0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])
#: a crop whose thumbnail changed on average by more than ``MOVED * still / 4`` grey levels (someone
#: stood up, sat down, walked in) starts a face search at the next call
MOVED = 5.0
#: when more than this share of the crops changed that much at once (the camera moved, the class
#: stood up), faces are searched at once rather than at the next call
SCENE = 0.3


def _mp_person(marks: Any, x0: int, y0: int, cw: int, ch: int) -> Person:
    return np.array([(x0 + marks[i].x * cw, y0 + marks[i].y * ch, marks[i].visibility) for i in _MP_INDEX],
                    dtype=np.float32)


def faces_on_tiles(detector: Any, image: Image, tile: int) -> list[tuple[float, float, float]]:
    """Face centres and widths (pixels) from half-overlapping square tiles, duplicates merged."""
    h, w = image.shape[:2]
    step = max(1, tile // 2)
    found: list[tuple[float, float, float, float]] = []
    for y0 in range(0, max(1, h - step), step):
        for x0 in range(0, max(1, w - step), step):
            result = detector.process(np.ascontiguousarray(image[y0:y0 + tile, x0:x0 + tile]))
            th, tw = min(tile, h - y0), min(tile, w - x0)
            for d in result.detections or ():
                box = d.location_data.relative_bounding_box
                found.append((x0 + (box.xmin + box.width / 2) * tw, y0 + (box.ymin + box.height / 2) * th,
                              box.width * tw, float(d.score[0])))
    kept: list[tuple[float, float, float]] = []
    for cx, cy, fw, _ in sorted(found, key=lambda f: -f[3]):
        if all(abs(cx - k[0]) > 0.5 * k[2] or abs(cy - k[1]) > 0.5 * k[2] for k in kept):
            kept.append((cx, cy, fw))
    return kept


def around_face(cx: float, cy: float, fw: float, w: int, h: int) -> Crop:
    """The crop for a face: room above the head for a raised hand, down to the desk."""
    x0, y0 = max(0, int(cx - 2.2 * fw)), max(0, int(cy - 2.8 * fw))
    return x0, y0, min(w, int(cx + 2.2 * fw)) - x0, min(h, int(cy + 3.6 * fw)) - y0


def steady(old: list[Crop], new: list[Crop]) -> list[Crop]:
    """``new`` crops, each replaced by an ``old`` one around about the same face (centre within a
    tenth of its width, size within 15 %), so a seat keeps its box across face searches."""
    kept: list[Crop] = []
    free = list(old)
    for box in new:
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        match = next((o for o in free if abs(o[0] + o[2] / 2 - cx) < 0.1 * o[2]
                      and abs(o[1] + o[3] / 2 - cy) < 0.1 * o[3] and 0.85 < box[2] / max(1, o[2]) < 1.15), None)
        if match is not None:
            free.remove(match)
        kept.append(match or box)
    return kept


def thumb(crop: Image) -> Thumb:
    """The crop's 16×16 grey thumbnail (what "unchanged" is measured on)."""
    import cv2

    small: Thumb = cv2.resize(grey(crop), (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32)
    return small


class MediapipePoses:
    """``image (RGB) -> list of (17, 3) people`` with mediapipe, remembering crops and their people
    between calls (see the module's docstring); ``pose_runs`` and ``searches`` count the work done."""

    def __init__(self, options: Mapping[str, Any], detector: str = "student-pose") -> None:
        mp = require("mediapipe", detector, "mediapipe==0.10.21", "vision")
        self.pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
        self.rescan = max(1, int(options.get("rescan", 5)))
        self.still = float(options.get("still", 12.0))
        self.tiles: tuple[int, int] | None = None
        self.faces: Any = None
        if str(options.get("crops", "faces")) == "tiles":
            cols, rows = (int(v) for v in str(options.get("tiles", "4x2")).lower().split("x"))
            self.tiles = (cols, rows)
        else:
            self.faces = mp.solutions.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
        self.tile = int(options.get("tile", 200))
        self.boxes: list[Crop] = []
        self.memory: dict[Crop, tuple[Thumb, Person | None]] = {}
        self.calls = self.pose_runs = self.searches = 0
        self.search_soon = True
        self.shape: tuple[int, int] = (0, 0)

    def crops(self, image: Image) -> list[Crop]:
        """Where to look for one person each: around the faces found, or the grid of tiles."""
        h, w = image.shape[:2]
        if self.tiles is not None:
            cols, rows = self.tiles
            tw, th = int(2 * w / (cols + 1)), int(2 * h / (rows + 1))
            return [(c * tw // 2, r * th // 2, tw, th) for r in range(rows) for c in range(cols)]
        return [around_face(cx, cy, fw, w, h) for cx, cy, fw in faces_on_tiles(self.faces, image, self.tile)]

    def moved(self, image: Image) -> float:
        """The share of the remembered crops whose picture changed a lot on average (see ``MOVED``)."""
        changed = 0
        for x0, y0, cw, ch in self.boxes:
            last = self.memory.get((x0, y0, cw, ch))
            crop = image[y0:y0 + ch, x0:x0 + cw]
            if last is not None and min(crop.shape[:2]) >= 16:
                changed += float(np.abs(last[0] - thumb(np.ascontiguousarray(crop))).mean()) > MOVED * self.still / 4
        return changed / max(1, len(self.boxes))

    def __call__(self, image: Image) -> list[Person]:
        size = (int(image.shape[0]), int(image.shape[1]))
        if (self.search_soon or self.calls % self.rescan == 0 or size != self.shape
                or self.moved(image) > SCENE):
            found = self.crops(image)
            self.boxes = steady(self.boxes, found) if size == self.shape else found
            self.memory = {k: v for k, v in self.memory.items() if k in set(self.boxes)}
            self.shape, self.search_soon = size, False
            self.searches += 1
        self.calls += 1
        people: list[Person] = []
        for box in self.boxes:
            p = self.person_in(image, box)
            if p is not None and all(float(np.hypot(*(p[0, :2] - q[0, :2]))) > 0.3 * max(8.0, cues_scale(q))
                                     for q in people):
                people.append(p)
        return people

    def person_in(self, image: Image, box: Crop) -> Person | None:
        """The person Pose finds in one crop, or the one it found there last time if the crop has not
        changed since (no thumbnail pixel moved by more than ``still`` grey levels)."""
        x0, y0, cw, ch = box
        crop = np.ascontiguousarray(image[y0:y0 + ch, x0:x0 + cw])
        if crop.shape[0] < 16 or crop.shape[1] < 16:
            return None
        small = thumb(crop)
        last = self.memory.get(box)
        if last is not None:
            difference = np.abs(last[0] - small)
            if float(difference.max()) <= self.still:
                return last[1]
            self.search_soon = self.search_soon or float(difference.mean()) > MOVED * self.still / 4
        result = self.pose.process(crop)
        self.pose_runs += 1
        p = _mp_person(result.pose_landmarks.landmark, x0, y0, crop.shape[1], crop.shape[0]) \
            if result.pose_landmarks else None
        self.memory[box] = (small, p)
        return p


def mediapipe_runner(options: Mapping[str, Any], detector: str = "student-pose") -> MediapipePoses:
    """The mediapipe backend's pose runner (one Pose and one face-detector graph for every crop)."""
    return MediapipePoses(options, detector)
