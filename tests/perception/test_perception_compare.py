"""Comparing models: several analyses of one lesson against one hand coding, side by side."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lessonlens.cli import main
from lessonlens.core.analysis import Analysis
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.files.documents import save
from lessonlens.perception.compare import code_kappa, compare
from lessonlens.perception.evaluate import agreement, cohen_kappa, evaluate

TRUTH = [("lecturing", "listening")] * 6 + [("teacher_student_interaction", "hand_raising")] * 4 + [
    ("board_writing", "listening")] * 4


def _timeline(codes: list[tuple[str, str]]) -> CodedTimeline:
    return CodedTimeline(scheme="platform-9", interval=6.0, samples=tuple(
        CodedSample(t=6.0 * i, teacher=t, students={s: 1.0}, st="S" if s == "hand_raising" else "T")
        for i, (t, s) in enumerate(codes)))


def test_code_kappa_folds_the_confusion_matrix_one_code_against_the_rest() -> None:
    truth = ["a", "a", "b", "c", "c", "b"]
    machine = ["a", "b", "b", "c", "a", "b"]
    result = agreement(truth, machine)
    for label in ("a", "b", "c"):
        one_vs_rest = cohen_kappa([str(x == label) for x in truth], [str(x == label) for x in machine])
        assert code_kappa(result, label) == pytest.approx(one_vs_rest, abs=1e-4)
    assert code_kappa(result, "zzz") is None


def test_two_backends_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    good = TRUTH.copy()
    worse = TRUTH.copy()
    worse[6:8] = [("lecturing", "listening")] * 2  # two raised-hand questions missed
    lesson = LessonMeta(id="l1")
    paths = []
    for name, codes in (("faces", worse), ("rtmo", good)):
        folder = tmp_path / name
        folder.mkdir()
        paths.append(folder / "analysis.json")
        save(Analysis(lesson=lesson, timeline=_timeline(codes)), paths[-1])
    sheet = tmp_path / "truth.csv"
    sheet.write_text("t,teacher,listening,hand_raising,answering,reading_writing,peer_interaction\n" + "".join(
        f"{6 * i},{t},{int(s == 'listening')},{int(s == 'hand_raising')},0,0,0\n" for i, (t, s) in enumerate(TRUTH)),
        encoding="utf-8")
    truth = _timeline(TRUTH)
    result = compare(["faces", "rtmo"], [evaluate(_timeline(worse), truth), evaluate(_timeline(good), truth)])
    assert result.overall["teacher"][1] == (1.0, 1.0)
    assert result.overall["teacher"][0][0] is not None and result.overall["teacher"][0][0] < 1.0
    assert result.code_kappa["students:hand_raising"][1] == 1.0
    assert result.code_kappa["students:hand_raising"][0] < result.code_kappa["students:hand_raising"][1]

    monkeypatch.setattr(sys, "argv", ["lessonlens", "--lang", "en", "evaluate", *map(str, paths), str(sheet), "--json"])
    with pytest.raises(SystemExit) as done:
        main()
    assert not done.value.code
    printed = json.loads(capsys.readouterr().out)
    assert printed["names"] == ["faces", "rtmo"]
    assert printed["code_kappa"]["teacher:teacher_student_interaction"][1] == 1.0
    monkeypatch.setattr(sys, "argv", ["lessonlens", "--lang", "en", "evaluate", *map(str, paths), str(sheet)])
    with pytest.raises(SystemExit):
        main()
    table = capsys.readouterr().out
    assert "faces" in table and "rtmo" in table and "κ students:hand_raising" in table
    monkeypatch.setattr(sys, "argv", ["lessonlens", "--lang", "en", "evaluate", str(sheet)])
    with pytest.raises(SystemExit) as refused:
        main()
    assert refused.value.code == 2
