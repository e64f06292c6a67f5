"""Typed observations that detectors emit at sampling instants.

Each kind has a ``kind`` tag in JSON. A plugin may emit a kind lessonlens does not know: it is kept
as a :class:`GenericObservation` with its fields in ``data``, so nothing a detector saw is lost.
Coordinates are fractions of the frame (0..1, origin top-left) so they survive a change of resolution.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs


@attrs.frozen
class Keypoint:
    name: str
    x: float
    y: float
    visibility: float = 1.0


@attrs.frozen
class Box:
    """An axis-aligned box in frame fractions."""

    x: float
    y: float
    w: float
    h: float


@attrs.frozen(kw_only=True)
class Observation:
    """Something a detector saw or heard at time ``t`` (s from lesson start) in one media role."""

    kind: ClassVar[str] = "observation"
    t: float
    source: str = ""
    detector: str = ""
    confidence: float = 1.0


@attrs.frozen(kw_only=True)
class PoseObservation(Observation):
    """A person's body keypoints; ``person`` is a track id stable within the lesson where possible."""

    kind: ClassVar[str] = "pose"
    person: str = ""
    box: Box | None = None
    keypoints: tuple[Keypoint, ...] = ()


@attrs.frozen(kw_only=True)
class FaceObservation(Observation):
    """A face and where it looks: ``front``, ``down``, ``side`` (at a neighbour) or ``away``."""

    kind: ClassVar[str] = "face"
    person: str = ""
    box: Box | None = None
    yaw: float | None = None
    pitch: float | None = None
    gaze: str = "front"


@attrs.frozen(kw_only=True)
class StudentObservation(Observation):
    """One student (a seat, ``person``) at one instant: the head's ``state`` (``front`` looking up,
    ``down``, ``side`` turned / looking around, ``phone``; ``""`` not seen), a raised hand, standing."""

    kind: ClassVar[str] = "student"
    person: str = ""
    box: Box | None = None
    state: str = ""
    hand_raised: bool = False
    standing: bool = False


@attrs.frozen(kw_only=True)
class PositionObservation(Observation):
    """Where the teacher stands: frame position and the room zone it falls in (``podium``, ``aisle`` ...)."""

    kind: ClassVar[str] = "position"
    person: str = "teacher"
    x: float = 0.5
    y: float = 0.5
    zone: str = ""
    moving: bool = False


@attrs.frozen(kw_only=True)
class BoardTextObservation(Observation):
    """Text read off the board and how many characters appeared since the previous reading."""

    kind: ClassVar[str] = "board_text"
    text: str = ""
    added_chars: int = 0
    box: Box | None = None


@attrs.frozen(kw_only=True)
class SpeechObservation(Observation):
    """A stretch of speech from ``t`` to ``end``: who speaks (``teacher``, ``student``, ``chorus``) and what."""

    kind: ClassVar[str] = "speech"
    end: float = 0.0
    speaker: str = ""
    text: str = ""
    language: str = ""


@attrs.frozen(kw_only=True)
class BehaviourCue(Observation):
    """A direct behaviour judgement: ``actor`` (``teacher`` or ``students``) does ``behaviour``.

    Detectors that recognise actions end to end (an action-recognition model, a hand-raise
    classifier) emit cues; for students ``share`` is the fraction of the class doing it.
    """

    kind: ClassVar[str] = "behaviour"
    actor: str = "teacher"
    behaviour: str = ""
    share: float | None = None


@attrs.frozen(kw_only=True)
class GenericObservation(Observation):
    """An observation of a kind this lessonlens does not model; its fields are kept in ``data``."""

    kind_name: str = "generic"
    data: dict[str, Any] = attrs.field(factory=dict)


OBSERVATION_KINDS: dict[str, type[Observation]] = {
    cls.kind: cls
    for cls in (PoseObservation, FaceObservation, StudentObservation, PositionObservation, BoardTextObservation,
                SpeechObservation, BehaviourCue)
}
