"""Who speaks: the teacher, one student, or many students at once (a chorus, or group talk).

Speech frames are those Silero VAD accepts, plus loud voiced frames it rejects: Silero is trained
on one voice at a time and scores a class answering in unison, or several groups talking at once,
well below its threshold. A frame counts as loud and voiced when it is ``loud_db`` above the
recording's noise floor (10th percentile of frame levels) and periodic (periodicity >= 0.4);
the share of such VAD-rejected frames in a window is itself evidence of many voices.

The method, per window of ~1 s of speech (30 VAD frames):

1. **Teacher vs class.** With a teacher lapel microphone on its own channel (``lapel`` given), the
   level difference lapel - room decides: the teacher is loud on the lapel, the class is not. The
   threshold is the midpoint of the two level-difference clusters of the lesson (1-D 2-means),
   or 0 dB when the lesson shows only one cluster. Without a lapel channel, pitch decides: the
   teacher's reference pitch is the median pitch of all voiced windows (the teacher does most of
   the talking in almost every lesson), and windows within ``teacher_semitones`` of it are the
   teacher's.
2. **One student vs many.** Among the class's windows, several voices at once are louder than one
   (level above the teacher's median level minus 1.5 dB), less periodic (the autocorrelation peak
   of a mix is lower: periodicity below ~0.77), their frame pitch spreads over more semitones
   (inter-quartile range above ~4) and the VAD doubts them (share of VAD-rejected voiced frames
   above 0.4). The four z-scores are summed; a positive sum is many voices.
3. **Chorus vs group talk.** Where, within ``group_seconds`` around a window, the class talks more
   than half the time and many voices at least a quarter of it, the students talk among themselves
   (discussion: ``group``, which also takes the single-student windows there); many voices
   elsewhere, between the teacher's turns, are a chorus (the class answering together).

Adjacent windows with the same speaker are merged into turns. The thresholds are calibrated on
the synthetic lesson's espeak-ng voices and are settings, not constants: real classrooms vary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.media.vad import FRAME_SECONDS, speech_mask
from lessonlens.media.voicefeatures import FrameFeatures, frame_features, frame_levels

Floats = npt.NDArray[np.float64]


@attrs.frozen
class SpeakerSettings:
    window_frames: int = 30
    teacher_semitones: float = 4.0
    level_margin_db: float = 1.5
    periodicity_single: float = 0.77
    spread_single: float = 4.0
    group_seconds: float = 8.0
    min_frames: int = 8
    threshold: float = 0.5
    loud_db: float = 20.0
    voiced: float = 0.4
    doubt_single: float = 0.4
    stride: int = 2  # features of every other 32-ms frame: window statistics barely change, cost halves


@attrs.frozen
class Turn:
    """A stretch of speech by one speaker (``teacher``, ``student``, ``chorus``, ``group``)."""

    start: float
    end: float
    speaker: str
    confidence: float


def _two_means(values: Floats) -> tuple[float, float]:
    lo, hi = float(np.percentile(values, 10)), float(np.percentile(values, 90))
    for _ in range(20):
        split = (lo + hi) / 2
        low, high = values[values < split], values[values >= split]
        if not len(low) or not len(high):
            break
        lo, hi = float(low.mean()), float(high.mean())
    return lo, hi


#: features of the given frames of the lesson (their indices, ascending)
FeaturesOf = Callable[[npt.NDArray[np.intp]], FrameFeatures]


def speaker_turns(mono: npt.NDArray[np.float32], probs: npt.NDArray[np.float32],
                  lapel_levels: Floats | None = None, room_levels: Floats | None = None,
                  settings: SpeakerSettings | None = None) -> list[Turn]:
    """Speaker turns of 16-kHz ``mono`` audio given its VAD speech probability per frame and, with a
    lapel microphone, the per-frame levels (dB, :func:`frame_levels`) of the lapel and room channels.

    A long lesson need not be held whole: :func:`turns_from_frames` takes per-frame arrays and the
    features of the frames it asks for (:mod:`lessonlens.media.speechtrack` reads them block by block).
    """
    return turns_from_frames(probs, frame_levels(mono, len(probs)), lambda frames: frame_features(mono, frames),
                             lapel_levels, room_levels, settings)


def feature_frames(vad: npt.NDArray[np.bool_], levels: Floats, settings: SpeakerSettings) -> npt.NDArray[np.intp]:
    """The frames whose features :func:`turns_from_frames` asks for: in speech (``vad``, the
    :func:`speech_mask`), or loud (``loud_db`` above the lesson's noise floor), every ``stride``-th."""
    loud = levels > np.percentile(levels, 10) + settings.loud_db
    return np.flatnonzero(vad | loud)[:: settings.stride]


def turns_from_frames(probs: npt.NDArray[np.float32], levels: Floats, features_of: FeaturesOf,
                      lapel_levels: Floats | None = None, room_levels: Floats | None = None,
                      settings: SpeakerSettings | None = None) -> list[Turn]:
    """Speaker turns from per-frame arrays: the VAD speech probability and the mono level (dB) of
    each frame, the lapel and room levels with a lapel microphone, and ``features_of``, which gives
    the :func:`frame_features` of the frames asked for (:func:`feature_frames`)."""
    s = settings or SpeakerSettings()
    vad = speech_mask(probs, threshold=s.threshold)
    if not len(levels):
        return []
    candidates = feature_frames(vad, levels, s)
    if not len(candidates):
        return []
    feats = features_of(candidates)
    keep_frame = vad[candidates] | (feats.periodicity >= s.voiced)
    frames = candidates[keep_frame]
    if not len(frames):
        return []
    feats = FrameFeatures(*(getattr(feats, f.name)[keep_frame] for f in attrs.fields(FrameFeatures)))
    doubted = ~vad[frames]
    window_of = frames // s.window_frames
    windows, first, counts = np.unique(window_of, return_index=True, return_counts=True)
    keep = counts >= s.min_frames // s.stride
    windows, first, counts = windows[keep], first[keep], counts[keep]
    if not len(windows):
        return []
    n = len(windows)
    level = np.empty(n)
    periodicity = np.empty(n)
    spread = np.empty(n)
    doubt = np.empty(n)
    pitch = np.full(n, np.nan)
    ratio = np.zeros(n)
    semis = 12 * np.log2(np.where(np.isnan(feats.pitch), 100.0, feats.pitch) / 100.0)
    lapel_db = room_db = None
    if lapel_levels is not None and room_levels is not None:
        lapel_db = lapel_levels[frames]
        room_db = room_levels[frames]
    for k, (a, c) in enumerate(zip(first, counts, strict=True)):
        sl = slice(a, a + c)
        level[k] = np.median(feats.level[sl])
        periodicity[k] = np.mean(feats.periodicity[sl])
        doubt[k] = np.mean(doubted[sl])
        voiced = ~np.isnan(feats.pitch[sl])
        if voiced.sum() >= 3:
            pitch[k] = np.median(feats.pitch[sl][voiced])
            q75, q25 = np.percentile(semis[sl][voiced], [75, 25])
            spread[k] = q75 - q25
        else:
            spread[k] = 0.0
        if lapel_db is not None and room_db is not None:
            ratio[k] = np.median(lapel_db[sl] - room_db[sl])
    teacher = _teacher_windows(pitch, ratio, lapel_levels is not None, s)
    teacher_level = float(np.median(level[teacher])) if teacher.any() else float(np.median(level))
    score = ((level - (teacher_level - s.level_margin_db)) / 2.5 + (s.periodicity_single - periodicity) / 0.07
             + (spread - s.spread_single) / 3.0 + (doubt - s.doubt_single) / 0.2)
    many = ~teacher & (score > 0)
    labels = np.where(teacher, "teacher", np.where(many, "chorus", "student")).astype(object)
    # many voices in a stretch where the class keeps talking is group talk; alone, a chorus
    dense_many, dense_class = _density(windows, many, ~teacher, s)
    talk = dense_class > 0.5
    labels[(many | (labels == "student")) & talk & (dense_many > 0.25)] = "group"
    start_s = windows * s.window_frames * FRAME_SECONDS
    contiguous = np.concatenate(([False], np.diff(windows) == 1))
    confidence = np.clip(np.abs(score) / 3.0, 0.3, 1.0)
    confidence[teacher] = 0.9 if lapel_levels is not None else 0.7
    return _merge(start_s, counts, labels, confidence, contiguous, s)


def _density(windows: npt.NDArray[np.intp], many: npt.NDArray[np.bool_], klass: npt.NDArray[np.bool_],
             s: SpeakerSettings) -> tuple[Floats, Floats]:
    """Share of the ``group_seconds``-wide neighbourhood of each window with many voices / the class talking."""
    span = max(3, round(s.group_seconds / (s.window_frames * FRAME_SECONDS)) | 1)
    dense = np.zeros(int(windows.max()) + 1)
    box = np.ones(span) / span
    out = []
    for flags in (many, klass):
        dense[:] = 0.0
        dense[windows] = flags
        out.append(np.convolve(dense, box, mode="same")[windows])
    return out[0], out[1]


def _teacher_windows(pitch: Floats, ratio: Floats, has_lapel: bool, s: SpeakerSettings) -> npt.NDArray[np.bool_]:
    if has_lapel:
        lo, hi = _two_means(ratio)
        split = (lo + hi) / 2 if hi - lo > 6.0 else 0.0
        return ratio > split
    voiced = pitch[~np.isnan(pitch)]
    if not len(voiced):
        return np.ones(len(pitch), dtype=bool)
    reference = float(np.median(voiced))
    distance = np.abs(12 * np.log2(np.where(np.isnan(pitch), reference, pitch) / reference))
    return np.asarray(distance <= s.teacher_semitones)


def _merge(start_s: Floats, counts: npt.NDArray[np.intp], labels: npt.NDArray[np.object_], confidence: Floats,
           contiguous: npt.NDArray[np.bool_], s: SpeakerSettings) -> list[Turn]:
    turns: list[Turn] = []
    window = s.window_frames * FRAME_SECONDS
    current: list[float] | None = None  # start, end, confidence sum, windows
    speaker = ""
    for k in range(len(labels)):
        end = start_s[k] + min(window, max(counts[k] * s.stride * FRAME_SECONDS, window * 0.5))
        if current is not None and labels[k] == speaker and contiguous[k]:
            current[1] = float(end)
            current[2] += float(confidence[k])
            current[3] += 1
            continue
        if current is not None:
            turns.append(Turn(round(current[0], 3), round(current[1], 3), speaker, round(current[2] / current[3], 3)))
        current = [float(start_s[k]), float(end), float(confidence[k]), 1.0]
        speaker = str(labels[k])
    if current is not None:
        turns.append(Turn(round(current[0], 3), round(current[1], 3), speaker, round(current[2] / current[3], 3)))
    return turns


def speaking_share(turns: Sequence[Turn], start: float, end: float) -> dict[str, float]:
    """Seconds each speaker talks within ``[start, end)``."""
    out: dict[str, float] = {}
    for turn in turns:
        overlap = min(end, turn.end) - max(start, turn.start)
        if overlap > 0:
            out[turn.speaker] = out.get(turn.speaker, 0.0) + overlap
    return out
