"""Evaluation arithmetic: Cohen's kappa, confusion matrices, pairing by time, S/T agreement."""

from __future__ import annotations

import pytest

from lessonlens.core.errors import InputError
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.perception.evaluate import agreement, cohen_kappa, evaluate


def test_cohen_kappa_matches_a_worked_example() -> None:
    # 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po = 0.7, pe = 0.5 -> kappa = 0.4
    truth = ["y"] * 25 + ["n"] * 25
    machine = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(truth, machine) == pytest.approx(0.4)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # no variation: kappa undefined


def test_agreement_confusion_and_per_label_rates() -> None:
    result = agreement(["a", "a", "b", "b"], ["a", "b", "b", "b"], order=("b", "a"))
    assert result.labels == ("b", "a")
    assert result.confusion == ((2, 0), (1, 1))
    assert result.accuracy == 0.75
    assert result.per_label["a"]["precision"] == 1.0 and result.per_label["a"]["recall"] == 0.5
    assert result.per_label["b"]["precision"] == pytest.approx(0.6667, abs=1e-4)


def _timeline(rows: list[tuple[float, str | None, dict[str, float], str | None]]) -> CodedTimeline:
    return CodedTimeline(scheme="platform-9", interval=6.0,
                         samples=tuple(CodedSample(t=t, teacher=k, students=s, st=st) for t, k, s, st in rows))


def test_evaluate_pairs_samples_by_time_and_scores_each_part() -> None:
    truth = _timeline([
        (0, "lecturing", {"listening": 1.0}, "T"),
        (6, "teacher_student_interaction", {"listening": 0.4, "answering": 0.6}, "S"),
        (12, "patrolling", {"peer_interaction": 1.0}, "S"),
        (18, "lecturing", {"listening": 1.0}, "T"),
    ])
    machine = _timeline([
        (0.5, "lecturing", {"listening": 0.9, "reading_writing": 0.1}, "T"),
        (6.2, "lecturing", {"listening": 1.0}, "T"),
        (12.1, "patrolling", {"peer_interaction": 0.8, "listening": 0.2}, "S"),
        (40.0, "lecturing", {"listening": 1.0}, "T"),  # nothing within 3 s of t=18
    ])
    result = evaluate(machine, truth)
    assert (result.samples, result.matched) == (4, 3)
    assert result.teacher.accuracy == pytest.approx(2 / 3, abs=1e-4)
    assert result.teacher.confusion[result.teacher.labels.index("teacher_student_interaction")][
        result.teacher.labels.index("lecturing")] == 1
    assert result.students_dominant.accuracy == pytest.approx(2 / 3, abs=1e-4)
    assert result.share_mae["answering"] == pytest.approx(0.2, abs=1e-4)
    assert result.st.accuracy == pytest.approx(2 / 3, abs=1e-4)


def test_uncoded_machine_samples_count_as_none_and_disjoint_times_fail() -> None:
    truth = _timeline([(0, "lecturing", {"listening": 1.0}, "T")])
    result = evaluate(_timeline([(0, None, {}, None)]), truth)
    assert result.teacher.labels == ("lecturing", "none") and result.teacher.accuracy == 0.0
    with pytest.raises(InputError):
        evaluate(_timeline([(100, "lecturing", {}, "T")]), truth)
