"""Tiny PaddleOCR inference models with the exact signatures of PP-OCRv5's detection and recognition
networks, built with paddle and saved as PaddleX loads a local model directory
(``inference.json`` + ``inference.pdiparams`` from ``paddle.jit.save``, and ``inference.yml`` naming
the model and its pre- and post-processing).

Their outputs are known, so a test runs PaddleX's real loading, DB resize/normalise, DB box
extraction, recognition resize and CTC decoding (with the dictionary in ``inference.yml``):

- det: ``x`` [N,3,H,W] -> [N,1,H,W] (H, W multiples of 32, as DB's resize makes them): the probability
  map is high where the (de-normalised) picture is brighter than ``LEVEL`` (chalk on a dark board),
  taken at half resolution and upsampled (nearest, as DB's neck does), then closed (max- then
  min-pooled) so one text line is one solid region, as DB nets draw it;
- rec: ``x`` [N,3,48,W] -> [N,T,classes] softmax, the same for every input: CTC decodes it to ``text``;
- colour rec: the same signature, reading the colour of a line's chalk (``CHALK``): CTC decodes each
  crop to its colour's name and ``色`` (``白色``, ``粉色``, ``黄色``), so a test sees which crop went where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import paddle
import yaml
from paddle.static import InputSpec

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # PP-OCR's NormalizeImage
LEVEL = 0.45  # grey level (0..1) above which the det map says "text"
STEPS = 40  # timesteps of the rec output (PP-OCRv5 rec: image width / 8 at 48x320)
DICTIONARY = list("第二章一元二次方程因式分解答案")
#: chalk colours (RGB) the colour rec tells apart, all brighter than LEVEL: its dictionary is 白 粉 黄 色
CHALK = {"白": (236, 236, 228), "粉": (250, 150, 150), "黄": (250, 240, 120)}


class _Det(paddle.nn.Layer):
    def __init__(self) -> None:
        super().__init__()
        self.grey = paddle.nn.Conv2D(3, 1, 1)
        # a 17x61 max filter as two separable ones (13x fewer comparisons than one 17x61 pool)
        self.rows = paddle.nn.MaxPool2D((17, 1), stride=1, padding=(8, 0))
        self.cols = paddle.nn.MaxPool2D((1, 61), stride=1, padding=(0, 30))

    def _max(self, x: Any) -> Any:
        return self.cols(self.rows(x))

    def forward(self, x: Any) -> Any:
        text = paddle.nn.functional.sigmoid(self.grey(x))
        # at half resolution and back with a nearest x2 upsample, as DB's FPN neck does (the op paddle 3.3's
        # oneDNN executor cannot run: the reader falls back to oneDNN off, as it must for the real models)
        half = paddle.nn.functional.avg_pool2d(text, 2, stride=2)
        text = paddle.nn.functional.interpolate(half, scale_factor=2, mode="nearest")
        return -self._max(-self._max(text))  # a closing: the gaps between glyphs of a line filled, no wider


class _Rec(paddle.nn.Layer):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.logits = self.create_parameter([1, STEPS, classes])

    def forward(self, x: Any) -> Any:
        # the input's first STEPS columns (the rec resize makes lines >= 320 px wide), as N, T, 1; an adaptive
        # pool here fails in paddle's oneDNN kernels for some widths (330)
        features = x[:, :1, 0, :STEPS].transpose([0, 2, 1])
        return paddle.nn.functional.softmax(features * 0.0 + self.logits, axis=-1)


class _ColourRec(paddle.nn.Layer):
    """Crops come in as PaddleOCR reads pictures, BGR, normalised to (v/255 - 0.5) / 0.5. Two features,
    each a crop's largest (red - blue) and (green - blue) in v/255 units, score the three colours:
    white has neither, pink only the first, yellow both."""

    def __init__(self) -> None:
        super().__init__()
        self.score = paddle.nn.Linear(2, 6)  # -> blank, 白, 粉, 黄, 色, space (CTCLabelDecode adds it)
        self.base = self.create_parameter([1, STEPS, 6])
        self.where = self.create_parameter([1, STEPS, 1])  # 1 at the timesteps that say the colour

    def forward(self, x: Any) -> Any:
        red_blue = ((x[:, 2] - x[:, 0]) * 0.5).max(axis=[1, 2])
        green_blue = ((x[:, 1] - x[:, 0]) * 0.5).max(axis=[1, 2])
        colour = self.score(paddle.stack([red_blue, green_blue], axis=1)).unsqueeze(1)  # N, 1, 6
        return paddle.nn.functional.softmax(self.base + self.where * colour, axis=-1)


def colour_rec_model(folder: Path, name: str = "PP-OCRv5_mobile_rec") -> Path:
    """A recognition directory that reads each line as its chalk's colour (``CHALK``) and ``色``."""
    folder.mkdir(parents=True, exist_ok=True)
    net = _ColourRec()
    # logits of blank, 白, 粉, 黄, 色, space from (red - blue, green - blue): white near (0, 0), pink (0.4, 0),
    # yellow (0.5, 0.47)
    net.score.weight.set_value(np.array([[0, -20, 20, 0, 0, 0], [0, 0, -20, 20, 0, 0]], np.float32))
    net.score.bias.set_value(np.array([0, 10, 0, -5, 0, 0], np.float32))
    base = np.zeros((1, STEPS, 6), np.float32)
    base[0, :, 0] = 10.0  # blank ...
    base[0, 0:2, 0] = -20.0  # ... but the colour at t = 0, 1
    base[0, 3:5] = -10.0
    base[0, 3:5, 4] = 10.0  # and 色 at t = 3, 4
    where = np.zeros((1, STEPS, 1), np.float32)
    where[0, 0:2] = 1.0
    net.base.set_value(base)
    net.where.set_value(where)
    net.eval()
    paddle.jit.save(net, str(folder / "inference"), input_spec=[InputSpec([None, 3, 48, None], "float32", "x")])
    config = rec_config(name, [*CHALK, "色"])
    write_config(folder, config)
    return folder


