"""The 16-behaviour "verbal–activity" scheme (言语—活动教学行为编码系统): one code per sample.

Two dimensions, teacher/student × verbal/activity, four behaviours each (the source paper, after
程云 et al.; the platform's nine behaviours were condensed from these sixteen):

=================  ====================  =============================================
category           code                  label
=================  ====================  =============================================
teacher_verbal     ``t_feedback``        反馈与评价 feedback and evaluation
                   ``t_instruction``     指示 instruction (directions to the class)
                   ``t_questioning``     提问 questioning
                   ``t_lecturing``       讲授 lecturing
teacher_activity   ``t_guidance``        个别指导或参与活动 individual guidance / joining in
                   ``t_patrolling``      观察或巡视 observing / patrolling
                   ``t_demonstration``   演示或展示 demonstration / display
                   ``t_board_writing``   板书 board writing
student_verbal     ``s_questioning``     主动提问 asking on their own initiative
                   ``s_answering``       应答 answering (one student or the class in chorus)
                   ``s_dialogue``        对话 dialogue (a back-and-forth exchange)
                   ``s_discussion``      讨论 discussion (group talk)
student_activity   ``s_observing``       观察 observing (watching the front, a demonstration)
                   ``s_exercises``       笔记或练习 note-taking / exercises
                   ``s_experiment``      实践或实验 practice / experiment
                   ``s_thinking``        思考 thinking (silent, e.g. after a question)
=================  ====================  =============================================

S/T (SPEC.md section 2: T when the teacher is the source of information): every teacher code is
T except ``t_patrolling``, which is S as platform-9's ``patrolling`` is, so that Rt of a lesson
coded under either scheme means the same; every student code is S. Overridable per lesson with
``options["st_mapping"]``. The paper gives no sampling interval for this scheme; the default is
platform-9's 6 s, since the two schemes code the same behaviours at different grain.

Sheets are ``t,code`` (or one ``code`` column with ``--interval``); a code is its id (any case),
its Chinese label (``讲授``) or a part of a two-part label (``巡视``, ``练习``, ``实验`` ...; see
:data:`ALIASES`).

Coding from observations (:class:`VerbalActivityCoder`) is a documented heuristic, one code per
instant, taken from the first rule that applies:

1. a behaviour cue naming one of the sixteen codes (an action-recognition model trained on this
   scheme) within the instant's window: the most confident one;
2. speech at the instant, by speaker (the speech detector); what the words do is read from the
   turn's own text, the ASR transcripts and speech acts within the instant's window (a detector's
   turn can last a minute, a transcript segment is a sentence):
   teacher speaking while characters appear on the board → ``t_board_writing`` (explaining while
   writing); a question → ``t_questioning``; an evaluation (很好, 请坐, well done …) →
   ``t_feedback``; a direction (请打开, 翻到, 拿出 …, open, turn to …) → ``t_instruction``; other
   teacher talk → ``t_lecturing``;
   one student: a question → ``s_questioning``; after a teacher turn ending in a question →
   ``s_answering``; after a teacher turn that replied to a student without a new question
   (S → T → S) → ``s_dialogue``; otherwise ``s_answering``;
   a chorus → ``s_answering`` (choral answering, 齐答), or ``s_discussion`` when the class is seen
   turned to each other (peer-interaction cue ≥ 0.4); group talk → ``s_discussion``;
3. no speech (or none analysed): characters appearing on the board or a board-writing cue →
   ``t_board_writing``; the teacher still among the desks (not at the podium or board) →
   ``t_guidance``; most students with heads down (reading/writing share or faces looking down
   ≥ 0.5) → ``s_exercises``; the class turned to each other (peer share ≥ 0.4) → ``s_discussion``;
   silence (speech analysed) within two intervals after a teacher question → ``s_thinking`` (wait
   time); the teacher moving among the desks or a patrolling cue → ``t_patrolling``; a lecturing or
   interaction cue → ``t_lecturing`` / ``t_questioning``; one student standing (answering cue ≥
   0.02, one in a class of 50) → ``s_answering``; most students facing the front (listening share or front gaze ≥ 0.5) →
   ``s_observing``;
4. nothing observed: unknown (``None``), never a made-up code.

Where the sound was not recorded (an ``audio@…`` or ``mixed.audio@…`` range in
``CodeRequest.unavailable``, read per instant by :mod:`.coverage`) the instant is coded only from what
was observed: speech heard there (rule 2) and the picture (rules 1, 3), never silence
(``s_thinking``), as in a lesson whose speech was not analysed.

Demonstration, experiment and the student's own dialogue need a detector that sees them (rule 1)
or a hand-coded sheet. Every coded sample keeps the observations that decided it as evidence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import attrs
import numpy as np

from lessonlens.core.extensions import Coder, CodeRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.observations import (
    BehaviourCue,
    BoardTextObservation,
    FaceObservation,
    GenericObservation,
    Observation,
    PositionObservation,
    SpeechObservation,
)
from lessonlens.core.timeline import Code, CodedSample, CodedTimeline, CodingScheme, Evidence
from lessonlens.plugin import read_code_sheet
from lessonlens.plugins.coders.coverage import sound_recorded

Category = Literal["teacher_verbal", "teacher_activity", "student_verbal", "student_activity"]
CATEGORIES: tuple[Category, ...] = ("teacher_verbal", "teacher_activity", "student_verbal", "student_activity")
CATEGORY_LABELS: dict[Category, Text] = {
    "teacher_verbal": Text(zh="教师言语", en="Teacher verbal"),
    "teacher_activity": Text(zh="教师活动", en="Teacher activity"),
    "student_verbal": Text(zh="学生言语", en="Student verbal"),
    "student_activity": Text(zh="学生活动", en="Student activity"),
}

SCHEME = CodingScheme(
    id="verbal-activity",
    name=Text(zh="言语—活动教学行为编码（16 类）", en="Verbal–activity teaching behaviour coding (16 codes)"),
    interval=6.0,
    codes=(
        Code("t_feedback", Text(zh="反馈与评价", en="Feedback and evaluation"), "teacher", "T"),
        Code("t_instruction", Text(zh="指示", en="Instruction"), "teacher", "T"),
        Code("t_questioning", Text(zh="提问", en="Questioning"), "teacher", "T"),
        Code("t_lecturing", Text(zh="讲授", en="Lecturing"), "teacher", "T"),
        Code("t_guidance", Text(zh="个别指导或参与活动", en="Individual guidance or joining activities"),
             "teacher", "T"),
        Code("t_patrolling", Text(zh="观察或巡视", en="Observing or patrolling"), "teacher", "S"),
        Code("t_demonstration", Text(zh="演示或展示", en="Demonstration or display"), "teacher", "T"),
        Code("t_board_writing", Text(zh="板书", en="Board writing"), "teacher", "T"),
        Code("s_questioning", Text(zh="主动提问", en="Active questioning"), "students", "S"),
        Code("s_answering", Text(zh="应答", en="Answering"), "students", "S"),
        Code("s_dialogue", Text(zh="对话", en="Dialogue"), "students", "S"),
        Code("s_discussion", Text(zh="讨论", en="Discussion"), "students", "S"),
        Code("s_observing", Text(zh="观察", en="Observing"), "students", "S"),
        Code("s_exercises", Text(zh="笔记或练习", en="Note-taking or exercises"), "students", "S"),
        Code("s_experiment", Text(zh="实践或实验", en="Practice or experiment"), "students", "S"),
        Code("s_thinking", Text(zh="思考", en="Thinking"), "students", "S"),
    ),
)

#: the category of each code, in the scheme's order
CATEGORY_OF: dict[str, Category] = {
    code.id: CATEGORIES[i // 4] for i, code in enumerate(SCHEME.codes)
}

#: sheet spellings besides the ids and the full Chinese labels: the parts of two-part labels
#: (观察 alone is the students' code, so the teacher's 观察或巡视 is 巡视 for short)
ALIASES: dict[str, str] = {
    "反馈": "t_feedback", "评价": "t_feedback", "个别指导": "t_guidance", "参与活动": "t_guidance",
    "巡视": "t_patrolling", "演示": "t_demonstration", "展示": "t_demonstration", "笔记": "s_exercises",
    "练习": "s_exercises", "实践": "s_experiment", "实验": "s_experiment",
}
_SHEET_CODES: dict[str, str] = {
    **{code.id: code.id for code in SCHEME.codes},
    **{code.label.zh: code.id for code in SCHEME.codes},
    **ALIASES,
}

# The words of a turn. Plugins do not share code, so these mirror the ASR detector's speech acts.
_QUESTION = re.compile(
    r"[?？]|[吗嗎呢]\s*[。.!！]?\s*$|为什么|為什麼|怎么|怎麼|什么|什麼|哪|谁|誰|几|幾|多少|是不是|对不对|對不對"
    r"|能不能|有没有|有沒有|^\s*(what|why|how|who|which|when|where|can|could|do|does|is|are|would)\b",
    re.IGNORECASE,
)
_EVALUATION = re.compile(
    r"很好|非常好|真好|真棒|不错|不錯|正确|正確|回答得|说得好|說得好|说得对|說得對|请坐|請坐|再想想|没关系|沒關係"
    r"|\b(good|great|well done|excellent|correct|right|nice)\b",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"打开|翻到|拿出|看黑板|看屏幕|看大屏|坐好|起立|开始|停笔|注意|请.{0,6}(读|写|做|看|听|说|拿|举手|回答)"
    r"|\b(open|turn to|take out|look at|stand up|sit down|let's|please)\b",
    re.IGNORECASE,
)
#: speakers of the speech detector, and the zones where the teacher is "at the front"
_STUDENT_SPEAKERS = ("student", "students")
_FRONT = ("podium", "board")
_SPEECH_SIGNALS = frozenset({"speech", "audio", "asr", "voice", "speaker"})
#: platform-9 behaviour cues of the teacher that say something without speech
_TEACHER_CUES = {"lecturing": "t_lecturing", "teacher_student_interaction": "t_questioning",
                 "board_writing": "t_board_writing", "patrolling": "t_patrolling"}


def sheet_code(cell: str) -> str | None:
    """A sheet cell as a code id: the id (any case), the Chinese label, or an alias; None otherwise."""
    value = cell.strip()
    return _SHEET_CODES.get(value) or _SHEET_CODES.get(value.lower())


@attrs.frozen
class Said:
    """What one stretch of words within a turn does: ask, evaluate, direct the class."""

    start: float
    end: float
    question: bool = False
    evaluation: bool = False
    instruction: bool = False


def _said(start: float, end: float, text: str) -> Said:
    return Said(start, end, question=bool(_QUESTION.search(text)), evaluation=bool(_EVALUATION.search(text)),
                instruction=bool(_INSTRUCTION.search(text)))


@attrs.frozen
class Turn:
    """A stretch of speech by one speaker and what its words do, piece by piece.

    The speech detector's turns can be a minute long while an ASR segment is a sentence, so an
    instant reads only the pieces near it, and "the turn asked" means its last piece is a question.
    """

    speech: SpeechObservation
    pieces: tuple[Said, ...]

    def near(self, lo: float, hi: float) -> Said:
        """What the words between ``lo`` and ``hi`` do (any piece overlapping them)."""
        found = [p for p in self.pieces if _overlaps(p.start, p.end, lo, hi)]
        return Said(lo, hi, question=any(p.question for p in found), evaluation=any(p.evaluation for p in found),
                    instruction=any(p.instruction for p in found))

    @property
    def asked(self) -> bool:
        """Whether the turn ends with a question (the next student turn answers it)."""
        if not self.pieces:
            return False
        last = max(p.start for p in self.pieces)
        return any(p.question for p in self.pieces if p.start == last)


@attrs.define
class _Window:
    """What was seen around one instant (``t ± interval/2``), without speech."""

    cues: list[BehaviourCue] = attrs.Factory(list)
    board: list[BoardTextObservation] = attrs.Factory(list)
    position: PositionObservation | None = None
    gaze: dict[str, int] = attrs.Factory(lambda: defaultdict(int))
    faces: int = 0
    face_evidence: FaceObservation | None = None


def _evidence(obs: Observation, detail: str) -> Evidence:
    return Evidence(obs.detector, obs.kind, detail, obs.t)


def _overlaps(start: float, stop: float, lo: float, hi: float) -> bool:
    return (start < hi and stop > lo) or start == lo


def _turns(observations: Sequence[Observation]) -> list[Turn]:
    """Speech with a speaker, in time order, with its words: its own text, transcripts and speech acts over it."""
    speech = [o for o in observations if isinstance(o, SpeechObservation)]
    words = [_said(o.t, max(o.end, o.t), o.text) for o in speech if not o.speaker and o.text]
    acts = [Said(o.t, float(o.data.get("end", o.t)), question=o.data.get("act") == "question",
                 evaluation=o.data.get("act") == "evaluation")
            for o in observations if isinstance(o, GenericObservation) and o.kind_name == "speech_act"]
    turns = []
    for s in sorted((o for o in speech if o.speaker), key=lambda o: o.t):
        end = max(s.end, s.t)
        own = (_said(s.t, end, s.text),) if s.text else ()
        over = tuple(p for p in (*words, *acts) if _overlaps(p.start, p.end, s.t, end))
        turns.append(Turn(s, own + over))
    return turns


def _windows(observations: Sequence[Observation], instants: Sequence[float], half: float) -> list[_Window]:
    times = np.asarray(instants, dtype=np.float64)
    windows = [_Window() for _ in instants]
    if not len(times):
        return windows
    for obs in observations:
        i = int(np.searchsorted(times, obs.t + half, side="right")) - 1
        if not (0 <= i < len(times) and obs.t >= times[i] - half):
            continue
        w = windows[i]
        if isinstance(obs, BehaviourCue):
            w.cues.append(obs)
        elif isinstance(obs, BoardTextObservation) and obs.added_chars > 0:
            w.board.append(obs)
        elif isinstance(obs, PositionObservation) and obs.person == "teacher" and obs.zone:
            w.position = obs
        elif isinstance(obs, FaceObservation):
            w.gaze[obs.gaze] += 1
            w.faces += 1
            w.face_evidence = w.face_evidence or obs
    return windows


def _student_share(w: _Window, behaviour: str, gaze: str | None) -> tuple[float, Observation | None]:
    """The share of the class doing ``behaviour`` by its cues, else by the faces' gaze; and the source."""
    cues = [c for c in w.cues if c.actor == "students" and c.behaviour == behaviour and c.share is not None]
    if cues:
        best = max(cues, key=lambda c: c.share or 0.0)
        return float(best.share or 0.0), best
    if w.faces and gaze is not None:
        return w.gaze.get(gaze, 0) / w.faces, w.face_evidence
    return 0.0, None


