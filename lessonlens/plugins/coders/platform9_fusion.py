"""Fusion for the platform-9 coder: low-level observations -> teacher behaviour and student shares.

At each instant the teacher's four behaviours get a score from what was seen and heard in the
instant's window (``t ± interval/2``):

- ``board_writing``: in the ``board`` zone, facing the board (back or profile to the camera), an
  arm raised, and characters appearing on the board;
- ``patrolling``: outside the podium/board zones (among the desks) and moving;
- ``lecturing``: facing the class from the podium or board, the teacher speaking;
- ``teacher_student_interaction``: a teacher question followed by student speech (or a student
  standing to answer), pointing at the class (an arm raised while facing it);

plus the votes of behaviour cues (action-recognition plugins). The scores are turned into a
label sequence by a Viterbi pass with a switching cost, so a one-sample blip needs much stronger
evidence than its neighbours to stand (codes do not flicker); a short gap with no evidence at all
(the teacher out of the picture, silent) between coded instants takes its neighbours' code with low
confidence, while a long gap or the lesson's edges stay uncoded. Students' shares are the share cues
of the student camera, raised by audio (a chorus: most of the class answering; one student's
voice: someone answering; group talk or many overlapping student voices: peer interaction).
Student evidence feeds back into the teacher: raised hands and a standing student speak for an
interaction; group work (peers talking, heads down over exercises) for patrolling.

Signals that were not observed (no teacher camera, no audio: ``CodeRequest.unavailable``) are
unknown, never "absent": without audio the speaking terms drop out and confidence falls; an
instant with no evidence at all is never defaulted to lecturing. Unobserved ranges
(``mixed.audio@5-12``, ``teacher@30-60``: :mod:`.coverage`) are read per instant: speech is unknown
inside those of the sound, and an instant where no teacher source (teacher camera, board text, sound,
a teacher cue) was observed leaves the teacher uncoded; a students camera alone codes the students only. The weights are
:class:`FusionSettings`, overridable per lesson with ``CodeRequest.options["fusion"]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.extensions import CodeRequest
from lessonlens.core.observations import (
    BoardTextObservation,
    FaceObservation,
    GenericObservation,
    Observation,
    PoseObservation,
    PositionObservation,
    SpeechObservation,
    StudentObservation,
)
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedSample, Evidence
from lessonlens.plugin import runs
from lessonlens.plugins.coders.coverage import (
    BOARD_CAMERA_ROLES,
    TEACHER_CAMERA_ROLES,
    gaps,
    observed,
    sound_recorded,
)

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
LOW_LEVEL = (PoseObservation, PositionObservation, BoardTextObservation, SpeechObservation, FaceObservation,
             StudentObservation)
#: A student's platform-9 behaviour from the head state (standing and a raised hand come first).
BEHAVIOUR_OF_HEAD = {"front": "listening", "down": "reading_writing", "side": "peer_interaction"}
#: Names in ``CodeRequest.unavailable`` that mean the audio (speech) signals are unknown.
SPEECH_SIGNALS = frozenset({"speech", "audio", "asr", "voice", "speaker"})

_QUESTION = re.compile(
    r"[?？]\s*$|[吗呢吧]\s*[?？。.!！]?\s*$|为什么|怎么|什么|哪|谁|几|多少|是不是|对不对|能不能|有没有"
    r"|^\s*(what|why|how|who|which|when|where|can|could|do|does|is|are|would)\b",
    re.IGNORECASE,
)


@attrs.frozen
class TeacherWeights:
    """The weights of :func:`teacher_scores`' evidence rules, one per rule, in the score they feed.

    The ``*_full`` values say where a piece of evidence saturates (a share of the class, or of the
    interval for speech); the others are the points a rule adds to a behaviour's score.
    """

    # where evidence is full
    texts_full: float = 3.0  # board texts appearing at one instant
    writing_pause: float = 0.7  # text appearing at a neighbouring instant counts this much
    side_facing_board: float = 0.5  # a profile counts as half facing the board
    hands_full: float = 0.1
    answering_full: float = 0.02
    peer_full: float = 0.3
    reading_full: float = 0.6
    teacher_talk_full: float = 0.4
    student_talk_full: float = 0.2
    chorus_full: float = 0.2
    group_full: float = 0.5
    # lecturing
    lecture_facing_class: float = 0.3
    lecture_mid_room: float = 0.5  # facing the class from the middle of the room counts half
    lecture_at_front: float = 0.15
    lecture_text_penalty: float = 0.1
    lecture_talk: float = 0.35
    lecture_any_talk: float = 0.05
    # board writing
    board_at_board: float = 0.3
    board_facing: float = 0.3
    board_arm: float = 0.2
    board_text: float = 0.45
    board_text_off_board: float = 0.8
    # patrolling
    patrol_away: float = 0.5
    patrol_moving_away: float = 0.3
    patrol_moving_front: float = 0.15
    patrol_group_work: float = 0.25
    patrol_group_talk: float = 0.3
    patrol_away_quiet: float = 0.1
    # teacher-student interaction
    interact_hands: float = 0.45
    interact_standing: float = 0.35
    interact_arm: float = 0.1
    interact_asked: float = 0.45
    interact_student: float = 0.3
    interact_nearby: float = 0.4
    interact_chorus: float = 0.3
    interact_evaluated: float = 0.3
    interact_group_penalty: float = 0.3


def _weights(value: TeacherWeights | dict[str, float]) -> TeacherWeights:
    return TeacherWeights(**value) if isinstance(value, dict) else value


@attrs.frozen
class FusionSettings:
    """Weights of the rules; ``switch_cost`` (nats) is what a change of teacher behaviour must pay;
    ``weights`` those of the teacher's evidence (``{"weights": {"board_text": 0.5}}`` in the options)."""

    switch_cost: float = 0.8
    min_evidence: float = 0.15
    max_gap: int = 3
    chorus_share: float = 0.8
    group_share: float = 0.5
    single_answer_share: float = 0.05
    weights: TeacherWeights = attrs.field(factory=TeacherWeights, converter=_weights)


