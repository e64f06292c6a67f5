"""Frames at lesson instants: exact by default, decoding only what the chosen frames depend on.

A frame "at" lesson time ``t`` is the one on screen then: the last frame whose presentation time
is not after ``t - offset``. Exact sampling reads the stream's packets forward and decodes only the
reference frames from each instant's keyframe up to it (and the chosen frame itself):

- packets are held back, undecoded, until it is known whether they are needed: a keyframe before
  the instant makes everything held before it worthless, so a GOP no instant falls in is never
  decoded, and one that holds several instants is decoded once (one forward pass when keyframes
  are sparser than the instants);
- the demuxer jumps (seeks) only when a keyframe lies between where it is and the next instant,
  known from the container's index (MP4, MKV) or, without one (MPEG-TS), from the largest keyframe
  distance seen so far: then the packets in between are not even read;
- frames no other frame refers to (``skip_frame = "NONREF"``: B-frames, a camera's SVC layers) are
  skipped, except the chosen one;
- only the chosen frames are converted to RGB, scaled in the same step (``size``): H.264 and HEVC
  decoders cannot decode at a lower resolution, so a smaller picture saves conversion, not decoding.

``sampling="keyframe"`` instead returns, for each instant, the nearest keyframe (one decoded frame
per keyframe, not the frame on screen at the instant; up to half a GOP off).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.media.errors import NO_FRAMES, NO_VIDEO, MediaUnavailable
from lessonlens.media.hdr import hdr_to_sdr, transfer
from lessonlens.media.open import open_container, picture_stream
from lessonlens.media.packets import DecodeStats, PacketReader
from lessonlens.media.probe import check_file
from lessonlens.media.rotation import displayed, quarter_turns, square_pixels, upright
from lessonlens.media.threads import decoder_threads

Frame = npt.NDArray[np.uint8]
Sampling = Literal["exact", "keyframe"]
SAMPLINGS: tuple[str, ...] = ("exact", "keyframe")
#: Packets held back undecoded at most (bytes); beyond, the oldest are decoded (reference frames only).
HOLD_BYTES = 48 * 1024 * 1024
#: Packets always kept held back at the end of a memory flush: the chosen frame may be among them.
HOLD_TAIL = 32
#: How much further back (s) a seek that overshot its keyframe may go before accepting a later frame.
MAX_SEEK_BACK = 60.0


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
    sampling: Sampling = "exact",
    threads: int | None = None,
) -> Iterator[tuple[float, Frame]]:
    """``(t, RGB frame of shape (h, w, 3))`` for each lesson instant the recording covers.

    ``offset`` is the recording's start on the lesson clock (lesson time = file time + offset);
    instants before its start or after its end are skipped, so a camera that stopped early yields
    fewer frames rather than repeated ones. ``size`` downscales: ``(w, h)`` or the long side in px.
    A recording with a display rotation (a phone held upright) is returned as shown, upright, and
    one with non-square pixels (DV, broadcast) stretched to square ones.
    ``stats``, if given, counts the decoding work. ``sampling`` is ``"exact"`` (the frame on screen
    at each instant) or ``"keyframe"`` (the nearest keyframe: cheaper with long GOPs, not exact).
    ``threads`` bounds the decoder's and the RGB conversion's threads (the detector's
    ``DetectRequest.threads``; None: FFmpeg's choice, one per core).
    """
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {sampling!r}")
    file = check_file(path)
    with open_container(file) as container:
        stream = picture_stream(container)
        if stream is None:
            raise MediaUnavailable(NO_VIDEO, file)
        decoder_threads(stream, threads)
        reader = PacketReader(container, stream, stats or DecodeStats())
        targets = [(t, t - offset) for t in sorted(instants) if t - offset >= 0]
        sampler = _Exact(reader) if sampling == "exact" else _Keyframes(reader)
        yielded = 0
        aspect = stream.sample_aspect_ratio
        for t, frame in sampler.run(targets):
            # as shown: non-square pixels stretched, scaled, then turned upright (a phone's rotation)
            turns = quarter_turns(frame)
            shown = displayed(*square_pixels(frame.width, frame.height, aspect), turns)
            width, height = displayed(*frame_size(*shown, size), turns)
            image = _rgb(frame, width, height, threads)
            reader.stats.converted += 1
            yielded += 1
            yield t, upright(image, turns)
        if yielded == 0 and reader.errors:
            raise InputError(NO_FRAMES, file, error=reader.errors[0])


def _rgb(frame: Any, width: int, height: int, threads: int | None) -> Frame:
    """The frame as RGB of ``width`` x ``height``. An interlaced frame (1080i/576i: its two fields
    filmed 1/50 s apart) has its fields blended, or moving people are combed into stripes: swscale
    scales each field on its own to ``height`` lines, interleaved, and each pair is averaged.
    An HDR frame (HLG or PQ) is tone mapped to the SDR picture a player shows (:mod:`.hdr`)."""
    if transfer(frame) is not None:
        convert: Any = partial(hdr_to_sdr, frame)
    else:
        # swscale converts (and scales) with its own threads: 0 would be one per core
        convert = partial(_plain, frame)
    if not getattr(frame, "interlaced_frame", False):
        image: Frame = convert(width, height, threads)
        return image
    fields = convert(width, 2 * height, threads)
    pairs = fields.reshape(height, 2, width, 3).astype(np.uint16)
    blended: Frame = ((pairs[:, 0] + pairs[:, 1] + 1) >> 1).astype(np.uint8)
    return blended


def _plain(frame: Any, width: int, height: int, threads: int | None) -> Frame:
    image: Frame = frame.to_ndarray(format="rgb24", width=width, height=height, threads=threads or 0)
    return image


class _Exact:
    """The frame on screen at each instant, decoding only the reference frames it depends on."""

    def __init__(self, reader: PacketReader) -> None:
        self.r = reader
        self.held: list[Any] = []  # packets read, not yet decoded
        self.held_bytes = 0
        self.live = False  # the decoder holds the state the held packets continue from
        self.last: Any = None  # the latest decoded frame at or before the current instant
        self.later: list[Any] = []  # decoded frames after it, in presentation order
        self.inflight: list[float] = []  # times of frames sent to the decoder in full, not out yet
        self.beyond = 0  # held packets shown after the current instant

    def run(self, targets: list[tuple[float, float]]) -> Iterator[tuple[float, Any]]:
        r = self.r
        for number, (t, target) in enumerate(targets):
            cutoff = target + r.step / 4
            if r.worth_seeking(cutoff):
                self._seek(cutoff)
            self._read_up_to(cutoff)
            following = targets[number + 1][1] + r.step / 4 if number + 1 < len(targets) else None
            chosen = self._decode_up_to(cutoff, following)
            if chosen is None:
                break  # past the end of the recording (or nothing decodable): later instants are too
            when = r.when(chosen)
            if r.ended and when is not None and target - when > 2 * r.step:
                break
            yield t, chosen

    def _drop(self) -> None:
        """Forget held packets, decoded frames and the decoder's state: a keyframe comes next."""
        if self.live:
            self.r.reset()
            self.live = False
        self.held = []
        self.held_bytes = 0
        self.beyond = 0
        self.last = None
        self.later = []
        self.inflight = []

    def _seek(self, cutoff: float) -> None:
        """Seek to the keyframe before ``cutoff`` and hold it; without an index a seek may land
        after it (or past the end): then seek again from further back rather than return a later
        frame, up to a limit (then the first frame after the instant is taken)."""
        r = self.r
        # without an index a seek lands anywhere before the instant: land a GOP early, at a keyframe
        back = 0.0 if r.index else r.spacing
        limit = max(7.0, min(MAX_SEEK_BACK, 3 * r.spacing + 1.0))
        while True:
            self._drop()
            r.seek(cutoff - back)
            first = self._first_keyframe()
            when = r.when(first) if first is not None else None
            if (when is not None and when <= cutoff) or cutoff - back <= 0 or back >= limit:
                if first is not None:
                    self._hold(first, cutoff)
                return
            back = back * 2 + 1.0

    def _first_keyframe(self) -> Any | None:
        """The first keyframe packet from here (what comes before it cannot be decoded alone)."""
        while (packet := self.r.read()) is not None:
            if packet.is_keyframe:
                return packet
        return None

    def _hold(self, packet: Any, cutoff: float | None = None) -> None:
        self.held.append(packet)
        self.held_bytes += packet.size
        if cutoff is not None and self._after(packet, cutoff):
            self.beyond += 1

    def _after(self, packet: Any, cutoff: float) -> bool:
        when = self.r.when(packet)
        return when is None or when > cutoff

    def _past(self) -> bool:
        """Whether every frame shown by the instant is held: more packets after it were read than
        the stream reorders (a frame shown earlier comes at most that many packets later)."""
        return self.beyond > self.r.reorder

    def _read_up_to(self, cutoff: float) -> None:
        """Read packets until one decodes after ``cutoff`` or the stream ends; a keyframe at or
        before ``cutoff`` drops what was held before it (and, without an index, may jump on)."""
        r = self.r
        jumped = False
        self.beyond = sum(1 for p in self.held if self._after(p, cutoff))
        while not self._past() and (packet := r.read()) is not None:
            when = r.when(packet)
            if packet.is_keyframe and when is not None and when <= cutoff:
                self._drop()
                if not jumped and not r.index and r.worth_seeking(cutoff):
                    jumped = True  # keyframes are regular and the next one is still before the instant
                    self._seek(cutoff)
                    continue
            elif not self.live and not self.held and not packet.is_keyframe:
                continue  # after a seek that landed mid-GOP: nothing to decode from
            self._hold(packet, cutoff)
            if self.held_bytes > HOLD_BYTES and len(self.held) > HOLD_TAIL:
                self._flush_old(cutoff)

    def _flush_old(self, cutoff: float) -> None:
        """Decode (reference frames only) all but the last held packets, to bound memory."""
        old, self.held = self.held[:-HOLD_TAIL], self.held[-HOLD_TAIL:]
        self.held_bytes = sum(p.size for p in self.held)
        self.beyond = sum(1 for p in self.held if self._after(p, cutoff))
        for packet in old:
            self._send(packet, cutoff, skip=True)

    def _send(self, packet: Any | None, cutoff: float, skip: bool = False) -> None:
        """Decode ``packet`` (None: drain the decoder) and sort the frames that come out."""
        when = self.r.when(packet) if packet is not None else None
        if packet is not None and when is not None and not skip:
            self.inflight.append(when)
        self._take(self.r.decode(packet, skip=skip), cutoff)
        if packet is None:
            self.r.reset()
            self.inflight = []
        self.live = packet is not None

    def _take(self, frames: list[Any], cutoff: float) -> None:
        for frame in frames:
            when = self.r.when(frame)
            if when is not None:
                self.inflight = [w for w in self.inflight if w > when]
            if when is not None and when <= cutoff and not self.later:
                self.last = frame
            else:
                self.later.append(frame)

    def _decode_up_to(self, cutoff: float, following: float | None) -> Any | None:
        """The frame on screen at ``cutoff``: decode the held packets (reference frames, and the
        frame the packets' own times say is shown), then push or drain the decoder until it is out."""
        r = self.r
        while self.later and (w := r.when(self.later[0])) is not None and w <= cutoff:
            self.last = self.later.pop(0)
        untimed = any(r.when(p) is None for p in self.held)
        shown = [w for p in self.held if (w := r.when(p)) is not None and w <= cutoff]
        shown += [w for w in self.inflight if w <= cutoff]
        target = max(shown) if shown and not untimed else None
        if target is None and not untimed and (self.last is not None or self.later):
            return self.last if self.last is not None else self.later[0]  # nothing new shown since
        # drain rather than push on when the next instant starts again from another keyframe
        drain = following is None or r.worth_seeking(following)
        rest, self.held, self.held_bytes = self.held, [], 0
        sent_target = False
        while not self._got(target, cutoff):
            if rest and not (drain and sent_target):
                packet = rest.pop(0)
                when = r.when(packet)
                skip = target is not None and when is not None and when != target and (when < target or drain)
                self._send(packet, cutoff, skip)
                sent_target = sent_target or (target is not None and when == target)
            elif not drain and (packet := r.read()) is not None:
                self._send(packet, cutoff)
            else:
                if self.live:  # the end of the stream, or the decoder's state is not needed again
                    self._send(None, cutoff)
                break
        if not self.live:
            while rest and not rest[0].is_keyframe:
                rest.pop(0)
        for packet in rest:
            self._hold(packet)
        if self.last is not None:
            return self.last
        return self.later[0] if self.later else None

    def _got(self, target: float | None, cutoff: float) -> bool:
        if self.later and (w := self.r.when(self.later[-1])) is not None and w > cutoff:
            return True  # a frame after the instant is out: every frame before it is too
        if target is None or self.last is None:
            return False
        when = self.r.when(self.last)
        return when is not None and when >= target


class _Keyframes:
    """The keyframe nearest each instant: one decoded frame per keyframe used."""

    def __init__(self, reader: PacketReader) -> None:
        self.r = reader
        self.before: Any = None  # the last keyframe packet at or before the instant
        self.after: Any = None  # the first keyframe packet after it
        self.cache: tuple[float, Any] | None = None

    def run(self, targets: list[tuple[float, float]]) -> Iterator[tuple[float, Any]]:
        r = self.r
        for t, target in targets:
            cutoff = target + r.step / 4
            if self.after is not None and (w := r.when(self.after)) is not None and w <= cutoff:
                self.before, self.after = self.after, None
            if self.after is None and r.worth_seeking(cutoff):
                r.seek(cutoff - (0.0 if r.index else r.spacing))  # without an index a seek lands anywhere
                self.before = None
            while self.after is None and (packet := r.read()) is not None:
                if not packet.is_keyframe or (when := r.when(packet)) is None:
                    continue
                if when <= cutoff:
                    self.before = packet
                else:
                    self.after = packet
            candidates = [p for p in (self.before, self.after) if p is not None]
            if not candidates:
                break
            if self.after is None and r.ended and r.position is not None and target - r.position > 2 * r.step:
                break  # past the end of the recording
            best = min(candidates, key=lambda p: abs((r.when(p) or 0.0) - target))
            frame = self._decode(best)
            if frame is None:
                continue
            yield t, frame

    def _decode(self, packet: Any) -> Any | None:
        when = self.r.when(packet)
        if self.cache is not None and when is not None and self.cache[0] == when:
            return self.cache[1]
        frames = self.r.decode(packet) + self.r.decode(None)
        self.r.reset()
        if not frames:
            return None
        self.cache = (when if when is not None else -1.0, frames[0])
        return frames[0]
