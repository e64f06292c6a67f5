"""COPUS, the Classroom Observation Protocol for Undergraduate STEM (Smith, Jones, Gilbert & Wieman 2013).

An observer ticks, for every 2-minute interval, each code that occurred at least once in it: 13
codes of what the students do and 12 of what the instructor does (ids ``S.<code>`` and
``I.<code>``; ``S.AnQ`` and ``I.AnQ`` are different codes). One coded sample per interval holds its
``ticks`` (code id -> ticked); a code missing from them was not coded (a study coding 8 codes, or a
code video cannot see), never "not ticked". Sheets (CSV/XLSX) are read by :mod:`.copus_sheet`.

The automatic draft (:class:`CopusCoder`) condenses the platform-9 coding of the same observations
(six-second samples, the platform's own coder) plus speech, per 2-minute window, with the mapping
of :data:`DRAFT_MAPPING`; the codes in :data:`NOT_FROM_VIDEO` are left uncoded, never guessed.
A COPUS tick says a code occurred at least once in the interval, so where part of a window's sound
was not recorded (``audio@…``/``mixed.audio@…`` ranges of ``CodeRequest.unavailable``, read per
instant by :mod:`.coverage`) the window is coded only from what was observed: what was heard still
ticks a code, but a speech-based code nobody was heard doing (``I.PQ``, ``S.SQ``, ``I.AnQ``) is left
uncoded, not "not ticked" (``I.PQ`` falls back to the video rule, as in a window not heard at all).
The platform-9 samples it condenses are masked the same way by that coder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from lessonlens.core.extensions import Coder, CodeRequest, SheetHead
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.observations import SpeechObservation
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import Code, CodedSample, CodedTimeline, CodingScheme, Evidence
from lessonlens.plugins.coders.copus_sheet import read_copus_sheet
from lessonlens.plugins.coders.coverage import sound_recorded

#: COPUS codes ticked per 2-minute interval
INTERVAL = 120.0


def _s(code: str, zh: str, en: str) -> Code:
    return Code(f"S.{code}", Text(zh=zh, en=en), "students")


def _i(code: str, zh: str, en: str) -> Code:
    return Code(f"I.{code}", Text(zh=zh, en=en), "teacher")


SCHEME = CodingScheme(
    id="copus",
    name=Text(zh="本科 STEM 课堂观察协议（COPUS）", en="Classroom Observation Protocol for Undergraduate STEM (COPUS)"),
    interval=INTERVAL,
    multi_code=True,
    codes=(
        _s("L", "听讲或记笔记", "Listening to instructor / taking notes"),
        _s("Ind", "独立思考或解题", "Individual thinking / problem solving"),
        _s("CG", "小组讨论答题器问题", "Discuss clicker question in groups"),
        _s("WG", "小组完成练习单", "Working in groups on worksheet activity"),
        _s("OG", "其他小组活动", "Other assigned group activity"),
        _s("AnQ", "学生回答教师提问", "Student answering a question posed by the instructor"),
        _s("SQ", "学生提问", "Student asks question"),
        _s("WC", "全班讨论", "Engaged in whole-class discussion"),
        _s("Prd", "预测演示或实验结果", "Making a prediction about a demo or experiment"),
        _s("SP", "学生展示", "Presentation by student(s)"),
        _s("TQ", "测验", "Test or quiz"),
        _s("W", "等待", "Waiting"),
        _s("O", "其他", "Other"),
        _i("Lec", "讲授", "Lecturing"),
        _i("RtW", "实时板书", "Real-time writing on board or projector"),
        _i("FUp", "对答题器问题或活动的跟进反馈", "Follow-up / feedback on clicker question or activity"),
        _i("PQ", "提出（非答题器）问题", "Posing non-clicker question"),
        _i("CQ", "提出答题器问题", "Asking a clicker question"),
        _i("AnQ", "回答学生问题", "Listening to and answering student questions"),
        _i("MG", "巡视并指导学生活动", "Moving through class guiding student work"),
        _i("1o1", "一对一深入讨论", "One-on-one extended discussion"),
        _i("D/V", "演示、实验、模拟或视频", "Demo, experiment, simulation or video"),
        _i("Adm", "事务管理", "Administration"),
        _i("W", "等待", "Waiting"),
        _i("O", "其他", "Other"),
    ),
)

#: what the draft ticks, from which platform-9 behaviour or speech (see docs/metrics.md, COPUS)
DRAFT_MAPPING: dict[str, str] = {
    "I.Lec": "teacher lecturing (platform-9 lecturing) in the window",
    "I.RtW": "teacher board_writing in the window",
    "I.MG": "teacher patrolling in the window",
    "I.PQ": "a teacher question heard (ASR text), else a teacher_student_interaction sample",
    "I.AnQ": "teacher speech right after a student question",
    "S.L": "students listening (share >= student_share) in the window",
    "S.Ind": "students reading/writing (share >= student_share) with no student speech",
    "S.GW": "students in peer interaction (share >= student_share) or group speech: CG/WG/OG not told apart",
    "S.AnQ": "student answering (platform-9 answering) or a student speaking after a teacher question",
    "S.SQ": "a student question heard (ASR text)",
}
#: codes the draft never ticks: video and speech cannot tell them (they stay "not coded")
NOT_FROM_VIDEO: dict[str, str] = {
    "S.CG": "clicker questions need the clicker system's log",
    "S.WG": "a worksheet cannot be told from other group work on video",
    "S.OG": "see S.WG: the draft ticks the derived S.GW instead",
    "S.WC": "whole-class discussion vs. answering needs the content of the talk",
    "S.Prd": "a prediction about a demo needs the content of the talk",
    "S.SP": "a student presentation vs. answering needs who holds the floor and for how long",
    "S.TQ": "a test or quiz looks like individual work",
    "S.W": "waiting looks like listening or individual work",
    "S.O": "other is what an observer names",
    "I.FUp": "follow-up on an activity vs. lecturing needs the content of the talk",
    "I.CQ": "clicker questions need the clicker system's log",
    "I.1o1": "one-on-one vs. guiding (MG) needs the length of one conversation",
    "I.D/V": "a demo, simulation or video needs the screen's content",
    "I.Adm": "administration vs. lecturing needs the content of the talk",
    "I.W": "waiting looks like patrolling",
    "I.O": "other is what an observer names",
}

_QUESTION = re.compile(
    r"[?？]|[吗嗎呢]\s*[。.!！]?\s*$|为什么|怎么|什么|哪|谁|几|多少|是不是|对不对|能不能|有没有"
    r"|^\s*(what|why|how|who|which|when|where|can|could|do|does|is|are|would)\b",
    re.IGNORECASE,
)
_STUDENT = ("student", "students")
#: group talk is group work; a chorus (the class answering together) is not
_GROUP = ("group",)
_CLASS = ("chorus",)


def window_ticks(samples: Sequence[CodedSample], speech: Sequence[SpeechObservation], heard: bool,
                  student_share: float, min_samples: int,
                  whole: bool = True) -> tuple[dict[str, bool], tuple[Evidence, ...]]:
    """The draft ticks of one window from its platform-9 samples and its speech (``heard``: some of
    the window's sound was recorded and analysed; ``whole``: all of it)."""
    ticks: dict[str, bool] = {}
    evidence: list[Evidence] = []
    seen_teacher = [s.teacher for s in samples if s.teacher is not None]
    known_students = [s.students for s in samples if s.students]
    if seen_teacher:
        for code, behaviour in (("I.Lec", "lecturing"), ("I.RtW", "board_writing"), ("I.MG", "patrolling")):
            count = seen_teacher.count(behaviour)
            ticks[code] = count >= min_samples
            if ticks[code]:
                evidence.append(Evidence("platform-9", "behaviour", f"{code}: {count} x {behaviour}"))
    if known_students:
        for code, behaviour in (("S.L", "listening"), ("S.Ind", "reading_writing"), ("S.GW", "peer_interaction"),
                                ("S.AnQ", "answering")):
            count = sum(1 for shares in known_students if shares.get(behaviour, 0.0) >= student_share)
            ticks[code] = count >= min_samples if code != "S.AnQ" else count >= 1
            if ticks[code]:
                evidence.append(Evidence("platform-9", "behaviour", f"{code}: {count} x {behaviour}"))
    interaction = seen_teacher.count("teacher_student_interaction")
    if seen_teacher and not heard:
        ticks["I.PQ"] = interaction >= min_samples
    if heard:
        teacher_q = [s for s in speech if s.speaker == "teacher" and _QUESTION.search(s.text)]
        student_q = [s for s in speech if s.speaker in _STUDENT and _QUESTION.search(s.text)]
        answered = [s for s in speech if s.speaker in _STUDENT and s not in student_q
                    and any(q.t < s.t for q in teacher_q)]
        after_student_q = [s for s in speech if s.speaker == "teacher" and any(q.t < s.t for q in student_q)]
        ticks["I.PQ"] = bool(teacher_q)
        ticks["S.SQ"] = bool(student_q)
        ticks["I.AnQ"] = bool(after_student_q)
        ticks["S.AnQ"] = ticks.get("S.AnQ", False) or bool(answered)
        group = [s for s in speech if s.speaker in _GROUP]
        if group:
            ticks["S.GW"] = True
            evidence.append(Evidence(group[0].detector, "speech", "S.GW: group talk", group[0].t))
        if ticks.get("S.Ind"):  # students talking: not individual work
            ticks["S.Ind"] = not any(s.speaker in _STUDENT + _GROUP + _CLASS for s in speech)
        for found, code in ((teacher_q, "I.PQ"), (student_q, "S.SQ"), (answered, "S.AnQ")):
            if found:
                evidence.append(Evidence(found[0].detector, "speech", f"{code}: {found[0].text[:40]}", found[0].t))
        if not whole:  # part of the window unheard: nobody heard is not nobody said it
            for code in ("S.SQ", "I.AnQ"):
                if not ticks[code]:
                    del ticks[code]
            if not ticks["I.PQ"]:
                if seen_teacher:
                    ticks["I.PQ"] = interaction >= min_samples
                else:
                    del ticks["I.PQ"]
    # a code ticked at first and then ruled out (S.Ind with students talking) keeps no evidence
    return ticks, tuple(e for e in evidence if ticks.get(e.detail.split(":", 1)[0]))


class CopusCoder(Coder):
    """The COPUS draft from video: platform-9 behaviours and speech condensed per 2-minute interval.

    Options: ``student_share`` (a student behaviour counts in a sample when at least this share of
    the class does it; default 0.25), ``min_samples`` (samples of a behaviour needed to tick it in a
    window; default 2, i.e. 12 s at the platform's 6 s).
    """

    name = "copus"
    scheme = SCHEME

    def code(self, request: CodeRequest) -> CodedTimeline:
        fine = get_manager().coder("platform-9").code(request)
        speech = sorted((o for o in request.observations if isinstance(o, SpeechObservation) and o.speaker),
                        key=lambda o: o.t)
        heard = bool(speech) and not ({u.lower() for u in request.unavailable} & {"speech", "asr", "audio"})
        share = float(request.options.get("student_share", 0.25))
        least = int(request.options.get("min_samples", 2))
        end = (request.instants[-1] + request.interval) if request.instants else 0.0
        recorded = sound_recorded(request.unavailable, request.instants)
        samples = []
        start = 0.0
        while start < end - 1e-9:
            stop = start + INTERVAL
            inside = [s for s in fine.samples if start <= s.t < stop]
            said = [s for s in speech if start <= s.t < stop]
            known = [bool(r) for t, r in zip(request.instants, recorded, strict=True) if start <= t < stop]
            ticks, evidence = window_ticks(inside, said, heard and (any(known) or not known), share, least,
                                           whole=all(known))
            samples.append(CodedSample(t=start, ticks=ticks, evidence=evidence))
            start = stop
        return CodedTimeline(scheme=SCHEME.id, interval=INTERVAL, samples=tuple(samples), coder=self.name)

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        return read_copus_sheet(path, SCHEME, coder=self.name)

    def matches_sheet(self, head: SheetHead) -> int:
        """``interval``/``time`` then ``S.``/``I.`` columns; a workbook no other scheme claims
        (COPUS observers fill XLSX templates) is rated low rather than not at all."""
        columns = head.header
        if columns and columns[0] in ("interval", "time") and any(c.startswith(("s.", "i.")) for c in columns):
            return 3
        return 1 if head.path.suffix.lower() in (".xlsx", ".xlsm") else 0


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(CopusCoder())