def is_question(text: str) -> bool:
    """A question by its punctuation, Chinese question particles/words, or an English wh-/aux- start."""
    return bool(text) and _QUESTION.search(text) is not None


def facing(pose: PoseObservation) -> tuple[str, bool]:
    """Where a person faces (``class``, ``board``, ``side`` or ``unknown``) and whether an arm is raised.

    Seen from the back of the room: facing the class shows the left shoulder on the picture's right
    and the nose between the ears; the back shows the shoulders mirrored or no face; a profile puts
    the nose outside the span of the ears. An arm is raised when a wrist is above the chest line.
    """
    kp = {k.name: k for k in pose.keypoints}

    def seen(name: str) -> bool:
        return name in kp and kp[name].visibility >= 0.5

    direction = "unknown"
    if seen("left_shoulder") and seen("right_shoulder"):
        ls, rs = kp["left_shoulder"], kp["right_shoulder"]
        mirrored = ls.x < rs.x
        if not seen("nose") or mirrored:
            direction = "board"
        elif "left_ear" in kp and "right_ear" in kp:
            nose, le, re_ = kp["nose"], kp["left_ear"], kp["right_ear"]
            span = abs(le.x - re_.x)
            lo, hi = min(le.x, re_.x), max(le.x, re_.x)
            outside = max(lo - nose.x, nose.x - hi, 0.0)
            direction = "side" if span < 1e-6 or outside > 0.15 * span else "class"
        else:
            direction = "class"
    raised = False
    for side in ("left", "right"):
        wrist, shoulder, hip = (kp.get(f"{side}_{p}") for p in ("wrist", "shoulder", "hip"))
        if wrist is None or shoulder is None or wrist.visibility < 0.5:
            continue
        torso = abs(hip.y - shoulder.y) if hip is not None and hip.visibility >= 0.3 else 0.25
        if wrist.y < shoulder.y + 0.25 * max(torso, 0.05):
            raised = True
    return direction, raised


@attrs.define
class _Window:
    """What was seen and heard around one instant."""

    zone: str | None = None
    moving: bool = False
    facing: str = "unknown"
    arm: bool = False
    added: int = 0
    teacher_talk: float = 0.0
    student_talk: float = 0.0
    chorus: float = 0.0
    group: float = 0.0
    chorus_now: float = 0.0
    student_now: float = 0.0
    question: bool = False
    evaluation: bool = False
    evidence: list[Evidence] = attrs.Factory(list)


