"""``student-actions``: a spatio-temporal action detector (the mmaction2 family: SlowFast / SlowOnly
on AVA) over a short student-camera clip around each instant, labels mapped to platform-9 cues.

Backends (option ``backend``):

- ``onnx`` (default): an ONNX export of the action head, run by onnxruntime on the person boxes of a
  YOLOX detector (the ``student-pose`` rtmpose backend's ``det_model``). Signature: ``input``
  1×3×T×H×W (RGB, ImageNet mean/std; T frames spread over ``span`` seconds, centred on the instant,
  resized to H×W), ``rois`` N×5 (batch index, x0, y0, x1, y1 in input pixels) → ``scores`` N×C
  (probabilities). A text file (``action_labels``) names the C classes, one a line;
- ``mmaction2``: the detector itself, from a local config (``action_config``) and checkpoint
  (``action_checkpoint``), where mmaction2, mmcv and mmdet are installed (a long source build: its
  own environment, see docs/perception.md); clips resized to a short side of 256, the config's
  ``clip_len`` frames, ``model(inputs, [ActionDataSample with proposals], mode="predict")``.
  ``scripts/export_mmaction2_ava.py`` turns the same config and checkpoint into the ONNX file of
  the default backend, which needs none of that.

AVA labels → platform-9 student codes (:data:`CUES`; a school's own model may add e.g. ``raise hand``):
``stand`` → ``answering``; ``raise hand`` / ``hand wave`` → ``hand_raising``; ``talk to …`` →
``peer_interaction``; ``read``, ``write`` → ``reading_writing``; ``listen to …``, ``watch (a person)``
→ ``listening``. Emits per person a ``BehaviourCue`` ``actor="student:box-NN"`` (each box kept across
instants by ``student-pose``'s seat tracker: :func:`box_ids`) and per code the class ``share``, like
``student-pose``.
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
from lessonlens.media.models import require_model, unloadable
from lessonlens.media.threads import bounded_session
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
from lessonlens.plugins.detectors.student_pose.cues import Frame
from lessonlens.plugins.detectors.student_pose.openmmlab import (
    check_checkpoint,
    check_fit,
    numpy_allowed,
    read_config,
)
from lessonlens.plugins.detectors.student_pose.seats import SeatTracker

NAME = "student-actions"
ACTION_MODEL = ModelFile(
    option="action_model", filename="ava-actions.onnx", outputs=1,
    licence="depends on the export: mmaction2 AVA models are Apache-2.0; AVA labels CC BY 4.0",
    source="an ONNX export of an mmaction2 AVA SlowOnly/SlowFast detector head (input, rois -> scores)")
ACTION_LABELS = ModelFile(option="action_labels", filename="ava-actions.labels.txt", kind="file",
                          licence="AVA label names (CC BY 4.0)", source="one class name a line, in output order")
MM_CONFIG = ModelFile(
    option="action_config", filename="ava-actions.py", kind="file", licence="Apache-2.0 (mmaction2 configs)",
    source="an mmaction2 AVA detector config with its _base_ files (e.g. configs/detection/slowonly/"
           "slowonly_kinetics400-pretrained-r101_8xb16-8x8x1-20e_ava21-rgb.py)")
MM_CHECKPOINT = ModelFile(
    option="action_checkpoint", filename="ava-actions.pth", kind="checkpoint",
    licence="Apache-2.0 (mmaction2 model zoo)",
    source="the checkpoint on the config's mmaction2 model-zoo page (download.openmmlab.com/mmaction/v1.0/detection/…)")
MM_INSTALL = ("a venv of their own with mmcv 2.1.0 built from source (MMCV_WITH_OPS=1, about 20 min on 2 cores), "
              "mmdet 3.3.0 and mmaction2 1.2.0: docs/perception.md, 'mmpose and mmaction2: the measured recipe'")
BACKENDS = (
    Backend("onnx", "rtmlib", "pip install --no-deps rtmlib==0.0.16 (YOLOX person boxes)",
            (ACTION_MODEL, ACTION_LABELS, YOLOX_FILE), default=True,
            note=Text(zh="mmaction2 模型可用 scripts/export_mmaction2_ava.py 导出为 ONNX 后在此运行",
                      en="export mmaction2 models with scripts/export_mmaction2_ava.py, then run them here")),
    Backend("mmaction2", "mmaction", MM_INSTALL, (MM_CONFIG, MM_CHECKPOINT, ACTION_LABELS, YOLOX_FILE),
            note=Text(zh="mmcv 需从源码编译（双核约 20 分钟）：请用单独的环境",
                      en="mmcv builds from source (about 20 min on 2 cores): use a separate environment")),
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
    zh="mmaction2 后端需要 mmaction2、mmcv 与 mmdet：{install}；或在装有它们的环境中用 "
       "scripts/export_mmaction2_ava.py 把模型导出为 ONNX，再用 backend=onnx 运行",
    en="the mmaction2 backend needs mmaction2, mmcv and mmdet: {install}; or export the model to ONNX with "
       "scripts/export_mmaction2_ava.py where they are installed, then use backend=onnx")
_LABELS = Text(zh="动作标签文件有 {found} 行，而模型有 {classes} 个类别：每个类别一行，按输出顺序",
               en="the action labels file has {found} lines but the model has {classes} classes: one line a class, "
                  "in output order")
_BAD_BACKEND = Text(zh="检测器 student-actions 没有名为 {name} 的后端；可用：onnx, mmaction2",
                    en="detector student-actions has no backend {name}; available: onnx, mmaction2")

Clip = list[Image]
Boxes = npt.NDArray[np.float32]  # (N, 4) x0, y0, x1, y1 in pixels of the frame
ActionModel = Callable[[Clip, Boxes], npt.NDArray[np.float32]]  # -> (N, C) scores


def cue_of(label: str) -> str | None:
    """The platform-9 student code an action label stands for (None: not a classroom cue)."""
    key = label.lower().split(" (")[0].strip()
    return CUES.get(key)


def onnx_action_model(options: Mapping[str, Any], threads: int | None = None) -> tuple[ActionModel, list[str]]:
    """The ONNX action head and its labels (its session using at most ``threads`` cores)."""
    import onnxruntime as ort

    backend = BACKENDS[0]
    path = require_model(NAME, backend, ACTION_MODEL, options)
    labels_path = require_model(NAME, backend, ACTION_LABELS, options)
    if path is None or labels_path is None:  # pragma: no cover - no download address for these
        raise PluginError(_BAD_BACKEND, name="onnx")
    labels = [line.strip() for line in Path(labels_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    session = (bounded_session(str(path), threads) if threads is not None
               else ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]))
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


def mmaction2_action_model(options: Mapping[str, Any], threads: int | None = None) -> tuple[ActionModel, list[str]]:
    """mmaction2's own AVA detector from a local config and checkpoint, and its labels (in the order
    of the head's classes: 1, 2 … when column 0 is the head's reserved background class); torch's
    intra-op pool (process-wide) set to ``threads``. Each file is read or loaded first, so a bad one is
    named (:mod:`.openmmlab`)."""
    try:
        import torch
        from mmaction.registry import MODELS
        from mmaction.structures import ActionDataSample
        from mmengine.registry import init_default_scope
        from mmengine.runner import load_checkpoint
        from mmengine.structures import InstanceData
    except ImportError:
        raise PluginError(_NO_MMACTION, install=MM_INSTALL) from None
    backend = BACKENDS[1]
    config = require_model(NAME, backend, MM_CONFIG, options)
    checkpoint = require_model(NAME, backend, MM_CHECKPOINT, options, check=False)  # loaded below
    labels_path = require_model(NAME, backend, ACTION_LABELS, options)
    if config is None or checkpoint is None or labels_path is None:  # pragma: no cover - no download address
        raise PluginError(_BAD_BACKEND, name="mmaction2")
    labels = [line.strip() for line in Path(labels_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    cfg = read_config(config, "mmaction2")
    shapes = check_checkpoint(checkpoint, "mmaction2")
    try:
        init_default_scope(cfg.get("default_scope", "mmaction"))
        if cfg.model.get("backbone", {}).get("pretrained"):
            cfg.model.backbone.pretrained = None  # the checkpoint holds every weight: nothing is downloaded
        network = MODELS.build(cfg.model)
    except Exception as exc:
        raise unloadable(config, exc, "mmaction2") from None
    check_fit(network, shapes, checkpoint, "mmaction2")
    with contextlib.redirect_stdout(io.StringIO()), numpy_allowed():
        load_checkpoint(network, str(checkpoint), map_location="cpu")
    network.eval()
    head = network.roi_head.bbox_head
    first = 1 if getattr(head, "background_class", True) else 0
    classes = int(head.num_classes) - first
    if len(labels) != classes:
        raise PluginError(_LABELS, str(labels_path), found=len(labels), classes=classes)
    if threads is not None:
        torch.set_num_threads(max(1, threads))
    pipeline = cfg.get("val_pipeline", None) or cfg.get("test_pipeline", None) or []
    frames = next((int(step["clip_len"]) for step in pipeline if step.get("type") == "SampleAVAFrames"), 8)
    preprocess = cfg.model.get("data_preprocessor", {})
    mean = np.array(preprocess.get("mean", MEAN), np.float32)
    std = np.array(preprocess.get("std", STD), np.float32)

    def run(clip: Clip, boxes: Boxes) -> npt.NDArray[np.float32]:
        import cv2

        h, w = clip[0].shape[:2]
        scale = 256 / min(h, w)  # AVA configs resize to a short side of 256
        size = (round(w * scale), round(h * scale))
        picks = np.linspace(0, len(clip) - 1, frames).round().astype(int)
        stack = np.stack([cv2.resize(clip[i], size, interpolation=cv2.INTER_LINEAR) for i in picks]).astype(np.float32)
        tensor = torch.from_numpy(np.ascontiguousarray(((stack - mean) / std).transpose(3, 0, 1, 2)[None]))
        sample = ActionDataSample()
        sample.proposals = InstanceData(bboxes=torch.from_numpy(boxes * np.float32(scale)))
        sample.set_metainfo({"img_shape": (size[1], size[0])})
        with torch.no_grad():
            result = network(tensor, [sample], mode="predict")
        scores: npt.NDArray[np.float32] = result[0].pred_instances.scores.numpy()[:, first:]
        return scores

    return run, labels


def person_boxes(options: Mapping[str, Any], threads: int | None = None) -> Callable[[Image], Boxes]:
    """YOLOX person boxes through rtmlib (the student-pose rtmpose backend's detector file)."""
    rtmlib = require("rtmlib", NAME, "rtmlib", "rtm")
    path = require_model(NAME, BACKENDS[0], YOLOX_FILE, options)
    with contextlib.redirect_stdout(io.StringIO()):
        detector = rtmlib.YOLOX(str(path) if path is not None else YOLOX_FILE.download_url,
                                model_input_size=(640, 640), score_thr=float(options.get("det_score", 0.3)),
                                backend="onnxruntime", device="cpu")
    if threads is not None and path is not None:
        detector.session = bounded_session(str(path), threads)

    def boxes(image: Image) -> Boxes:
        found = np.asarray(detector(np.ascontiguousarray(image[:, :, ::-1])), np.float32).reshape(-1, 4)
        return found[np.argsort(found[:, 0])]

    return boxes


def box_ids(tracker: SeatTracker, boxes: Boxes) -> list[str]:
    """A lasting id per person box (``box-01`` … in order of first sighting), by the seat tracker of
    ``student-pose``: a box's upper-body middle (a fifth down from its top) and half its width stand in
    for the shoulders' middle and width; a box that stands up keeps its seat, its usual height unmoved."""
    if not len(boxes):
        return []
    widths = (boxes[:, 2] - boxes[:, 0]).astype(np.float64)
    mids = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 1] + 0.2 * (boxes[:, 3] - boxes[:, 1])], axis=1)
    frame = Frame(0.5 * widths, mids.astype(np.float32), np.ones(len(boxes), bool))
    ids = []
    for (x, y), w, seat in zip(mids, widths, tracker.place(frame), strict=True):
        if seat is None:  # pragma: no cover - every box has a width
            ids.append("box-00")
            continue
        stood = seat.usual_y() is not None and y < seat.y() - 0.7 * seat.scale()
        seat.xs.append(float(x))
        if not stood or not seat.ys:
            seat.ys.append(float(y))
            seat.scales.append(0.5 * float(w))
        ids.append(seat.id.replace("seat-", "box-"))
    return ids


