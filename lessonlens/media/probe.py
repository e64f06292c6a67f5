"""What a media file holds: duration, video size and rate, audio rate and channels.

The duration is where the streams really end, read from the last packets (one seek and at most a
GOP of packets), not what the header claims: a recorder that stopped early or a damaged header can
claim hours of a one-minute file (or nothing at all), and the lesson's length, its sampling
instants and the warnings about cameras that stopped early all follow from it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import attrs
import av

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.gates import check_input
from lessonlens.media.errors import EMPTY, MISSING, NO_STREAMS, UNREADABLE
from lessonlens.media.hdr import HLG, PQ
from lessonlens.media.open import MAX_MEDIA_BYTES, open_container, picture_stream
from lessonlens.media.rotation import displayed, first_frame_turns, square_pixels

#: Packets read at most to find where the streams end (a long GOP of video and its audio).
END_PACKETS = 6000
#: How far (s) the header's duration may be from where the packets end and still be taken.
TRUST_HEADER = 1.0


@attrs.frozen
class MediaInfo:
    """A probed media file; video fields are ``None`` without a video stream, audio ones without audio.
    ``duration`` is where the streams end (measured), ``claimed_duration`` what the header says.
    ``width`` and ``height`` are the picture as shown: with square pixels (a 720×576 DV picture of
    64:45 pixels is 1024×576) and turned by ``rotation`` (counter-clockwise quarter turns a phone's
    display matrix asks for) when it has one. ``video_end`` and ``audio_end`` are where each track
    ends (None when unknown): a recorder's sound can stop long before its picture, or go on after it.
    ``hdr`` is the video's HDR transfer (``"HLG"`` or ``"PQ"``: a phone's HDR video, tone mapped to
    SDR when its frames are read), None for SDR."""

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
    claimed_duration: float | None = None
    rotation: int = 0
    video_end: float | None = None
    audio_end: float | None = None
    hdr: str | None = None

    @property
    def has_video(self) -> bool:
        return self.width is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_rate is not None


_HDR_NAMES: dict[int, str] = {PQ: "PQ", HLG: "HLG"}

#: the smallest picture a detector can look at; a 1x1 "video" is refused before any decoding
MIN_SIDE = 16
#: the longest recording accepted (a whole school day)
MAX_SECONDS = 12 * 3600.0
#: the fewest frames a second a video must hold on average over the duration its header claims
MIN_FPS = 0.5

_TOO_SMALL = Text(zh="画面 {width}×{height} 过小（至少 {side}×{side}）",
                  en="the picture is {width}×{height}, smaller than {side}×{side}")
_TOO_LONG = Text(zh="时长 {hours:.1f} 小时，超过上限 {limit:g} 小时",
                 en="lasts {hours:.1f} hours, past the limit of {limit:g}")
_STILL = Text(zh="这是一张图片（{format}），不是录像；真实课堂画面的评测请用 lessonlens evaluate-frames",
              en="is a still picture ({format}), not a recording; to measure detectors on photos use "
                 "lessonlens evaluate-frames")
_LYING = Text(zh="文件头声称时长 {claimed:.0f} 秒，但视频只有 {frames} 帧：文件头有误",
              en="the header claims {claimed:.0f} s but the video holds {frames} frames: a wrong header")


def _still_image(container: Any) -> bool:
    """Whether FFmpeg read the file as a picture (JPEG, PNG, BMP ...), not a recording."""
    name = str(container.format.name)
    return name == "image2" or name.endswith("_pipe")


def check_file(path: str | Path) -> Path:
    """The path of an existing, non-empty regular file, else an :class:`InputError` naming it."""
    file = Path(path)
    if not os.path.lexists(file):
        raise InputError(MISSING, file)
    if check_input(file, MAX_MEDIA_BYTES).stat().st_size == 0:
        raise InputError(EMPTY, file)
    return file


def _sane_duration(file: Path, duration: float | None, video: Any) -> float | None:
    """``duration`` when the streams bear it out: a header cannot make a few frames last for hours."""
    if duration is None or not math.isfinite(duration) or duration < 0:
        return None
    frames = int(video.frames or 0) if video is not None else 0
    if frames and duration > 60 and frames / duration < MIN_FPS:
        raise InputError(_LYING, file, claimed=duration, frames=frames)
    if duration > MAX_SECONDS:
        raise InputError(_TOO_LONG, file, hours=duration / 3600, limit=MAX_SECONDS / 3600)
    return duration


def probe(path: str | Path) -> MediaInfo:
    """Read a media file's header (and, where the header is silent, its stream lengths)."""
    file = check_file(path)
    with open_container(file) as container:
        video = picture_stream(container)  # cover art is not a picture stream
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise InputError(NO_STREAMS, file)
        if audio is None and _still_image(container):
            raise InputError(_STILL, file, format=container.format.name)
        origin = _origin([s for s in (video, audio) if s is not None])
        durations = []
        headers: dict[int, float] = {}  # each stream's end by its header
        if container.duration:  # from the container's start: the earliest stream's
            first = container.start_time / 1_000_000 if container.start_time is not None else 0.0
            durations.append(container.duration / 1_000_000 + first - min(origin.values()))
        for stream in (video, audio):
            if stream is not None and stream.duration and stream.time_base:
                start = float((stream.start_time or 0) * stream.time_base)
                headers[stream.index] = float(stream.duration * stream.time_base) + start - origin[stream.index]
                durations.append(headers[stream.index])
        if video is not None and video.width == 0:
            raise InputError(UNREADABLE, file, error="video stream with no picture size")
        if video is not None and min(video.width, video.height) < MIN_SIDE:
            raise InputError(_TOO_SMALL, file, width=video.width, height=video.height, side=MIN_SIDE)
        fps = float(video.average_rate) if video is not None and video.average_rate else None
        turns = first_frame_turns(container, video) if video is not None else 0
        width, height = (displayed(*square_pixels(video.width, video.height, video.sample_aspect_ratio), turns)
                         if video is not None else (None, None))
        claimed = max(durations) if durations else None
        ends: dict[int, float] = {}
        measured = streams_end(container, [s for s in (video, audio) if s is not None], claimed, ends)
        duration = _sane_duration(file, _believed(claimed, measured), video)

        def end_of(stream: Any) -> float | None:
            """A stream's end: seen in the last packets, else its header's (a track that ends much
            earlier has no packets there), never past the file's duration."""
            if stream is None:
                return None
            found = ends.get(stream.index, headers.get(stream.index))
            return None if found is None else min(found, duration) if duration is not None else found

        return MediaInfo(
            path=str(file),
            file_size=os.path.getsize(file),
            format=container.format.name,
            duration=duration,
            claimed_duration=claimed,
            width=width,
            height=height,
            rotation=turns,
            fps=fps,
            video_codec=video.codec_context.name if video is not None else None,
            audio_rate=audio.rate if audio is not None else None,
            audio_channels=audio.channels if audio is not None else None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            streams=tuple(f"{s.type}:{s.codec_context.name}" for s in container.streams),
            video_end=end_of(video),
            audio_end=end_of(audio),
            hdr=_HDR_NAMES.get(int(video.codec_context.color_trc or 0)) if video is not None else None,
        )