def _windows(request: CodeRequest) -> list[_Window]:
    windows = _gather(request)
    for w in windows:  # more student speech than the window is long: several voices at once
        if w.student_talk > 0.9 * request.interval:
            w.group, w.student_talk = w.group + w.student_talk, 0.0
    return windows


def _gather(request: CodeRequest) -> list[_Window]:
    instants = np.asarray(request.instants, dtype=np.float64)
    half = request.interval / 2
    windows = [_Window() for _ in instants]
    if not len(instants):
        return windows

    def index(t: float) -> int | None:
        i = int(np.searchsorted(instants, t + half, side="right")) - 1
        return i if 0 <= i < len(instants) and t >= instants[i] - half else None

    for obs in request.observations:
        if isinstance(obs, SpeechObservation):
            _add_speech(windows, instants, half, obs)
            continue
        i = index(obs.t)
        if i is None:
            continue
        w = windows[i]
        if isinstance(obs, PositionObservation) and obs.person == "teacher":
            w.zone, w.moving = obs.zone, w.moving or obs.moving
            w.evidence.append(Evidence(obs.detector, obs.kind, f"zone={obs.zone} moving={obs.moving}", obs.t))
        elif isinstance(obs, PoseObservation) and obs.person == "teacher":
            w.facing, w.arm = facing(obs)
            w.evidence.append(Evidence(obs.detector, obs.kind, f"facing={w.facing} arm_raised={w.arm}", obs.t))
        elif isinstance(obs, GenericObservation) and obs.kind_name == "speech_act":
            act = str(obs.data.get("act", ""))
            w.question = w.question or act == "question"
            w.evaluation = w.evaluation or act == "evaluation"
            w.evidence.append(Evidence(obs.detector, obs.kind_name, f"{act}: {obs.data.get('text', '')}"[:60], obs.t))
        elif isinstance(obs, BoardTextObservation):
            w.added += obs.added_chars
            if obs.added_chars:
                w.evidence.append(Evidence(obs.detector, obs.kind, f"+{obs.added_chars} chars", obs.t))
    return windows


def _add_speech(windows: list[_Window], instants: Floats, half: float, obs: SpeechObservation) -> None:
    end = max(obs.end, obs.t)
    lo = int(np.searchsorted(instants + half, obs.t, side="right"))
    hi = int(np.searchsorted(instants - half, end, side="left"))
    for i in range(lo, min(hi, len(instants))):
        overlap = min(end, instants[i] + half) - max(obs.t, instants[i] - half)
        if overlap <= 0 and not (obs.t == end and instants[i] - half <= obs.t < instants[i] + half):
            continue
        seconds = max(overlap, 0.0)
        # the instant itself (t ± 1 s): a sample codes what students do then, not three seconds off
        now = max(0.0, min(end, instants[i] + 1.0) - max(obs.t, instants[i] - 1.0))
        w = windows[i]
        if obs.speaker == "teacher":
            w.teacher_talk += seconds
            w.question = w.question or is_question(obs.text)
        elif obs.speaker == "chorus":
            w.chorus += seconds
            w.chorus_now += now
        elif obs.speaker == "group":
            w.group += seconds
        elif obs.speaker in ("student", "students"):
            w.student_talk += seconds
            w.student_now += now
        elif not obs.speaker:  # a transcript (ASR): the speech detector already timed who spoke
            w.question = w.question or is_question(obs.text)
        w.evidence.append(Evidence(obs.detector, obs.kind, f"{obs.speaker}: {obs.text[:40]}".rstrip(": "), obs.t))


def _beside(values: Floats) -> Floats:
    """Each instant's larger neighbour value (0 beyond the lesson's ends)."""
    padded = np.concatenate([[0.0], values, [0.0]])
    out: Floats = np.maximum(padded[:-2], padded[2:])
    return out


