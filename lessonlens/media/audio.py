"""Audio as float32 samples at one rate: mono for speech models, or every channel kept.

A lapel microphone on its own channel is the best teacher/student cue there is, so callers that
can use it ask for ``mono=False``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.media.errors import NO_AUDIO, NO_SAMPLES, MediaUnavailable
from lessonlens.media.open import one_line, open_container, picture_stream
from lessonlens.media.probe import check_file, probe
from lessonlens.media.threads import decoder_threads

Samples = npt.NDArray[np.float32]
SPEECH_RATE = 16000


def iter_audio(path: str | Path, rate: int = SPEECH_RATE, mono: bool = True,
               threads: int | None = None) -> Iterator[Samples]:
    """The first audio track resampled to ``rate``, as consecutive ``(channels, n)`` blocks, on the
    clock of the file's picture (sample 0 is shown with the first frame; see :class:`_Align`).

    A file without audio raises :class:`MediaUnavailable`; one whose audio cannot be decoded at all
    an :class:`InputError`. Damaged packets after some good audio end the read early. ``threads``
    bounds the decoder's threads (None: FFmpeg's choice).
    """
    file = check_file(path)
    with open_container(file) as container:
        if not container.streams.audio:
            raise MediaUnavailable(NO_AUDIO, file)
        stream = container.streams.audio[0]
        decoder_threads(stream, threads)
        # packed samples: PyAV's to_ndarray of a planar frame of 8 or more channels (a multitrack
        # recorder's WAV) reads past FFmpeg's 8 plane pointers and crashes the process
        # frame_size: the resampler hands out blocks of 4096 samples, not one per packet (an Opus packet
        # is 20 ms: 180,000 an hour), the same samples at a third less Python work per hour
        resampler = av.AudioResampler(format="flt", layout="mono" if mono else stream.layout.name, rate=rate,
                                      frame_size=4096)
        origin = picture_start(container)
        align: _Align | None = None
        decoded = 0
        try:
            for frame in container.decode(stream):
                decoded += 1
                if align is None:
                    lead = frame.time - origin if origin is not None and frame.time is not None else 0.0
                    align = _Align(round(lead * rate))
                for block in resampler.resample(frame):
                    yield from align(_floats(block))
        except av.FFmpegError as exc:
            if decoded == 0:
                raise InputError(NO_SAMPLES, file, error=one_line(exc)) from None
        for block in resampler.resample(None):
            yield from (align or _Align(0))(_floats(block))


def picture_start(container: Any) -> float | None:
    """Where the file's clock starts (s on the container's timestamps): its first picture, which
    :func:`~lessonlens.media.frames.frames_at` counts from; None for a file without video."""
    video = picture_stream(container)
    if video is None:
        return None
    if video.start_time is None or video.time_base is None:
        return None
    return float(video.start_time * video.time_base)


class _Align:
    """Puts the audio on the picture's clock: a track that starts after the first picture is
    preceded by silence, one that starts before it loses what comes before (a recorder's audio
    may start seconds off its video; players line them up by their timestamps, and so does this)."""

    def __init__(self, lead: int) -> None:
        self.pad = max(0, lead)  # samples of silence still to add
        self.cut = max(0, -lead)  # samples still to drop

    def __call__(self, block: Samples) -> Iterator[Samples]:
        if self.pad:
            silence = np.zeros((block.shape[0], self.pad), dtype=np.float32)
            self.pad = 0
            yield silence
        if self.cut:
            dropped = min(self.cut, block.shape[1])
            self.cut -= dropped
            block = block[:, dropped:]
        if block.shape[1]:
            yield block


def length_hint(path: str | Path, rate: int = SPEECH_RATE) -> int:
    """About how many samples the audio has at ``rate`` (from the header; 0 when it does not say)."""
    info = probe(path)
    return int((info.duration or 0.0) * rate)


def read_audio(path: str | Path, rate: int = SPEECH_RATE, mono: bool = True, threads: int | None = None) -> Samples:
    """The first audio track resampled to ``rate``: shape ``(n,)`` if ``mono`` else ``(channels, n)``.

    Errors as :func:`iter_audio`. The samples fill one preallocated array (a 45-minute stereo lesson
    is 350 MB: no second copy).
    """
    out: Samples | None = None
    filled = 0
    for block in iter_audio(path, rate, mono, threads):
        if out is None:
            out = np.empty((block.shape[0], length_hint(path, rate) + rate), dtype=np.float32)
        n = block.shape[1]
        if filled + n > out.shape[1]:
            out = np.concatenate([out, np.empty((out.shape[0], max(n, out.shape[1] // 4)), np.float32)], axis=1)
        out[:, filled: filled + n] = block
        filled += n
    if out is None:
        channels = 1 if mono else (probe(path).audio_channels or 1)
        return np.zeros((0,) if mono else (channels, 0), dtype=np.float32)
    samples = out[:, :filled]
    return samples[0] if mono else samples


Levels = npt.NDArray[np.float64]


def mono_and_levels(path: str | Path, channel: int, frame: int = 512, rate: int = SPEECH_RATE,
                    threads: int | None = None) -> tuple[Samples, Levels | None, Levels | None]:
    """The mono mix and, when the file has several channels, the level (dB) of each ``frame``-sample
    frame of ``channel`` and of the mean of the others, without ever holding every channel.

    Levels are None for a single channel, or when ``channel`` is a copy of the others (a stereo
    file made from one microphone): there is then no separate microphone to compare. A long lesson
    is better read with :func:`mono_chunks`, which never holds the whole mono track either.
    """
    mono = np.empty(length_hint(path, rate) + rate, dtype=np.float32)
    filled = 0
    levels = ChannelLevels(channel, frame, rate)
    for chunk in mono_chunks(path, levels, rate, threads):
        n = chunk.size
        if filled + n > mono.size:
            mono = np.concatenate([mono, np.empty(max(n, mono.size // 4), np.float32)])
        mono[filled: filled + n] = chunk
        filled += n
    lapel, room = levels.result()
    return mono[:filled], lapel, room


def mono_chunks(path: str | Path, levels: ChannelLevels, rate: int = SPEECH_RATE,
                threads: int | None = None) -> Iterator[Samples]:
    """The mono mix as consecutive chunks (of at least 65 536 samples but the last), feeding each
    chunk's channels to ``levels`` on the way. Errors as :func:`iter_audio`."""
    staged: list[Samples] = []
    waiting = 0
    for block in iter_audio(path, rate, mono=False, threads=threads):
        staged.append(block)
        waiting += block.shape[1]
        if waiting >= 1 << 16:
            yield _flush(staged, levels)
            waiting = 0
    if staged:
        yield _flush(staged, levels)


