"""The synthetic lesson: real files that decode, a truth sheet that matches the plan, speech where planned."""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lessonlens.media import frames_at, probe, read_audio
from lessonlens.synth import SampleLesson
from lessonlens.synth.plan import TEACHER_CODE, phases_for
from tests.support.synth import needs_synth, short_lesson

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lesson() -> SampleLesson:
    needs_synth()
    return short_lesson()


def test_plan_scales_the_45_minute_template() -> None:
    phases = phases_for(45)
    assert phases[0].start == 0 and phases[-1].end == 2700
    assert all(a.end == b.start for a, b in itertools.pairwise(phases))
    assert {p.name for p in phases} == set(TEACHER_CODE)
    assert phases_for(3)[-1].end == pytest.approx(180)


def test_cameras_are_720p_h264_of_the_lesson_length(lesson: SampleLesson) -> None:
    for path in (lesson.teacher, lesson.students, lesson.board):
        info = probe(path)
        assert (info.width, info.height, info.video_codec) == (1280, 720, "h264")
        assert info.duration == pytest.approx(lesson.duration, abs=0.5)
    sound = probe(lesson.audio)
    assert sound.audio_channels == 2 and not sound.has_video


def test_truth_sheet_has_one_row_per_6_s_and_shares_summing_to_one(lesson: SampleLesson) -> None:
    rows = list(csv.DictReader(lesson.truth.open(encoding="utf-8")))
    assert len(rows) == int(lesson.duration // 6)
    assert [r["t"] for r in rows[:3]] == ["0", "6", "12"]
    teachers = {r["teacher"] for r in rows}
    assert teachers == {"lecturing", "board_writing", "teacher_student_interaction", "patrolling"}
    for row in rows:
        shares = [float(row[k]) for k in ("listening", "hand_raising", "answering", "reading_writing",
                                           "peer_interaction")]
        assert sum(shares) == pytest.approx(1.0, abs=1e-3)


def test_board_fills_with_text_as_the_teacher_writes(lesson: SampleLesson) -> None:
    plan = json.loads(lesson.plan.read_text(encoding="utf-8"))
    board = next(p for p in plan["phases"] if p["name"] == "board")
    (_, before), (_, after) = frames_at(lesson.board, [board["start"] + 0.1, board["end"] - 0.1])
    # chalk is near-white on a dark green board: more bright pixels once written
    assert (after.min(axis=2) > 180).sum() > (before.min(axis=2) > 180).sum() + 2000


def test_speech_is_loud_where_the_plan_has_it_and_lapel_favours_the_teacher(lesson: SampleLesson) -> None:
    plan = json.loads(lesson.plan.read_text(encoding="utf-8"))
    mics = read_audio(lesson.audio, mono=False)
    rate = 16000

    def rms(channel: int, start: float, end: float) -> float:
        part = mics[channel, int(start * rate): int(end * rate)]
        return float(np.sqrt(np.mean(part**2)))

    teacher = [u for u in plan["utterances"] if u["speaker"] == "teacher"][:5]
    student = [u for u in plan["utterances"] if u["speaker"] == "student"][:5]
    assert teacher and student
    for u in teacher:
        assert rms(0, u["start"], u["end"]) > 1.5 * rms(1, u["start"], u["end"])
        assert rms(0, u["start"], u["end"]) > 0.03
    for u in student:
        assert rms(1, u["start"], u["end"]) > rms(0, u["start"], u["end"])


def test_sample_lesson_command_writes_a_lesson(tmp_path: Path) -> None:
    needs_synth()
    done = subprocess.run([sys.executable, "-m", "lessonlens", "--lang", "en", "sample-lesson", "-o",
                           str(tmp_path / "mini"), "--minutes", "0.5", "--fps", "2"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "lessonlens analyze --teacher" in done.stdout
    names = {p.name for p in (tmp_path / "mini").iterdir()}
    assert {"teacher.mp4", "students.mp4", "board.mp4", "audio.m4a", "truth.csv", "lesson.yaml", "plan.json"} <= names
    assert probe(tmp_path / "mini" / "teacher.mp4").duration == pytest.approx(30, abs=1)
