"""scripts/export_mmaction2_ava.py: an AVA detector with mmaction2's layout exported to the ONNX file the
``student-actions`` detector loads, installed with ``lessonlens models add`` and run on a video.

This runs without mmaction2 (mmcv is a source build; mmaction2's own SlowOnly detector and its export
are in test_detectors_student_actions_mmaction2.py): the network here is a small one with mmaction2's
layout and signatures: ``backbone`` (a Conv3d), ``roi_head.bbox_roi_extractor(feats, rois) ->
(roi_feats, feats)`` (each box's mean feature, standing in for RoIAlign), ``roi_head.bbox_head`` with
``AdaptiveAvgPool3d((1, None, None))`` / ``AdaptiveMaxPool3d((None, 1, 1))`` pools and ``fc_cls`` over
81-style classes (column 0 reserved). Its classes follow each box's colour, so the labels are known:
red stands, green reads, blue talks to a neighbour, white waves a hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue
from lessonlens.core.plugins import get_manager

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from torch import nn  # noqa: E402

from tests.support import onnx_models  # noqa: E402
from tests.support.vision_scenes import write_video  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "export_mmaction2_ava.py"
LABEL_MAP = "11: sit\n12: stand\n14: walk\n11x\n"
LABELS = ["stand", "read", "talk to (e.g., self, a person, a group)", "hand wave"]
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_mmaction2_ava", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class BoxMean(nn.Module):
    """Each box's mean feature per frame, (N, C, T, 1, 1), and the features (SingleRoIExtractor3D's outputs)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, feats: torch.Tensor, rois: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, c, t, h, w = feats.shape
        xs = (torch.arange(w, dtype=feats.dtype) + 0.5) * self.stride
        ys = (torch.arange(h, dtype=feats.dtype) + 0.5) * self.stride
        in_x = ((xs[None] >= rois[:, 1:2]) & (xs[None] <= rois[:, 3:4])).to(feats.dtype)
        in_y = ((ys[None] >= rois[:, 2:3]) & (ys[None] <= rois[:, 4:5])).to(feats.dtype)
        mask = (in_y[:, :, None] * in_x[:, None, :]).reshape(-1, h * w)
        weights = mask / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
        pooled = feats[0].reshape(c * t, h * w) @ weights.transpose(0, 1)
        return pooled.transpose(0, 1).reshape(-1, c, t, 1, 1), feats


class AvaHead(nn.Module):
    """mmaction2's AVA head layout: temporal then spatial adaptive pooling, one linear layer; multi-label."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.temporal_pool = nn.AdaptiveAvgPool3d((1, None, None))
        self.spatial_pool = nn.AdaptiveMaxPool3d((None, 1, 1))
        self.fc_cls = nn.Linear(3, classes)
        self.multilabel = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.spatial_pool(self.temporal_pool(x))
        return self.fc_cls(x.view(x.size(0), -1))


class ColourDetector(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Conv3d(3, 3, kernel_size=(1, 8, 8), stride=(1, 8, 8))
        self.roi_head = nn.Module()
        self.roi_head.bbox_roi_extractor = BoxMean(8)
        self.roi_head.bbox_head = AvaHead(1 + len(LABELS))
        with torch.no_grad():
            self.backbone.weight.zero_()
            for k in range(3):
                self.backbone.weight[k, k] = 1 / 64  # each colour channel's mean over 8x8 pixels
            self.backbone.bias.zero_()
            fc = self.roi_head.bbox_head.fc_cls
            fc.weight.copy_(torch.tensor([[0, 0, 0], [2, -2, -2], [-2, 2, -2], [-2, -2, 2], [2, 2, 2]]))
            fc.bias.copy_(torch.tensor([-10.0, -4, -4, -4, -6]))


def test_label_map_lines_and_custom_classes(tmp_path: Path) -> None:
    script = _script()
    path = tmp_path / "label_map.txt"
    path.write_text("11: sit\n12: stand\n\n14: walk\n", encoding="utf-8")
    assert script.read_label_map(path) == ["sit", "stand", "walk"]
    assert script.read_label_map(path, [12, 11]) == ["stand", "sit"]
    with pytest.raises(SystemExit, match="no label for class id"):
        script.read_label_map(path, [15])
    path.write_text(LABEL_MAP, encoding="utf-8")
    with pytest.raises(SystemExit, match=r"label_map.txt:4: not an 'ID: name' line"):
        script.read_label_map(path)
    assert script.cue_table(["sit", "stand", "read", "watch (a person)"]) == [
        ("stand", "answering"), ("read", "reading_writing"), ("watch (a person)", "listening")]


@pytest.mark.skipif(importlib.util.find_spec("rtmlib") is None, reason="rtmlib not installed")
def test_exported_detector_gives_each_person_the_cue_of_its_action(tmp_path: Path, models_dir: Path) -> None:
    from lessonlens.media.models import add_model

    models = models_dir
    script = _script()
    onnx_path, labels_path, difference = script.export(ColourDetector(), LABELS, tmp_path / "out" / "ava-actions.onnx",
                                                        frames=4, height=256, width=448)
    assert difference < 1e-4 and labels_path.read_text(encoding="utf-8").splitlines() == LABELS
    detectors = [reg.item for reg in get_manager().registry.detectors.values()]
    assert add_model(onnx_path, detectors) == models / "ava-actions.onnx"  # loads, one output
    assert add_model(labels_path, detectors) == models / "ava-actions.labels.txt"

    boxes = np.array([[20 + 160 * i, 100, 120 + 160 * i, 330, 0.9] for i in range(4)], np.float32)  # 640-px input
    onnx_models.yolox(models / "yolox-humanart-640x640.onnx", boxes)
    scene = np.full((720, 1280, 3), 128, np.uint8)
    for i, colour in enumerate(COLOURS):  # each person's box (x 40-240 + 320 i) inside a stripe of its colour
        scene[:, 320 * i + 20:320 * i + 300] = colour
    video = write_video(tmp_path / "students.mp4", [scene, scene])
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(video), "students"),),
                            instants=(3.0, 9.0), options={"frames": 4})
    found = [o for o in get_manager().detector("student-actions").detect(request) if isinstance(o, BehaviourCue)]
    own = [(o.t, o.actor, o.behaviour) for o in found if o.actor.startswith("student:")]
    codes = ["answering", "reading_writing", "peer_interaction", "hand_raising"]
    assert own == [(t, f"student:box-{k + 1:02d}", code) for t in (3.0, 9.0) for k, code in enumerate(codes)]
    assert all(o.confidence > 0.9 for o in found if o.actor.startswith("student:"))