Decision = tuple[str | None, float, tuple[Evidence, ...]]


class VerbalActivityCoder(Coder):
    name = "verbal-activity"
    scheme = SCHEME

    def code(self, request: CodeRequest) -> CodedTimeline:
        mapping = {**SCHEME.st_mapping(), **request.options.get("st_mapping", {})}
        turns = _turns(request.observations)
        heard = bool(turns) and not ({u.lower() for u in request.unavailable} & _SPEECH_SIGNALS)
        windows = _windows(request.observations, request.instants, request.interval / 2)
        recorded = sound_recorded(request.unavailable, request.instants)
        samples = []
        for t, window, sound in zip(request.instants, windows, recorded, strict=True):
            code, confidence, evidence = self._decide(t, window, turns, heard and bool(sound), request.interval)
            samples.append(CodedSample(t=t, code=code, st=mapping.get(code) if code else None,
                                       confidence=round(confidence, 4), evidence=evidence))
        return CodedTimeline(scheme=SCHEME.id, interval=request.interval, samples=tuple(samples),
                             st_mapping=mapping, coder=self.name)

    @classmethod
    def _decide(cls, t: float, w: _Window, turns: Sequence[Turn], heard: bool, interval: float) -> Decision:
        direct = [c for c in w.cues if c.behaviour in CATEGORY_OF]
        if direct:
            best = max(direct, key=lambda c: c.confidence)
            return best.behaviour, best.confidence, (_evidence(best, f"{best.actor}:{best.behaviour}"),)
        talking = [i for i, turn in enumerate(turns) if turn.speech.t <= t < max(turn.speech.end, turn.speech.t + 1e-9)]
        if talking:
            return cls._verbal(talking[-1], turns, w, t - interval / 2, t + interval / 2)
        return cls._activity(t, w, turns, heard, interval)

    @staticmethod
    def _verbal(index: int, turns: Sequence[Turn], w: _Window, lo: float, hi: float) -> Decision:
        turn = turns[index]
        s = turn.speech
        said = turn.near(lo, hi)
        evidence = (_evidence(s, f"{s.speaker}: {s.text[:40]}".rstrip(": ")),)
        if s.speaker == "teacher":
            if w.board:
                board = w.board[0]
                return "t_board_writing", s.confidence, (*evidence, _evidence(board, f"+{board.added_chars} chars"))
            if said.question:
                return "t_questioning", s.confidence, evidence
            if said.evaluation:
                return "t_feedback", s.confidence, evidence
            return ("t_instruction" if said.instruction else "t_lecturing"), s.confidence, evidence
        if s.speaker == "group":
            return "s_discussion", s.confidence, evidence
        if s.speaker == "chorus":
            peer, source = _student_share(w, "peer_interaction", "side")
            if peer >= 0.4 and source is not None:
                return "s_discussion", s.confidence, (*evidence, _evidence(source, f"peer share {peer:.2f}"))
            return "s_answering", s.confidence, evidence
        if s.speaker not in _STUDENT_SPEAKERS:
            return None, 0.0, ()
        if said.question:
            return "s_questioning", s.confidence, evidence
        teacher = [i for i in range(index) if turns[i].speech.speaker == "teacher"]
        if teacher and not turns[teacher[-1]].asked:
            last = teacher[-1]
            # S -> T -> S: the student replies to what the teacher said back to a student, not to a question
            if last > 0 and turns[last - 1].speech.speaker in _STUDENT_SPEAKERS:
                return "s_dialogue", s.confidence, evidence
        return "s_answering", s.confidence, evidence

    @staticmethod
    def _activity(t: float, w: _Window, turns: Sequence[Turn], heard: bool, interval: float) -> Decision:
        teacher_cues = {c.behaviour: c for c in sorted(w.cues, key=lambda c: c.confidence)
                        if c.actor == "teacher" and c.behaviour in _TEACHER_CUES}
        if w.board:
            board = w.board[0]
            return "t_board_writing", board.confidence, (_evidence(board, f"+{board.added_chars} chars"),)
        if "board_writing" in teacher_cues:
            cue = teacher_cues["board_writing"]
            return "t_board_writing", cue.confidence, (_evidence(cue, "teacher:board_writing"),)
        pos = w.position
        among_desks = pos is not None and pos.zone not in _FRONT
        if pos is not None and among_desks and not pos.moving:
            return "t_guidance", pos.confidence, (_evidence(pos, f"zone={pos.zone} moving=False"),)
        for behaviour, gaze, code, floor in (("reading_writing", "down", "s_exercises", 0.5),
                                             ("peer_interaction", "side", "s_discussion", 0.4)):
            share, source = _student_share(w, behaviour, gaze)
            if share >= floor and source is not None:
                return code, source.confidence, (_evidence(source, f"students:{behaviour} {share:.2f}"),)
        if heard:
            asked = [u for u in turns if u.speech.speaker == "teacher" and u.speech.t <= t]
            if asked and asked[-1].asked and t - max(asked[-1].speech.end, asked[-1].speech.t) <= 2 * interval:
                last = asked[-1].speech
                later = [u for u in turns if last.t < u.speech.t <= t]
                if not later:  # nobody has answered yet: wait time
                    return "s_thinking", 0.5 * last.confidence, (_evidence(last, "silence after a question"),)
        if pos is not None and among_desks:
            return "t_patrolling", pos.confidence, (_evidence(pos, f"zone={pos.zone} moving=True"),)
        for behaviour in ("patrolling", "lecturing", "teacher_student_interaction"):
            if behaviour in teacher_cues:
                cue = teacher_cues[behaviour]
                return _TEACHER_CUES[behaviour], cue.confidence, (_evidence(cue, f"teacher:{behaviour}"),)
        # one student standing is an answer on its own; watching the front needs most of the class
        looks: tuple[tuple[str, str | None, str, float], ...] = (
            ("answering", None, "s_answering", 0.02), ("listening", "front", "s_observing", 0.5))
        for behaviour, look, code, floor in looks:
            share, source = _student_share(w, behaviour, look)
            if share >= floor and source is not None:
                return code, source.confidence, (_evidence(source, f"students:{behaviour} {share:.2f}"),)
        return None, 0.0, ()

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        return read_code_sheet(path, SCHEME, sheet_code, interval, coder=self.name)


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(VerbalActivityCoder())
