"""Speech: when someone speaks and who (teacher, one student, a chorus, group talk), from the audio.

Voice activity comes from Silero VAD (ONNX, run by onnxruntime; the model ships in the
``silero-vad`` wheel), the speaker from level, pitch and periodicity features
(:mod:`lessonlens.media.speakers` documents the method), read block by block into per-frame arrays
(:mod:`lessonlens.media.speechtrack`): memory does not grow with the lesson's length. The audio is
the ``audio`` recording if there is one, else the teacher camera's sound (a lapel microphone is
usually wired there), else a mixed recording, else the student camera's. A file with two or more
channels is taken to carry the teacher's lapel microphone on channel ``lapel_channel`` (default 0;
-1: there is none).

Options (``request.options`` or the constructor): ``model_path`` (a Silero sequence ONNX file),
``lapel_channel``, ``threshold`` (VAD probability, default 0.5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole, MediaSource
from lessonlens.core.observations import Observation, SpeechObservation
from lessonlens.media import probe
from lessonlens.media.errors import NO_AUDIO, MediaUnavailable
from lessonlens.media.speakers import SpeakerSettings
from lessonlens.media.speechtrack import read_track, track_turns
from lessonlens.media.vad import SileroVad, silero_model_path

NAME = "speech"
VERSION = "1"
PREFERENCE = (MediaRole.AUDIO, MediaRole.TEACHER, MediaRole.MIXED, MediaRole.STUDENTS)


def audio_source(media: tuple[MediaSource, ...]) -> MediaSource:
    """The recording to listen to: the first with an audio track, in :data:`PREFERENCE` order."""
    for role in PREFERENCE:
        for source in media:
            if source.role is role and probe(source.path).has_audio:
                return source
    paths = ", ".join(m.path for m in media) or "-"
    raise MediaUnavailable(NO_AUDIO, paths)


class SpeechDetector(Detector):
    name = NAME
    roles = PREFERENCE
    emits = ("speech",)
    description = Text(zh="语音活动与说话人（教师/学生/齐答/小组讨论），Silero VAD",
                       en="speech activity and speaker (teacher/student/chorus/group talk), Silero VAD")

    def __init__(self, model_path: str | None = None, lapel_channel: int = 0, threshold: float = 0.5) -> None:
        self.model_path = model_path
        self.lapel_channel = lapel_channel
        self.threshold = threshold
        self._vad: SileroVad | None = None

    def _options(self, options: Mapping[str, Any]) -> tuple[str | None, int, float]:
        return (options.get("model_path", self.model_path), int(options.get("lapel_channel", self.lapel_channel)),
                float(options.get("threshold", self.threshold)))

    def fingerprint(self) -> str:
        try:
            model = silero_model_path(self.model_path)
            stamp = f"{model.name}:{model.stat().st_size}"
        except Exception:  # a missing model is reported when detecting; the cache key just needs to differ
            stamp = "no-model"
        return f"{NAME}/{VERSION}:{stamp}:{self.lapel_channel}:{self.threshold}:{SpeakerSettings()!r}"

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        model_path, lapel_channel, threshold = self._options(request.options)
        total = max(1, len(request.instants))
        report: Callable[[int, int], None] = request.progress
        source = audio_source(request.media)
        if self._vad is None or (model_path and self._vad.path != silero_model_path(model_path)):
            self._vad = SileroVad(model_path)
        settings = SpeakerSettings(threshold=threshold)
        # one streaming pass, block by block: per 32-ms frame the VAD probability, the levels of the mix,
        # the lapel channel and the rest, and the voice features; never the whole track
        track = read_track(source.path, self._vad, lapel_channel, settings, threads=request.threads,
                           progress=lambda done: report(int(total * 0.9 * done), total))
        turns = track_turns(track, settings, threads=request.threads)
        end = (request.instants[-1] + 60.0) if request.instants else float("inf")
        for turn in turns:
            t, until = turn.start + source.offset, turn.end + source.offset
            if until <= 0 or t >= end:
                continue
            yield SpeechObservation(t=round(max(0.0, t), 3), end=round(until, 3), speaker=turn.speaker,
                                    source=source.path, detector=NAME, confidence=turn.confidence)
        report(total, total)


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(SpeechDetector())