def write_config(folder: Path, config: dict[str, Any]) -> None:
    """``inference.yml``, as PaddleX's exports write it."""
    (folder / "inference.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")


def det_config(name: str = "PP-OCRv5_mobile_det") -> dict[str, Any]:
    """The ``inference.yml`` of a PP-OCRv5 detection export (DB resize, ImageNet normalisation, DB boxes)."""
    return {
        "Global": {"model_name": name},
        "PreProcess": {"transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"DetLabelEncode": None},
            {"DetResizeForTest": {"resize_long": 960}},
            {"NormalizeImage": {"mean": list(MEAN), "std": list(STD), "scale": "1./255.", "order": "hwc"}},
            {"ToCHWImage": None},
            {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
        ]},
        "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6, "max_candidates": 1000,
                        "unclip_ratio": 1.5},
    }


def rec_config(name: str = "PP-OCRv5_mobile_rec", dictionary: list[str] = DICTIONARY) -> dict[str, Any]:
    """The ``inference.yml`` of a PP-OCRv5 recognition export (resize to 48 px high, CTC with ``dictionary``)."""
    return {
        "Global": {"model_name": name},
        "PreProcess": {"transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
            {"RecResizeImg": {"image_shape": [3, 48, 320]}},
            {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}},
        ]},
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": dictionary},
    }


def det_model(folder: Path, name: str = "PP-OCRv5_mobile_det", sharpness: float = 40.0) -> Path:
    """A text detection directory whose probability map is ``sigmoid(sharpness * (grey - LEVEL))``."""
    folder.mkdir(parents=True, exist_ok=True)
    net = _Det()
    # x_c = (v_c - mean_c) / std_c, so sum_c std_c x_c / 3 + mean(mean) = grey (the mean of v_c)
    std = np.asarray(STD, np.float32)
    net.grey.weight.set_value((sharpness / 3 * std).reshape(1, 3, 1, 1))
    net.grey.bias.set_value(np.asarray([sharpness * (float(np.mean(MEAN)) - LEVEL)], np.float32))
    net.eval()
    paddle.jit.save(net, str(folder / "inference"), input_spec=[InputSpec([None, 3, None, None], "float32", "x")])
    write_config(folder, det_config(name))
    return folder


def rec_model(folder: Path, text: str, name: str = "PP-OCRv5_mobile_rec",
              dictionary: list[str] = DICTIONARY) -> Path:
    """A text recognition directory whose CTC output decodes to ``text`` (characters of ``dictionary``)."""
    folder.mkdir(parents=True, exist_ok=True)
    classes = ["blank", *dictionary, " "]  # CTCLabelDecode: blank first, the space last
    logits = np.zeros((1, STEPS, len(classes)), np.float32)
    logits[0, :, 0] = 10.0
    for i, char in enumerate(text):  # char, char, blank, blank, ...: CTC keeps one of each
        logits[0, 3 * i:3 * i + 2] = 0.0
        logits[0, 3 * i:3 * i + 2, classes.index(char)] = 10.0
    net = _Rec(len(classes))
    net.logits.set_value(logits)
    net.eval()
    paddle.jit.save(net, str(folder / "inference"), input_spec=[InputSpec([None, 3, 48, None], "float32", "x")])
    write_config(folder, rec_config(name, dictionary))
    return folder
