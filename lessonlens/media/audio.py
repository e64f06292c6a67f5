"""Audio as float32 samples at one rate: mono for speech models, or every channel kept.

A lapel microphone on its own channel is the best teacher/student cue there is, so callers that
can use it ask for ``mono=False``.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.media.errors import NO_AUDIO, NO_SAMPLES, MediaUnavailable
from lessonlens.media.open import one_line, open_container
from lessonlens.media.probe import check_file

Samples = npt.NDArray[np.float32]
SPEECH_RATE = 16000


def read_audio(path: str | Path, rate: int = SPEECH_RATE, mono: bool = True) -> Samples:
    """The first audio track resampled to ``rate``: shape ``(n,)`` if ``mono`` else ``(channels, n)``.

    A file without audio raises :class:`MediaUnavailable`; one whose audio cannot be decoded at all
    an :class:`InputError`. Damaged packets after some good audio end the read early.
    """
    file = check_file(path)
    with open_container(file) as container:
        if not container.streams.audio:
            raise MediaUnavailable(NO_AUDIO, file)
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        layout = "mono" if mono else stream.layout.name
        channels = 1 if mono else stream.channels
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        # fill one preallocated array (a 45-minute stereo lesson is 350 MB: no second copy)
        seconds = (container.duration / 1_000_000 if container.duration else 0.0) or (
            float(stream.duration * stream.time_base) if stream.duration else 0.0)
        out = np.empty((channels, int(seconds * rate) + rate), dtype=np.float32)
        filled = 0
        error = ""

        def add(frames: list[av.AudioFrame]) -> None:
            nonlocal out, filled
            for f in frames:
                block = _floats(f)
                n = block.shape[1]
                if filled + n > out.shape[1]:
                    out = np.concatenate([out, np.empty((channels, max(n, out.shape[1] // 4)), np.float32)], axis=1)
                out[:, filled: filled + n] = block
                filled += n

        try:
            for frame in container.decode(stream):
                add(resampler.resample(frame))
        except av.FFmpegError as exc:
            error = one_line(exc)
        add(resampler.resample(None))
    if filled == 0 and error:
        raise InputError(NO_SAMPLES, file, error=error)
    samples = out[:, :filled]
    return samples[0] if mono else samples


def _floats(frame: av.AudioFrame) -> Samples:
    return np.asarray(frame.to_ndarray(), dtype=np.float32)
