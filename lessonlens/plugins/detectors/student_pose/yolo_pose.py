"""YOLO pose (YOLOv8-pose / YOLO11-pose ONNX exports) run with onnxruntime alone: every person's 17
COCO keypoints in one pass over the frame, no ultralytics at run time.

The two layouts an export writes are read:

- raw (the default export): ``images`` 1x3xSxS (RGB / 255, letterboxed with grey 114) ->
  ``output0`` 1x(5+3K)xN: box centre x, y, width, height, person score, then K keypoints as x, y,
  visibility (already a probability), in input pixels; boxes are kept above ``det_score`` and
  non-maximum suppressed here (IoU ``iou``);
- with NMS in the graph (``export(nms=True)``, end-to-end models): 1xNx(6+3K): x0, y0, x1, y1,
  score, class, then the keypoints.

A fixed-size export is read at its size; a dynamic one (``export(dynamic=True)``) at
``input_size`` (1280 px by default). ``tiles=CxR`` also reads the frame in C×R half-overlapping
tiles (each letterboxed to the model's input) besides the whole frame, for back rows whose people
are a few dozen pixels tall; a person found twice (or cut by a tile's edge) is kept once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import PluginError
from lessonlens.core.i18n import Text
from lessonlens.media.threads import bounded_session
from lessonlens.media.vision import Image
from lessonlens.plugins.detectors.student_pose.cues import Person

KEYPOINTS = 17
_LAYOUT = Text(zh="YOLO 姿态模型的输出形状 {shape} 不是 1×(5+3×17)×N 或 1×N×(6+3×17)",
               en="the YOLO pose model's output shape {shape} is neither 1x(5+3*17)xN nor 1xNx(6+3*17)")
_TILES = Text(zh="tiles 应写成 列x行（如 2x2）：{value}", en="tiles must be COLSxROWS (e.g. 2x2): {value}")

Boxes = npt.NDArray[np.float32]


def letterbox(image: Image, size: int) -> tuple[npt.NDArray[np.float32], float, tuple[float, float]]:
    """The model input (1x3xSxS RGB in 0..1, grey 114 padding), the scale and the (x, y) padding."""
    import cv2

    h, w = image.shape[:2]
    ratio = min(size / w, size / h)
    nw, nh = round(w * ratio), round(h * ratio)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else image
    canvas = np.full((size, size, 3), 114, dtype=np.uint8)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas[py:py + nh, px:px + nw] = resized
    tensor = canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    return tensor, ratio, (float(px), float(py))


def iou(box: Boxes, boxes: Boxes) -> npt.NDArray[np.float32]:
    """IoU of one x0, y0, x1, y1 box with each of ``boxes``."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    found: npt.NDArray[np.float32] = (inter / np.maximum(area + areas - inter, 1e-9)).astype(np.float32)
    return found


def inside(box: Boxes, boxes: Boxes) -> npt.NDArray[np.float32]:
    """The share of the smaller box that overlaps, of one box with each of ``boxes`` (a person cut
    by a tile's edge lies inside the whole person's box)."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    found: npt.NDArray[np.float32] = (inter / np.maximum(np.minimum(area, areas), 1e-9)).astype(np.float32)
    return found


def nms(boxes: Boxes, scores: npt.NDArray[np.float32], threshold: float, contained: float = 1.0) -> list[int]:
    """Indices kept by greedy non-maximum suppression, best score first; a box is also dropped when
    more than ``contained`` of it (or of the kept box) overlaps a kept one."""
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        if order:
            rest = np.asarray(order)
            drop = iou(boxes[best], boxes[rest]) > threshold
            if contained < 1.0:
                drop |= inside(boxes[best], boxes[rest]) > contained
            order = [int(i) for i in rest[~drop]]
    return keep


def decode(output: npt.NDArray[np.float32], det_score: float, iou_threshold: float
           ) -> tuple[Boxes, npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Boxes (x0, y0, x1, y1), scores and keypoints (Nx17x3) in input pixels from either layout."""
    out = np.asarray(output, dtype=np.float32)
    if out.ndim != 3 or out.shape[0] != 1:
        raise PluginError(_LAYOUT, shape="x".join(map(str, out.shape)))
    raw, end2end = 5 + 3 * KEYPOINTS, 6 + 3 * KEYPOINTS
    if out.shape[1] == raw and out.shape[2] != raw:
        rows = out[0].T
        boxes = np.concatenate([rows[:, :2] - rows[:, 2:4] / 2, rows[:, :2] + rows[:, 2:4] / 2], axis=1)
        scores, kps = rows[:, 4], rows[:, 5:]
        chosen = scores >= det_score
        boxes, scores, kps = boxes[chosen], scores[chosen], kps[chosen]
        keep = nms(boxes, scores, iou_threshold)
        boxes, scores, kps = boxes[keep], scores[keep], kps[keep]
    elif out.shape[2] == end2end:
        rows = out[0]
        rows = rows[rows[:, 4] >= det_score]
        boxes, scores, kps = rows[:, :4], rows[:, 4], rows[:, 6:]
    else:
        raise PluginError(_LAYOUT, shape="x".join(map(str, out.shape)))
    return boxes, scores, kps.reshape(-1, KEYPOINTS, 3)


