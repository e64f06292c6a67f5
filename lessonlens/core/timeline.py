"""Coding schemes and the coded timeline: what happened at each sampling instant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from lessonlens.core.i18n import Text
from lessonlens.core.lazy import frozen_sequence

TEACHER_BEHAVIOURS: tuple[str, ...] = (
    "lecturing", "board_writing", "patrolling", "teacher_student_interaction",
)
STUDENT_BEHAVIOURS: tuple[str, ...] = (
    "listening", "hand_raising", "answering", "reading_writing", "peer_interaction",
)
#: labels of the behaviours (SPEC.md section 2): the one place they are written
BEHAVIOUR_LABELS: dict[str, Text] = {
    "lecturing": Text(zh="讲授", en="Lecturing"),
    "board_writing": Text(zh="板书", en="Board writing"),
    "patrolling": Text(zh="巡视", en="Patrolling"),
    "teacher_student_interaction": Text(zh="师生互动", en="Teacher-student interaction"),
    "listening": Text(zh="听讲", en="Listening"),
    "hand_raising": Text(zh="举手", en="Hand raising"),
    "answering": Text(zh="应答", en="Answering"),
    "reading_writing": Text(zh="读写", en="Reading/writing"),
    "peer_interaction": Text(zh="生生互动", en="Peer interaction"),
}
ST_CODES: tuple[str, ...] = ("S", "T")


@attrs.frozen
class Code:
    """One code of a scheme: its id, bilingual label, which side it belongs to and its S/T code."""

    id: str
    label: Text
    side: str = "teacher"
    st: str | None = None


@attrs.frozen
class CodingScheme:
    """A coding scheme: its codes and their default S/T mapping (overridable per timeline).

    ``multi_code``: several codes are ticked per sample (``CodedSample.ticks``, COPUS); such a
    timeline is measured only by the metrics that name the scheme, not by those for any scheme.
    """

    id: str
    name: Text
    codes: tuple[Code, ...]
    interval: float = 6.0
    multi_code: bool = False

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def codes_of(self, side: str) -> tuple[str, ...]:
        return tuple(code.id for code in self.codes if code.side == side)

    def st_mapping(self) -> dict[str, str]:
        return {code.id: code.st for code in self.codes if code.st is not None}


@attrs.frozen
class Evidence:
    """Why a sample got its code: the detector, what it saw, and a short human-readable detail."""

    detector: str
    kind: str
    detail: str = ""
    t: float | None = None


@attrs.frozen
class CodedSample:
    """The codes at one instant.

    ``teacher`` is the teacher's behaviour, ``students`` the share of detected students doing each
    student behaviour (summing to 1), ``code`` the single code of one-code schemes (FIAS), ``st``
    the S/T code. ``None`` means unknown at that instant, never "zero". ``ticks`` holds the codes
    of a multi-code scheme (COPUS: several codes ticked per interval): code id -> ticked or not; a
    code missing from it was not coded at that instant.
    """

    t: float
    teacher: str | None = None
    students: Mapping[str, float] = attrs.field(factory=dict)
    code: str | None = None
    st: str | None = None
    confidence: float = 1.0
    evidence: tuple[Evidence, ...] = ()
    ticks: Mapping[str, bool] = attrs.field(factory=dict)


@attrs.frozen
class CodedTimeline:
    """A lesson coded under one scheme at a fixed interval; ``st_mapping`` overrides the scheme's.

    ``samples`` is a tuple, or for a timeline made from numpy columns
    (:func:`lessonlens.columnar.columns.columnar_timeline`) a lazy view whose CodedSample objects are
    made only when read: metrics compute on the columns directly.
    """

    scheme: str
    interval: float
    samples: Sequence[CodedSample] = attrs.field(converter=frozen_sequence)
    st_mapping: Mapping[str, str] = attrs.field(factory=dict)
    coder: str = ""
