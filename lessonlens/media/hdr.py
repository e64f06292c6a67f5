"""HDR pictures (a phone's HLG or PQ video, BT.2020) turned into the SDR BT.709 picture a player shows.

A plain ``rgb24`` conversion ignores the transfer function and the gamut: an HDR frame comes out
washed out (low contrast, pale colours). An HDR frame is instead converted by swscale to 16-bit RGB
(BT.2020 matrix, scaled in the same step), then, in float32 numpy:

1. to display light (cd/m²): PQ's EOTF (SMPTE ST 2084), or HLG's inverse OETF and its OOTF for a
   1000-nit display (BT.2100; system gamma 1.2) — a 64K-entry table per 16-bit code;
2. BT.2020 primaries to BT.709 (BT.2087's matrix), out-of-gamut colours clipped;
3. tone mapped with BT.2390's EETF (its Hermite knee, in the PQ domain) on each pixel's largest
   component, from a 1000-nit peak down to HDR reference white (203 nit, BT.2408) as SDR white,
   the components scaled alike (hue kept);
4. encoded for an SDR display (BT.1886: gamma 2.4, the inverse of how BT.2408 places SDR in HDR)
   and quantised to 8 bits through a table.

Only frames tagged PQ or HLG take this path; every other frame is converted exactly as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
from av.video.reformatter import Colorspace

#: FFmpeg's AVColorTransferCharacteristic codes
PQ = 16  # SMPTE ST 2084
HLG = 18  # ARIB STD-B67
#: the HDR reference white (cd/m², BT.2408), shown as SDR white
REFERENCE_WHITE = 203.0
#: the peak assumed for the content (HLG's nominal display; a common PQ mastering peak)
PEAK = 1000.0
#: steps of the tone curve's table, and of the SDR encoding's (finer: gamma 1/2.4 is steep near black)
_STEPS = 4096
_SDR_STEPS = 1 << 18

_BT2020_TO_BT709 = np.array([[1.6605, -0.5876, -0.0728],
                             [-0.1246, 1.1329, -0.0083],
                             [-0.0182, -0.1006, 1.1187]], np.float32)
_M1, _M2 = 2610 / 16384, 2523 / 4096 * 128
_C1, _C2, _C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
_HLG_A = 0.17883277
_HLG_B = 1 - 4 * _HLG_A
_HLG_C = 0.5 - _HLG_A * float(np.log(4 * _HLG_A))

Floats = npt.NDArray[np.float32]


def transfer(frame: Any) -> int | None:
    """The frame's HDR transfer (:data:`PQ` or :data:`HLG`), None for an SDR frame."""
    trc = getattr(frame, "color_trc", None)
    return int(trc) if trc in (PQ, HLG) else None


def pq_eotf(signal: npt.NDArray[np.floating[Any]]) -> Floats:
    """PQ signal (0..1) to display light (cd/m²)."""
    p = np.power(np.clip(np.asarray(signal, np.float64), 0, 1), 1 / _M2)
    light: Floats = (10000 * np.power(np.maximum(p - _C1, 0) / (_C2 - _C3 * p), 1 / _M1)).astype(np.float32)
    return light


def pq_inverse(light: npt.NDArray[np.floating[Any]]) -> Floats:
    """Display light (cd/m²) to PQ signal (0..1)."""
    y = np.power(np.clip(np.asarray(light, np.float64) / 10000, 0, 1), _M1)
    return np.power((_C1 + _C2 * y) / (1 + _C3 * y), _M2).astype(np.float32)


def hlg_inverse_oetf(signal: npt.NDArray[np.floating[Any]]) -> Floats:
    """HLG signal (0..1) to relative scene light (0..1)."""
    e = np.clip(np.asarray(signal, np.float64), 0, 1)
    low = e * e / 3
    high = (np.exp((np.maximum(e, 0.5) - _HLG_C) / _HLG_A) + _HLG_B) / 12
    return np.where(e <= 0.5, low, high).astype(np.float32)


@cache
def _linear_table(trc: int) -> Floats:
    """16-bit code to linear light: cd/m² for PQ, relative scene light for HLG."""
    codes = np.arange(65536, dtype=np.float64) / 65535
    return pq_eotf(codes) if trc == PQ else hlg_inverse_oetf(codes)


@cache
def _tone_table() -> Floats:
    """The gain (output / input light) for a pixel whose largest component is ``i / (_STEPS-1) * PEAK``."""
    light = np.linspace(0, PEAK, _STEPS)
    source_max = float(pq_inverse(np.array([PEAK]))[0])
    e1 = pq_inverse(light) / source_max  # BT.2390: the signal normalised to the source range
    max_lum = float(pq_inverse(np.array([REFERENCE_WHITE]))[0]) / source_max
    ks = 1.5 * max_lum - 0.5
    t = np.clip((e1 - ks) / (1 - ks), 0, 1)
    spline = ((2 * t**3 - 3 * t**2 + 1) * ks + (t**3 - 2 * t**2 + t) * (1 - ks) + (-2 * t**3 + 3 * t**2) * max_lum)
    e2 = np.where(e1 < ks, e1, spline)
    out = pq_eotf(e2 * source_max)
    gain = np.divide(out, light, out=np.ones_like(out), where=light > 0)
    return gain.astype(np.float32)


@cache
def _sdr_table() -> npt.NDArray[np.uint8]:
    """Relative SDR light (``i / (_SDR_STEPS-1)``) to an 8-bit BT.1886 code."""
    light = np.linspace(0, 1, _SDR_STEPS)
    codes: npt.NDArray[np.uint8] = np.round(255 * np.power(light, 1 / 2.4)).astype(np.uint8)
    return codes


def hdr_to_sdr(frame: Any, width: int, height: int, threads: int | None) -> npt.NDArray[np.uint8]:
    """The HDR ``frame`` as SDR BT.709 RGB of ``width`` x ``height`` (uint8, shape (h, w, 3))."""
    trc = transfer(frame)
    if trc is None:
        raise ValueError("not an HDR frame")
    codes = frame.to_ndarray(format="rgb48le", width=width, height=height,
                             src_colorspace=Colorspace.BT2020, threads=threads or 0)
    rgb = _linear_table(trc)[codes]  # (h, w, 3) float32
    if trc == HLG:  # OOTF: scene light to display light on a PEAK-nit display, gamma 1.2
        luma = rgb @ np.array([0.2627, 0.6780, 0.0593], np.float32)
        rgb *= (PEAK * np.power(np.maximum(luma, 1e-6), np.float32(0.2)))[..., None]
    rgb = np.clip((rgb.reshape(-1, 3) @ _BT2020_TO_BT709.T).reshape(rgb.shape), 0, None)
    top = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])  # (max(axis=2) is 10x slower)
    index = np.minimum(top * np.float32((_STEPS - 1) / PEAK), _STEPS - 1).astype(np.int32)
    rgb *= (_tone_table()[index] / np.float32(REFERENCE_WHITE))[..., None]
    levels = np.minimum(rgb * np.float32(_SDR_STEPS - 1) + np.float32(0.5), _SDR_STEPS - 1).astype(np.int32)
    sdr: npt.NDArray[np.uint8] = _sdr_table()[levels]
    return sdr
