"""Flanders Interaction Analysis (FIAS): ten categories of classroom talk, one per sample.

1-7 are teacher talk (1-4 indirect influence, 5-7 direct), 8-9 student talk, 10 silence or
confusion. For S-T analysis 1-7 count as T and 8-10 as S (overridable with ``options["st_mapping"]``).
Sheets are ``t,code`` with codes 1..10 (Flanders coded every 3 s; the scheme's default interval).

Coding from observations is a rough approximation from speech transcripts: teacher questions are 4,
praise 2, other teacher talk 5; student talk right after a question is 8, otherwise 9; no speech 10.
Every category is talk or silence, so an instant whose sound was not recorded (an ``audio@…`` or
``mixed.audio@…`` range in ``CodeRequest.unavailable``, read by :mod:`.coverage`) is coded only from
speech observed there (a camera's own sound), else left uncoded: never 10.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from lessonlens.core.extensions import Coder, CodeRequest, SheetHead
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.observations import SpeechObservation
from lessonlens.core.timeline import Code, CodedSample, CodedTimeline, CodingScheme, Evidence
from lessonlens.plugin import read_code_sheet
from lessonlens.plugins.coders.coverage import sound_recorded

SCHEME = CodingScheme(
    id="fias",
    name=Text(zh="弗兰德斯互动分析系统（FIAS）", en="Flanders Interaction Analysis System (FIAS)"),
    interval=3.0,
    codes=(
        Code("1", Text(zh="接纳学生情感", en="Accepts feeling"), "teacher", "T"),
        Code("2", Text(zh="表扬或鼓励", en="Praises or encourages"), "teacher", "T"),
        Code("3", Text(zh="接纳或采用学生观点", en="Accepts or uses ideas of students"), "teacher", "T"),
        Code("4", Text(zh="提问", en="Asks questions"), "teacher", "T"),
        Code("5", Text(zh="讲授", en="Lecturing"), "teacher", "T"),
        Code("6", Text(zh="指令", en="Giving directions"), "teacher", "T"),
        Code("7", Text(zh="批评或维护权威", en="Criticising or justifying authority"), "teacher", "T"),
        Code("8", Text(zh="学生应答（被动说话）", en="Student talk: response"), "students", "S"),
        Code("9", Text(zh="学生主动说话", en="Student talk: initiation"), "students", "S"),
        Code("10", Text(zh="沉寂或混乱", en="Silence or confusion"), "silence", "S"),
    ),
)

_QUESTION = re.compile(r"[?？]|吗|呢|为什么|怎么|什么|哪|\b(what|why|how|who|which|where|when)\b", re.IGNORECASE)
_PRAISE = re.compile(r"很好|真棒|不错|好极了|非常好|\b(good|great|well done|excellent)\b", re.IGNORECASE)


def fias_code(cell: str) -> str | None:
    """A sheet cell as a FIAS code id (``"1"`` .. ``"10"``; ``"05"`` and ``"5.0"`` allowed)."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return str(int(value)) if value.is_integer() and 1 <= value <= 10 else None


def teacher_talk_code(text: str) -> str:
    if _PRAISE.search(text):
        return "2"
    if _QUESTION.search(text):
        return "4"
    return "5"


class FiasCoder(Coder):
    name = "fias"
    scheme = SCHEME

    def code(self, request: CodeRequest) -> CodedTimeline:
        mapping = {**SCHEME.st_mapping(), **request.options.get("st_mapping", {})}
        speech = sorted((o for o in request.observations if isinstance(o, SpeechObservation)), key=lambda o: o.t)
        samples: list[CodedSample] = []
        previous: str | None = None
        recorded = sound_recorded(request.unavailable, request.instants)
        for t, sound in zip(request.instants, recorded, strict=True):
            code, evidence = self._code_at(t, speech, previous, heard=bool(speech) and bool(sound))
            samples.append(CodedSample(t=t, code=code, st=mapping.get(code) if code else None, evidence=evidence))
            previous = code
        return CodedTimeline(scheme=SCHEME.id, interval=request.interval, samples=tuple(samples),
                             st_mapping=mapping, coder=self.name)

    @staticmethod
    def _code_at(t: float, speech: Sequence[SpeechObservation], previous: str | None,
                 heard: bool) -> tuple[str | None, tuple[Evidence, ...]]:
        talking = [s for s in speech if s.t <= t < max(s.end, s.t + 1e-9)]
        if not talking:
            # silence is a finding only where speech was analysed at all; otherwise unknown
            return ("10" if heard else None), ()
        turn = talking[-1]
        evidence = (Evidence(turn.detector, turn.kind, f"{turn.speaker}: {turn.text[:40]}", turn.t),)
        if turn.speaker == "teacher":
            return teacher_talk_code(turn.text), evidence
        return ("8" if previous in ("4", "8") else "9"), evidence

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        return read_code_sheet(path, SCHEME, fias_code, interval, coder=self.name)

    def matches_sheet(self, head: SheetHead) -> int:
        """A one-code sheet whose first code is a number (FIAS categories 1-10)."""
        first = head.first_code()
        return 3 if first and first.replace(".", "", 1).isdigit() else 0


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(FiasCoder())
