"""The speech-based coders (FIAS, ITIAS, S-T, verbal-activity, COPUS) read the unobserved ranges of the
sound per instant: where it was not recorded, silence is unknown (left uncoded), not a finding."""

from __future__ import annotations

from collections.abc import Sequence

from lessonlens.core.extensions import CodeRequest
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.observations import BehaviourCue, Observation, SpeechObservation
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import CodedTimeline

STEP = 3.0
N = 80  # four minutes: two COPUS windows
HALF = 40  # the sound stops at 120 s


def talk(t: float, end: float, speaker: str, text: str) -> SpeechObservation:
    return SpeechObservation(t=t, end=end, speaker=speaker, text=text, detector="speech")


def lesson() -> list[Observation]:
    """A question, an answer, a lecture and a question left hanging before 120 s; then the class writes
    (from 150 s) while the teacher walks round."""
    obs: list[Observation] = [
        talk(0.0, 10.0, "teacher", "为什么天空是蓝色的？"), talk(12.0, 20.0, "student", "因为散射"),
        talk(24.0, 60.0, "teacher", "很好，我们来看光的散射"), talk(80.0, 100.0, "teacher", "大家打开课本"),
        talk(110.0, 118.0, "teacher", "谁能想一想为什么？"),
    ]
    obs += [BehaviourCue(t=t, actor="students", behaviour="reading_writing", share=0.8, detector="cues")
            for t in range(150, 240, 3)]
    obs += [BehaviourCue(t=t, actor="teacher", behaviour="patrolling", detector="cues") for t in range(150, 240, 3)]
    return obs


def coded(coder: str, observations: Sequence[Observation], unavailable: Sequence[str] = ()) -> CodedTimeline:
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=tuple(sorted(observations, key=lambda o: o.t)),
                          instants=tuple(i * STEP for i in range(N)), interval=STEP, unavailable=tuple(unavailable))
    return get_manager().coder(coder).code(request)


def codes(timeline: CodedTimeline) -> list[str | None]:
    return [s.code for s in timeline.samples]


def test_the_second_half_is_uncoded_where_only_silence_would_code_it() -> None:
    for coder in ("fias", "itias", "verbal-activity"):
        heard, cut = codes(coded(coder, lesson())), codes(coded(coder, lesson(), ("audio@120-",)))
        assert cut[:HALF] == heard[:HALF], coder  # the recorded half is coded as before
        assert any(c is not None for c in heard[HALF:]), coder  # silence coded (10, 15, s_thinking)
        assert heard[:HALF].count(None) < HALF, coder
        if coder == "verbal-activity":  # the picture still codes: only the silence after the question goes
            assert heard[HALF] == "s_thinking" and cut[HALF] is None
            assert cut[HALF:] == [None if c == "s_thinking" else c for c in heard[HALF:]]
            assert cut[-1] == "s_exercises"
        else:
            assert cut[HALF:] == [None] * (N - HALF), coder
    # the same range as a mixed recording's sound track
    assert codes(coded("fias", lesson(), ("mixed.audio@120-240",)))[HALF:] == [None] * (N - HALF)


def test_st_codes_only_what_was_observed_so_the_range_changes_nothing() -> None:
    heard, cut = coded("st", lesson()), coded("st", lesson(), ("audio@120-",))
    assert codes(cut) == codes(heard)
    assert codes(cut)[HALF + 10:] == ["S"] * (N - HALF - 10)  # the patrolling cue, not silence


def test_copus_leaves_unheard_speech_codes_uncoded_in_a_window_heard_in_part() -> None:
    obs = [*lesson(), talk(125.0, 130.0, "student", "老师，这是为什么？")]
    heard, cut = coded("copus", obs), coded("copus", obs, ("audio@150-",))
    assert cut.samples[0] == heard.samples[0]  # the first window was heard throughout
    first = heard.samples[0].ticks
    assert first["I.PQ"] and first["S.AnQ"] and first["S.SQ"] is False
    whole, part = heard.samples[1].ticks, cut.samples[1].ticks
    assert whole["S.SQ"] and whole["I.AnQ"] is False and whole["I.PQ"] is False
    assert part["S.SQ"]  # what was heard still ticks
    assert "I.AnQ" not in part  # nobody heard answering is not "not ticked"
    assert part.get("I.PQ") is not False or heard.samples[1].ticks.get("I.PQ") is False
    unheard = coded("copus", obs, ("audio@120-",)).samples[1].ticks
    assert "S.SQ" not in unheard and "I.AnQ" not in unheard