def teacher_scores(windows: Sequence[_Window], students: Floats, cue_votes: Floats, speech_known: bool | Mask,
                   board_known: bool, interval: float, w: TeacherWeights | None = None) -> Floats:
    """(instants, 4) scores in TEACHER_BEHAVIOURS order from the windows' evidence and student shares;
    ``speech_known`` for the whole lesson or per instant (the speaking terms count only where True)."""
    w = w or TeacherWeights()
    n = len(windows)
    heard = np.broadcast_to(np.asarray(speech_known, dtype=bool), (n,))
    zone = np.array([w.zone or "" for w in windows])
    seen = (zone != "").astype(float)
    at_board = (zone == "board").astype(float)
    at_front = np.isin(zone, ("board", "podium")).astype(float)
    away = seen * (1 - at_front)
    moving = np.array([w.moving for w in windows], dtype=float)
    face = np.array([w.facing for w in windows])
    to_class = (face == "class").astype(float)
    to_board = (face == "board") + w.side_facing_board * (face == "side")
    arm = np.array([w.arm for w in windows], dtype=float)
    added = np.minimum(np.array([w.added for w in windows], dtype=float) / w.texts_full, 1.0)
    added = np.maximum(added, w.writing_pause * _beside(added))  # writing has pauses: text appearing next door counts
    writing = np.maximum(added, to_board * at_board)
    shares = np.nan_to_num(students)

    def share(behaviour: str, full: float) -> Floats:
        part: Floats = np.minimum(shares[:, STUDENT_BEHAVIOURS.index(behaviour)] / full, 1.0)
        return part

    hands, standing = share("hand_raising", w.hands_full), share("answering", w.answering_full)
    group_work = np.maximum(share("peer_interaction", w.peer_full), share("reading_writing", w.reading_full))

    scores = np.zeros((n, 4))
    scores[:, 0] = (w.lecture_facing_class * to_class * np.maximum(at_front, w.lecture_mid_room * (1 - away))
                    + w.lecture_at_front * at_front)
    scores[:, 1] = w.board_at_board * at_board + w.board_facing * to_board * at_front + w.board_arm * arm * at_board
    scores[:, 2] = (w.patrol_away * away + w.patrol_moving_away * moving * away
                    + w.patrol_moving_front * moving * at_front
                    + w.patrol_group_work * group_work * np.maximum(moving, away))
    scores[:, 3] = (w.interact_hands * hands + w.interact_standing * standing
                    + w.interact_arm * arm * to_class * at_front)
    if board_known:
        # text appearing is strong evidence wherever the pose put the teacher, unless among the desks
        scores[:, 1] += w.board_text * added * np.maximum(at_board, w.board_text_off_board * (1 - away))
        scores[:, 0] -= w.lecture_text_penalty * added
    if heard.any():
        on: Floats = heard.astype(np.float64)

        def seconds(field: str, full: float) -> Floats:
            part: Floats = on * np.minimum(np.array([getattr(w, field) for w in windows]) / (full * interval), 1.0)
            return part

        talk, student = seconds("teacher_talk", w.teacher_talk_full), seconds("student_talk", w.student_talk_full)
        chorus, group = seconds("chorus", w.chorus_full), seconds("group", w.group_full)
        question = on * np.array([w.question for w in windows], dtype=float)
        evaluated = on * np.array([w.evaluation for w in windows], dtype=float)
        asked = np.maximum(question, np.concatenate([[0.0], question[:-1]])) if n else question  # just asked
        # a dialogue: the teacher's turns around a student's answer belong to the interaction too
        answer = np.maximum(student, chorus)
        nearby = np.maximum(answer, _beside(answer))
        # explaining while writing on the board is board writing, not lecturing
        scores[:, 0] += (w.lecture_talk * talk * (1 - nearby) * (1 - asked) * (1 - writing)
                         + w.lecture_any_talk * talk)
        scores[:, 3] += (w.interact_asked * asked + w.interact_student * student + w.interact_nearby * nearby
                         + w.interact_chorus * chorus + w.interact_evaluated * evaluated
                         - w.interact_group_penalty * group)
        scores[:, 2] += w.patrol_group_talk * group + w.patrol_away_quiet * on * away * (1 - talk)
    scores += cue_votes
    return np.clip(scores, 0.0, None)


def short_gaps(known: npt.NDArray[np.bool_], longest: int) -> npt.NDArray[np.bool_]:
    """Instants without evidence in a run of at most ``longest`` with evidence on both sides."""
    gaps = np.zeros_like(known)
    for start, end in zip(*runs(known, False), strict=True):
        if start > 0 and end < len(known) and end - start <= longest:
            gaps[start:end] = True
    return gaps