def parse_tiles(value: Any) -> tuple[int, int]:
    """``"2x2"`` -> (2, 2); ``"1x1"`` / empty: the whole frame only."""
    text = str(value or "1x1").lower()
    cols, _, rows = text.partition("x")
    try:
        c, r = int(cols), int(rows)
    except ValueError:
        raise PluginError(_TILES, value=text) from None
    if c < 1 or r < 1 or c * r > 64:
        raise PluginError(_TILES, value=text)
    return c, r


def windows(width: int, height: int, cols: int, rows: int) -> list[tuple[int, int, int, int]]:
    """The whole frame, then C×R tiles overlapping by half a tile (x0, y0, x1, y1)."""
    found = [(0, 0, width, height)]
    if cols * rows == 1:
        return found
    tw, th = 2 * width / (cols + 1), 2 * height / (rows + 1)
    for r in range(rows):
        for c in range(cols):
            x0, y0 = round(c * tw / 2), round(r * th / 2)
            found.append((x0, y0, min(width, round(x0 + tw)), min(height, round(y0 + th))))
    return found


class YoloPose:
    """A YOLO pose ONNX model: ``__call__(RGB image)`` -> people as 17x3 (x, y, score) arrays in pixels."""

    def __init__(self, path: str | Path, options: Mapping[str, Any], threads: int | None = None) -> None:
        import onnxruntime as ort

        if threads is not None:
            self.session = bounded_session(str(path), threads)
        else:
            self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        shape = self.session.get_inputs()[0].shape
        fixed = shape[-1] if isinstance(shape[-1], int) else None
        # a dynamic-shape export reads the frame at 1280 px (chosen on the real sets' valid splits:
        # back-row people are a few dozen pixels tall; 640 finds a third of them)
        self.size = int(options.get("input_size", fixed or 1280))
        self.det_score = float(options.get("det_score", 0.25))
        self.iou = float(options.get("iou", 0.6))
        self.tiles = parse_tiles(options.get("tiles"))
        self.input = self.session.get_inputs()[0].name
        self.path = str(path)

    def _window(self, image: Image) -> tuple[Boxes, npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        tensor, ratio, (px, py) = letterbox(image, self.size)
        output = self.session.run(None, {self.input: tensor})[0]
        try:
            boxes, scores, kps = decode(output, self.det_score, self.iou)
        except PluginError as exc:  # not a pose model (a detection-only YOLO, say): name the file
            raise PluginError(exc.text, self.path, **exc.params) from None
        boxes = (boxes - np.array([px, py, px, py], dtype=np.float32)) / ratio
        kps = kps.copy()
        kps[:, :, 0] = (kps[:, :, 0] - px) / ratio
        kps[:, :, 1] = (kps[:, :, 1] - py) / ratio
        return boxes, scores, kps

    def __call__(self, image: Image) -> list[Person]:
        h, w = image.shape[:2]
        all_boxes, all_scores, all_kps = [], [], []
        for x0, y0, x1, y1 in windows(w, h, *self.tiles):
            boxes, scores, kps = self._window(np.ascontiguousarray(image[y0:y1, x0:x1]))
            offset = np.array([x0, y0], dtype=np.float32)
            all_boxes.append(boxes + np.tile(offset, 2))
            kps[:, :, :2] += offset
            all_scores.append(scores)
            all_kps.append(kps)
        boxes, scores, kps = np.concatenate(all_boxes), np.concatenate(all_scores), np.concatenate(all_kps)
        if len(all_boxes) > 1 and len(boxes):
            keep = nms(boxes, scores, self.iou, contained=0.7)
            boxes, scores, kps = boxes[keep], scores[keep], kps[keep]
        return [k.astype(np.float32) for k in kps]
