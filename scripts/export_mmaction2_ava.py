"""Export an mmaction2 AVA action detector to the ONNX file lessonlens's ``student-actions`` detector loads.

Run it where mmaction2 is installed (its own environment: mmcv and mmdet build from source, see
docs/perception.md), on the model's config and checkpoint and AVA's label map::

    python scripts/export_mmaction2_ava.py \\
        slowonly_kinetics400-pretrained-r101_8xb16-8x8x1-20e_ava21-rgb.py slowonly_….pth \\
        --label-map label_map.txt --out ava-actions.onnx
    lessonlens models add ava-actions.onnx ava-actions.labels.txt

The ONNX file has the signature ``student-actions`` expects: ``input`` 1×3×T×H×W (RGB, normalised
with the model's mean/std), ``rois`` N×5 (batch index, x0, y0, x1, y1 in input pixels) → ``scores``
N×C, the per-class probabilities (sigmoid of the multi-label AVA head; its background column 0
dropped). ``ava-actions.labels.txt`` names the C classes in that order (``label_map.txt``'s
``ID: name`` lines, or the config's ``custom_classes``). The script checks that onnxruntime gives
the network's own scores, and prints which labels become which platform-9 student cue.

The same export runs on any module with mmaction2's layout (``backbone``, ``roi_head.bbox_roi_extractor``
returning ``(roi_feats, feats)``, ``roi_head.bbox_head`` with ``temporal_pool``, ``spatial_pool``,
``fc_cls``): :func:`export` is what the test calls on a small network built with that layout.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

#: AVA's label map lines: ``12: stand``
_LABEL_LINE = re.compile(r"^\s*(\d+)\s*:\s*(.+?)\s*$")


class _TemporalPool(nn.Module):
    """Over time (dim 2), to length 1: a fixed-shape stand-in for AdaptiveAvg/MaxPool3d((1, None, None))."""

    def __init__(self, use_max: bool) -> None:
        super().__init__()
        self.use_max = use_max

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=2, keepdim=True) if self.use_max else x.mean(dim=2, keepdim=True)


class _SpatialPool(nn.Module):
    """Over height and width, to 1×1: the stand-in for AdaptiveAvg/MaxPool3d((None, 1, 1))."""

    def __init__(self, use_max: bool) -> None:
        super().__init__()
        self.use_max = use_max

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(3, 4), keepdim=True) if self.use_max else x.mean(dim=(3, 4), keepdim=True)


class _RoiAlignFunction(torch.autograd.Function):
    """mmcv's ``roi_align`` when run; written as ONNX's standard ``RoiAlign`` (opset 16) when exported.

    mmcv 2.1's own symbolic writes ``Squeeze`` with an ``axes`` attribute (invalid from opset 13) and
    moves the boxes by half a pixel itself, which opset 16's default ``half_pixel`` mode does again."""

    @staticmethod
    def forward(ctx: Any, features: torch.Tensor, rois: torch.Tensor, height: int, width: int, spatial_scale: float,
                sampling_ratio: int, pool_mode: str, aligned: bool) -> torch.Tensor:
        from mmcv.ops import roi_align

        result: torch.Tensor = roi_align(features, rois, (height, width), spatial_scale, sampling_ratio, pool_mode,
                                         aligned)
        return result

    @staticmethod
    def symbolic(g: Any, features: Any, rois: Any, height: int, width: int, spatial_scale: float, sampling_ratio: int,
                 pool_mode: str, aligned: bool) -> Any:
        batch = g.op("Gather", rois, g.op("Constant", value_t=torch.tensor(0, dtype=torch.long)), axis_i=1)
        batch = g.op("Cast", batch, to_i=7)  # INT64
        boxes = g.op("Gather", rois, g.op("Constant", value_t=torch.tensor([1, 2, 3, 4], dtype=torch.long)), axis_i=1)
        return g.op("RoiAlign", features, boxes, batch, output_height_i=height, output_width_i=width,
                    spatial_scale_f=spatial_scale, sampling_ratio_i=max(0, sampling_ratio), mode_s=pool_mode,
                    coordinate_transformation_mode_s="half_pixel" if aligned else "output_half_pixel")


