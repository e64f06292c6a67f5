"""The platform-9 coder reads unobserved ranges per instant: speech is unknown (not silence) where the
sound was not recorded, and the teacher is left uncoded where no teacher source was observed."""

from __future__ import annotations

import math

from lessonlens.core.observations import Observation, SpeechObservation, StudentObservation
from lessonlens.plugins.coders.coverage import Gap, gaps, observed
from tests.plugins.coders.test_coders_platform9_fusion import STEP, coded, lecture, talk, teachers


def test_ranges_are_read_from_the_unavailable_names() -> None:
    found = gaps(("speech", "mixed.audio@5-12", "students@30-", "Teacher@0-6", "pose"))
    assert found == (Gap("mixed", "audio", 5.0, 12.0), Gap("students", "", 30.0, math.inf),
                     Gap("teacher", "", 0.0, 6.0))
    instants = (0.0, 6.0, 12.0, 18.0)
    assert observed(instants, found, {"mixed", "audio"}, "audio").tolist() == [True, False, False, True]
    assert observed(instants, found, {"mixed"}, "video").tolist() == [True] * 4  # the picture went on
    assert observed(instants, found, {"teacher"}, "video").tolist() == [False, False, True, True]


def test_speech_is_unknown_not_silent_where_the_sound_stopped() -> None:
    obs: list[Observation] = []
    for i in range(12):
        obs += lecture(i * STEP)
    heard = [o for o in obs if not (isinstance(o, SpeechObservation) and o.t >= 6 * STEP - 3)]
    half = coded(heard, 12, unavailable=("mixed.audio@33-72",))  # as analyze lists a recorder that gave out
    full, mute = coded(obs, 12), coded(obs, 12, unavailable=("speech",))
    silent = coded(heard, 12)  # the same observations without the range: the second half reads as silence
    assert teachers(half) == ["lecturing"] * 12
    confidence = [s.confidence for s in half.samples]
    assert confidence[:5] == [s.confidence for s in full.samples][:5]
    assert confidence[7:] == [s.confidence for s in mute.samples][7:]  # as a lesson never heard
    assert confidence[7:] != [s.confidence for s in silent.samples][7:]


def hands(t: float, raised: int) -> list[StudentObservation]:
    """Twenty students seen by the students camera, ``raised`` of them with a hand up."""
    return [StudentObservation(t=t, detector="student-states", person=f"s{k}", state="front", hand_raised=k < raised)
            for k in range(20)]


def test_a_students_camera_alone_codes_the_students_but_not_the_teacher() -> None:
    obs: list[Observation] = []
    for i in range(10):
        obs += hands(i * STEP, 12 if i % 2 else 0)  # hands up every other sample: interaction evidence
    timeline = coded(obs, 10)
    assert teachers(timeline) == [None] * 10
    assert all(s.st is None for s in timeline.samples)
    assert [s.students.get("hand_raising", 0.0) for s in timeline.samples] == [0.0, 0.6] * 5
    # the same students with the teacher heard for the first half: the teacher is coded only there
    heard = obs + [talk(i * STEP - 3, 6.0, text="请举手回答") for i in range(5)]
    coded_half = teachers(coded(heard, 10, unavailable=("audio@27-60",)))
    assert all(t is not None for t in coded_half[:4]) and coded_half[5:] == [None] * 5
