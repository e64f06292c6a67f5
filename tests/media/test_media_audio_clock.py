"""Audio on the picture's clock: a track that starts seconds before or after the video (a recorder's
audio delay, a camera that starts its picture late) is lined up by timestamps, as players do."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pytest

from lessonlens.media.audio import read_audio
from lessonlens.media.probe import probe

RATE = 16000


def _clip(path: Path, video_start: float, audio_start: float, fmt: str) -> Path:
    """12 s of video and 9 s of a tone that sounds only in its first second, each from its start."""
    with av.open(str(path), "w", format=fmt) as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = out.add_stream("aac", rate=RATE, layout="mono")
        for i in range(120):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i + round(video_start * 10)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        for k in range(0, 9 * RATE, 1024):
            t = np.arange(k, k + 1024) / RATE
            tone = (0.5 * np.sin(2 * math.pi * 440 * t) * (t < 1.0)).astype(np.float32)[None]
            block = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            block.sample_rate, block.pts = RATE, k + round(audio_start * RATE)
            for packet in audio.encode(block):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return path


def _tone_span(samples: np.ndarray) -> tuple[float, float]:
    loud = np.flatnonzero(np.abs(samples) > 0.1)
    return loud[0] / RATE, loud[-1] / RATE


@pytest.mark.parametrize("fmt", ["mp4", "matroska", "mpegts"])
def test_audio_that_starts_after_the_picture_is_preceded_by_silence(tmp_path: Path, fmt: str) -> None:
    samples = read_audio(_clip(tmp_path / "late-audio", 0.0, 3.0, fmt))
    start, end = _tone_span(samples)
    assert start == pytest.approx(3.0, abs=0.1) and end == pytest.approx(4.0, abs=0.1)
    assert len(samples) / RATE == pytest.approx(12.0, abs=0.15)
    assert probe(tmp_path / "late-audio").duration == pytest.approx(12.0, abs=0.15)


def test_audio_that_starts_before_the_picture_loses_what_comes_before_it(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "late-video.mkv", 0.5, 0.0, "matroska")
    samples = read_audio(clip)
    start, end = _tone_span(samples)
    assert start < 0.05 and end == pytest.approx(0.5, abs=0.1)  # the tone's last half second
    assert len(samples) / RATE == pytest.approx(8.5, abs=0.1)
    stereo = read_audio(clip, mono=False)
    assert stereo.shape[0] == 1 and stereo.shape[1] == len(samples)
    assert probe(clip).duration == pytest.approx(12.0, abs=0.15)  # from the first picture


def test_a_non_zero_start_time_shifts_nothing(tmp_path: Path) -> None:
    """An MPEG-TS from a recorder whose clock stood at 10 minutes: the lesson still starts at 0."""
    clip = _clip(tmp_path / "recorder.ts", 600.0, 600.0, "mpegts")
    start, end = _tone_span(read_audio(clip))
    assert start < 0.05 and end == pytest.approx(1.0, abs=0.1)
    assert probe(clip).duration == pytest.approx(12.0, abs=0.15)
