"""PaddleOCR 3.x for the ``board-ocr`` detector (``backend=paddleocr``), with local model directories.

paddleocr 3 (paddlex) pulls numpy 2, which mediapipe 0.10.21 (the ``vision`` extra) cannot load, and,
with numpy held back, pins an older opencv-contrib-python than the one mediapipe and the vision
extra share; so it lives in a separate virtual environment (``lessonlens[paddleocr]``, without
``vision`` and without ``ocr``, whose rapidocr would add a second OpenCV build: see docs/perception.md).
rapidocr, which runs the same PP-OCR models as ONNX, stays the default. Model directories are
PaddleX inference exports (``inference.yml``, ``inference.json`` and ``inference.pdiparams``, e.g.
PP-OCRv5_server_det / PP-OCRv5_server_rec); nothing is downloaded unless the user allows it.
Its tests run in ``.venv-paddleocr`` (``.ci/envs/paddleocr.sh``).
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lessonlens.media.models import download_allowed, require_model, unloadable
from lessonlens.media.vision import Image
from lessonlens.plugin import Backend, ModelFile, PluginError, Text

Rect = tuple[int, int, int, int]

_FILES = ("inference.yml", "inference.pdiparams")
DET_DIR = ModelFile(option="paddle_det_model", filename="PP-OCRv5_server_det", kind="dir", files=_FILES,
                    licence="Apache-2.0 (PaddleOCR)",
                    source="PaddleOCR's PP-OCRv5_server_det (or _mobile_det) inference model, unpacked")
REC_DIR = ModelFile(option="paddle_rec_model", filename="PP-OCRv5_server_rec", kind="dir", files=_FILES,
                    licence="Apache-2.0 (PaddleOCR)",
                    source="PaddleOCR's PP-OCRv5_server_rec (or _mobile_rec) inference model, unpacked")
NOTE = Text(zh="paddleocr 3（paddlex）会把 numpy 升到 2（mediapipe 0.10.21 无法加载），"
               "并固定较旧的 opencv-contrib-python：请单独建一个不含 vision 与 ocr 的虚拟环境",
            en="paddleocr 3 (paddlex) pulls numpy 2, which mediapipe 0.10.21 (vision) cannot load, and pins an older "
               "opencv-contrib-python: use a separate virtual environment without the vision and ocr extras")
BACKEND = Backend("paddleocr", "paddleocr", "python -m venv ocr-venv && ocr-venv/bin/pip install "
                  "'lessonlens[paddleocr]'", (DET_DIR, REC_DIR), note=NOTE)
_NO_PACKAGE = Text(zh="PaddleOCR 引擎需要 paddleocr 与 paddlepaddle（单独的虚拟环境）：{install}",
                   en="the PaddleOCR engine needs paddleocr and paddlepaddle (in a separate environment): {install}")

_ONEDNN_BUG = "ConvertPirAttribute2RuntimeAttribute"
_FAILED = Text(zh="PaddleOCR 识别板书画面失败（{why}）：请确认模型目录来自 PaddleOCR 3 的导出",
               en="PaddleOCR failed on a board picture ({why}): check that the model directories are PaddleOCR 3 "
                  "exports")


def model_name(folder: Path) -> str:
    """The PaddleX model name an inference directory declares (``Global.model_name`` in its
    ``inference.yml``; PaddleOCR refuses a name that does not match), else the folder's name."""
    try:
        declared = yaml.safe_load((folder / "inference.yml").read_text(encoding="utf-8"))
        name = declared.get("Global", {}).get("model_name") if isinstance(declared, dict) else None
    except (OSError, yaml.YAMLError, AttributeError):
        name = None
    return str(name) if name else folder.name


def _post_process(folder: Path) -> str:
    try:
        declared = yaml.safe_load((folder / "inference.yml").read_text(encoding="utf-8"))
        return str(declared["PostProcess"]["name"])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return ""