class _RoiAlign(nn.Module):
    """An mmcv ``RoIAlign`` that exports as ONNX ``RoiAlign`` (:class:`_RoiAlignFunction`)."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.height, self.width = (int(v) for v in layer.output_size)
        self.spatial_scale = float(layer.spatial_scale)
        self.sampling_ratio = int(layer.sampling_ratio)
        self.pool_mode = str(layer.pool_mode)
        self.aligned = bool(layer.aligned)

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = _RoiAlignFunction.apply(features, rois, self.height, self.width, self.spatial_scale,
                                                       self.sampling_ratio, self.pool_mode, self.aligned)
        return result


def _exportable_roi_align(module: nn.Module) -> None:
    """Swap every mmcv ``RoIAlign`` under ``module`` for :class:`_RoiAlign`."""
    for name, child in list(module.named_children()):
        if type(child).__name__ == "RoIAlign" and type(child).__module__.startswith("mmcv."):
            setattr(module, name, _RoiAlign(child))
        else:
            _exportable_roi_align(child)


def _static_pool(pool: nn.Module, kind: type[nn.Module]) -> nn.Module:
    """An adaptive pool with ``None`` sizes (which the TorchScript ONNX exporter cannot write) as
    a plain reduction; anything else unchanged."""
    if isinstance(pool, nn.AdaptiveMaxPool3d):
        return kind(True)
    if isinstance(pool, nn.AdaptiveAvgPool3d):
        return kind(False)
    return pool


class ActionHead(nn.Module):
    """An AVA detector as ``(input, rois) -> scores``: backbone, RoI features, head, probabilities."""

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.backbone = detector.backbone
        self.extractor = detector.roi_head.bbox_roi_extractor
        _exportable_roi_align(self.extractor)
        head = detector.roi_head.bbox_head
        head.temporal_pool = _static_pool(head.temporal_pool, _TemporalPool)
        head.spatial_pool = _static_pool(head.spatial_pool, _SpatialPool)
        self.head = head
        self.multilabel = bool(getattr(head, "multilabel", True))
        # AVA heads keep column 0 for "no action" (their class ids start at 1)
        self.first = 1 if getattr(head, "background_class", True) else 0

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        features = self.backbone(input)
        roi_features, _ = self.extractor(features, rois)
        scores = self.head(roi_features)
        if isinstance(scores, tuple):
            scores = scores[0]
        probabilities = torch.sigmoid(scores) if self.multilabel else torch.softmax(scores, dim=-1)
        return probabilities[:, self.first:]


def read_label_map(path: Path, custom_classes: Sequence[int] | None = None) -> list[str]:
    """Class names in the head's output order: ids 1, 2 … of ``label_map.txt`` (or the config's
    ``custom_classes``, in their order)."""
    names: dict[int, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        found = _LABEL_LINE.match(line)
        if found is None:
            raise SystemExit(f"{path}:{number}: not an 'ID: name' line: {line.strip()[:80]}")
        names[int(found.group(1))] = found.group(2)
    ids = list(custom_classes) if custom_classes else sorted(names)
    missing = [i for i in ids if i not in names]
    if missing:
        raise SystemExit(f"{path}: no label for class id(s) {missing[:10]}")
    return [names[i] for i in ids]


def export(detector: nn.Module, labels: Sequence[str], out: Path, frames: int = 8, height: int = 256,
           width: int = 448) -> tuple[Path, Path, float]:
    """Write ``out`` (the ONNX head) and ``<stem>.labels.txt`` beside it; check onnxruntime against
    torch on a random clip and three boxes. Returns both paths and the largest score difference."""
    import onnxruntime as ort

    head = ActionHead(detector).eval()
    clip = torch.randn(1, 3, frames, height, width).clamp(-3, 3)
    rois = torch.tensor([[0, 0.1 * width, 0.2 * height, 0.3 * width, 0.9 * height],
                         [0, 0.4 * width, 0.1 * height, 0.6 * width, 0.8 * height],
                         [0, 0.7 * width, 0.3 * height, 0.95 * width, 0.95 * height]], dtype=torch.float32)
    with torch.no_grad():
        expected = head(clip, rois).numpy()
    if expected.shape[1] != len(labels):
        raise SystemExit(f"the head gives {expected.shape[1]} classes but there are {len(labels)} labels")
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.exporting")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice; mmcv ops need it
        torch.onnx.export(head, (clip, rois), str(temp), input_names=["input", "rois"], output_names=["scores"],
                          dynamic_axes={"rois": {0: "boxes"}, "scores": {0: "boxes"}}, opset_version=17,
                          do_constant_folding=True, dynamo=False)
    session = ort.InferenceSession(str(temp), providers=["CPUExecutionProvider"])
    got = session.run(["scores"], {"input": clip.numpy(), "rois": rois.numpy()})[0]
    difference = float(np.abs(got - expected).max())
    if difference > 1e-3:
        temp.unlink()
        raise SystemExit(f"onnxruntime differs from torch by {difference:.2g}: the export is not faithful")
    temp.replace(out)
    labels_path = out.with_name(f"{out.name.removesuffix('.onnx')}.labels.txt")
    labels_path.write_text("".join(f"{name}\n" for name in labels), encoding="utf-8")
    return out, labels_path, difference


def cue_table(labels: Sequence[str]) -> list[tuple[str, str]]:
    """(label, platform-9 student code) for each label lessonlens turns into a cue."""
    from lessonlens.plugins.detectors.student_pose.actions import cue_of

    return [(label, code) for label in labels if (code := cue_of(label)) is not None]


def load_mmaction2(config: Path, checkpoint: Path) -> tuple[nn.Module, Any]:
    """The detector an mmaction2 config describes, with the checkpoint's weights, and the config."""
    try:
        from mmaction.registry import MODELS
        from mmengine import Config
        from mmengine.registry import init_default_scope
        from mmengine.runner import load_checkpoint
    except ImportError as exc:
        raise SystemExit(f"mmaction2 is not installed here ({exc}): see docs/perception.md") from None
    cfg = Config.fromfile(str(config))
    init_default_scope(cfg.get("default_scope", "mmaction"))
    if cfg.model.get("backbone", {}).get("pretrained"):
        cfg.model.backbone.pretrained = None  # the checkpoint has every weight; nothing is downloaded
    detector = MODELS.build(cfg.model)
    from lessonlens.media.checkpoints import numpy_allowed

    with numpy_allowed():  # OpenMMLab checkpoints keep numpy arrays in their meta (torch >= 2.6 refuses them)
        load_checkpoint(detector, str(checkpoint), map_location="cpu")
    return detector.eval(), cfg


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("config", type=Path, help="the mmaction2 AVA detector's config (.py)")
    parser.add_argument("checkpoint", type=Path, help="its checkpoint (.pth)")
    parser.add_argument("--label-map", type=Path, required=True, help="AVA's label_map.txt ('ID: name' lines)")
    parser.add_argument("--out", type=Path, default=Path("ava-actions.onnx"))
    parser.add_argument("--frames", type=int, default=0, help="clip length T (default: the config's clip_len)")
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=448)
    args = parser.parse_args(argv)
    detector, cfg = load_mmaction2(args.config, args.checkpoint)
    frames = args.frames or _clip_len(cfg) or 8
    custom = cfg.get("custom_classes") or None
    labels = read_label_map(args.label_map, custom)
    out, labels_path, difference = export(detector, labels, args.out, frames, args.height, args.width)
    print(f"wrote {out} ({len(labels)} classes, T={frames}, {args.height}x{args.width}; onnxruntime vs torch "
          f"max difference {difference:.1e}) and {labels_path}")
    for label, code in cue_table(labels):
        print(f"  {label} -> {code}")
    print(f"install with: lessonlens models add {out} {labels_path}")
    return 0


def _clip_len(cfg: Any) -> int | None:
    for step in cfg.get("val_pipeline", None) or cfg.get("test_pipeline", None) or []:
        if step.get("type") == "SampleAVAFrames":
            return int(step["clip_len"])
    return None


if __name__ == "__main__":
    sys.exit(main())
