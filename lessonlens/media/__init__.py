"""Media decoding and sampling, shared by all detectors (PyAV: video and audio in one library).

- :func:`probe` -> :class:`MediaInfo`: duration, picture size, frame rate, audio rate and channels;
- :func:`frames_at`: RGB frames at exact lesson instants, decoding only what they depend on (or the
  nearest keyframes, ``sampling="keyframe"``);
- :func:`read_audio`: float32 samples resampled to 16 kHz mono (or every channel).

Bad files raise :class:`~lessonlens.core.errors.InputError` naming the file; a recording that lacks
what a detector needs raises :class:`MediaUnavailable` so the analysis can go on without it.
"""

from lessonlens.media.audio import SPEECH_RATE, read_audio
from lessonlens.media.errors import MediaUnavailable
from lessonlens.media.fingerprint import file_fingerprint
from lessonlens.media.frames import SAMPLINGS, Sampling, frame_size, frames_at
from lessonlens.media.packets import DecodeStats
from lessonlens.media.probe import MediaInfo, probe

__all__ = ["SAMPLINGS", "SPEECH_RATE", "DecodeStats", "MediaInfo", "MediaUnavailable", "Sampling", "file_fingerprint",
           "frame_size", "frames_at", "probe", "read_audio"]
