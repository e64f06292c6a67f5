"""Recordings on disk: what an upload may be (checked by its first bytes, not its name), where it is
kept, and byte ranges of it for the browser's video player (HTTP range requests, RFC 9110 §14).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs

#: the upload fields of the lesson form: a camera or the audio; ``mixed`` is one recording of everything
VIDEO_ROLES = ("teacher", "students", "board", "mixed")
ROLES = (*VIDEO_ROLES, "audio")
_VIDEO_SUFFIXES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
                   ".mkv": "video/x-matroska", ".avi": "video/x-msvideo"}
_AUDIO_SUFFIXES = {".m4a": "audio/mp4", ".mp4": "audio/mp4", ".aac": "audio/aac", ".wav": "audio/wav",
                   ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg", ".opus": "audio/ogg"}
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _container(head: bytes) -> str | None:
    """The container family the first bytes of a file show, or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "isobmff"  # MP4, MOV, M4A
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"  # MKV, WebM
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return "mp3"
    if head.startswith((b"\xff\xf1", b"\xff\xf9")):
        return "aac"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    return None


_VIDEO_CONTAINERS = {"isobmff", "matroska", "avi"}
_AUDIO_CONTAINERS = {"isobmff", "wav", "mp3", "aac", "flac", "ogg", "matroska"}


def media_type(role: str, filename: str, head: bytes) -> str | None:
    """The MIME type to serve an upload with, or None when it is not a recording of that kind
    (the name's suffix and the file's first bytes must both say so)."""
    suffix = Path(filename).suffix.lower()
    container = _container(head)
    if role == "audio":
        if suffix in _AUDIO_SUFFIXES and container in _AUDIO_CONTAINERS:
            return _AUDIO_SUFFIXES[suffix]
        return None
    if suffix in _VIDEO_SUFFIXES and container in _VIDEO_CONTAINERS:
        return _VIDEO_SUFFIXES[suffix]
    return None


def suffix_ok(role: str, filename: str) -> bool:
    """Whether the file's name says the kind of recording the role needs (its bytes are checked later)."""
    suffix = Path(filename).suffix.lower()
    return suffix in (_AUDIO_SUFFIXES if role == "audio" else _VIDEO_SUFFIXES)


def stored_name(role: str, filename: str) -> str:
    """The file name a role's recording is kept under (never the user's own name)."""
    return role + Path(filename).suffix.lower()


@attrs.frozen
class ByteRange:
    start: int
    end: int  # inclusive
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(ValueError):
    """A Range header no byte of the file matches (answered 416)."""


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The single range ``header`` asks for (None: the whole file). Several ranges at once are served
    as the whole file, which RFC 9110 allows."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        n = int(last)
        if n == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(0, size - n), size - 1, size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable(header)
    return ByteRange(start, end, size)


def read_range(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        left = length
        while left > 0:
            piece = handle.read(min(CHUNK, left))
            if not piece:
                return
            left -= len(piece)
            yield piece


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (resolved, links followed) lies under ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