def _believed(claimed: float | None, measured: float | None) -> float | None:
    """The header's duration where the packets agree with it (within :data:`TRUST_HEADER` s: edit
    lists and audio priming shift the last packet a little), else the measured one."""
    if measured is None:
        return claimed
    if claimed is not None and abs(measured - claimed) <= TRUST_HEADER:
        return claimed
    return measured


def streams_end(container: Any, streams: list[Any], claimed: float | None = None,
                each: dict[int, float] | None = None) -> float | None:
    """Where ``streams`` really end (s from the first picture, else from each stream's start), from
    their last packets; None when the container cannot seek or the end is further than
    :data:`END_PACKETS` packets from a keyframe.

    A file cut short whose index (an MP4's ``moov`` written first) still lists the lost part has no
    packets at its indexed end: then the last time with packets is found by bisection (a seek each).
    """
    end = _end_from(container, streams, 2**62, each=each)
    if end is not None or not claimed:
        return end
    low, high = 0.0, claimed
    for _ in range(24):
        if high - low < 1.0:
            break
        middle = (low + high) / 2
        if _end_from(container, streams, int(middle * 1_000_000), packets=1) is None:
            high = middle
        else:
            low = middle
    return _end_from(container, streams, int(low * 1_000_000), each=each) if low > 0 else None


def _origin(streams: list[Any]) -> dict[int, float]:
    """Each stream's zero (s on its timestamps): the first picture's time for all when there is
    video (the audio is put on that clock), else each stream's own start."""
    starts = {s.index: float((s.start_time or 0) * s.time_base) if s.time_base is not None else 0.0 for s in streams}
    video = [s.index for s in streams if s.type == "video"]
    return {index: starts[video[0]] for index in starts} if video else starts


def _end_from(container: Any, streams: list[Any], offset: int, packets: int = END_PACKETS,
              each: dict[int, float] | None = None) -> float | None:
    """The latest packet end after seeking to ``offset`` (µs), reading to the end (None: no packet, or
    more than ``packets`` of them, or the container cannot seek); ``each`` gets each stream's."""
    wanted = {s.index for s in streams}
    origin = _origin(streams)
    end: float | None = None
    try:
        container.seek(offset, backward=True, any_frame=False)
        for count, packet in enumerate(container.demux(*streams)):
            if packet.pts is None or packet.stream.index not in wanted or packet.stream.time_base is None:
                continue
            stream = packet.stream
            t = float((packet.pts + (packet.duration or 0)) * stream.time_base) - origin.get(stream.index, 0.0)
            end = t if end is None else max(end, t)
            if each is not None:
                each[stream.index] = max(t, each.get(stream.index, t))
            if count + 1 >= packets:
                return end if packets == 1 else None
    except (av.FFmpegError, OverflowError, ValueError):
        return None
    return end if end is not None and end > 0 else None
