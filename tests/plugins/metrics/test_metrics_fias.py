"""FIAS: the Flanders matrix and ratios by hand, and coding talk from speech transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonlens import CodeRequest, LessonMeta, get_manager, measure
from lessonlens.core.observations import BehaviourCue, SpeechObservation


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "fias.csv"
    path.write_text("t,code\n" + "".join(f"{i * 3},{c}\n" for i, c in enumerate([10, 5, 5, 4, 8, 8, 2, 9])))
    return path


def test_matrix_counts_consecutive_pairs(sheet: Path) -> None:
    m = measure(sheet)
    table = m.tables["fias_matrix"]
    assert table.columns == ("from", *(str(i) for i in range(1, 11)))
    cells = {(row[0], table.columns[j]): v for row in table.rows for j, v in enumerate(row) if j and v}
    assert cells == {("10", "5"): 1, ("5", "5"): 1, ("5", "4"): 1, ("4", "8"): 1, ("8", "8"): 1, ("8", "2"): 1,
                     ("2", "9"): 1}


def test_flanders_ratios_and_st(sheet: Path) -> None:
    s = measure(sheet).scalars
    assert s["fias_teacher_talk"] == 0.5          # 5 5 4 2 of 8
    assert s["fias_student_talk"] == 0.375        # 8 8 9
    assert s["fias_silence"] == 0.125
    assert s["fias_indirect_direct"] == 1.0       # (4, 2) / (5, 5)
    assert s["fias_steady_state"] == round(2 / 7, 6)
    # S T T T S S T S: Rt 4/8, runs S|TTT|SS|T|S = 5 -> Ch 4/8
    assert (s["rt"], s["ch"], s["mode"]) == (0.5, 0.5, "dialogue")


def test_code_shares_episodes_and_timeline(sheet: Path) -> None:
    m = measure(sheet, bin_seconds=12)
    assert m.shares["code_shares"]["5"] == 0.25 and sum(m.shares["code_shares"].values()) == pytest.approx(1)
    assert m.episodes["5"].count == 1 and m.episodes["5"].longest == 6.0
    assert m.tables["timeline"].columns[:3] == ("start", "end", "1")
    assert m.tables["timeline"].rows[0] == (0.0, 12.0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1)
    assert "teacher_shares" not in m.shares and "participation" not in m.series


def test_indirect_direct_undefined_without_direct_talk(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("t,code\n0,4\n3,8\n")
    assert measure(path).scalars["fias_indirect_direct"] is None


def test_fias_coder_codes_speech_turns() -> None:
    speech = (
        SpeechObservation(t=0.0, end=3.0, speaker="teacher", text="今天我们学习三角形的面积。"),
        SpeechObservation(t=3.0, end=6.0, speaker="teacher", text="谁知道平行四边形的面积怎么算？"),
        SpeechObservation(t=6.0, end=9.0, speaker="student", text="底乘高。"),
        SpeechObservation(t=9.0, end=12.0, speaker="teacher", text="很好！"),
        SpeechObservation(t=15.0, end=18.0, speaker="chorus", text="我有一个问题"),
    )
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=speech,
                          instants=(0.0, 3.0, 6.0, 9.0, 12.0, 15.0), interval=3.0)
    timeline = get_manager().coder("fias").code(request)
    assert [s.code for s in timeline.samples] == ["5", "4", "8", "2", "10", "9"]
    assert [s.st for s in timeline.samples] == ["T", "T", "S", "T", "S", "S"]
    assert timeline.samples[2].evidence[0].detail.startswith("student:")


def test_fias_coder_without_speech_leaves_samples_unknown() -> None:
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=(), instants=(0.0, 3.0), interval=3.0)
    assert all(s.code is None for s in get_manager().coder("fias").code(request).samples)


def test_st_coder_uses_speech_then_teacher_cues() -> None:
    obs = (
        SpeechObservation(t=0.0, end=7.0, speaker="teacher", text="..."),
        SpeechObservation(t=7.0, end=11.0, speaker="chorus", text="..."),
        BehaviourCue(t=12.0, actor="teacher", behaviour="board_writing"),
        BehaviourCue(t=18.0, actor="teacher", behaviour="patrolling"),
    )
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=obs, instants=(0.0, 6.0, 9.0, 12.0, 18.0, 24.0),
                          interval=6.0)
    timeline = get_manager().coder("st").code(request)
    assert [s.st for s in timeline.samples] == ["T", "T", "S", "T", "S", None]
    over = CodeRequest(lesson=LessonMeta(id="x"), observations=obs[3:], instants=(18.0,), interval=6.0,
                       options={"st_mapping": {"patrolling": "T"}})
    assert get_manager().coder("st").code(over).samples[0].st == "T"
