"""The JSON round trip of every document, schema tags and versions, and atomic saving."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonlens import load, loads, save, to_dict
from lessonlens.core.analysis import Analysis, Provenance
from lessonlens.core.documents import DOCUMENT_KINDS, FindingSet, ObservationSet, dumps, from_dict
from lessonlens.core.errors import InputError, SchemaVersionError
from lessonlens.core.findings import Finding, Severity
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.metrics import (
    CurveSummary,
    Episodes,
    Extreme,
    Metrics,
    Series,
    Table,
    TimeRange,
)
from lessonlens.core.observations import (
    BehaviourCue,
    BoardTextObservation,
    Box,
    FaceObservation,
    GenericObservation,
    Keypoint,
    PoseObservation,
    PositionObservation,
    SpeechObservation,
)
from lessonlens.core.rubric import (
    Agreement,
    Band,
    Indicator,
    IndicatorResult,
    RubricResult,
    RubricSchema,
    ScoreSheet,
    TimedNote,
)
from lessonlens.core.timeline import CodedSample, CodedTimeline, Evidence

LESSON = LessonMeta(id="bj-hd-2024-0412-yw", title="《荷花》第二课时", subject="语文", grade="3",
                    teacher="t-wang", school="s-hd-1", region="北京市海淀区", date=dt.date(2024, 4, 12),
                    duration=2400.0, extra={"unit": "第一单元"})

OBSERVATIONS = (
    PoseObservation(t=0.0, source="teacher.mp4", detector="pose", person="teacher", box=Box(0.1, 0.2, 0.3, 0.6),
                    keypoints=(Keypoint("nose", 0.2, 0.25, 0.98), Keypoint("left_wrist", 0.15, 0.4))),
    FaceObservation(t=6.0, source="students.mp4", detector="faces", person="s07", yaw=-35.0, pitch=5.0,
                    gaze="side"),
    PositionObservation(t=6.0, x=0.8, y=0.6, zone="aisle", moving=True),
    BoardTextObservation(t=12.0, text="荷花 lotus", added_chars=8, box=Box(0.0, 0.0, 1.0, 0.5)),
    SpeechObservation(t=12.0, end=15.5, speaker="chorus", text="对！", language="zh", confidence=0.7),
    BehaviourCue(t=18.0, actor="students", behaviour="hand_raising", share=0.4, confidence=0.8),
    GenericObservation(t=24.0, detector="acme-gaze", kind_name="acme_gaze", data={"angle": 12.5, "ok": True}),
)

TIMELINE = CodedTimeline(
    scheme="platform-9", interval=6.0, coder="platform-9", st_mapping={"lecturing": "T"},
    samples=(
        CodedSample(t=0.0, teacher="lecturing", students={"listening": 0.9, "reading_writing": 0.1}, st="T",
                    confidence=0.82, evidence=(Evidence("pose", "pose", "facing class", 0.0),)),
        CodedSample(t=6.0, teacher=None, students={}, st=None, confidence=0.0),
        CodedSample(t=12.0, code="4", st="T"),
    ),
)

METRICS = Metrics(
    scheme="platform-9", interval=6.0, n_samples=3,
    scalars={"rt": 0.55, "ch": 0.23, "mode": "mixed", "n_t": 11, "note": None, "flag": True},
    shares={"teacher_shares": {"lecturing": 0.6, "patrolling": 0.4}},
    series={"attention": Series(t=(0.0, 6.0), values=(0.9, None))},
    summaries={"attention": CurveSummary(mean=0.9, max=Extreme(0.0, 0.9), min=None)},
    episodes={"answering": Episodes(count=2, total=18.0, longest=12.0,
                                    ranges=(TimeRange(6.0, 18.0), TimeRange(60.0, 66.0)))},
    tables={"timeline": Table(columns=("start", "end", "lecturing"), rows=((0.0, 120.0, 14), (120.0, 240.0, 3)))},
)

FINDING = Finding(
    id="choral_answering@bj-hd-2024-0412-yw", rule="choral_answering", severity=Severity.WARNING,
    title={"zh-CN": "集体应答多", "en": "Much choral answering"},
    explanation={"zh-CN": "举手 2.81%，应答 25.66%", "en": "hand raising 2.81 %, answering 25.66 %"},
    suggestion={"zh-CN": "多用开放性提问", "en": "Ask more open questions"},
    time_ranges=(TimeRange(300.0, 330.0),), facts={"hand_raising": 0.0281, "answering": 0.2566},
)

SCHEMA = RubricSchema(
    id="classroom", name={"zh-CN": "课堂教学", "en": "Classroom teaching"}, kind="classroom_teaching",
    indicators=(Indicator("goals", {"zh-CN": "目标达成", "en": "Goals"}),
                Indicator("goals.clear", {"zh-CN": "目标清晰", "en": "Clear goals"}, parent="goals",
                          description={"zh-CN": "目标明确", "en": "Goals are explicit"}, max_score=10, weight=1.0)),
    bands=(Band("good", {"zh-CN": "良好", "en": "Good"}, 0.6, 1.0, "#1565c0"),
           Band("low", {"zh-CN": "待改进", "en": "Improve"}, 0.0, 0.6, "#c62828")),
)

SHEET = ScoreSheet(rubric="classroom", rater="李老师", scores={"goals.clear": 8.5}, lesson=LESSON.id, mode="live",
                   made_at=dt.datetime(2024, 4, 12, 10, 5, tzinfo=dt.UTC),
                   comments={"goals.clear": "<script>alert(1)</script>"},
                   notes=(TimedNote(t=312.0, text="学生齐答", indicator="goals.clear"),))

RESULT = RubricResult(
    rubric="classroom", kind="classroom_teaching", lesson=LESSON.id, raters=("李老师", "张老师"),
    indicators=(IndicatorResult(id="goals.clear", level=2, n_raters=2, mean=8.0, median=8.0, min=7.5, max=8.5,
                                std=0.7071, max_score=10, share=0.8, band="good", missing=("赵老师",)),),
    overall=IndicatorResult(id="overall", level=0, n_raters=2, mean=8.0, share=0.8, band="good"),
    agreement=Agreement(icc2k=0.81, kendall_w=0.77, reading={"zh-CN": "一致性良好", "en": "good agreement"},
                        outlier_raters=("张老师",)),
    comments={"goals.clear": ("很清楚",)}, notes=SHEET.notes,
)

ANALYSIS = Analysis(
    lesson=LESSON,
    media=(MediaSource("teacher.mp4", MediaRole.TEACHER, offset=0.4, duration=2401.0),
           MediaSource("class.mp4", "students")),
    timeline=TIMELINE, metrics=METRICS, findings=(FINDING,), rubric_results=(RESULT,),
    observations=OBSERVATIONS, unavailable=("speech",),
    provenance=Provenance(lessonlens="0.1.0", created="2024-04-12T10:00:00+00:00", detectors=("pose",),
                          coder="platform-9", metrics=("st",), rules=("default",), options={"interval": "6"}),
)

DOCUMENTS: list[Any] = [
    ANALYSIS, TIMELINE, METRICS, FindingSet(lesson=LESSON.id, findings=(FINDING,)),
    ObservationSet(lesson=LESSON.id, detector="pose", observations=OBSERVATIONS), SCHEMA, SHEET, RESULT,
]


def test_every_document_kind_is_covered() -> None:
    assert {type(d) for d in DOCUMENTS} == {cls for cls, _ in DOCUMENT_KINDS.values()}


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: type(d).__name__)
def test_round_trip_through_json_file(doc: Any, tmp_path: Path) -> None:
    path = save(doc, tmp_path / "doc.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema"].startswith("lessonlens.") and raw["schema"].endswith("/1")
    assert load(path, type(doc)) == doc
    assert load(path) == doc


def test_json_uses_plain_ids_and_keeps_chinese_readable() -> None:
    text = dumps(ANALYSIS)
    assert "《荷花》第二课时" in text  # not \u escapes: files stay readable for Chinese users
    data = json.loads(text)
    assert data["media"][0]["role"] == "teacher"
    assert data["lesson"]["date"] == "2024-04-12"
    assert data["metrics"]["scalars"]["mode"] == "mixed"
    assert [o["kind"] for o in data["observations"]] == [
        "pose", "face", "position", "board_text", "speech", "behaviour", "acme_gaze"]


def test_unknown_observation_kind_from_another_tool_is_kept() -> None:
    data = to_dict(ObservationSet(lesson="x", detector="d", observations=()))
    data["observations"] = [{"kind": "eye_tracker", "t": 3.0, "detector": "tobii", "fixation": [0.2, 0.4]}]
    loaded = from_dict(data, ObservationSet)
    (obs,) = loaded.observations
    assert isinstance(obs, GenericObservation)
    assert (obs.kind_name, obs.t, obs.detector, obs.data) == ("eye_tracker", 3.0, "tobii", {"fixation": [0.2, 0.4]})
    assert to_dict(loaded)["observations"][0]["kind"] == "eye_tracker"


def test_newer_minor_version_with_extra_fields_is_read() -> None:
    data = to_dict(TIMELINE)
    data["schema"] = "lessonlens.timeline/1.3"
    data["added_in_1_3"] = {"anything": 1}
    assert from_dict(data, CodedTimeline) == TIMELINE


def test_unknown_major_version_is_refused_with_a_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    data = to_dict(ANALYSIS)
    data["schema"] = "lessonlens.analysis/2"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SchemaVersionError) as err:
        load(path)
    line = err.value.message("en")
    assert line.startswith(f"{path}: ") and "major version 2" in line and "analysis/1" in line
    assert "\n" not in line
    assert "主版本 2" in err.value.message("zh-CN")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"lesson": {"id": "x"}}', 'no "schema" field'),
        ('{"schema": "otherapp.analysis/1"}', "unknown document type"),
        ('{"schema": "lessonlens.analysis/1", "lesson": {"title": "no id"}}', "does not match the analysis format"),
        ('{"schema": "lessonlens.timeline/1", "scheme": "st", "interval": "six", "samples": []}', "timeline format"),
        ("[1, 2]", 'no "schema" field'),
    ],
)
def test_bad_documents_name_the_file_and_the_problem(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.path == str(path)
    assert expected in err.value.message("en")


def test_wrong_document_kind_is_refused(tmp_path: Path) -> None:
    path = save(TIMELINE, tmp_path / "t.json")
    with pytest.raises(InputError, match="document is a timeline, expected a analysis"):
        load(path, Analysis)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load(tmp_path / "nowhere.json")
    assert "file not found" in err.value.message("en") and "文件不存在" in err.value.message("zh-CN")


def test_failed_save_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    path = save(TIMELINE, tmp_path / "t.json")
    before = path.read_bytes()
    broken = CodedTimeline(scheme="st", interval=float("nan"), samples=())
    with pytest.raises(ValueError):
        save(broken, path)  # NaN is not JSON: fails before anything is written
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]  # no temp file left behind


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
shares = st.dictionaries(st.sampled_from(["listening", "answering", "hand_raising"]),
                         st.floats(min_value=0, max_value=1), max_size=3)


@given(st.lists(st.tuples(finite, st.sampled_from([None, "lecturing", "patrolling"]), shares,
                          st.sampled_from([None, "S", "T"])), max_size=20))
def test_any_timeline_round_trips(rows: list[tuple[float, str | None, dict[str, float], str | None]]) -> None:
    timeline = CodedTimeline(scheme="platform-9", interval=6.0,
                             samples=tuple(CodedSample(t=t, teacher=b, students=s, st=c) for t, b, s, c in rows))
    assert loads(dumps(timeline), CodedTimeline) == timeline


@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), finite,
                                 st.text(max_size=10)), max_size=8))
def test_any_scalars_round_trip(scalars: dict[str, Any]) -> None:
    metrics = Metrics(scheme="st", interval=30.0, n_samples=0, scalars=scalars)
    back = loads(dumps(metrics), Metrics)
    assert back.scalars == scalars
    assert [type(v) for v in back.scalars.values()] == [type(v) for v in scalars.values()]


def test_saved_json_keeps_a_curve_on_one_line_and_a_row_or_range_per_line() -> None:
    text = dumps(METRICS)
    lines = text.splitlines()
    assert json.loads(text) == to_dict(METRICS)
    assert '      "values": [0.9, null]' in lines
    assert '        {"start": 6.0, "end": 18.0},' in lines and '        {"start": 60.0, "end": 66.0}' in lines
    assert '        [0.0, 120.0, 14],' in lines and '        [120.0, 240.0, 3]' in lines
    assert dumps(METRICS, indent=None) == json.dumps(to_dict(METRICS), ensure_ascii=False)
