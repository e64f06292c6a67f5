"""A lesson recorded as sound only, given as the single recording (``analyze lesson.m4a``), is the
lesson's audio, not a camera without a picture."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from lessonlens.core.errors import InputError
from lessonlens.core.lesson import MediaRole
from lessonlens.perception.run import media_sources, probed


def _sound(path: Path, seconds: int = 3) -> Path:
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        for k in range(0, seconds * 16000, 1024):
            block = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            block.sample_rate, block.pts = 16000, k
            for packet in stream.encode(block):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_a_single_sound_recording_is_the_lessons_audio(tmp_path: Path) -> None:
    sound = _sound(tmp_path / "第3课 录音.m4a")
    [source] = probed(media_sources(video=sound, offsets={"mixed": 1.5}))
    assert source.role is MediaRole.AUDIO and source.offset == 1.5
    assert source.duration == pytest.approx(3.0, abs=0.1)
    with pytest.raises(InputError, match="no video"):  # a camera's file must hold a picture
        probed(media_sources(students=sound))
