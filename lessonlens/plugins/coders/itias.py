"""ITIAS (信息技术环境下的互动分析系统, 顾小清 & 王炜 2004): Flanders' categories for classrooms with technology.

Eighteen codes, one per sample (every 3 s), in the numbering commonly cited from the source:
teacher talk 1-8 (1-5 indirect influence, with questions split into open 4 and closed 5; 6-8
direct), student talk 9-12, silence 13-15, technology 16-18. For S-T analysis teacher talk and the
teacher operating technology (16) are T, everything else S (overridable with ``options["st_mapping"]``).

Sheets: ``t,code`` rows (or one ``code`` column with ``--interval``), or a bare code sequence, one
lesson per file, codes separated by spaces, commas, semicolons or line breaks (``6 6 6 4 9 9 14``).

Coding from observations is a rough speech-based draft like FIAS's: teacher praise 2, an open
question 4 (why/how, 为什么/怎么/如何), another question 5, a direction 7, other teacher talk 6; a
student answering a question still open 9, a student question 11, other student talk 10, group talk
12; silence within five samples of an unanswered question 14, silence with most students
reading/writing 15. Confusion (13) and the
technology codes (16-18) need an observer (no detector sees them): they are never guessed.
Silence (14, 15) is a finding only where the sound was recorded: an instant inside an ``audio@…`` or
``mixed.audio@…`` range of ``CodeRequest.unavailable`` (read by :mod:`.coverage`) is coded only from
speech observed there, else left uncoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lessonlens.core.errors import InputError
from lessonlens.core.extensions import Coder, CodeRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.observations import BehaviourCue, SpeechObservation
from lessonlens.core.timeline import Code, CodedSample, CodedTimeline, CodingScheme, Evidence
from lessonlens.plugin import columnar_timeline, header_cells, parse_rows, read_code_sheet, read_text, sheet_interval
from lessonlens.plugins.coders.coverage import sound_recorded

SCHEME = CodingScheme(
    id="itias",
    name=Text(zh="信息技术环境下的互动分析系统（ITIAS）",
              en="Information Technology-based Interaction Analysis System (ITIAS)"),
    interval=3.0,
    codes=(
        Code("1", Text(zh="教师接受情感", en="Teacher accepts feelings"), "teacher", "T"),
        Code("2", Text(zh="教师表扬或鼓励", en="Teacher praises or encourages"), "teacher", "T"),
        Code("3", Text(zh="教师采纳学生观点", en="Teacher accepts or uses students' ideas"), "teacher", "T"),
        Code("4", Text(zh="教师提问开放性问题", en="Teacher asks an open question"), "teacher", "T"),
        Code("5", Text(zh="教师提问封闭性问题", en="Teacher asks a closed question"), "teacher", "T"),
        Code("6", Text(zh="教师讲授", en="Teacher lectures"), "teacher", "T"),
        Code("7", Text(zh="教师指示", en="Teacher gives directions"), "teacher", "T"),
        Code("8", Text(zh="教师批评或维护权威", en="Teacher criticises or justifies authority"), "teacher", "T"),
        Code("9", Text(zh="学生被动应答", en="Student talk: passive response"), "students", "S"),
        Code("10", Text(zh="学生主动应答", en="Student talk: active response"), "students", "S"),
        Code("11", Text(zh="学生主动提问", en="Student asks a question"), "students", "S"),
        Code("12", Text(zh="学生与同伴讨论", en="Student discusses with peers"), "students", "S"),
        Code("13", Text(zh="无助于教学的混乱", en="Confusion not helping teaching"), "silence", "S"),
        Code("14", Text(zh="学生思考问题", en="Students thinking"), "silence", "S"),
        Code("15", Text(zh="学生做练习", en="Students doing exercises"), "silence", "S"),
        Code("16", Text(zh="教师操纵技术", en="Teacher operates technology"), "technology", "T"),
        Code("17", Text(zh="学生操纵技术", en="Students operate technology"), "technology", "S"),
        Code("18", Text(zh="技术作用学生", en="Technology acts on students"), "technology", "S"),
    ),
)

_QUESTION = re.compile(r"[?？]|吗|呢|为什么|怎么|什么|哪|如何|\b(what|why|how|who|which|where|when)\b", re.IGNORECASE)
_OPEN = re.compile(r"为什么|怎么|如何|怎样|有什么想法|你认为|\b(why|how|what do you think|explain)\b", re.IGNORECASE)
_PRAISE = re.compile(r"很好|真棒|不错|好极了|非常好|\b(good|great|well done|excellent)\b", re.IGNORECASE)
_DIRECTION = re.compile(r"打开|翻到|拿出|请.{0,6}(读|写|做|看)|\b(open|turn to|take out|please)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,;，；]+")

_BAD_CODE = Text(zh="第 {line} 行第 {position} 个编码 {value!r} 不是 1–18 的整数",
                 en="line {line}, code {position}: {value!r} is not a whole number 1-18")
_EMPTY = Text(zh="文件为空，没有编码数据", en="the sheet is empty: no coded rows")


def itias_code(cell: str) -> str | None:
    """A cell as an ITIAS code id (``"1"`` .. ``"18"``; ``"05"`` and ``"5.0"`` allowed)."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return str(int(value)) if value.is_integer() and 1 <= value <= 18 else None


