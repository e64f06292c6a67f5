"""A recording's picture as players show it: upright, with square pixels.

Phones record the sensor's landscape picture and store how it is to be shown (a display matrix:
90° for a phone held upright). Players turn the picture; so must the detectors, or a student filmed
in portrait lies on their side. Only quarter turns are applied (a mirrored matrix is taken as its
rotation; no camera writes anything else). DV and broadcast recordings store wide pictures in
narrow pixels (720×576 shown as 1024×576: a sample aspect ratio of 64:45); they are stretched back,
or every face and body would be squeezed.
"""

from __future__ import annotations

import contextlib
from typing import Any

import av
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def quarter_turns(frame: Any) -> int:
    """Counter-clockwise quarter turns (0-3) that show a decoded ``frame`` upright."""
    try:
        degrees = frame.rotation  # PyAV: the display matrix' counter-clockwise angle, 0 without one
    except (AttributeError, ValueError, av.FFmpegError):  # pragma: no cover - an odd side-data block
        return 0
    return round(float(degrees or 0) / 90) % 4


#: packets read at most for a first frame (a damaged stream must not be decoded to its end)
FIRST_FRAME_PACKETS = 600


def first_frame_turns(container: Any, stream: Any) -> int:
    """The quarter turns of a video stream, from its first decodable frame (0 when none decodes
    within :data:`FIRST_FRAME_PACKETS` packets)."""
    try:
        container.seek(0, stream=stream, backward=True, any_frame=False)
        for count, packet in enumerate(container.demux(stream)):
            for frame in stream.codec_context.decode(packet):
                turns = quarter_turns(frame)
                stream.codec_context.flush_buffers()
                return turns
            if count >= FIRST_FRAME_PACKETS:
                break
    except (av.FFmpegError, ValueError, OverflowError):
        pass
    with contextlib.suppress(av.FFmpegError, ValueError):  # the decoder is used again after the probe
        stream.codec_context.flush_buffers()
    return 0


def square_pixels(width: int, height: int, aspect: Any) -> tuple[int, int]:
    """The (width, height) of a picture of ``width`` × ``height`` samples shown with square pixels:
    ``aspect`` is the stream's sample aspect ratio (None or 0: square already)."""
    try:
        ratio = float(aspect) if aspect else 1.0
    except (TypeError, ValueError, ZeroDivisionError):
        ratio = 1.0
    if not 0.1 <= ratio <= 10 or abs(ratio - 1.0) < 1e-3:  # absent, or a nonsense value: as stored
        return width, height
    return max(2, round(width * ratio / 2) * 2), height


def displayed(width: int, height: int, turns: int) -> tuple[int, int]:
    """The (width, height) shown after ``turns`` quarter turns."""
    return (height, width) if turns % 2 else (width, height)


def upright(image: Image, turns: int) -> Image:
    """``image`` turned ``turns`` quarter turns counter-clockwise (contiguous, as detectors expect)."""
    if turns % 4 == 0:
        return image
    turned: Image = np.ascontiguousarray(np.rot90(image, k=turns % 4))
    return turned