def viterbi(scores: Floats, switch_cost: float, known: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """The label path maximising sum(log share of the label's score) - switch_cost * changes.

    Runs separately over each stretch of instants with evidence; unknown instants get -1.
    """
    labels = np.full(len(scores), -1, dtype=np.int64)
    shares = (scores + 1e-3) / (scores + 1e-3).sum(axis=1, keepdims=True)
    logp = np.log(shares)
    k = scores.shape[1]
    penalty = switch_cost * (1 - np.eye(k))
    i = 0
    while i < len(scores):
        if not known[i]:
            i += 1
            continue
        j = i
        while j < len(scores) and known[j]:
            j += 1
        best = logp[i].copy()
        back = np.zeros((j - i, k), dtype=np.int64)
        for step in range(i + 1, j):
            total = best[:, None] - penalty  # from (rows) -> to (columns)
            back[step - i] = np.argmax(total, axis=0)
            best = total[back[step - i], np.arange(k)] + logp[step]
        state = int(np.argmax(best))
        for step in range(j - 1, i - 1, -1):
            labels[step] = state
            state = int(back[step - i, state])
        i = j
    return labels


def _cue_votes(samples: Sequence[CodedSample]) -> tuple[Floats, Floats]:
    """Teacher cue votes (instants, 4) and student cue shares (instants, 5) from the cue-voted samples."""
    votes = np.zeros((len(samples), len(TEACHER_BEHAVIOURS)))
    shares = np.full((len(samples), len(STUDENT_BEHAVIOURS)), np.nan)
    for i, sample in enumerate(samples):
        if sample.teacher in TEACHER_BEHAVIOURS:
            votes[i, TEACHER_BEHAVIOURS.index(sample.teacher)] = max(sample.confidence, 0.1)
        if sample.students:
            shares[i] = [sample.students.get(b, 0.0) for b in STUDENT_BEHAVIOURS]
    return votes, shares


def student_behaviour(obs: StudentObservation) -> str | None:
    """One student's behaviour: standing answers, a raised hand, else the head's state (phone: none)."""
    if not obs.state:
        return None
    if obs.standing:
        return "answering"
    if obs.hand_raised:
        return "hand_raising"
    return BEHAVIOUR_OF_HEAD.get(obs.state)


def state_shares(request: CodeRequest) -> Floats | None:
    """(instants, 5) shares counted from per-student observations at each instant (the seats seen
    there), rows of NaN where no student was seen; None when there are no such observations."""
    students = [o for o in request.observations if isinstance(o, StudentObservation)]
    if not students:
        return None
    instants = np.asarray(request.instants, dtype=np.float64)
    counts = np.zeros((len(instants), len(STUDENT_BEHAVIOURS)))
    for obs in students:
        behaviour = student_behaviour(obs)
        if behaviour is None or not len(instants):
            continue
        i = int(np.argmin(np.abs(instants - obs.t)))
        if abs(instants[i] - obs.t) <= request.interval / 2:
            counts[i, STUDENT_BEHAVIOURS.index(behaviour)] += 1
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Floats = np.where(totals > 0, counts / totals, np.nan)
    return out


def student_shares(windows: Sequence[_Window], cue_shares: Floats, speech_known: bool | Mask,
                   settings: FusionSettings) -> Floats:
    """(instants, 5) shares (rows of NaN where unknown), audio-adjusted where speech is known (for
    the whole lesson or per instant).

    Not smoothed over time: each share is already a mean over the class, and a hand raised for
    four seconds is one sample long and real.
    """
    shares = cue_shares.copy()
    heard = np.broadcast_to(np.asarray(speech_known, dtype=bool), (len(windows),))
    if heard.any():
        ans, peer, listen = (STUDENT_BEHAVIOURS.index(b) for b in ("answering", "peer_interaction", "listening"))
        for i, w in enumerate(windows):
            if not heard[i]:
                continue
            lift: dict[int, float] = {}
            # many voices while the camera sees the class turned to each other: group talk, not a chorus
            in_groups = not np.isnan(shares[i]).any() and shares[i][peer] >= 0.4
            if w.chorus_now > 0.5 and not in_groups:
                lift[ans] = settings.chorus_share
            elif w.student_now > 0.5:
                lift[ans] = settings.single_answer_share
            if w.group > 0.5 or (w.chorus_now > 0.5 and in_groups):
                lift[peer] = settings.group_share
            if not lift:
                continue
            row = shares[i] if not np.isnan(shares[i]).any() else np.eye(len(STUDENT_BEHAVIOURS))[listen]
            for b, floor in lift.items():
                if row[b] < floor:
                    others = row.sum() - row[b]
                    scale = (1 - floor) / others if others > 0 else 0.0
                    row = row * scale
                    row[b] = floor
            shares[i] = row
    sums = shares.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Floats = np.where(sums > 0, shares / sums, np.nan)
    return out


def coverage(request: CodeRequest) -> tuple[Mask, Mask]:
    """Per instant, whether speech is known and whether any source of teacher evidence was observed.

    Speech is known where the lesson was heard (speech observations, ``speech`` not unavailable) and
    outside the unobserved ranges of the sound (``audio@…``, ``mixed.audio@…``); the teacher camera
    (pose, position) and the board (text) count where they gave observations and outside their
    recordings' unobserved ranges. A students camera alone is no teacher source.
    """
    obs, n = request.observations, len(request.instants)
    ranges = gaps(request.unavailable)
    names = {u.strip().lower() for u in request.unavailable}
    heard = not (names & SPEECH_SIGNALS) and any(isinstance(o, SpeechObservation) for o in obs)
    speech: Mask = sound_recorded(request.unavailable, request.instants) if heard else np.zeros(n, dtype=bool)
    seen = speech.copy()
    if any(isinstance(o, PoseObservation | PositionObservation) and o.person == "teacher" for o in obs):
        seen |= observed(request.instants, ranges, TEACHER_CAMERA_ROLES, "video")
    if any(isinstance(o, BoardTextObservation) for o in obs):
        seen |= observed(request.instants, ranges, BOARD_CAMERA_ROLES, "video")
    return speech, seen


def has_low_level(observations: Sequence[Observation]) -> bool:
    return any(isinstance(o, LOW_LEVEL) or (isinstance(o, GenericObservation) and o.kind_name == "speech_act")
               for o in observations)


def fuse(request: CodeRequest, samples: Sequence[CodedSample],
         st: Callable[[str | None, Mapping[str, float]], str | None],
         settings: FusionSettings | None = None) -> tuple[CodedSample, ...]:
    """The cue-voted ``samples`` re-coded with the low-level observations (unchanged when there are none)."""
    if not has_low_level(request.observations) or not samples:
        return tuple(samples)
    settings = settings or FusionSettings(**request.options.get("fusion", {}))
    speech_known, teacher_seen = coverage(request)
    board_known = any(isinstance(o, BoardTextObservation) for o in request.observations)
    windows = _windows(request)
    votes, cue_shares = _cue_votes(samples)
    teacher_seen |= votes.max(axis=1) > 0  # a teacher cue (action recognition) is teacher evidence too
    seen = state_shares(request)
    if seen is not None:  # per-student states: count them, instead of the cues' votes
        cue_shares = seen
    students = student_shares(windows, cue_shares, speech_known, settings)
    scores = teacher_scores(windows, students, votes, speech_known, board_known, request.interval,
                            settings.weights)
    # no teacher source observed at an instant (no teacher camera, no sound then): the teacher is unknown
    known = (scores.max(axis=1) >= settings.min_evidence) & teacher_seen
    filled = short_gaps(known, settings.max_gap) & teacher_seen
    scores[filled] = settings.min_evidence  # nothing seen: every behaviour alike, the neighbours decide
    labels = viterbi(scores, settings.switch_cost, known | filled)
    totals = scores.sum(axis=1)
    fused = []
    for i, sample in enumerate(samples):
        teacher = TEACHER_BEHAVIOURS[labels[i]] if labels[i] >= 0 else None
        shares = ({b: round(float(v), 4) for b, v in zip(STUDENT_BEHAVIOURS, students[i], strict=True) if v > 0}
                  if not np.isnan(students[i]).any() else {})
        confidence = float(scores[i, labels[i]] / totals[i]) if teacher and totals[i] > 0 else 0.0
        if not speech_known[i]:
            confidence *= 0.8  # half the senses missing: say so in the confidence
        fused.append(attrs.evolve(sample, teacher=teacher, students=shares, st=st(teacher, shares),
                                  confidence=round(confidence, 4),
                                  evidence=tuple(sample.evidence) + tuple(windows[i].evidence)))
    return tuple(fused)