def cues_at(t: float, boxes: Boxes, scores: npt.NDArray[np.float32], labels: Sequence[str], threshold: float,
            source: str = "", ids: Sequence[str] | None = None) -> list[Observation]:
    """Per person the best-scoring classroom cue above ``threshold`` (else listening), and the shares;
    ``ids`` name the people (default: ``box-01`` … left to right)."""
    found: list[Observation] = []
    counts: dict[str, list[float]] = {}
    for k in range(len(boxes)):
        best, confidence = "listening", 0.0
        for c in np.argsort(-scores[k]):
            code = cue_of(labels[c]) if c < len(labels) else None
            if code is not None and float(scores[k, c]) >= threshold:
                best, confidence = code, float(scores[k, c])
                break
        who = ids[k] if ids is not None else f"box-{k + 1:02d}"
        found.append(BehaviourCue(t=t, source=source, detector=NAME, actor=f"student:{who}",
                                  behaviour=best, confidence=round(confidence, 3)))
        counts.setdefault(best, []).append(confidence)
    for code, values in sorted(counts.items()):
        found.append(BehaviourCue(t=t, source=source, detector=NAME, actor="students", behaviour=code,
                                  share=round(len(values) / len(boxes), 4),
                                  confidence=round(float(np.mean(values)), 3)))
    return found


