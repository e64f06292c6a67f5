"""One video stream's packets for sampling: read in decode order with their times, where the
keyframes are (the container's index, else the distances seen), seeks, and decoding with or without
the non-reference frames."""

from __future__ import annotations

import bisect
from collections import deque
from typing import Any

import attrs
import av

from lessonlens.media.open import one_line

#: Seek only to skip at least this much of the stream (s): reading a second of packets costs less.
SEEK_GAIN = 1.0
#: Decoders that read ``skip_frame`` for each frame, so non-reference frames can be skipped packet by
#: packet (libdav1d, FFmpeg's usual AV1 decoder, fixes it when it opens: it would drop them for good).
SKIPPING_DECODERS = frozenset({"h264", "hevc", "mpeg2video", "mpeg4", "vp9"})


@attrs.define
class DecodeStats:
    """How much work sampling took: frames decoded, seeks made, frames converted to RGB, packets read,
    and the keyframe distance found (s; 0 when unknown)."""

    decoded: int = 0
    seeks: int = 0
    converted: int = 0
    packets: int = 0
    keyframe_spacing: float = 0.0


class PacketReader:
    """One video stream's packets in decode order, their times, seeks, and where the keyframes are."""

    def __init__(self, container: Any, stream: Any, stats: DecodeStats) -> None:
        self.container = container
        self.stream = stream
        self.stats = stats
        self.codec = stream.codec_context
        self.can_skip = self.codec.name in SKIPPING_DECODERS
        self.time_base = float(stream.time_base)
        self.start = int(stream.start_time) if stream.start_time is not None else 0
        fps = float(stream.average_rate) if stream.average_rate else 25.0
        self.step = 1.0 / fps
        self.errors: list[str] = []
        self.position: float | None = None  # time of the last packet read; None: at the start
        self.ended = False
        self.spacing = 0.0  # the largest distance between consecutive keyframes read
        # how many packets may come before, in decode order, a frame shown earlier than them (B-frames):
        # seen in the packets read, at least 4 for a codec that says it reorders
        self.reorder = 4 if getattr(self.codec, "has_b_frames", False) else 0
        self._recent: deque[float] = deque(maxlen=16)
        self._last_key: float | None = None
        self._demux = container.demux(stream)
        self.index = self._index_keyframes()
        if len(self.index) >= 2:
            self.spacing = max(b - a for a, b in zip(self.index, self.index[1:], strict=False))
        stats.keyframe_spacing = self.spacing

    def _index_keyframes(self) -> list[float]:
        """Keyframe times from the container's index (decode times: never after the presentation)."""
        try:
            entries = self.stream.index_entries
            keys = sorted({(e.timestamp - self.start) * self.time_base for e in entries if e.is_keyframe})
        except (AttributeError, av.FFmpegError):  # pragma: no cover - older PyAV or an odd demuxer
            return []
        return keys if len(keys) >= 2 else []

    def when(self, item: Any) -> float | None:
        """File time (s) of a packet or frame: presentation time, else decode time."""
        ts = item.pts if item.pts is not None else getattr(item, "dts", None)
        return None if ts is None else (ts - self.start) * self.time_base

    def read(self) -> Any | None:
        """The next packet, or None at the end (or at a damaged spot the demuxer cannot pass)."""
        if self.ended:
            return None
        try:
            for packet in self._demux:
                if packet.size == 0:  # the demuxer's end-of-stream marker
                    continue
                self.stats.packets += 1
                t = self.when(packet)
                if t is not None:
                    self.position = t if self.position is None else max(self.position, t)
                    self.reorder = max(self.reorder, sum(1 for w in self._recent if w > t))
                    self._recent.append(t)
                    if packet.is_keyframe:
                        if self._last_key is not None and t > self._last_key:
                            self.spacing = max(self.spacing, t - self._last_key)
                            self.stats.keyframe_spacing = self.spacing
                        self._last_key = t
                return packet
        except av.FFmpegError as exc:
            self.errors.append(one_line(exc))
        self.ended = True
        return None

    def keyframe_before(self, t: float) -> float | None:
        """The index's last keyframe at or before ``t`` (None without an index or before the first)."""
        i = bisect.bisect_right(self.index, t + 1e-9)
        return self.index[i - 1] if i else None

    def worth_seeking(self, cutoff: float) -> bool:
        """Whether a keyframe lies between the last packet read and ``cutoff``, so that the packets
        in between are not needed: from the index, else from the keyframe distance seen so far."""
        here = self.position if self.position is not None else 0.0
        if self.index:
            key = self.keyframe_before(cutoff)
            return key is not None and key > here + SEEK_GAIN
        return self.spacing > 0 and cutoff - here > self.spacing + self.step

    def seek(self, t: float) -> None:
        """Put the demuxer at the keyframe at or before file time ``t`` (approximately, without an
        index); the decoder's state and held frames are dropped by the caller."""
        ts = int(max(0.0, t) / self.time_base) + self.start
        self.container.seek(ts, stream=self.stream, backward=True, any_frame=False)
        self._demux = self.container.demux(self.stream)
        self.stats.seeks += 1
        self.position = max(0.0, t)
        self.ended = False
        self._last_key = None
        self._recent.clear()

    def decode(self, packet: Any | None, skip: bool = False) -> list[Any]:
        """Frames out of the decoder after ``packet`` (None drains it); ``skip`` leaves out
        non-reference frames. A damaged packet gives no frames."""
        if self.can_skip:
            self.codec.skip_frame = "NONREF" if skip else "DEFAULT"
        try:
            frames = list(self.codec.decode(packet))
        except av.FFmpegError as exc:
            self.errors.append(one_line(exc))
            return []
        self.stats.decoded += len(frames)
        return frames

    def reset(self) -> None:
        """Forget the decoder's state (after draining it, or to start again at a keyframe)."""
        self.codec.flush_buffers()
