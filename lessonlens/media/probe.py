"""What a media file holds: duration, video size and rate, audio rate and channels."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from lessonlens.core.errors import InputError
from lessonlens.media.errors import EMPTY, MISSING, NO_STREAMS, UNREADABLE
from lessonlens.media.open import open_container


@attrs.frozen
class MediaInfo:
    """A probed media file; video fields are ``None`` without a video stream, audio ones without audio."""

    path: str
    file_size: int
    format: str
    duration: float | None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_rate: int | None = None
    audio_channels: int | None = None
    audio_codec: str | None = None
    streams: tuple[str, ...] = ()

    @property
    def has_video(self) -> bool:
        return self.width is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_rate is not None


def check_file(path: str | Path) -> Path:
    """The path of an existing, non-empty file, else an :class:`InputError` naming it."""
    file = Path(path)
    if not file.is_file():
        raise InputError(MISSING, file)
    if os.path.getsize(file) == 0:
        raise InputError(EMPTY, file)
    return file


def probe(path: str | Path) -> MediaInfo:
    """Read a media file's header (and, where the header is silent, its stream lengths)."""
    file = check_file(path)
    with open_container(file) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise InputError(NO_STREAMS, file)
        durations = []
        if container.duration:
            durations.append(container.duration / 1_000_000)
        for stream in (video, audio):
            if stream is not None and stream.duration and stream.time_base:
                durations.append(float(stream.duration * stream.time_base))
        if video is not None and video.width == 0:
            raise InputError(UNREADABLE, file, error="video stream with no picture size")
        fps = float(video.average_rate) if video is not None and video.average_rate else None
        return MediaInfo(
            path=str(file),
            file_size=os.path.getsize(file),
            format=container.format.name,
            duration=max(durations) if durations else None,
            width=video.width if video is not None else None,
            height=video.height if video is not None else None,
            fps=fps,
            video_codec=video.codec_context.name if video is not None else None,
            audio_rate=audio.rate if audio is not None else None,
            audio_channels=audio.channels if audio is not None else None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            streams=tuple(f"{s.type}:{s.codec_context.name}" for s in container.streams),
        )
