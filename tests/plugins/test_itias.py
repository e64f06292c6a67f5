"""ITIAS: sequences and t,code sheets, the 18 x 18 matrix and every ratio by hand, curves, framing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlens import InputError, measure
from lessonlens.columnar.columns import timeline_columns
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.plugins.coders.itias import SCHEME
from lessonlens.plugins.metrics.itias import itias_values

SEQUENCE = "6 6 4 9 9 2 6\n16, 18, 18;14 5 9\n"


@pytest.fixture
def sequence(tmp_path: Path) -> Path:
    path = tmp_path / "itias.txt"
    path.write_text(SEQUENCE)
    return path


def _cells(m: object) -> dict[tuple[str, str], int]:
    table = m.tables["itias_matrix"]  # type: ignore[attr-defined]
    return {(row[0], table.columns[j]): v for row in table.rows for j, v in enumerate(row) if j and v}


def test_matrix_of_consecutive_pairs(sequence: Path) -> None:
    m = measure(sequence, scheme="itias")
    assert m.n_samples == 13 and m.interval == 3.0
    assert _cells(m) == {("6", "6"): 1, ("6", "4"): 1, ("4", "9"): 1, ("9", "9"): 1, ("9", "2"): 1, ("2", "6"): 1,
                         ("6", "16"): 1, ("16", "18"): 1, ("18", "18"): 1, ("18", "14"): 1, ("14", "5"): 1,
                         ("5", "9"): 1}
    assert m.scalars["itias_pairs"] == 12  # N - 1


def test_ratios_by_hand(sequence: Path) -> None:
    s = measure(sequence, scheme="itias").scalars
    # teacher 6 6 4 2 6 5; students 9 9 9; silence 14; technology 16 18 18 (N = 13)
    assert (s["itias_teacher_talk"], s["itias_student_talk"]) == (round(6 / 13, 6), round(3 / 13, 6))
    assert (s["itias_silence"], s["itias_technology"]) == (round(1 / 13, 6), round(3 / 13, 6))
    assert s["itias_indirect_direct"] == 1.0          # (4, 2, 5) / (6, 6, 6)
    assert s["itias_positive_negative"] is None       # (2) / no 7 or 8
    assert s["itias_open_closed"] == 1.0              # one 4, one 5
    assert s["itias_student_initiated"] == 0.0        # no 10 or 11 among 9 9 9
    assert s["itias_technology_teacher"] == 0.5       # 3 / 6
    assert s["itias_steady_state"] == 0.25            # (6,6) (9,9) (18,18) of 12
    assert s["itias_content_cross"] == round(7 / 12, 6)  # pairs touching 4, 5 or 6


def test_framing_with_silence_and_block_curves(sequence: Path) -> None:
    m = measure(sequence, scheme="itias", options={"itias_frame": True, "block_samples": 5})
    cells = _cells(m)
    assert m.scalars["itias_pairs"] == 14 and cells[("13", "6")] == 1 and cells[("9", "13")] == 1
    assert m.series["itias_curve_teacher"].t == (0.0, 15.0, 30.0)
    assert m.series["itias_curve_teacher"].values == (0.6, 0.4, round(1 / 3, 6))
    assert m.series["itias_curve_technology"].values == (0.0, 0.6, 0.0)
    assert m.series["itias_curve_silence"].values == (0.0, 0.0, round(1 / 3, 6))


def test_t_code_sheet(tmp_path: Path) -> None:
    path = tmp_path / "tc.csv"
    path.write_text("t,code\n0,6\n3,4\n6,10\n9,11\n")
    s = measure(path, scheme="itias").scalars
    assert s["itias_student_initiated"] == 1.0 and s["itias_pairs"] == 3 and s["rt"] == 0.5


@pytest.mark.parametrize(("text", "message"), [
    ("6 6 19 4\n", "line 1, code 3: '19' is not a whole number 1-18"),
    ("6 6\n4 maybe\n", "line 2, code 2: 'maybe'"),
    ("t,code\n0,6\n3,21\n", "line 3, column 2 (code): unknown code '21'"),
])
def test_bad_sequences(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        measure(path, scheme="itias")
    assert message in err.value.message("en") and "\n" not in err.value.message("en")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 18), min_size=1, max_size=200), st.booleans())
def test_matrix_total_and_shares(codes: list[int], frame: bool) -> None:
    timeline = CodedTimeline("itias", 3.0, tuple(CodedSample(t=i * 3.0, code=str(c)) for i, c in enumerate(codes)))
    values = itias_values(timeline_columns(timeline, SCHEME), frame=frame)
    matrix = np.array([row[1:] for row in values.tables["itias_matrix"].rows])
    assert matrix.sum() == len(codes) - 1 + (2 if frame else 0)
    if not frame:  # each code's row total is how often it is followed by another sample
        assert matrix.sum(axis=1).tolist() == [codes[:-1].count(c) for c in range(1, 19)]
    groups = [values.scalars[f"itias_{g}"] for g in ("teacher_talk", "student_talk", "silence", "technology")]
    assert all(0.0 <= float(g) <= 1.0 for g in groups)  # type: ignore[arg-type]
    assert sum(float(g) for g in groups) == pytest.approx(1.0, abs=1e-5)  # type: ignore[arg-type]


def test_itias_coder_drafts_talk_from_speech_and_never_guesses_technology() -> None:
    from lessonlens import CodeRequest, LessonMeta, get_manager
    from lessonlens.core.observations import BehaviourCue, SpeechObservation

    obs = (
        SpeechObservation(t=0.0, end=3.0, speaker="teacher", text="今天学习浮力。"),
        SpeechObservation(t=3.0, end=6.0, speaker="teacher", text="为什么铁船能浮在水面上？"),
        SpeechObservation(t=12.0, end=15.0, speaker="student", text="因为排开的水多。"),
        SpeechObservation(t=15.0, end=18.0, speaker="teacher", text="很好！"),
        SpeechObservation(t=18.0, end=21.0, speaker="teacher", text="这是铁块吗？"),
        SpeechObservation(t=21.0, end=24.0, speaker="student", text="是。"),
        SpeechObservation(t=24.0, end=27.0, speaker="group", text="我们组觉得……"),
        BehaviourCue(t=30.0, actor="students", behaviour="reading_writing", share=0.8),
    )
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=obs,  # type: ignore[arg-type]
                          instants=tuple(float(t) for t in range(0, 36, 3)), interval=3.0)
    timeline = get_manager().coder("itias").code(request)
    # lecture, open question, thinking (silence after it) x 2, its answer, praise, closed question, its
    # answer, group talk, silence with no question open: unknown, exercises, unknown
    assert [s.code for s in timeline.samples] == ["6", "4", "14", "14", "9", "2", "5", "9", "12", None, "15", None]
    assert not {"13", "16", "17", "18"} & {s.code for s in timeline.samples}