class StudentActionsDetector(Detector):
    """Options: ``backend`` (onnx, mmaction2), ``action_model``, ``action_labels``, ``det_model``,
    ``action_config`` and ``action_checkpoint`` (mmaction2),
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
        if backend == "onnx":
            model, labels = onnx_action_model(options, request.threads)
        elif backend == "mmaction2":
            model, labels = mmaction2_action_model(options, request.threads)
        else:
            raise PluginError(_BAD_BACKEND, name=backend)
        boxes_of = person_boxes(options, request.threads)
        span, count = float(options.get("span", 2.0)), int(options.get("frames", 8))
        threshold, width = float(options.get("threshold", 0.5)), int(options.get("width", 1280))
        media = request.media[0]
        offsets = np.linspace(-span / 2, span / 2, count)
        wanted = sorted({round(max(0.0, t + o), 3) for t in request.instants for o in offsets})
        decoded = dict(frames_at(media.path, wanted, media.offset, size=width, threads=request.threads))
        tracker = SeatTracker()
        for done, t in enumerate(request.instants, start=1):
            clip = [decoded[k] for k in sorted({round(max(0.0, t + o), 3) for o in offsets}) if k in decoded]
            if clip:
                middle = clip[len(clip) // 2]
                boxes = boxes_of(middle)
                if len(boxes):
                    yield from cues_at(t, boxes, model(clip, boxes), labels, threshold, media.role.value,
                                       box_ids(tracker, boxes))
            request.progress(done, len(request.instants))
