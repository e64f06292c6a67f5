"""Board text from the board camera (or the board zone of the teacher camera) with rapidocr.

OCR costs about half a second a frame, so it runs only where the board changed: a 160-px grey
thumbnail is compared with the one at the last reading, and only the changed region (widened to
the lines it touches) is read again. The text of the board is kept as lines with boxes; a reading
replaces the lines in its region. ``added_chars`` counts characters beyond the most of each
character ever seen on the board, so the teacher walking in front of the board (hiding text that
then reappears) does not count as writing.

rapidocr ships PaddleOCR's PP-OCR detection and recognition models as ONNX inside its wheel;
``det_model`` / ``rec_model`` options take model files the user prefers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.layout import DEFAULT_LAYOUT, RoomLayout, layout_from_mapping
from lessonlens.core.lesson import MediaRole
from lessonlens.core.observations import BoardTextObservation, Box, Observation
from lessonlens.media import frames_at
from lessonlens.media.vision import MISSING_MODEL, Image, changed_mask, require, thumbnail

NAME = "board-ocr"
Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the board picture
Reader = Callable[[Image], list[tuple[str, Rect, float]]]


@attrs.frozen
class Line:
    text: str
    rect: Rect
    score: float


def rapidocr_reader(det_model: str | None = None, rec_model: str | None = None, side: int = 960) -> Reader:
    """A rapidocr engine (angle classifier off: boards are upright) as ``image -> [(text, rect, score)]``."""
    module = require("rapidocr", NAME, "rapidocr", "ocr")
    params: dict[str, Any] = {"Global.use_cls": False, "Global.log_level": "error",
                              "Det.limit_type": "max", "Det.limit_side_len": side}
    for key, path in (("Det.model_path", det_model), ("Rec.model_path", rec_model)):
        if path:
            if not Path(path).is_file():
                raise PluginError(MISSING_MODEL, detector=NAME, path=path, package="rapidocr")
            params[key] = path
    engine = module.RapidOCR(params=params)

    def read(image: Image) -> list[tuple[str, Rect, float]]:
        result = engine(np.ascontiguousarray(image))
        if result.boxes is None or result.txts is None:
            return []
        lines = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            pts = np.asarray(box)
            rect = (int(pts[:, 0].min()), int(pts[:, 1].min()), int(pts[:, 0].max()), int(pts[:, 1].max()))
            lines.append((str(text), rect, float(score)))
        return lines

    return read


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _chars(text: str) -> Counter[str]:
    return Counter(c for c in text if not c.isspace())


class BoardReader:
    """Follows one board over the lesson: what it says and what was added at each reading."""

    def __init__(self, read: Reader, min_change: float = 0.003, whole_board: float = 0.4) -> None:
        self.read = read
        self.min_change = min_change
        self.whole_board = whole_board
        self.lines: list[Line] = []
        self.most: Counter[str] = Counter()
        self.reference: Image | None = None

    def changed_region(self, image: Image) -> Rect | None:
        """The pixel rectangle that changed since the last reading (the whole board the first time)."""
        small = thumbnail(image)
        h, w = image.shape[:2]
        if self.reference is None or self.reference.shape != small.shape:
            self.reference = small
            return (0, 0, w, h)
        mask = changed_mask(self.reference, small)
        if mask.mean() < self.min_change:
            return None
        self.reference = small
        if mask.mean() > self.whole_board:
            return (0, 0, w, h)
        ys, xs = np.nonzero(mask)
        sy, sx = h / small.shape[0], w / small.shape[1]
        pad = 2
        rect = (int(max(0, (xs.min() - pad) * sx)), int(max(0, (ys.min() - pad) * sy)),
                int(min(w, (xs.max() + 1 + pad) * sx)), int(min(h, (ys.max() + 1 + pad) * sy)))
        for line in self.lines:  # widen to whole lines so a reading never cuts one in two
            if _overlaps(rect, line.rect):
                rect = (min(rect[0], line.rect[0]), min(rect[1], line.rect[1]),
                        max(rect[2], line.rect[2]), max(rect[3], line.rect[3]))
        return rect

    def update(self, image: Image) -> tuple[str, int, Rect, float] | None:
        """Read the changed region: (board text, characters added, region, mean score), or None if unchanged."""
        rect = self.changed_region(image)
        if rect is None:
            return None
        x0, y0, x1, y1 = rect
        found = [Line(text, (a + x0, b + y0, c + x0, d + y0), score)
                 for text, (a, b, c, d), score in self.read(image[y0:y1, x0:x1])]
        self.lines = [line for line in self.lines if not _overlaps(line.rect, rect)] + found
        self.lines.sort(key=lambda line: (line.rect[1] // 20, line.rect[0]))
        text = "\n".join(line.text for line in self.lines)
        now = _chars(text)
        added = sum((now - self.most).values())
        self.most |= now
        score = float(np.mean([line.score for line in found])) if found else 1.0
        return text, added, rect, score


def read_board(frames: Iterable[tuple[float, Image]], reader: BoardReader, source: str = "",
               progress: Callable[[int, int], None] | None = None, total: int = 0) -> Iterator[Observation]:
    """One observation per instant at which the board changed (and at the first instant)."""
    for done, (t, image) in enumerate(frames, start=1):
        reading = reader.update(image)
        if reading is not None:
            text, added, (x0, y0, x1, y1), score = reading
            h, w = image.shape[:2]
            yield BoardTextObservation(t=t, source=source, detector=NAME, confidence=round(score, 3), text=text,
                                       added_chars=added,
                                       box=Box(round(x0 / w, 4), round(y0 / h, 4), round((x1 - x0) / w, 4),
                                               round((y1 - y0) / h, 4)))
        if progress is not None:
            progress(done, total)


def _crop_to(frames: Iterable[tuple[float, Image]], box: Box) -> Iterator[tuple[float, Image]]:
    for t, image in frames:
        h, w = image.shape[:2]
        yield t, image[int(box.y * h):int((box.y + box.h) * h), int(box.x * w):int((box.x + box.w) * w)]


class BoardOcrDetector(Detector):
    """Options: ``width`` (px the board is decoded at), ``min_change`` (share of thumbnail pixels),
    ``layout`` (its ``board`` zone is read when only a teacher camera is given), ``det_model``/``rec_model``."""

    name = NAME
    roles = (MediaRole.BOARD, MediaRole.TEACHER)
    emits = ("board_text",)
    description = Text(zh="板书文字识别（rapidocr，仅在板面变化时识别）",
                       en="Board text (rapidocr, read only where the board changed)")

    def __init__(self, width: int = 1280, min_change: float = 0.003, layout: RoomLayout = DEFAULT_LAYOUT,
                 det_model: str | None = None, rec_model: str | None = None) -> None:
        self.width = width
        self.min_change = min_change
        self.layout = layout
        self.det_model = det_model
        self.rec_model = rec_model

    def fingerprint(self) -> str:
        return f"{NAME}/1:{self.width}:{self.min_change}:{self.det_model}:{self.rec_model}:{self.layout!r}"

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        layout = layout_from_mapping(options["layout"]) if "layout" in options else self.layout
        boards = [m for m in request.media if m.role is MediaRole.BOARD]
        media = boards[0] if boards else request.media[0]
        read = rapidocr_reader(options.get("det_model", self.det_model), options.get("rec_model", self.rec_model))
        reader = BoardReader(read, float(options.get("min_change", self.min_change)))
        frames: Iterable[tuple[float, Image]] = frames_at(media.path, request.instants, media.offset,
                                                          size=int(options.get("width", self.width)))
        board_zone = layout.box("board")
        if not boards and board_zone is not None:
            frames = _crop_to(frames, board_zone)
        yield from read_board(frames, reader, media.role.value, request.progress, len(request.instants))


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(BoardOcrDetector())
