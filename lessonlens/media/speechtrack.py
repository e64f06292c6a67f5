"""A lesson's speech track read block by block into per-frame arrays, so memory stays flat in its length.

The ``speech`` detector once held the whole 16-kHz mono track (691 MB for 3 hours, plus working
copies: 1.16 GB peak). :func:`read_track` decodes the audio once, in blocks of a few minutes, and
keeps per 32-ms frame only what :func:`~lessonlens.media.speakers.turns_from_frames` needs: the
Silero VAD probability, the mono level, the lapel and room levels, and the voice features (pitch,
periodicity, level) of the frames that may be asked for: 28 bytes a frame, plus 48 for one whose
features are kept (a 12-hour lesson: ~100 MB at the very most), against 64 kB of samples a second.

Each block is one or more whole VAD pieces (:data:`~lessonlens.media.vad.PIECE`; with one thread,
the unbroken run's model state is carried over instead), read with the warm-up frames and context
before it and the half feature window after it, so the probabilities, levels and features are
those of the whole-track run, bit for bit (:class:`~lessonlens.media.vad.VadStream`).

Which frames need features depends on the whole lesson (its noise floor), so each block keeps the
features of every frame that could be asked for: near a frame the VAD accepts, near the block's
ends, or loud against the quietest block seen so far less a margin. Should a later, quieter block
lower the lesson's floor under that (rare: ``refills`` says), the missing frames are computed in a
second decoding pass: the result never differs from the whole-track one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.media.audio import SPEECH_RATE, ChannelLevels, Levels, length_hint, mono_chunks
from lessonlens.media.audioblocks import ahead, blocks
from lessonlens.media.speakers import SpeakerSettings, Turn, turns_from_frames
from lessonlens.media.threads import available_cores
from lessonlens.media.vad import FRAME, PIECE, SileroVad, VadStream
from lessonlens.media.voicefeatures import FrameFeatures, frame_features, frame_levels

Floats = npt.NDArray[np.float64]
Frames = npt.NDArray[np.intp]
#: frames each side of a VAD-accepted frame (and at each block end) whose features are kept: the
#: speech mask closes pauses shorter than 0.3 s (9 frames)
NEAR = 10
#: dB under the quietest block's 10th-percentile level that a frame's level is compared with
MARGIN_DB = 6.0
#: frames whose features are computed at once (512 rows of FFT work arrays are ~70 MB, 128 a quarter)
FEATURE_ROWS = 128


@attrs.frozen
class SpeechTrack:
    """Per 32-ms frame of a lesson: VAD probability, mono level (dB), lapel and room levels (dB, None
    without a lapel microphone), and the voice features of the frames ``frames`` (ascending)."""

    path: str
    samples: int
    probs: npt.NDArray[np.float32]
    levels: Floats
    lapel: Levels | None
    room: Levels | None
    frames: Frames
    features: FrameFeatures
    refills: list[int] = attrs.field(factory=list, eq=False)  # frames computed by a second pass, per call

    @property
    def nbytes(self) -> int:
        arrays = [self.probs, self.levels, self.frames, *attrs.astuple(self.features, recurse=False)]
        arrays += [a for a in (self.lapel, self.room) if a is not None]
        return sum(int(a.nbytes) for a in arrays)


def read_track(path: str | Path, vad: SileroVad, channel: int, settings: SpeakerSettings | None = None,
               threads: int | None = None, progress: Callable[[float], None] | None = None,
               block_pieces: int | None = None) -> SpeechTrack:
    """The speech track of ``path``'s first audio track, decoded once, block by block (``threads``:
    the decoder's and the VAD's thread budget; ``progress`` gets the share read so far). A block is
    about ``block_pieces`` VAD pieces of a minute (default: one per thread, two at least); the
    result does not depend on it."""
    s = settings or SpeakerSettings()
    levels_of = ChannelLevels(channel, FRAME, SPEECH_RATE)
    expected = max(1, length_hint(path))
    probs: list[npt.NDArray[np.float32]] = []
    levels: list[Floats] = []
    frames: list[Frames] = []
    features: list[FrameFeatures] = []
    floor = np.inf
    total = [0]
    budget = threads or min(4, available_cores())
    # with two threads or more, one decodes the next block while the others run the VAD on this one
    stream = VadStream(vad, budget, pool=budget - 1 if budget > 1 else 1)
    chunks = mono_chunks(path, levels_of, SPEECH_RATE, threads)
    if budget > 1:
        chunks = ahead(chunks)
    for audio, offset, first, last in blocks(chunks, total, stream.block_frames(block_pieces)):
        p = stream.run(audio, offset, first, last)
        lv = frame_levels(audio[first * FRAME - offset:], last - first)
        floor = min(floor, float(np.percentile(lv, 10)))
        raw = p >= s.threshold
        want = _near(raw, NEAR) | (lv > floor - MARGIN_DB + s.loud_db)
        want[:NEAR] = want[-NEAR:] = True
        chosen = first + np.flatnonzero(want)
        probs.append(p)
        levels.append(lv)
        frames.append(chosen)
        features.append(frame_features(audio, chosen, block=FEATURE_ROWS, offset=offset))
        if progress is not None:
            progress(min(1.0, last * FRAME / expected))
    lapel, room = levels_of.result()
    return SpeechTrack(path=str(path), samples=total[0], probs=_join(probs, np.float32),
                       levels=_join(levels, np.float64), lapel=lapel, room=room,
                       frames=_join(frames, np.intp), features=_join_features(features))


def track_turns(track: SpeechTrack, settings: SpeakerSettings | None = None,
                threads: int | None = None) -> list[Turn]:
    """Speaker turns of a :class:`SpeechTrack`: those :func:`~lessonlens.media.speakers.speaker_turns`
    gives on the whole mono track (features missing from the track are read in a second pass)."""
    return turns_from_frames(track.probs, track.levels, lambda wanted: features_of(track, wanted, threads),
                             track.lapel, track.room, settings)


def features_of(track: SpeechTrack, wanted: Frames, threads: int | None = None) -> FrameFeatures:
    """The features of frames ``wanted`` (ascending): kept in the track, or decoded again."""
    at = np.searchsorted(track.frames, wanted)
    found = at < len(track.frames)
    found[found] = track.frames[at[found]] == wanted[found]
    if found.all():
        return _take(track.features, at)
    missing = wanted[~found]
    track.refills.append(len(missing))
    extra = _second_pass(track.path, missing, threads)
    merged = np.concatenate([track.frames, missing])
    order = np.argsort(merged, kind="stable")
    both = _join_features([track.features, extra])
    return _take(_take(both, order), np.searchsorted(merged[order], wanted))


def _second_pass(path: str, wanted: Frames, threads: int | None) -> FrameFeatures:
    parts: list[FrameFeatures] = []
    chunks = mono_chunks(path, ChannelLevels(-1), SPEECH_RATE, threads)
    for audio, offset, first, last in blocks(chunks, [0], 2 * PIECE):
        inside = wanted[(wanted >= first) & (wanted < last)]
        if len(inside):
            parts.append(frame_features(audio, inside, block=FEATURE_ROWS, offset=offset))
    return _join_features(parts)


def _near(mask: npt.NDArray[np.bool_], reach: int) -> npt.NDArray[np.bool_]:
    """``mask`` widened by ``reach`` items each side."""
    if not mask.any():
        return mask.copy()
    counts = np.convolve(mask.astype(np.int32), np.ones(2 * reach + 1, dtype=np.int32), mode="same")
    widened: npt.NDArray[np.bool_] = counts > 0
    return widened


def _join(parts: Sequence[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _join_features(parts: list[FrameFeatures]) -> FrameFeatures:
    names = [f.name for f in attrs.fields(FrameFeatures)]
    return FrameFeatures(*(_join([getattr(p, n) for p in parts], np.float64) for n in names))


def _take(features: FrameFeatures, at: npt.NDArray[np.intp]) -> FrameFeatures:
    return FrameFeatures(*(value[at] for value in attrs.astuple(features, recurse=False)))
