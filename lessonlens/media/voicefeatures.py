"""Acoustic features of speech frames, vectorised over frames: loudness, pitch, periodicity, flatness.

Frames are the VAD's (512 samples, 32 ms at 16 kHz); pitch and periodicity come from the
normalised autocorrelation of a 1024-sample window around each frame, computed for a block of
frames at once with one FFT.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.media.vad import FRAME

RATE = 16000
WINDOW = 1024
MIN_F0, MAX_F0 = 70.0, 500.0
Floats = npt.NDArray[np.float64]


@attrs.frozen
class FrameFeatures:
    """Per frame: level (dB), pitch (Hz, NaN where unvoiced), periodicity (0..1), spectral flatness (0..1)
    and harmonicity: the share of the 200-4000 Hz energy on the harmonics of the pitch (one voice puts
    nearly all of it there, several voices at different pitches spread it between)."""

    level: Floats
    pitch: Floats
    periodicity: Floats
    flatness: Floats
    harmonic: Floats


def frame_levels(audio: npt.NDArray[np.float32], count: int, block: int = 1 << 16) -> Floats:
    """RMS level in dB of each 512-sample frame (silence floors at -100 dB), in blocks: no copy of the audio."""
    power = np.zeros(count)
    whole = min(count, audio.size // FRAME)
    frames = audio[: whole * FRAME].reshape(whole, FRAME)
    for first in range(0, whole, block):
        part = frames[first: first + block]
        power[first: first + len(part)] = np.einsum("ij,ij->i", part, part, dtype=np.float64) / FRAME
    if whole < count and audio.size > whole * FRAME:
        tail = audio[whole * FRAME: (whole + 1) * FRAME].astype(np.float64)
        power[whole] = float(np.sum(tail**2)) / FRAME
    levels: Floats = 10 * np.log10(power + 1e-10)
    return levels


def frame_features(audio: npt.NDArray[np.float32], frames: npt.NDArray[np.intp], block: int = 512,
                   offset: int = 0) -> FrameFeatures:
    """Features of the given frame indices of 16-kHz mono ``audio``, which holds the lesson's samples
    from ``offset`` on (zeros outside it: it must hold each frame's window, or reach the lesson's ends).
    Each frame's features depend on its window alone, so a lesson read block by block gives the same."""
    half = (WINDOW - FRAME) // 2
    offsets = np.arange(WINDOW) - half
    taper = np.hanning(WINDOW).astype(np.float32)
    lo_lag, hi_lag = int(RATE / MAX_F0), int(RATE / MIN_F0)
    freqs = np.fft.rfftfreq(WINDOW, 1 / RATE)
    band = (freqs >= 200) & (freqs <= 4000)
    level = np.empty(len(frames))
    pitch = np.full(len(frames), np.nan)
    periodicity = np.zeros(len(frames))
    flatness = np.zeros(len(frames))
    harmonic = np.full(len(frames), np.nan)
    for first in range(0, len(frames), block):
        idx = frames[first: first + block]
        # the 1024 samples around each frame, gathered from the audio (zeros beyond its ends)
        where = idx[:, None] * FRAME + offsets[None, :] - offset
        inside = (where >= 0) & (where < audio.size)
        x = np.where(inside, audio[np.clip(where, 0, max(0, audio.size - 1))], np.float32(0)) * taper
        spectrum = np.fft.rfft(x, n=2 * WINDOW, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        acf = np.fft.irfft(power, axis=1)[:, : hi_lag + 1]
        energy = acf[:, 0] + 1e-12
        # unbiased: divide by the taper's own autocorrelation so long lags are not penalised
        norm = np.correlate(taper, taper, mode="full")[WINDOW - 1: WINDOW + hi_lag]
        r = (acf / energy[:, None]) / (norm / norm[0])[None, :]
        lags = r[:, lo_lag:]
        best = lags.argmax(axis=1)
        peak = lags[np.arange(len(idx)), best]
        sl = slice(first, first + len(idx))
        periodicity[sl] = np.clip(peak, 0, 1)
        pitch[sl] = np.where(peak > 0.45, RATE / (best + lo_lag), np.nan)
        level[sl] = 10 * np.log10(energy / (np.sum(taper**2)) + 1e-10)
        spec = power[:, ::2][:, band] + 1e-12  # every other bin of the 2x-padded FFT: the 1024-point spectrum
        flatness[sl] = np.exp(np.mean(np.log(spec), axis=1)) / np.mean(spec, axis=1)
        f0 = RATE / (best + lo_lag)
        ratio = freqs[band][None, :] / f0[:, None]
        comb = np.abs(ratio - np.round(ratio)) < 0.2
        harmonic[sl] = np.sum(spec * comb, axis=1) / np.sum(spec, axis=1)
    return FrameFeatures(level=level, pitch=pitch, periodicity=periodicity, flatness=flatness, harmonic=harmonic)
