"""Board text from the board camera (or the board zone of the teacher camera) with rapidocr.

OCR costs about half a second a frame, so it runs only where the board changed: a 160-px grey
thumbnail is compared with the one at the last reading, and only the changed region (widened to
the lines it touches) is read again. The text of the board is kept as lines with boxes; a reading
replaces the lines in its region. ``added_chars`` counts characters beyond the most of each
character ever seen on the board (since it was last wiped), so the teacher walking in front of the
board (hiding text that then reappears) does not count as writing. While the teacher keeps writing,
OCR runs at most every ``min_gap`` seconds and the instants between get an estimate from the new
ink (see :class:`BoardReader`).

rapidocr ships PaddleOCR's PP-OCR detection and recognition models as ONNX inside its wheel;
``det_model`` / ``rec_model`` options take model files the user prefers. ``engine=paddleocr`` runs
PaddleOCR 3 itself on local model directories (a separate environment: see ``board_paddle``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Backend, Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole
from lessonlens.core.observations import BoardTextObservation, Box, Observation
from lessonlens.media import frames_at
from lessonlens.media.layout import DEFAULT_LAYOUT, RoomLayout, layout_from_mapping
from lessonlens.media.vision import MISSING_MODEL, Image, changed_mask, require, thumbnail
from lessonlens.plugins.detectors import board_paddle

NAME = "board-ocr"
Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the board picture
Reader = Callable[[Image], list[tuple[str, Rect, float]]]
_ENGINE = Text(zh="检测器 board-ocr 没有名为 {name} 的引擎；可用：rapidocr, paddleocr",
               en="detector board-ocr has no engine {name}; available: rapidocr, paddleocr")


@attrs.frozen
class Line:
    text: str
    rect: Rect
    score: float


def rapidocr_reader(det_model: str | None = None, rec_model: str | None = None, side: int = 960,
                    threads: int | None = None) -> Reader:
    """A rapidocr engine (angle classifier off: boards are upright) as ``image -> [(text, rect, score)]``;
    its onnxruntime sessions use at most ``threads`` cores (None: onnxruntime's default, every core)."""
    module = require("rapidocr", NAME, "rapidocr", "ocr")
    params: dict[str, Any] = {"Global.use_cls": False, "Global.log_level": "error",
                              "Det.limit_type": "max", "Det.limit_side_len": side}
    if threads is not None:
        params.update({"EngineConfig.onnxruntime.intra_op_num_threads": max(1, threads),
                       "EngineConfig.onnxruntime.inter_op_num_threads": 1})
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


@attrs.frozen
class Reading:
    """What one instant showed of the board: its text, characters added, the changed region, the
    mean OCR score, and whether the count is an ink-based estimate between two readings."""

    text: str
    added: int
    rect: Rect
    score: float
    estimated: bool = False


class BoardReader:
    """Follows one board over the lesson: what it says and what was added at each instant.

    While the teacher writes, the board changes at every instant. OCR then runs at most every
    ``min_gap`` seconds (and as soon as the board is still again); in between, the characters
    added are estimated from the new ink, at the characters-per-changed-pixel rate of the last
    readings, and the next reading adds only what the estimates missed. A large change (someone in
    front of the board, a wiped board) is always read, never estimated.
    """

    def __init__(self, read: Reader, min_change: float = 0.001, whole_board: float = 0.4, min_gap: float = 18.0,
                 max_estimate: float = 0.03) -> None:
        self.read = read
        self.min_change = min_change
        self.whole_board = whole_board
        self.min_gap = min_gap
        self.max_estimate = max_estimate
        self.lines: list[Line] = []
        self.most: Counter[str] = Counter()
        self.text = ""
        self.reference: Image | None = None  # thumbnail at the last reading
        self.previous: Image | None = None  # thumbnail at the previous instant
        self.last_read = -np.inf
        self.estimated = 0
        self.chars_per_pixel: float | None = None
        self.background: float | None = None  # grey level of the bare board

    def _rect(self, mask: npt.NDArray[np.bool_], h: int, w: int, widen: bool) -> Rect:
        ys, xs = np.nonzero(mask)
        if not len(xs) or mask.mean() > self.whole_board:
            return (0, 0, w, h)
        sy, sx = h / mask.shape[0], w / mask.shape[1]
        pad = 2
        rect = (int(max(0, (xs.min() - pad) * sx)), int(max(0, (ys.min() - pad) * sy)),
                int(min(w, (xs.max() + 1 + pad) * sx)), int(min(h, (ys.max() + 1 + pad) * sy)))
        for line in self.lines if widen else ():  # whole lines, so a reading never cuts one in two
            if _overlaps(rect, line.rect):
                rect = (min(rect[0], line.rect[0]), min(rect[1], line.rect[1]),
                        max(rect[2], line.rect[2]), max(rect[3], line.rect[3]))
        return rect

    def _wiped(self, small: Image, changed: npt.NDArray[np.bool_]) -> bool:
        """Whether the text that vanished left bare board (a wipe), not someone standing in front of it."""
        if self.background is None or not changed.any():
            return False
        return float((np.abs(small[changed].astype(np.int16) - self.background) < 20).mean()) > 0.8

    def update(self, image: Image, t: float = 0.0) -> Reading | None:
        """The board at lesson time ``t``, or None when it has not changed since the last reading."""
        small = thumbnail(image)
        h, w = image.shape[:2]
        reference = self.reference
        first = reference is None or reference.shape != small.shape
        since_read = changed_mask(reference, small) if reference is not None and not first else np.ones(
            small.shape, dtype=bool)
        if not first and since_read.mean() < self.min_change:
            self.previous = small
            return None
        step = (changed_mask(self.previous, small) if self.previous is not None and self.previous.shape == small.shape
                else since_read)
        self.previous = small
        writing = self.min_change <= step.mean() <= self.max_estimate
        if not first and writing and t - self.last_read < self.min_gap and self.chars_per_pixel is not None:
            estimate = round(float(step.sum()) * self.chars_per_pixel)
            self.estimated += estimate
            return Reading(self.text, estimate, self._rect(step, h, w, widen=False), 0.5, estimated=True)
        rect = self._rect(since_read, h, w, widen=True)
        x0, y0, x1, y1 = rect
        found = [Line(text, (a + x0, b + y0, c + x0, d + y0), score)
                 for text, (a, b, c, d), score in self.read(image[y0:y1, x0:x1])]
        self.lines = [line for line in self.lines if not _overlaps(line.rect, rect)] + found
        self.lines.sort(key=lambda line: (line.rect[1] // 20, line.rect[0]))
        self.text = "\n".join(line.text for line in self.lines)
        now = _chars(self.text)
        if sum(now.values()) < 0.15 * sum(self.most.values()) and self._wiped(small, since_read):
            self.most = Counter()  # a new page: its characters count again
        added = sum((now - self.most).values())
        self.most |= now
        if added > 0 and not first and since_read.mean() <= self.max_estimate * 4:
            rate = added / max(1.0, float(since_read.sum()))
            self.chars_per_pixel = rate if self.chars_per_pixel is None else 0.5 * (self.chars_per_pixel + rate)
        if first:
            self.background = float(np.median(small))
        # the first reading finds what was on the board before the lesson: nothing was added yet
        reading = Reading(self.text, 0 if first else max(0, added - self.estimated), rect,
                          float(np.mean([line.score for line in found])) if found else 1.0)
        self.reference, self.last_read, self.estimated = small, t, 0
        return reading


def read_board(frames: Iterable[tuple[float, Image]], reader: BoardReader, source: str = "",
               progress: Callable[[int, int], None] | None = None, total: int = 0) -> Iterator[Observation]:
    """One observation per instant at which the board changed (and at the first instant)."""
    for done, (t, image) in enumerate(frames, start=1):
        reading = reader.update(image, t)
        if reading is not None:
            x0, y0, x1, y1 = reading.rect
            h, w = image.shape[:2]
            yield BoardTextObservation(t=t, source=source, detector=NAME, confidence=round(reading.score, 3),
                                       text=reading.text, added_chars=reading.added,
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
    ``min_gap`` (s between OCR readings while the teacher keeps writing),
    ``layout`` (its ``board`` zone is read when only a teacher camera is given), ``det_model``/``rec_model``,
    ``backend`` (``rapidocr``, or ``paddleocr`` with ``paddle_det_model``/``paddle_rec_model`` directories),
    ``sampling`` (``exact`` or ``keyframe``)."""

    name = NAME
    roles = (MediaRole.BOARD, MediaRole.TEACHER)
    emits = ("board_text",)
    backends = (Backend("rapidocr", "rapidocr", "pip install 'lessonlens[ocr]'", default=True), board_paddle.BACKEND)
    description = Text(zh="板书文字识别（rapidocr，仅在板面变化时识别）",
                       en="Board text (rapidocr, read only where the board changed)")

    def __init__(self, width: int = 1280, min_change: float = 0.001, min_gap: float = 18.0,
                 layout: RoomLayout = DEFAULT_LAYOUT, det_model: str | None = None,
                 rec_model: str | None = None) -> None:
        self.width = width
        self.min_change = min_change
        self.min_gap = min_gap
        self.layout = layout
        self.det_model = det_model
        self.rec_model = rec_model

    def fingerprint(self) -> str:
        return (f"{NAME}/3:{self.width}:{self.min_change}:{self.min_gap}:{self.det_model}:{self.rec_model}:"
                f"{self.layout!r}")

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        layout = layout_from_mapping(options["layout"]) if "layout" in options else self.layout
        boards = [m for m in request.media if m.role is MediaRole.BOARD]
        media = boards[0] if boards else request.media[0]
        engine = str(options.get("backend", options.get("engine", "rapidocr")))
        if engine == "paddleocr":
            read: Reader = board_paddle.paddleocr_reader(options, NAME, threads=request.threads)
        elif engine == "rapidocr":
            read = rapidocr_reader(options.get("det_model", self.det_model), options.get("rec_model", self.rec_model),
                                   threads=request.threads)
        else:
            raise PluginError(_ENGINE, name=engine)
        reader = BoardReader(read, float(options.get("min_change", self.min_change)),
                             min_gap=float(options.get("min_gap", self.min_gap)))
        frames: Iterable[tuple[float, Image]] = frames_at(media.path, request.instants, media.offset,
                                                          size=int(options.get("width", self.width)),
                                                          sampling=options.get("sampling", "exact"),
                                                          threads=request.threads)
        board_zone = layout.box("board")
        if not boards and board_zone is not None:
            frames = _crop_to(frames, board_zone)
        yield from read_board(frames, reader, media.role.value, request.progress, len(request.instants))


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(BoardOcrDetector())
