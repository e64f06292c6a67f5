"""Opening a container with every decoder failure turned into an InputError naming the file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av

from lessonlens.core.errors import InputError
from lessonlens.files.gates import check_input
from lessonlens.media.errors import UNREADABLE

#: the largest media file opened (a 45-minute 4K recording is ~20 GB)
MAX_MEDIA_BYTES = 256 << 30


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@contextmanager
def open_container(path: Path) -> Iterator[Any]:
    """An open PyAV input container; a file FFmpeg cannot parse is an :class:`InputError`."""
    check_input(path, MAX_MEDIA_BYTES)  # a folder, FIFO or device never reaches FFmpeg (which would block)
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(UNREADABLE, path, error=one_line(exc)) from None
    try:
        yield container
    finally:
        container.close()


def picture_stream(container: Any) -> Any | None:
    """The first video stream that is a recording: an audio file's cover art (an MP3's or M4A's
    attached picture, one still JPEG) is not a camera."""
    for stream in container.streams.video:
        if not int(stream.disposition) & int(av.stream.Disposition.attached_pic):
            return stream
    return None
