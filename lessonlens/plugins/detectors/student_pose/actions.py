"""``student-actions``: a spatio-temporal action detector (the mmaction2 family: SlowFast / SlowOnly
on AVA) over a short student-camera clip around each instant, labels mapped to platform-9 cues.

Backends (option ``backend``):

- ``onnx`` (default): an ONNX export of the action head, run by onnxruntime on the person boxes of a
  YOLOX detector (the ``student-pose`` rtmpose backend's ``det_model``). Signature: ``input``
  1×3×T×H×W (RGB, ImageNet mean/std; T frames spread over ``span`` seconds, centred on the instant,
  resized to H×W), ``rois`` N×5 (batch index, x0, y0, x1, y1 in input pixels) → ``scores`` N×C
  (probabilities). A text file (``action_labels``) names the C classes, one a line;
- mmaction2 itself is not run in-process (it needs mmcv and mmdet, a long source build): export the
  model to ONNX with mmaction2's deployment tools in its own environment (``lessonlens[mmaction2]``,
  see docs/perception.md) and run the export here; ``backend=mmaction2`` says exactly that.

AVA labels → platform-9 student codes (:data:`CUES`; a school's own model may add e.g. ``raise hand``):
``stand`` → ``answering``; ``raise hand`` / ``hand wave`` → ``hand_raising``; ``talk to …`` →
``peer_interaction``; ``read``, ``write`` → ``reading_writing``; ``listen to …``, ``watch (a person)``
→ ``listening``. Emits per person a ``BehaviourCue`` ``actor="student:box-NN"`` (boxes are numbered
per instant, left to right, not tracked) and per code the class ``share``, like ``student-pose``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.media import frames_at
from lessonlens.media.models import require_model
from lessonlens.media.vision import Image, require
from lessonlens.plugin import (
    Backend,
    BehaviourCue,
    Detector,
    DetectRequest,
    MediaRole,
    ModelFile,
    Observation,
    PluginError,
    Text,
)
from lessonlens.plugins.detectors.student_pose.backends import YOLOX_FILE

NAME = "student-actions"
ACTION_MODEL = ModelFile(
    option="action_model", filename="ava-actions.onnx", outputs=1,
    licence="depends on the export: mmaction2 AVA models are Apache-2.0; AVA labels CC BY 4.0",
    source="an ONNX export of an mmaction2 AVA SlowOnly/SlowFast detector head (input, rois -> scores)")
ACTION_LABELS = ModelFile(option="action_labels", filename="ava-actions.labels.txt", kind="file",
                          licence="AVA label names (CC BY 4.0)", source="one class name a line, in output order")
BACKENDS = (
    Backend("onnx", "rtmlib", "pip install --no-deps rtmlib==0.0.16 (YOLOX person boxes)",
            (ACTION_MODEL, ACTION_LABELS, YOLOX_FILE), default=True,
            note=Text(zh="mmaction2 模型请在其自己的环境中导出为 ONNX 后在此运行",
                      en="export mmaction2 models to ONNX in their own environment, then run them here")),
)

#: action label (lower case, up to the first " (") -> platform-9 student code
CUES: dict[str, str] = {
    "stand": "answering", "raise hand": "hand_raising", "raise a hand": "hand_raising", "hand wave": "hand_raising",
    "talk to": "peer_interaction", "read": "reading_writing", "write": "reading_writing",
    "listen to": "listening", "watch": "listening",
}
MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)

_NO_MMACTION = Text(
    zh="mmaction2 不在本进程中运行：请在装有 mmaction2 的环境中把模型导出为 ONNX（见 docs/perception.md），"
       "再用 backend=onnx 与 action_model 运行",
    en="mmaction2 does not run in-process: export the model to ONNX where mmaction2 is installed (see "
       "docs/perception.md), then use backend=onnx with action_model")
_BAD_BACKEND = Text(zh="检测器 student-actions 没有名为 {name} 的后端；可用：onnx",
                    en="detector student-actions has no backend {name}; available: onnx")

Clip = list[Image]
Boxes = npt.NDArray[np.float32]  # (N, 4) x0, y0, x1, y1 in pixels of the frame
ActionModel = Callable[[Clip, Boxes], npt.NDArray[np.float32]]  # -> (N, C) scores


def cue_of(label: str) -> str | None:
    """The platform-9 student code an action label stands for (None: not a classroom cue)."""
    key = label.lower().split(" (")[0].strip()
    return CUES.get(key)


def onnx_action_model(options: Mapping[str, Any]) -> tuple[ActionModel, list[str]]:
    """The ONNX action head and its labels."""
    import onnxruntime as ort

    backend = BACKENDS[0]
    path = require_model(NAME, backend, ACTION_MODEL, options)
    labels_path = require_model(NAME, backend, ACTION_LABELS, options)
    if path is None or labels_path is None:  # pragma: no cover - no download address for these
        raise PluginError(_BAD_BACKEND, name="onnx")
    labels = [line.strip() for line in Path(labels_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    _, _, frames, height, width = session.get_inputs()[0].shape

    def run(clip: Clip, boxes: Boxes) -> npt.NDArray[np.float32]:
        import cv2

        h, w = clip[0].shape[:2]
        picks = np.linspace(0, len(clip) - 1, int(frames)).round().astype(int)
        stack = np.stack([cv2.resize(clip[i], (int(width), int(height)), interpolation=cv2.INTER_LINEAR)
                          for i in picks]).astype(np.float32)
        tensor = ((stack - MEAN) / STD).transpose(3, 0, 1, 2)[None]
        scale = np.array([width / w, height / h, width / w, height / h], np.float32)
        rois = np.concatenate([np.zeros((len(boxes), 1), np.float32), boxes * scale], axis=1)
        scores: npt.NDArray[np.float32] = session.run(["scores"], {"input": np.ascontiguousarray(tensor),
                                                                   "rois": rois.astype(np.float32)})[0]
        return scores

    return run, labels


def person_boxes(options: Mapping[str, Any]) -> Callable[[Image], Boxes]:
    """YOLOX person boxes through rtmlib (the student-pose rtmpose backend's detector file)."""
    rtmlib = require("rtmlib", NAME, "rtmlib", "rtm")
    path = require_model(NAME, BACKENDS[0], YOLOX_FILE, options)
    with contextlib.redirect_stdout(io.StringIO()):
        detector = rtmlib.YOLOX(str(path) if path is not None else YOLOX_FILE.download_url,
                                model_input_size=(640, 640), score_thr=float(options.get("det_score", 0.3)),
                                backend="onnxruntime", device="cpu")

    def boxes(image: Image) -> Boxes:
        found = np.asarray(detector(np.ascontiguousarray(image[:, :, ::-1])), np.float32).reshape(-1, 4)
        return found[np.argsort(found[:, 0])]

    return boxes


def cues_at(t: float, boxes: Boxes, scores: npt.NDArray[np.float32], labels: Sequence[str], threshold: float,
            source: str = "") -> list[Observation]:
    """Per person the best-scoring classroom cue above ``threshold`` (else listening), and the shares."""
    found: list[Observation] = []
    counts: dict[str, list[float]] = {}
    for k in range(len(boxes)):
        best, confidence = "listening", 0.0
        for c in np.argsort(-scores[k]):
            code = cue_of(labels[c]) if c < len(labels) else None
            if code is not None and float(scores[k, c]) >= threshold:
                best, confidence = code, float(scores[k, c])
                break
        found.append(BehaviourCue(t=t, source=source, detector=NAME, actor=f"student:box-{k + 1:02d}",
                                  behaviour=best, confidence=round(confidence, 3)))
        counts.setdefault(best, []).append(confidence)
    for code, values in sorted(counts.items()):
        found.append(BehaviourCue(t=t, source=source, detector=NAME, actor="students", behaviour=code,
                                  share=round(len(values) / len(boxes), 4),
                                  confidence=round(float(np.mean(values)), 3)))
    return found


class StudentActionsDetector(Detector):
    """Options: ``backend`` (onnx), ``action_model``, ``action_labels``, ``det_model``,
    ``span`` (s of video around each instant, 2), ``frames`` (decoded per clip, 8), ``threshold`` (0.5),
    ``width`` (px, 1280)."""

    name = NAME
    roles = (MediaRole.STUDENTS,)
    emits = ("behaviour",)
    by_default = False
    backends = BACKENDS
    description = Text(zh="学生动作识别（mmaction2 / ONNX，AVA 动作映射为平台九类）",
                       en="students' actions (mmaction2 / ONNX, AVA labels mapped to platform-9 codes)")

    def fingerprint(self) -> str:
        return f"{NAME}/1"

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        options: Mapping[str, Any] = request.options
        backend = str(options.get("backend", "onnx"))
        if backend == "mmaction2":
            raise PluginError(_NO_MMACTION)
        if backend != "onnx":
            raise PluginError(_BAD_BACKEND, name=backend)
        model, labels = onnx_action_model(options)
        boxes_of = person_boxes(options)
        span, count = float(options.get("span", 2.0)), int(options.get("frames", 8))
        threshold, width = float(options.get("threshold", 0.5)), int(options.get("width", 1280))
        media = request.media[0]
        offsets = np.linspace(-span / 2, span / 2, count)
        wanted = sorted({round(max(0.0, t + o), 3) for t in request.instants for o in offsets})
        decoded = dict(frames_at(media.path, wanted, media.offset, size=width))
        for done, t in enumerate(request.instants, start=1):
            clip = [decoded[k] for k in sorted({round(max(0.0, t + o), 3) for o in offsets}) if k in decoded]
            if clip:
                middle = clip[len(clip) // 2]
                boxes = boxes_of(middle)
                if len(boxes):
                    yield from cues_at(t, boxes, model(clip, boxes), labels, threshold, media.role.value)
            request.progress(done, len(request.instants))
