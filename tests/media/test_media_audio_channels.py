"""Multitrack recordings: a WAV of 8 or more channels (a mixer's or field recorder's polyphonic
file, no named layout) is read channel by channel; reading it used to crash the process."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from lessonlens.media.audio import mono_and_levels, read_audio


def _multitrack(path: Path, channels: int, rate: int = 48000, seconds: float = 1.0) -> Path:
    """Channel k holds a 440 Hz tone of amplitude (k + 1) / 40."""
    t = np.arange(int(rate * seconds)) / rate
    tone = np.sin(2 * math.pi * 440 * t)
    samples = np.stack([tone * (k + 1) / 40 for k in range(channels)], axis=1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize("channels", [3, 8, 16])
def test_a_multitrack_wav_is_read_channel_by_channel(tmp_path: Path, channels: int) -> None:
    clip = _multitrack(tmp_path / f"mixer-{channels}.wav", channels)
    every = read_audio(clip, mono=False)
    assert every.shape[0] == channels and every.shape[1] == pytest.approx(16000, abs=40)
    levels = np.sqrt((every[:, 1000:-1000] ** 2).mean(axis=1)) * math.sqrt(2) * 40
    assert np.allclose(levels, np.arange(1, channels + 1), atol=0.1)  # each channel its own, in order
    mono, lapel, room = mono_and_levels(clip, channel=channels - 1)
    assert mono.shape == (every.shape[1],) and np.allclose(mono, every.mean(axis=0), atol=1e-5)
    assert lapel is not None and room is not None and float(np.median(lapel - room)) > 3  # louder than the rest