def read_sequence(path: str | Path, interval: float | None = None, coder: str = "itias") -> CodedTimeline:
    """A bare code sequence (one lesson, any separators) as a timeline at ``interval`` (default 3 s).

    Made from numpy columns (no CodedSample per code): a 45-minute lesson is 900 codes."""
    text = read_text(path)
    step = sheet_interval((), interval, SCHEME.interval, str(path))
    ids = tuple(c.id for c in SCHEME.codes)
    index = {c: i for i, c in enumerate(ids)}
    codes: list[int] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        for position, token in enumerate((t for t in _SEPARATORS.split(line) if t), start=1):
            code = index.get(token)
            if code is None:
                found = itias_code(token)  # "05", "5.0"
                if found is None:
                    raise InputError(_BAD_CODE, path, line=line_no, position=position, value=token)
                code = index[found]
            codes.append(code)
    if not codes:
        raise InputError(_EMPTY, path)
    t = np.round(np.arange(len(codes)) * step, 6)
    return columnar_timeline(SCHEME.id, step, t, code=np.asarray(codes, dtype=np.int64), code_ids=ids,
                             st_mapping=SCHEME.st_mapping(), coder=coder)


def _teacher_code(text: str) -> str:
    if _PRAISE.search(text):
        return "2"
    if _QUESTION.search(text):
        return "4" if _OPEN.search(text) else "5"
    return "7" if _DIRECTION.search(text) else "6"


class ItiasCoder(Coder):
    name = "itias"
    scheme = SCHEME

    def code(self, request: CodeRequest) -> CodedTimeline:
        mapping = {**SCHEME.st_mapping(), **request.options.get("st_mapping", {})}
        speech = sorted((o for o in request.observations if isinstance(o, SpeechObservation)), key=lambda o: o.t)
        writing = [o for o in request.observations if isinstance(o, BehaviourCue) and o.actor == "students"
                   and o.behaviour == "reading_writing" and (o.share or 0.0) >= 0.5]
        samples: list[CodedSample] = []
        asked: float | None = None  # when the teacher's question still awaiting an answer was asked
        recorded = sound_recorded(request.unavailable, request.instants)
        for t, sound in zip(request.instants, recorded, strict=True):
            code, evidence = self._code_at(t, speech, writing, asked, request.interval,
                                           heard=bool(speech) and bool(sound))
            if code in ("4", "5"):
                asked = t
            elif code is not None and code not in ("9", "14"):  # anything else moves the class on
                asked = None
            samples.append(CodedSample(t=t, code=code, st=mapping.get(code) if code else None, evidence=evidence))
        return CodedTimeline(scheme=SCHEME.id, interval=request.interval, samples=tuple(samples),
                             st_mapping=mapping, coder=self.name)

    @staticmethod
    def _code_at(t: float, speech: Sequence[SpeechObservation], writing: Sequence[BehaviourCue], asked: float | None,
                 interval: float, heard: bool) -> tuple[str | None, tuple[Evidence, ...]]:
        talking = [s for s in speech if s.t <= t < max(s.end, s.t + 1e-9)]
        if talking:
            turn = talking[-1]
            evidence = (Evidence(turn.detector, turn.kind, f"{turn.speaker}: {turn.text[:40]}", turn.t),)
            if turn.speaker == "teacher":
                return _teacher_code(turn.text), evidence
            if turn.speaker == "group":
                return "12", evidence
            if _QUESTION.search(turn.text):
                return "11", evidence
            # answering the teacher's open question is a response (9); speaking up unasked is active (10)
            return ("9" if asked is not None else "10"), evidence
        if not heard:  # silence (13-15) is a finding only where the sound was analysed and recorded
            return None, ()
        near = [w for w in writing if abs(w.t - t) <= interval / 2]
        if near:
            return "15", (Evidence(near[0].detector, near[0].kind, "students:reading_writing", near[0].t),)
        if asked is not None and t - asked <= 5 * interval:  # wait time after a question
            return "14", ()
        return None, ()

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        text = read_text(path)
        head = header_cells(text, path)
        if {"code", "t", "编码"} & set(head):  # a t,code table, else a bare code sequence
            return read_code_sheet(path, SCHEME, itias_code, interval, coder=self.name)
        if not head:
            parse_rows(text, path)  # raises: the sheet is empty
        return read_sequence(path, interval, coder=self.name)


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(ItiasCoder())
