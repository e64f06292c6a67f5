"""Small OpenMMLab models made in the test, for the ``student-pose`` mmpose backend and the
``student-actions`` mmaction2 backend (both need mmcv's compiled ops: see docs/perception.md).

Each is a real config of the installed package (inheriting its own ``mmdet::`` / ``mmpose::`` /
``mmaction::`` base files) with few channels, built by the package's registry, its final layer set
so that the output is known, and saved as mmengine saves a checkpoint (``meta`` with numpy arrays,
as OpenMMLab's published checkpoints carry, and ``state_dict``):

- :func:`rtmdet_person`: RTMDet with one class; every prior scores ``score`` and reaches past the
  input's edges, so after clipping and NMS there is one box, the padded input square (mmdet clips
  to it: 0, 0, 1280, 1280 for a 1280x720 frame resized to 640x360 and padded to 640x640);
- :func:`regression_pose`: a top-down pose model (ResNet + GlobalAveragePooling + mmpose's
  ``RegressionHead`` and ``RegressionLabel`` codec): the head's bias is the keypoints, in the crop's
  normalised coordinates, so each of the 17 keypoints lands where the test wants it;
- :func:`slowonly_ava`: mmaction2's SlowOnly AVA detector (a ResNet3d with few channels, mmcv's
  RoIAlign, ``BBoxHeadAVA``); ``scores`` sets the head's class probabilities (weights zeroed), else
  random weights.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

# the mmdet RTMDet-tiny config with an eighth of RTMDet-l's channels and one class (person)
RTMDET_PERSON = """\
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
model = dict(
    backbone=dict(deepen_factor=0.167, widen_factor=0.125, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128], out_channels=32, num_csp_blocks=1),
    bbox_head=dict(in_channels=32, feat_channels=32, num_classes=1, exp_on_reg=False),
    test_cfg=dict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.6), max_per_img=100))
"""

# a top-down regression pose model (mmpose's td-reg configs) with a ResNet-18 of 8 base channels
REGRESSION_POSE = """\
_base_ = ['mmpose::_base_/default_runtime.py']
codec = dict(type='RegressionLabel', input_size=(192, 256))
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='RegressionHead', in_channels=64, num_joints=17,
              loss=dict(type='SmoothL1Loss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=False))
dataset_type = 'CocoDataset'
data_mode = 'topdown'
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(type=dataset_type, data_mode=data_mode))
val_dataloader = dict(dataset=dict(type=dataset_type, data_mode=data_mode, pipeline=val_pipeline))
test_dataloader = val_dataloader
"""

# mmaction2's SlowOnly AVA detector config with a ResNet3d-18 of 8 base channels (64 out)
SLOWONLY_AVA = """\
_base_ = 'mmaction::detection/slowonly/slowonly_kinetics400-pretrained-r50_8xb16-4x16x1-20e_ava21-rgb.py'
model = dict(
    init_cfg=None,
    backbone=dict(depth=18, base_channels=8, pretrained=None),
    roi_head=dict(bbox_head=dict(in_channels=64)))
"""

#: the crop a top-down model sees around a box: mmpose pads the box by 1.25 and widens it to 192:256
PADDING, ASPECT = 1.25, 192 / 256


def _save(model: Any, path: Path, meta: dict[str, Any]) -> Path:
    """A checkpoint the way mmengine's runner writes one (``meta`` and ``state_dict``)."""
    import torch

    torch.save({"meta": meta, "state_dict": model.state_dict()}, path)
    return path


def rtmdet_person(folder: Path, score: float) -> tuple[Path, Path]:
    """``mmdet-person.py`` and ``mmdet-person.pth``: every prior scores ``score``; one box, the padded input."""
    from mmdet.registry import MODELS
    from mmengine import Config
    from mmengine.registry import init_default_scope

    config = folder / "mmdet-person.py"
    config.write_text(RTMDET_PERSON, encoding="utf-8")
    init_default_scope("mmdet")
    model = MODELS.build(Config.fromfile(str(config)).model)
    one_whole_box(model.bbox_head, score)
    meta = {"dataset_meta": {"classes": ("person",), "palette": [(220, 20, 60)]}, "mmengine_version": "0.10.7"}
    return config, _save(model, folder / "mmdet-person.pth", meta)


