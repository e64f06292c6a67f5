"""Fusion rules of the platform-9 coder on observation sequences (what detectors emit)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from lessonlens.core.extensions import CodeRequest
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.observations import (
    BehaviourCue,
    BoardTextObservation,
    Keypoint,
    Observation,
    PoseObservation,
    PositionObservation,
    SpeechObservation,
    StudentObservation,
)
from lessonlens.core.timeline import CodedTimeline
from lessonlens.plugins.coders.platform9 import Platform9Coder
from lessonlens.plugins.coders.platform9_fusion import facing, is_question

STEP = 6.0


def pose(t: float, to: str = "class", arm: bool = False) -> PoseObservation:
    """Teacher keypoints seen from the back of the room, facing the class or the board."""
    lx, rx = (0.55, 0.45) if to == "class" else (0.45, 0.55)
    nose_vis = 0.99 if to == "class" else 0.1
    wrist_y = 0.25 if arm else 0.75
    points = {"nose": (0.5, 0.3, nose_vis), "left_ear": (0.53, 0.3, nose_vis), "right_ear": (0.47, 0.3, nose_vis),
              "left_shoulder": (lx, 0.4, 0.99), "right_shoulder": (rx, 0.4, 0.99),
              "left_wrist": (lx + 0.05, wrist_y, 0.9), "right_wrist": (rx - 0.05, 0.75, 0.9),
              "left_hip": (lx, 0.7, 0.9), "right_hip": (rx, 0.7, 0.9)}
    return PoseObservation(t=t, detector="teacher-pose", person="teacher",
                           keypoints=tuple(Keypoint(n, x, y, v) for n, (x, y, v) in points.items()))


def where(t: float, zone: str, moving: bool = False) -> PositionObservation:
    return PositionObservation(t=t, detector="teacher-pose", zone=zone, moving=moving)


def talk(t: float, seconds: float, speaker: str = "teacher", text: str = "") -> SpeechObservation:
    return SpeechObservation(t=t, end=t + seconds, speaker=speaker, text=text, detector="speech")


def listening(t: float) -> list[BehaviourCue]:
    return [BehaviourCue(t=t, actor="students", behaviour="listening", share=0.9, detector="student-faces"),
            BehaviourCue(t=t, actor="students", behaviour="reading_writing", share=0.1, detector="student-faces")]


def lecture(t: float) -> list[Observation]:
    return [pose(t, "class"), where(t, "podium"), talk(t - 2.5, 5.0, text="今天我们学习分数的加法"), *listening(t)]


def board(t: float, added: int = 6) -> list[Observation]:
    return [pose(t, "board", arm=True), where(t, "board"),
            BoardTextObservation(t=t, detector="board-ocr", text="x" * added, added_chars=added), *listening(t)]


def patrol(t: float) -> list[Observation]:
    return [pose(t, "class"), where(t, "aisle", moving=True), *listening(t)]


def coded(observations: Sequence[Observation], n: int, unavailable: Sequence[str] = (),
          **fusion: float) -> CodedTimeline:
    instants = tuple(i * STEP for i in range(n))
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=tuple(sorted(observations, key=lambda o: o.t)),
                          instants=instants, interval=STEP, unavailable=tuple(unavailable),
                          options={"fusion": fusion} if fusion else {})
    return Platform9Coder().code(request)


def teachers(timeline: CodedTimeline) -> list[str | None]:
    return [s.teacher for s in timeline.samples]


def test_each_teacher_behaviour_from_its_evidence() -> None:
    obs: list[Observation] = []
    for i in range(4):
        obs += lecture(i * STEP)
    for i in range(4, 8):
        obs += board(i * STEP)
    for i in range(8, 12):
        obs += patrol(i * STEP)
    timeline = coded(obs, 12)
    assert teachers(timeline) == ["lecturing"] * 4 + ["board_writing"] * 4 + ["patrolling"] * 4
    assert [s.st for s in timeline.samples] == ["T"] * 8 + ["S"] * 4
    assert all(s.confidence > 0.3 for s in timeline.samples)
    assert {e.kind for e in timeline.samples[5].evidence} >= {"pose", "position", "board_text", "behaviour"}


def test_question_then_student_answer_is_interaction() -> None:
    obs: list[Observation] = []
    for i in range(3):
        obs += lecture(i * STEP)
    for i in range(3, 6):
        t = i * STEP
        obs += [pose(t, "class", arm=True), where(t, "podium"), *listening(t),
                talk(t - 3.0, 1.5, text="谁来回答一下，为什么分母不变？" if i < 5 else "很好，请坐。")]
        if i < 5:  # two answers; the teacher's praise after the second still belongs to the dialogue
            obs += [talk(t - 1.0, 3.5, "student", "因为分母表示分成几份"),
                    BehaviourCue(t=t, actor="students", behaviour="answering", share=0.03, detector="student-faces")]
    for i in range(6, 9):
        obs += lecture(i * STEP)
    assert teachers(coded(obs, 9)) == ["lecturing"] * 3 + ["teacher_student_interaction"] * 3 + ["lecturing"] * 3


def test_smoothing_removes_a_one_sample_blip_but_keeps_real_changes() -> None:
    obs: list[Observation] = []
    for i in range(12):
        obs += lecture(i * STEP)
    blip = [o for o in obs if not (isinstance(o, PositionObservation) and o.t == 5 * STEP)]
    blip.append(where(5 * STEP, "aisle"))  # one reading off the podium, not moving: a mis-detection
    assert teachers(coded(blip, 12)) == ["lecturing"] * 12
    assert teachers(coded(blip, 12, switch_cost=0.0))[5] == "patrolling"  # the smoothing is what removes it
    real = [o for o in obs if not (o.t >= 5 * STEP - 3 and o.t < 9 * STEP - 3)]
    for i in range(5, 9):
        real += patrol(i * STEP)
    assert teachers(coded(real, 12)) == ["lecturing"] * 5 + ["patrolling"] * 4 + ["lecturing"] * 3


def test_chorus_and_group_talk_raise_student_shares() -> None:
    obs: list[Observation] = []
    for i in range(6):
        obs += lecture(i * STEP)
    obs += [talk(2 * STEP - 2, 5.0, "chorus", "是三分之二"), talk(3 * STEP - 2, 5.0, "chorus", "是")]
    timeline = coded(obs, 6)
    shares = [s.students for s in timeline.samples]
    assert shares[2]["answering"] >= 0.79 and shares[3]["answering"] >= 0.79
    assert shares[0].get("answering", 0.0) == 0.0
    assert all(abs(sum(s.values()) - 1) < 1e-3 for s in shares)


def test_a_chorus_counts_at_the_instant_it_covers_and_not_during_group_work() -> None:
    obs: list[Observation] = []
    for i in range(4):
        obs += lecture(i * STEP)
    obs.append(talk(STEP - 2.9, 1.5, "chorus", "是"))  # over before the instant: students listen again
    obs.append(BehaviourCue(t=3 * STEP, actor="students", behaviour="peer_interaction", share=0.8))
    obs.append(talk(3 * STEP - 0.5, 1.0, "chorus", ""))  # many voices while the class talks in groups
    shares = [s.students for s in coded(obs, 4).samples]
    assert shares[1].get("answering", 0.0) == 0.0
    assert shares[3]["peer_interaction"] >= 0.5 and shares[3].get("answering", 0.0) == 0.0


def test_without_audio_vision_still_codes_with_less_confidence() -> None:
    obs: list[Observation] = []
    for i in range(6):
        obs += lecture(i * STEP)
    with_audio = coded(obs, 6)
    mute = coded([o for o in obs if not isinstance(o, SpeechObservation)], 6, unavailable=("speech",))
    assert teachers(mute) == ["lecturing"] * 6
    assert all(m.confidence < a.confidence for m, a in zip(mute.samples, with_audio.samples, strict=True))


def test_instants_without_evidence_stay_uncoded_unless_a_short_gap() -> None:
    obs = lecture(0.0) + lecture(STEP) + lecture(4 * STEP) + lecture(9 * STEP)
    timeline = coded(obs, 11)
    assert teachers(timeline) == ["lecturing"] * 5 + [None] * 4 + ["lecturing", None]
    assert timeline.samples[10].st is None and timeline.samples[10].students == {}
    assert timeline.samples[2].confidence < 0.5 < timeline.samples[1].confidence  # filled, and says so


def test_cues_alone_are_voted_as_before() -> None:
    cues = [BehaviourCue(t=0.0, actor="teacher", behaviour="patrolling", confidence=0.9),
            BehaviourCue(t=6.0, actor="teacher", behaviour="lecturing", confidence=0.9)]
    assert teachers(coded(cues, 2)) == ["patrolling", "lecturing"]


def test_overlapping_student_voices_are_group_work_not_interaction() -> None:
    obs: list[Observation] = []
    for i in range(3):
        obs += lecture(i * STEP)
    for i in range(3, 7):
        t = i * STEP
        obs += [pose(t, "class"), where(t, "aisle", moving=i % 2 == 0),
                BehaviourCue(t=t, actor="students", behaviour="peer_interaction", share=0.85, detector="student-faces"),
                BehaviourCue(t=t, actor="students", behaviour="listening", share=0.15, detector="student-faces")]
        obs += [talk(t - 3 + k * 0.5, 2.5, "student", "我觉得是三分之二") for k in range(5)]  # 12.5 s in a 6-s window
    timeline = coded(obs, 7)
    assert teachers(timeline) == ["lecturing"] * 3 + ["patrolling"] * 4


def test_transcripts_and_speech_acts_mark_questions() -> None:
    from lessonlens.core.observations import GenericObservation

    obs: list[Observation] = []
    for i in range(6):
        obs += lecture(i * STEP)
    for i in (2, 3):  # the speech detector hears teacher then a student; ASR gives the words
        t = i * STEP
        obs += [talk(t - 3, 2.0, "student", ""),
                SpeechObservation(t=t - 3, end=t - 1, speaker="", text="这道题怎么做？", detector="asr"),
                GenericObservation(t=t - 1, detector="asr", kind_name="speech_act",
                                   data={"act": "evaluation", "text": "很好"})]
    # the teacher's turn right after the dialogue is still part of it; then the lecture resumes
    assert teachers(coded(obs, 6)) == ["lecturing"] * 2 + ["teacher_student_interaction"] * 3 + ["lecturing"]


@pytest.mark.parametrize(("text", "expected"), [
    ("为什么分母不变？", True), ("这个对不对", True), ("你们懂了吗", True), ("What is 2/5 + 1/5", True),
    ("今天我们学习分数的加法。", False), ("Open your books.", False), ("", False),
])
def test_question_detection(text: str, expected: bool) -> None:
    assert is_question(text) is expected


def test_facing_reads_keypoints() -> None:
    assert facing(pose(0, "class")) == ("class", False)
    assert facing(pose(0, "board", arm=True)) == ("board", True)


def test_student_shares_count_the_per_student_states() -> None:
    """Per-student states (student-states) are counted, not the cues' votes: a raised hand is
    hand raising, standing answering, head down reading/writing; a phone or an unseen seat is none."""
    def student(t: float, person: str, state: str, raised: bool = False, standing: bool = False) -> StudentObservation:
        return StudentObservation(t=t, detector="student-states", person=person, state=state, hand_raised=raised,
                                  standing=standing)

    obs: list[Observation] = []
    for i in range(3):
        t = i * STEP
        obs += lecture(t)  # its cues say 90 % listening
        obs += [student(t, "s01", "front", raised=i == 1), student(t, "s02", "down"), student(t, "s03", "side"),
                student(t, "s04", "front", standing=i == 2), student(t, "s05", "phone"), student(t, "s06", "")]
    samples = coded(obs, 3).samples
    assert samples[0].students == pytest.approx({"listening": 0.5, "reading_writing": 0.25, "peer_interaction": 0.25})
    assert samples[1].students["hand_raising"] == pytest.approx(0.25)
    assert samples[2].students["answering"] == pytest.approx(0.25)
