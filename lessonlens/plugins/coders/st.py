"""The plain S-T scheme: every sample is T (the teacher is the source of information) or S (anything else).

Sheets are ``t,code`` with S/T, or a single column of S/T letters at a fixed interval (classic S-T
observation samples every 30 s, which is the scheme's default). Coding from observations: teacher
speech at the instant is T, student or choral speech S; without speech the teacher's behaviour cue
decides (lecturing and board writing T, the rest S), overridable with ``options["st_mapping"]``.
Silence is never coded, so an instant whose sound was not recorded (``audio@…`` ranges) is already
coded only from what was observed there: its speech, else the teacher's cue, else nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from lessonlens.core.extensions import Coder, CodeRequest, SheetHead
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.observations import BehaviourCue, SpeechObservation
from lessonlens.core.timeline import Code, CodedSample, CodedTimeline, CodingScheme, Evidence
from lessonlens.plugin import read_code_sheet

SCHEME = CodingScheme(
    id="st",
    name=Text(zh="S-T 分析编码", en="S-T analysis coding"),
    interval=30.0,
    codes=(
        Code("T", Text(zh="教师行为", en="Teacher behaviour"), "teacher", "T"),
        Code("S", Text(zh="学生行为", en="Student behaviour"), "students", "S"),
    ),
)
#: teacher behaviour cue -> S/T when nobody speaks at the instant
CUE_MAPPING = {"lecturing": "T", "board_writing": "T", "teacher_student_interaction": "T", "patrolling": "S"}


def st_letter(cell: str) -> str | None:
    value = cell.strip().upper()
    return value if value in ("S", "T") else None


class StCoder(Coder):
    name = "st"
    scheme = SCHEME

    def code(self, request: CodeRequest) -> CodedTimeline:
        mapping = {**CUE_MAPPING, **request.options.get("st_mapping", {})}
        speech = sorted((o for o in request.observations if isinstance(o, SpeechObservation)), key=lambda o: o.t)
        cues = [o for o in request.observations if isinstance(o, BehaviourCue) and o.actor == "teacher"]
        half = request.interval / 2
        samples = [self._sample(t, speech, cues, mapping, half) for t in request.instants]
        return CodedTimeline(scheme=SCHEME.id, interval=request.interval, samples=tuple(samples),
                             st_mapping=SCHEME.st_mapping(), coder=self.name)

    @staticmethod
    def _sample(t: float, speech: Sequence[SpeechObservation], cues: Sequence[BehaviourCue],
                mapping: dict[str, str], half: float) -> CodedSample:
        talking = [s for s in speech if s.t <= t < max(s.end, s.t + 1e-9)]
        if talking:
            speaker = talking[-1]
            code = "T" if speaker.speaker == "teacher" else "S"
            return CodedSample(t=t, code=code, st=code, confidence=speaker.confidence,
                               evidence=(Evidence(speaker.detector, speaker.kind, speaker.speaker, speaker.t),))
        near = [c for c in cues if abs(c.t - t) < half and c.behaviour in mapping]
        if not near:
            return CodedSample(t=t)
        best = max(near, key=lambda c: c.confidence)
        code = mapping[best.behaviour]
        return CodedSample(t=t, code=code, st=code, confidence=best.confidence,
                           evidence=(Evidence(best.detector, best.kind, f"teacher:{best.behaviour}", best.t),))

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        return read_code_sheet(path, SCHEME, st_letter, interval, coder=self.name, bare=True)

    def matches_sheet(self, head: SheetHead) -> int:
        """A one-column ``S``/``T`` sheet, a first code S or T, or no rows; else the fallback of
        one-code sheets whose first code no scheme claims."""
        if head.header in (("s",), ("t",)):
            return 4  # the header names the scheme
        first = head.first_code()
        if first is None:
            return 0
        return 3 if first.upper() in ("", "S", "T") else 1


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(StCoder())