def _require_kind(folder: Path | None, post_process: str, role: str) -> None:
    """PaddleX reads a detection directory with DB post-processing and a recognition one with CTC
    decoding; a directory of the other kind would load, then fail on the first picture."""
    if folder is None:
        return
    found = _post_process(folder)
    if found != post_process:
        raise unloadable(folder, ValueError(f"not a text {role} model (inference.yml's PostProcess is "
                                            f"{found or 'missing'}, not {post_process})"), BACKEND.name)


def paddleocr_reader(options: Mapping[str, Any], detector: str, threads: int | None = None) -> PaddleReader:
    """A PaddleOCR 3 pipeline (orientation models off: boards are upright) as ``image -> [(text, rect, score)]``;
    paddle's CPU predictors use at most ``threads`` cores (None: paddleocr's default, 10)."""
    if not download_allowed(options):  # PaddleX otherwise probes its model hosters (minutes when offline)
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    try:
        with warnings.catch_warnings():  # paddle warns at import that ccache (for C++ extensions) is absent
            warnings.filterwarnings("ignore", message="No ccache found")
            paddleocr = importlib.import_module("paddleocr")
    except ImportError:
        raise PluginError(_NO_PACKAGE, detector=detector, install=BACKEND.install) from None
    logging.getLogger("paddlex").setLevel(logging.WARNING)  # not a "Creating model" line per model on stderr
    det = require_model(detector, BACKEND, DET_DIR, options)
    rec = require_model(detector, BACKEND, REC_DIR, options)
    _require_kind(det, "DBPostProcess", "detection")
    _require_kind(rec, "CTCLabelDecode", "recognition")
    params: dict[str, Any] = {"use_doc_orientation_classify": False, "use_doc_unwarping": False,
                              "use_textline_orientation": False, "device": "cpu"}
    if threads is not None:
        params["cpu_threads"] = max(1, threads)
    if det is not None:
        params.update(text_detection_model_dir=str(det), text_detection_model_name=model_name(det))
    if rec is not None:
        params.update(text_recognition_model_dir=str(rec), text_recognition_model_name=model_name(rec))
    if (det is None or rec is None) and not download_allowed(options):  # pragma: no cover - require_model raised
        raise PluginError(_NO_PACKAGE, detector=detector, install=BACKEND.install)
    return PaddleReader(paddleocr, params, f"{det}, {rec}")


class PaddleReader:
    """A PaddleOCR 3 pipeline as ``image -> [(text, rect, score)]`` (rects in the image's pixels).

    paddle 3.3's oneDNN executor cannot run the ``nearest_interp`` of PP-OCR's detection neck
    ("ConvertPirAttribute2RuntimeAttribute not support ArrayAttribute<DoubleAttribute>", Paddle issue
    79749, PaddleOCR issue 17869); on that error the pipeline is built again with oneDNN off
    (``onednn`` turns False) and the picture read again.
    """

    def __init__(self, paddleocr: Any, params: dict[str, Any], models: str) -> None:
        self.paddleocr, self.params, self.models = paddleocr, params, models
        self.onednn = True
        self.engine = self._build()

    def _build(self) -> Any:
        try:
            return self.paddleocr.PaddleOCR(**self.params, **({} if self.onednn else {"enable_mkldnn": False}))
        except Exception as exc:  # PaddleX refuses the directories (a model name it does not know, a bad config)
            raise unloadable(self.models, exc, BACKEND.name) from None

    def _predict(self, image: Image) -> Any:
        try:
            return self.engine.predict(np.ascontiguousarray(image[:, :, ::-1]))
        except Exception as exc:
            if self.onednn and _ONEDNN_BUG in str(exc):
                self.onednn = False
                self.engine = self._build()
                return self._predict(image)
            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]  # one line, not paddle's C++ trace
            raise PluginError(_FAILED, self.models, why=why) from None

    def __call__(self, image: Image) -> list[tuple[str, Rect, float]]:
        lines = []
        for page in self._predict(image):
            for text, poly, score in zip(page["rec_texts"], page["rec_polys"], page["rec_scores"], strict=True):
                pts = np.asarray(poly)
                rect = (int(pts[:, 0].min()), int(pts[:, 1].min()), int(pts[:, 0].max()), int(pts[:, 1].max()))
                lines.append((str(text), rect, float(score)))
        return lines