def one_whole_box(head: Any, score: float) -> None:
    """An RTMDet head whose every prior scores ``score`` and reaches far past the input's edges (the
    distances to the box's sides, in strides, or their logarithm with ``exp_on_reg``): clipped to the
    padded input and merged by NMS, one box."""
    import torch

    with torch.no_grad():
        for cls, reg in zip(head.rtm_cls, head.rtm_reg, strict=True):
            cls.weight.zero_()
            cls.bias.fill_(math.log(score / (1 - score)))
            reg.weight.zero_()
            reg.bias.fill_(10.0 if head.exp_on_reg else 1000.0)


def crop_of(box: Sequence[float]) -> tuple[float, float, float, float]:
    """(centre x, centre y, width, height) of the crop a top-down model sees around ``box``."""
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) * PADDING, (y1 - y0) * PADDING
    if w > h * ASPECT:
        h = w / ASPECT
    else:
        w = h * ASPECT
    return (x0 + x1) / 2, (y0 + y1) / 2, w, h


def regression_pose(folder: Path, keypoints: np.ndarray, box: Sequence[float]) -> tuple[Path, Path]:
    """``mmpose-body.py`` and ``mmpose-body.pth``: a person in ``box`` (the detector's) gets ``keypoints``
    (17 × 2 picture pixels) whatever the picture shows."""
    import torch
    from mmengine import Config
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from mmpose.models import build_pose_estimator
    from mmpose.utils import register_all_modules

    config = folder / "mmpose-body.py"
    config.write_text(REGRESSION_POSE, encoding="utf-8")
    register_all_modules()
    model = build_pose_estimator(Config.fromfile(str(config)).model)
    cx, cy, w, h = crop_of(box)
    normalised = (np.asarray(keypoints, np.float64) - (cx - w / 2, cy - h / 2)) / (w, h)
    with torch.no_grad():
        model.head.fc.weight.zero_()
        model.head.fc.bias.copy_(torch.from_numpy(normalised.reshape(-1).astype(np.float32)))
    meta = {"dataset_meta": parse_pose_metainfo({"from_file": "configs/_base_/datasets/coco.py"}),
            "mmengine_version": "0.10.7"}
    return config, _save(model, folder / "mmpose-body.pth", meta)


def slowonly_ava(folder: Path, scores: Sequence[float] | None = None, seed: int = 0) -> tuple[Path, Path]:
    """``ava-actions.py`` and ``ava-actions.pth``: mmaction2's SlowOnly AVA detector with few channels;
    ``scores`` (80 class probabilities) fixes its output for every person, else random weights."""
    import torch
    from mmaction.registry import MODELS
    from mmengine import Config
    from mmengine.registry import init_default_scope

    config = folder / "ava-actions.py"
    config.write_text(SLOWONLY_AVA, encoding="utf-8")
    init_default_scope("mmaction")
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(str(config)).model)
    with contextlib.redirect_stdout(io.StringIO()):  # mmengine prints each weight's initialisation
        model.init_weights()
    if scores is not None:
        p = np.clip(np.asarray(scores, np.float64), 1e-6, 1 - 1e-6)
        with torch.no_grad():
            fc = model.roi_head.bbox_head.fc_cls
            fc.weight.zero_()
            fc.bias.copy_(torch.from_numpy(np.concatenate([[-20.0], np.log(p / (1 - p))]).astype(np.float32)))
    meta = {"mmengine_version": "0.10.7", "seed": np.int64(seed)}
    return config, _save(model, folder / "ava-actions.pth", meta)


