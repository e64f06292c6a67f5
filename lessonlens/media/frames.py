"""Frames at exact instants: seek to the keyframe before an instant, decode only up to it.

A frame "at" lesson time ``t`` is the one on screen then: the last frame whose presentation time
is not after ``t - offset``. Between close instants the decoder runs on instead of seeking, so a
6-s grid over a 2-s GOP decodes about a third of the frames, and only the chosen ones are
converted to RGB (conversion and scaling cost more than decoding).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import av
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.media.errors import NO_FRAMES, NO_VIDEO, MediaUnavailable
from lessonlens.media.open import one_line, open_container
from lessonlens.media.probe import check_file

Frame = npt.NDArray[np.uint8]
#: Decode on rather than seek while the next instant is at most this far ahead (s), unless the
#: keyframes seen so far are closer together than that.
MAX_DECODE_AHEAD = 4.0


@attrs.define
class DecodeStats:
    """How much work sampling took: frames decoded, seeks made, frames converted to RGB."""

    decoded: int = 0
    seeks: int = 0
    converted: int = 0


def frame_size(width: int, height: int, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """The output (width, height): unchanged, an explicit size, or the long side scaled to ``size``."""
    if size is None:
        return width, height
    if isinstance(size, tuple):
        return size
    scale = min(1.0, size / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def frames_at(
    path: str | Path,
    instants: Iterable[float],
    offset: float = 0.0,
    size: int | tuple[int, int] | None = None,
    stats: DecodeStats | None = None,
) -> Iterator[tuple[float, Frame]]:
    """``(t, RGB frame of shape (h, w, 3))`` for each lesson instant the recording covers.

    ``offset`` is the recording's start on the lesson clock (lesson time = file time + offset);
    instants before its start or after its end are skipped, so a camera that stopped early yields
    fewer frames rather than repeated ones. ``size`` downscales: ``(w, h)`` or the long side in px.
    ``stats``, if given, counts the decoding work.
    """
    file = check_file(path)
    with open_container(file) as container:
        if not container.streams.video:
            raise MediaUnavailable(NO_VIDEO, file)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        yield from _sample(container, stream, file, sorted(instants), offset, size, stats or DecodeStats())


def _seek(container: Any, stream: Any, target: float, start: float, time_base: float, step: float,
          when: Callable[[Any], float], stats: DecodeStats) -> tuple[Iterator[Any], Any]:
    """A decoder positioned at or before ``target`` and its first frame.

    Containers without an index (MPEG-TS, some camera files) may seek past the keyframe before
    the target, even past the last frame; then seek again from further back (1, 3, 7 s) rather
    than return a later frame or none.
    """
    back = 0.0
    while True:
        container.seek(int((max(0.0, target - back) + start) / time_base), stream=stream, backward=True,
                       any_frame=False)
        stats.seeks += 1
        decoder = container.decode(stream)
        first = next(decoder, None)
        if first is not None:
            stats.decoded += 1
        if (first is not None and when(first) <= target + step / 4) or target - back <= 0 or back >= 7.0:
            return decoder, first  # (no frame at all: past the end, or a seek that overshot it)
        back = back * 2 + 1.0


def _sample(container: Any, stream: Any, file: Path, instants: list[float], offset: float,
            size: int | tuple[int, int] | None, stats: DecodeStats) -> Iterator[tuple[float, Frame]]:
    time_base = float(stream.time_base)
    fps = float(stream.average_rate) if stream.average_rate else 25.0
    step = 1.0 / fps
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    width, height = frame_size(stream.width, stream.height, size)
    decoder: Iterator[Any] | None = None
    prev: Any = None  # last decoded frame not after the current instant
    pending: Any = None  # first decoded frame after it
    keyframes: list[float] = []
    yielded = 0
    errors: list[str] = []

    def when(frame: Any) -> float:
        return float(frame.pts * time_base) - start if frame.pts is not None else float(frame.time or 0.0)

    for t in instants:
        target = t - offset
        if target < 0:
            continue
        position = when(prev) if prev is not None else None
        gop = keyframes[-1] - keyframes[-2] if len(keyframes) >= 2 else MAX_DECODE_AHEAD
        if decoder is None or position is None or target < position or target - position > min(gop, MAX_DECODE_AHEAD):
            try:
                decoder, pending = _seek(container, stream, target, start, time_base, step, when, stats)
            except av.FFmpegError as exc:
                errors.append(one_line(exc))
                continue
            prev = None
            if pending is not None and pending.key_frame and (not keyframes or when(pending) > keyframes[-1]):
                keyframes.append(when(pending))
        ended = False
        while True:
            frame = pending
            pending = None
            if frame is None:
                try:
                    frame = next(decoder, None)
                except av.FFmpegError as exc:  # a damaged packet: keep what decoded so far
                    errors.append(one_line(exc))
                    frame = None
                if frame is None:
                    ended = True
                    break
                stats.decoded += 1
                if frame.key_frame and (not keyframes or when(frame) > keyframes[-1]):
                    keyframes.append(when(frame))
            if when(frame) <= target + step / 4:
                prev = frame
                continue
            pending = frame
            break
        chosen = prev if prev is not None else pending
        if chosen is None or (ended and target - when(chosen) > 2 * step):
            break  # past the end of the recording: later instants are too
        image = chosen.to_ndarray(format="rgb24", width=width, height=height)
        yielded += 1
        stats.converted += 1
        yield t, image
    if yielded == 0 and errors:
        raise InputError(NO_FRAMES, file, error=errors[0])
