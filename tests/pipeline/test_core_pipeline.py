"""The pipeline end to end with an in-process detector: instants, detection, coding, metrics."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from lessonlens import (
    CodedTimeline,
    CodeRequest,
    CodingScheme,
    Detector,
    DetectRequest,
    LessonMeta,
    MediaRole,
    MediaSource,
    Metric,
    MetricValues,
    analyze_media,
    compute_metrics,
    hookimpl,
)
from lessonlens.core.errors import InputError
from lessonlens.core.observations import BehaviourCue, Observation
from lessonlens.core.plugins import PluginManager
from lessonlens.core.sampling import sampling_instants
from lessonlens.pipeline.stages import ProgressEvent

PLAN = [  # (until t, teacher behaviour, share of students answering, listening)
    (30.0, "lecturing", 0.0, 1.0),
    (42.0, "teacher_student_interaction", 0.75, 0.25),
    (54.0, "teacher_student_interaction", 0.1, 0.9),
    (60.0, "patrolling", 0.0, 0.0),
]


class ScriptedDetector(Detector):
    """Emits the cues of PLAN, as an action-recognition model would."""

    name = "scripted"
    roles = (MediaRole.MIXED,)
    emits = ("behaviour",)

    def detect(self, request: DetectRequest) -> Iterable[Observation]:
        for i, t in enumerate(request.instants, start=1):
            teacher, answering, listening = next((b, a, li) for until, b, a, li in PLAN if t < until)
            yield BehaviourCue(t=t + 0.5, detector=self.name, actor="teacher", behaviour=teacher, confidence=0.8)
            if answering:
                yield BehaviourCue(t=t, detector=self.name, actor="students", behaviour="answering",
                                   share=answering)
            if listening:
                yield BehaviourCue(t=t, detector=self.name, actor="students", behaviour="listening",
                                   share=listening)
            if not answering and not listening:
                yield BehaviourCue(t=t, detector=self.name, actor="students", behaviour="reading_writing")
            request.progress(i, len(request.instants))


class TeacherCount(Metric):
    name = "teacher-count"

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return MetricValues(scalars={"n_coded": sum(s.teacher is not None for s in timeline.samples)})


class Plugin:
    @hookimpl
    def register_detectors(self, register):  # type: ignore[no-untyped-def]
        register(ScriptedDetector())

    @hookimpl
    def register_metrics(self, register):  # type: ignore[no-untyped-def]
        register(TeacherCount())


@pytest.fixture
def manager() -> PluginManager:
    manager = PluginManager()
    manager.register(Plugin(), "scripted-plugin")
    return manager


def test_sampling_instants_cover_the_lesson_at_the_interval() -> None:
    assert sampling_instants(30.0, 6.0) == (0.0, 6.0, 12.0, 18.0, 24.0)
    assert sampling_instants(31.0, 6.0) == (0.0, 6.0, 12.0, 18.0, 24.0, 30.0)
    assert sampling_instants(0.0) == ()
    assert len(sampling_instants(45 * 60)) == 450
    with pytest.raises(ValueError):
        sampling_instants(10.0, 0.0)


def test_pipeline_detects_codes_and_measures(manager: PluginManager) -> None:
    events: list[ProgressEvent] = []
    analysis = analyze_media(LessonMeta(id="l1", duration=60.0), [MediaSource("lesson.mp4", "mixed")],
                             detectors=["scripted"], manager=manager, progress=events.append)
    samples = analysis.timeline.samples if analysis.timeline else ()
    assert [s.t for s in samples] == [0.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0, 42.0, 48.0, 54.0]
    assert [s.teacher for s in samples] == ["lecturing"] * 5 + ["teacher_student_interaction"] * 4 + ["patrolling"]
    # interaction is S when answering outweighs listening, else T (SPEC.md section 2); patrolling is S
    assert "".join(s.st or "-" for s in samples) == "TTTTTSSTTS"
    assert samples[5].students == pytest.approx({"answering": 0.75, "listening": 0.25})
    assert samples[9].students == {"reading_writing": 1.0}
    assert all(s.confidence == 1.0 and s.evidence for s in samples)
    assert analysis.metrics is not None and analysis.metrics.scalars["n_coded"] == 10
    assert analysis.provenance.detectors == ("scripted",) and analysis.provenance.coder == "platform-9"
    stages = [e.stage for e in events if e.finished]
    assert stages == ["detect:scripted", "code", "metrics"]
    assert [e.done for e in events if e.stage == "detect:scripted"][1:-1] == list(range(1, 11))


def test_st_mapping_can_be_overridden_per_lesson(manager: PluginManager) -> None:
    coder = manager.coder("platform-9")
    cues = (BehaviourCue(t=0.0, actor="teacher", behaviour="patrolling"),)
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=cues, instants=(0.0,), interval=6.0,
                          options={"st_mapping": {"patrolling": "T"}})
    timeline = coder.code(request)
    assert timeline.samples[0].st == "T" and timeline.st_mapping["patrolling"] == "T"


def test_instants_without_evidence_stay_unknown_not_zero(manager: PluginManager) -> None:
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=(), instants=(0.0, 6.0), interval=6.0)
    timeline = manager.coder("platform-9").code(request)
    assert all(s.teacher is None and s.st is None and s.students == {} for s in timeline.samples)
    metrics = compute_metrics(timeline, ["teacher-count"], manager)
    assert metrics.scalars["n_coded"] == 0 and metrics.n_samples == 2


def test_missing_duration_and_missing_media_are_input_errors(manager: PluginManager) -> None:
    with pytest.raises(InputError, match="duration is unknown"):
        analyze_media(LessonMeta(id="x"), [MediaSource("a.mp4", "mixed")], ["scripted"], manager=manager)
    with pytest.raises(InputError, match="needs media of role mixed"):
        analyze_media(LessonMeta(id="x", duration=12), [MediaSource("a.wav", "audio")], ["scripted"],
                      manager=manager)


def test_a_plugin_metric_measures_many_lessons_one_by_one_and_a_short_batch_is_named(manager: PluginManager) -> None:
    from lessonlens import CodedSample, compute_metrics_many
    from lessonlens.core.errors import PluginError

    lessons = [CodedTimeline(scheme="platform-9", interval=6.0, samples=tuple(
        CodedSample(t=i * 6.0, teacher="lecturing" if i < k else None) for i in range(5))) for k in (1, 3, 5)]
    measured = compute_metrics_many(lessons, metrics=["teacher-count", "shares"], manager=manager)
    assert [m.scalars["n_coded"] for m in measured] == [1, 3, 5]  # the default compute_many: one by one
    assert [m.shares["teacher_shares"]["lecturing"] for m in measured] == [1.0, 1.0, 1.0]

    class ShortBatch(TeacherCount):
        name = "short-batch"

        def compute_many(self, timelines, scheme):  # type: ignore[no-untyped-def]
            return [self.compute(timelines[0], scheme)]

    class ShortPlugin:
        @hookimpl
        def register_metrics(self, register):  # type: ignore[no-untyped-def]
            register(ShortBatch())

    broken = PluginManager()
    broken.register(ShortPlugin(), "short-plugin")
    with pytest.raises(PluginError, match="metric plugin short-batch returned 1 results for 3 lessons"):
        compute_metrics_many(lessons, metrics=["short-batch"], manager=broken)