def _flush(staged: list[Samples], levels: ChannelLevels) -> Samples:
    chunk = np.concatenate(staged, axis=1)
    staged.clear()
    levels.add(chunk)
    mono: Samples = chunk.mean(axis=0)
    return mono


class ChannelLevels:
    """The level (dB) of each ``frame``-sample frame of one channel (the teacher's lapel microphone)
    and of the mean of the others (the room), fed chunk by chunk (see :func:`mono_and_levels`)."""

    def __init__(self, channel: int, frame: int = 512, rate: int = SPEECH_RATE) -> None:
        self.channel, self.frame, self.rate = channel, frame, rate
        self._powers: list[list[npt.NDArray[np.float64]]] = [[], []]
        self._carry: Samples | None = None  # samples of a frame not yet complete, per compared signal (2, k)
        self._checked, self._is_copy, self._several = 0, True, False

    def add(self, chunk: Samples) -> None:
        """The next ``(channels, n)`` samples."""
        if chunk.shape[0] < 2 or not 0 <= self.channel < chunk.shape[0]:
            return
        self._several = True
        pair = np.stack([chunk[self.channel], np.delete(chunk, self.channel, axis=0).mean(axis=0)])
        if self._checked < 30 * self.rate:
            self._is_copy = self._is_copy and bool(np.allclose(pair[0], pair[1], atol=1e-3))
            self._checked += chunk.shape[1]
        if self._carry is not None:
            pair = np.concatenate([self._carry, pair], axis=1)
        frame = self.frame
        whole = pair.shape[1] // frame * frame
        frames = pair[:, :whole].reshape(2, -1, frame)
        for i in range(2):
            self._powers[i].append(np.einsum("ij,ij->i", frames[i], frames[i], dtype=np.float64) / frame)
        self._carry = pair[:, whole:]

    def result(self) -> tuple[Levels | None, Levels | None]:
        """Lapel and room levels per frame; None, None for one channel or a copied channel."""
        if not self._several or self._is_copy:
            return None, None
        carry = self._carry
        if carry is not None and carry.shape[1]:
            for i in range(2):
                self._powers[i].append(np.array([float(np.sum(carry[i].astype(np.float64) ** 2)) / self.frame]))
            self._carry = None
        lapel, room = (10 * np.log10(np.concatenate(p) + 1e-10) for p in self._powers)
        return lapel, room


def _floats(frame: av.AudioFrame) -> Samples:
    """A packed float frame as ``(channels, n)`` samples."""
    channels = max(1, frame.layout.nb_channels)
    packed = np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1, channels)
    return np.ascontiguousarray(packed.T)
