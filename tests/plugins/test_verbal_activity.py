"""The 16-behaviour verbal–activity scheme: sheets, category and condensed shares by hand, coding, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lessonlens import CodeRequest, InputError, LessonMeta, get_manager, measure, read_coded_sheet
from lessonlens.core.observations import (
    BehaviourCue,
    BoardTextObservation,
    FaceObservation,
    GenericObservation,
    Observation,
    PositionObservation,
    SpeechObservation,
)
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedSample, CodedTimeline
from lessonlens.pipeline.measure import detect_scheme
from lessonlens.plugins.coders import verbal_activity as coder_module
from lessonlens.plugins.metrics import verbal_activity as metric_module

LESSONLENS = Path(sys.executable).with_name("lessonlens")

# 10 samples at 6 s; ids, a Chinese label (讲授, 反馈与评价) and aliases (练习, 巡视); one unknown at 42 s
#   code             category          S/T  condensed
#   t_lecturing      teacher_verbal    T    lecturing
#   讲授             teacher_verbal    T    lecturing
#   t_questioning    teacher_verbal    T    teacher_student_interaction
#   s_thinking       student_activity  S    listening
#   s_answering      student_verbal    S    answering
#   反馈与评价       teacher_verbal    T    teacher_student_interaction
#   t_board_writing  teacher_activity  T    board_writing
#   (empty)          -                 -    -
#   练习             student_activity  S    reading_writing
#   巡视             teacher_activity  S    patrolling
SHEET = ("t,code\n0,t_lecturing\n6,讲授\n12,t_questioning\n18,s_thinking\n24,s_answering\n30,反馈与评价\n"
         "36,t_board_writing\n42,\n48,练习\n54,巡视\n")


def write(tmp_path: Path, text: str, name: str = "va.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write(tmp_path, SHEET)


# -- the scheme ------------------------------------------------------------------------------------

def test_sixteen_codes_four_per_category_with_sides_and_st() -> None:
    scheme = get_manager().coder_scheme("verbal-activity")
    assert scheme is coder_module.SCHEME and scheme.interval == 6.0
    assert len(scheme.codes) == 16 and len({c.label.zh for c in scheme.codes}) == 16
    by_category = {cat: [c for c, k in coder_module.CATEGORY_OF.items() if k == cat] for cat in coder_module.CATEGORIES}
    assert {cat: len(codes) for cat, codes in by_category.items()} == dict.fromkeys(coder_module.CATEGORIES, 4)
    for code in scheme.codes:
        teacher = coder_module.CATEGORY_OF[code.id].startswith("teacher")
        assert code.side == ("teacher" if teacher else "students") and code.id[:2] == ("t_" if teacher else "s_")
    # teacher codes are T except patrolling (S, as platform-9's patrolling); student codes are S
    assert scheme.st_mapping() == {c.id: ("S" if c.id == "t_patrolling" or c.id.startswith("s_") else "T")
                                   for c in scheme.codes}
    assert set(coder_module.CATEGORY_LABELS) == set(coder_module.CATEGORIES)


def test_metric_tables_agree_with_the_coder() -> None:
    # plugins do not import each other, so the metric writes the categories out again: keep them equal
    assert metric_module.CATEGORY_OF == coder_module.CATEGORY_OF
    assert set(metric_module.CONDENSED) == set(coder_module.CATEGORY_OF)
    assert set(metric_module.CONDENSED.values()) == set(TEACHER_BEHAVIOURS + STUDENT_BEHAVIOURS) - {"hand_raising"}


def test_aliases_never_shadow_a_label_or_id() -> None:
    labels = {c.label.zh for c in coder_module.SCHEME.codes} | {c.id for c in coder_module.SCHEME.codes}
    assert not labels & set(coder_module.ALIASES)
    assert coder_module.sheet_code("观察") == "s_observing" and coder_module.sheet_code("巡视") == "t_patrolling"


# -- sheets ----------------------------------------------------------------------------------------

def test_sheet_reads_ids_chinese_labels_and_aliases(sheet: Path) -> None:
    timeline = read_coded_sheet(sheet, "verbal-activity")
    assert timeline.scheme == "verbal-activity" and timeline.interval == 6.0 and timeline.coder == "verbal-activity"
    assert [s.code for s in timeline.samples] == [
        "t_lecturing", "t_lecturing", "t_questioning", "s_thinking", "s_answering", "t_feedback",
        "t_board_writing", None, "s_exercises", "t_patrolling"]
    assert [s.st for s in timeline.samples] == ["T", "T", "T", "S", "S", "T", "T", None, "S", "S"]


def test_every_chinese_label_is_a_code_gb18030_and_any_case(tmp_path: Path) -> None:
    codes = coder_module.SCHEME.codes
    rows = "".join(f"{i * 6},{c.label.zh}\n" for i, c in enumerate(codes)) + "96,T_LECTURING\n"
    path = write(tmp_path, "t,code\n" + rows, encoding="gb18030")
    timeline = read_coded_sheet(path, "verbal-activity")
    assert [s.code for s in timeline.samples] == [c.id for c in codes] + ["t_lecturing"]


def test_unknown_code_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "t,code\n0,t_lecturing\n6,lecture\n")
    with pytest.raises(InputError) as caught:
        read_coded_sheet(path, "verbal-activity")
    en, zh = caught.value.message("en"), caught.value.message("zh-CN")
    assert en.startswith(f"{path}: line 3, column 2 (code): unknown code 'lecture' (known: t_feedback, ")
    assert en.endswith("s_thinking)")
    assert "第 3 行第 2 列（code）：未知的编码 'lecture'" in zh


def test_single_column_needs_interval_and_then_reads(tmp_path: Path) -> None:
    path = write(tmp_path, "code\n讲授\n提问\n应答\n")
    with pytest.raises(InputError, match="needs the sampling interval"):
        read_coded_sheet(path, "verbal-activity")
    timeline = read_coded_sheet(path, "verbal-activity", interval=3)
    assert [(s.t, s.code) for s in timeline.samples] == [(0.0, "t_lecturing"), (3.0, "t_questioning"),
                                                         (6.0, "s_answering")]


def test_scheme_is_detected_from_its_codes(tmp_path: Path) -> None:
    assert detect_scheme(write(tmp_path, "t,code\n0,t_lecturing\n", "a.csv")) == "verbal-activity"
    assert detect_scheme(write(tmp_path, "t,code\n0,讲授\n", "b.csv")) == "verbal-activity"
    assert detect_scheme(write(tmp_path, "code\nS_Answering\n", "c.csv")) == "verbal-activity"
    # the other schemes keep their rules; a code no scheme knows still goes to S-T (which names it)
    assert detect_scheme(write(tmp_path, "t,code\n0,7\n", "d.csv")) == "fias"
    assert detect_scheme(write(tmp_path, "t,code\n0,S\n", "e.csv")) == "st"
    assert detect_scheme(write(tmp_path, "t,code\n0,singing\n", "f.csv")) == "st"


# -- metrics by hand -------------------------------------------------------------------------------

def test_category_shares_by_hand(sheet: Path) -> None:
    s = measure(sheet).scalars  # detected: the first code is t_lecturing
    # 9 known samples: teacher verbal 4 (lecturing x2, questioning, feedback), teacher activity 2
    # (board writing, patrolling), student verbal 1 (answering), student activity 2 (thinking, exercises)
    assert s["va_teacher_verbal"] == round(4 / 9, 6)
    assert s["va_teacher_activity"] == round(2 / 9, 6)
    assert s["va_student_verbal"] == round(1 / 9, 6)
    assert s["va_student_activity"] == round(2 / 9, 6)


def test_condensed_shares_by_hand(sheet: Path) -> None:
    condensed = measure(sheet, scheme="verbal-activity").shares["va_condensed"]
    assert list(condensed) == [*TEACHER_BEHAVIOURS, *STUDENT_BEHAVIOURS]
    ninths = {"lecturing": 2, "board_writing": 1, "patrolling": 1, "teacher_student_interaction": 2,
              "listening": 1, "hand_raising": 0, "answering": 1, "reading_writing": 1, "peer_interaction": 0}
    assert condensed == {b: round(k / 9, 6) for b, k in ninths.items()}
    assert sum(condensed.values()) == pytest.approx(1, abs=1e-5)  # each rounded to 6 digits


def test_generic_metrics_read_the_scheme(sheet: Path) -> None:
    m = measure(sheet, scheme="verbal-activity", bin_seconds=30)
    # S/T over known samples: T T T S S T T . S S -> Rt 5/9; runs TTT|SS|TT|SS = 4 -> Ch 3/9; mixed
    assert (m.scalars["rt"], m.scalars["ch"], m.scalars["mode"]) == (round(5 / 9, 6), round(3 / 9, 6), "mixed")
    assert m.shares["code_shares"]["t_lecturing"] == round(2 / 9, 6) and len(m.shares["code_shares"]) == 16
    assert m.episodes["t_lecturing"].count == 1 and m.episodes["t_lecturing"].longest == 12.0
    table = m.tables["timeline"]
    assert table.columns[:4] == ("start", "end", "t_feedback", "t_instruction")
    first = table.records()[0]  # 0-30 s: lecturing x2, questioning, thinking, answering
    assert (first["t_lecturing"], first["t_questioning"], first["s_thinking"], first["s_answering"]) == (2, 1, 1, 1)
    assert "teacher_shares" not in m.shares and "fias_matrix" not in m.tables


def test_no_known_samples_leave_every_share_undefined() -> None:
    timeline = CodedTimeline(scheme="verbal-activity", interval=6.0,
                             samples=tuple(CodedSample(t=t) for t in (0.0, 6.0)))
    m = measure(timeline)
    assert all(m.scalars[f"va_{c}"] is None for c in metric_module.CATEGORIES)
    assert "va_condensed" not in m.shares


def test_metric_labels_in_both_languages() -> None:
    for key in ("va_teacher_verbal", "va_teacher_activity", "va_student_verbal", "va_student_activity",
                "va_condensed"):
        label = get_manager().metric_label(key)
        assert label.zh and label.en and label.zh != label.en


# -- coding from observations ----------------------------------------------------------------------

def coded(observations: tuple[Observation, ...], instants: tuple[float, ...], interval: float = 6.0,
          **options: object) -> CodedTimeline:
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=observations, instants=instants,
                          interval=interval, options=dict(options))
    return get_manager().coder("verbal-activity").code(request)


def test_speech_turns_become_verbal_codes() -> None:
    speech = (
        SpeechObservation(t=0.0, end=6.0, speaker="teacher", text="今天我们学习三角形的面积。", detector="asr"),
        SpeechObservation(t=6.0, end=12.0, speaker="teacher", text="请大家打开课本，翻到第 35 页。"),
        SpeechObservation(t=12.0, end=18.0, speaker="teacher", text="谁知道平行四边形的面积怎么算？"),
        SpeechObservation(t=18.0, end=24.0, speaker="student", text="底乘高。"),
        SpeechObservation(t=24.0, end=30.0, speaker="teacher", text="很好，请坐。"),
        SpeechObservation(t=30.0, end=36.0, speaker="student", text="可是三角形只有一半。"),
        SpeechObservation(t=36.0, end=42.0, speaker="student", text="老师，梯形也能这样算吗？"),
        SpeechObservation(t=42.0, end=48.0, speaker="chorus", text="能！"),
        SpeechObservation(t=48.0, end=54.0, speaker="group", text=""),
    )
    timeline = coded(speech, tuple(float(t) for t in range(0, 60, 6)))
    assert [s.code for s in timeline.samples] == [
        "t_lecturing", "t_instruction", "t_questioning", "s_answering", "t_feedback",
        "s_dialogue",     # S -> T (feedback, no new question) -> S
        "s_questioning", "s_answering", "s_discussion", None]
    assert [s.st for s in timeline.samples][:6] == ["T", "T", "T", "S", "T", "S"]
    first = timeline.samples[0].evidence[0]
    assert (first.detector, first.kind, first.t) == ("asr", "speech", 0.0)
    assert first.detail.startswith("teacher: 今天")


def test_speaker_turns_take_words_and_acts_from_transcripts() -> None:
    observations = (
        # the speech detector knows who, the ASR what; a speech act marks the evaluation
        SpeechObservation(t=0.0, end=5.0, speaker="teacher", detector="speech"),
        SpeechObservation(t=0.2, end=4.8, text="这个角是多少度？", detector="asr"),
        SpeechObservation(t=6.0, end=11.0, speaker="teacher", detector="speech"),
        GenericObservation(t=6.1, kind_name="speech_act", data={"act": "evaluation", "end": 10.0}),
        SpeechObservation(t=12.0, end=17.0, speaker="teacher", detector="speech"),
    )
    timeline = coded(observations, (0.0, 6.0, 12.0))
    assert [s.code for s in timeline.samples] == ["t_questioning", "t_feedback", "t_lecturing"]


def test_a_long_teacher_turn_is_coded_by_the_words_near_each_instant() -> None:
    observations = (
        SpeechObservation(t=0.0, end=30.0, speaker="teacher", detector="speech"),  # one long turn
        SpeechObservation(t=0.0, end=10.0, text="三角形的面积等于底乘高除以二", detector="asr"),
        SpeechObservation(t=10.0, end=16.0, text="这是为什么呢？", detector="asr"),
        SpeechObservation(t=16.0, end=30.0, text="因为两个一样的三角形拼成一个平行四边形", detector="asr"),
        SpeechObservation(t=30.0, end=34.0, speaker="student", detector="speech"),
    )
    timeline = coded(observations, (0.0, 6.0, 12.0, 18.0, 24.0, 30.0))
    assert [s.code for s in timeline.samples] == [
        "t_lecturing", "t_lecturing", "t_questioning", "t_questioning", "t_lecturing",
        "s_answering"]  # the turn ended with an explanation, and no student spoke before it: not a dialogue


def test_activities_without_speech() -> None:
    observations = (
        BoardTextObservation(t=1.0, added_chars=12, detector="board_ocr"),
        PositionObservation(t=6.0, zone="aisle", moving=False, detector="teacher_pose", confidence=0.9),
        BehaviourCue(t=12.0, actor="students", behaviour="reading_writing", share=0.7, confidence=0.8),
        PositionObservation(t=12.0, zone="aisle", moving=True),
        PositionObservation(t=18.0, zone="aisle", moving=True),
        *(FaceObservation(t=24.0, person=f"s{i}", gaze="side" if i < 5 else "front") for i in range(10)),
        *(FaceObservation(t=30.0, person=f"s{i}", gaze="front") for i in range(10)),
        BehaviourCue(t=36.0, actor="teacher", behaviour="lecturing", confidence=0.6),
        BehaviourCue(t=42.0, actor="teacher", behaviour="t_demonstration", confidence=0.7),
        BehaviourCue(t=48.0, actor="students", behaviour="answering", share=0.025),
    )
    timeline = coded(observations, tuple(float(t) for t in range(0, 60, 6)))
    assert [s.code for s in timeline.samples] == [
        "t_board_writing", "t_guidance", "s_exercises", "t_patrolling", "s_discussion", "s_observing",
        "t_lecturing", "t_demonstration", "s_answering", None]
    assert timeline.samples[1].confidence == 0.9 and timeline.samples[1].evidence[0].detail == "zone=aisle moving=False"
    assert timeline.samples[2].evidence[0].detail == "students:reading_writing 0.70"


def test_talking_while_writing_is_board_writing_and_silence_after_a_question_is_thinking() -> None:
    observations = (
        SpeechObservation(t=0.0, end=6.0, speaker="teacher", text="我们把公式写在这里"),
        BoardTextObservation(t=2.0, added_chars=8),
        SpeechObservation(t=6.0, end=8.0, speaker="teacher", text="为什么是除以二？"),
        SpeechObservation(t=20.0, end=24.0, speaker="student", text="因为是一半"),
    )
    timeline = coded(observations, (0.0, 6.0, 12.0, 18.0, 30.0))
    assert [s.code for s in timeline.samples] == ["t_board_writing", "t_questioning", "s_thinking",
                                                  "s_thinking", None]
    assert [e.kind for e in timeline.samples[0].evidence] == ["speech", "board_text"]


def test_silence_is_not_thinking_when_speech_was_not_analysed() -> None:
    observations = (SpeechObservation(t=0.0, end=2.0, speaker="teacher", text="为什么？"),)
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=observations, instants=(0.0, 6.0), interval=6.0,
                          unavailable=("speech",))
    assert [s.code for s in get_manager().coder("verbal-activity").code(request).samples] == ["t_questioning", None]


def test_nothing_observed_is_unknown_and_st_mapping_overrides() -> None:
    assert all(s.code is None and s.st is None and not s.evidence for s in coded((), (0.0, 6.0)).samples)
    cue = (PositionObservation(t=0.0, zone="aisle", moving=True),)
    assert coded(cue, (0.0,)).samples[0].st == "S"
    over = coded(cue, (0.0,), st_mapping={"t_patrolling": "T"})
    assert over.samples[0].st == "T" and over.st_mapping["t_patrolling"] == "T"


def test_coded_timeline_is_measured() -> None:
    speech = (SpeechObservation(t=0.0, end=12.0, speaker="teacher", text="讲解"),
              SpeechObservation(t=12.0, end=18.0, speaker="chorus", text="对"))
    m = measure(coded(speech, (0.0, 6.0, 12.0)))
    assert (m.scalars["va_teacher_verbal"], m.scalars["va_student_verbal"]) == (round(2 / 3, 6), round(1 / 3, 6))
    assert m.shares["va_condensed"]["answering"] == round(1 / 3, 6)


# -- the CLI ---------------------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LESSONLENS_PLUGINS": ""}
    env.pop("LESSONLENS_LANG", None)
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


def test_cli_metrics_json_end_to_end(sheet: Path) -> None:
    result = run("metrics", str(sheet), "--scheme", "verbal-activity", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["scheme"] == "verbal-activity" and doc["n_samples"] == 10 and doc["interval"] == 6.0
    assert doc["scalars"]["va_teacher_verbal"] == round(4 / 9, 6)
    assert doc["scalars"]["va_student_activity"] == round(2 / 9, 6)
    assert doc["shares"]["va_condensed"]["teacher_student_interaction"] == round(2 / 9, 6)
    assert doc["shares"]["code_shares"]["s_exercises"] == round(1 / 9, 6)


def test_cli_tables_and_errors(sheet: Path, tmp_path: Path) -> None:
    result = run("metrics", str(sheet))  # scheme detected
    assert result.returncode == 0, result.stderr
    assert "教师言语占比 Teacher verbal share" in result.stdout and "0.444" in result.stdout
    assert "讲授 Lecturing" in result.stdout and "师生互动 Teacher-student interaction" in result.stdout
    bad = write(tmp_path, "t,code\n0,讲授\n6,唱歌\n", "bad.csv")
    result = run("--lang", "en", "metrics", str(bad), "--scheme", "verbal-activity")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"lessonlens: {bad}: line 3, column 2 (code): unknown code '唱歌'")