# the real networks of the packages' own configs, for benchmarks/bench_detectors.py (random weights)
RTMDET_TINY_PERSON = """\
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
model = dict(backbone=dict(init_cfg=None), bbox_head=dict(num_classes=1))
"""
RTMPOSE_M = """\
_base_ = 'mmpose::body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py'
model = dict(backbone=dict(init_cfg=None))
"""
SLOWONLY_R50 = """\
_base_ = 'mmaction::detection/slowonly/slowonly_kinetics400-pretrained-r50_8xb16-4x16x1-20e_ava21-rgb.py'
model = dict(init_cfg=None)
"""


def _millions(model: Any) -> float:
    return round(sum(p.numel() for p in model.parameters()) / 1e6, 1)


def real_mmpose(folder: Path) -> float:
    """RTMDet-tiny (one class; final layers set to find one person, the whole picture) as
    ``mmdet-person.*`` and RTMPose-m as ``mmpose-body.*`` in ``folder``; their parameters (millions)."""
    from mmdet.registry import MODELS
    from mmengine import Config
    from mmengine.registry import init_default_scope
    from mmpose.models import build_pose_estimator
    from mmpose.utils import register_all_modules

    (folder / "mmdet-person.py").write_text(RTMDET_TINY_PERSON, encoding="utf-8")
    init_default_scope("mmdet")
    detector = MODELS.build(Config.fromfile(str(folder / "mmdet-person.py")).model)
    one_whole_box(detector.bbox_head, 0.8)
    _save(detector, folder / "mmdet-person.pth", {})
    (folder / "mmpose-body.py").write_text(RTMPOSE_M, encoding="utf-8")
    register_all_modules()
    pose = build_pose_estimator(Config.fromfile(str(folder / "mmpose-body.py")).model)
    _save(pose, folder / "mmpose-body.pth", {})
    return round(_millions(detector) + _millions(pose), 1)


def topdown_per_box(folder: Path) -> Any:
    """``run(image, boxes)``: mmpose's ``inference_topdown`` of ``folder``'s pose model on given boxes."""
    from mmpose.apis import inference_topdown, init_model

    model = init_model(str(folder / "mmpose-body.py"), str(folder / "mmpose-body.pth"), device="cpu")

    def run(image: np.ndarray, boxes: np.ndarray) -> Any:
        return inference_topdown(model, np.ascontiguousarray(image[:, :, ::-1]), boxes)

    return run


def real_slowonly(folder: Path) -> float:
    """mmaction2's SlowOnly-R50 4x16 AVA detector as ``ava-actions.*`` in ``folder``; its parameters (millions)."""
    from mmaction.registry import MODELS
    from mmengine import Config
    from mmengine.registry import init_default_scope

    (folder / "ava-actions.py").write_text(SLOWONLY_R50, encoding="utf-8")
    init_default_scope("mmaction")
    model = MODELS.build(Config.fromfile(str(folder / "ava-actions.py")).model)
    _save(model, folder / "ava-actions.pth", {})
    return _millions(model)


RTMO_T = """\
_base_ = 'mmpose::body_2d_keypoint/rtmo/body7/rtmo-t_8xb32-600e_body7-416x416.py'
model = dict(init_cfg=None, backbone=dict(init_cfg=None))
"""


def rtmo_nobody(folder: Path) -> tuple[Path, Path]:
    """``mmpose-body.py`` and ``.pth``: mmpose's RTMO-t (bottom-up: no person detector), its classifier
    set to score every prior about 2e-9, so it finds nobody."""
    import torch
    from mmengine import Config
    from mmpose.models import build_pose_estimator
    from mmpose.utils import register_all_modules

    config = folder / "mmpose-body.py"
    config.write_text(RTMO_T, encoding="utf-8")
    register_all_modules()
    model = build_pose_estimator(Config.fromfile(str(config)).model)
    with torch.no_grad():
        for conv in model.head.head_module.out_cls:
            conv.weight.zero_()
            conv.bias.fill_(-20.0)
    return config, _save(model, folder / "mmpose-body.pth", {"mmengine_version": "0.10.7"})
