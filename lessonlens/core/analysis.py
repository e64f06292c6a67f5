"""The analysis document: everything known about one lesson, the unit that files and the store hold."""

from __future__ import annotations

import attrs

from lessonlens.core.findings import Finding
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.metrics import Metrics
from lessonlens.core.observations import Observation
from lessonlens.core.rubric import RubricResult
from lessonlens.core.timeline import CodedTimeline


@attrs.frozen
class Provenance:
    """How the document was made: lessonlens version, plugins and options, and when."""

    lessonlens: str = ""
    created: str = ""
    detectors: tuple[str, ...] = ()
    coder: str = ""
    metrics: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    options: dict[str, str] = attrs.field(factory=dict)
    #: per behaviour, the agreement its detector reached on real labelled frames (``evaluate-frames``)
    reliability: dict[str, dict[str, float | None]] = attrs.field(factory=dict)


@attrs.frozen
class Analysis:
    """One lesson's results; every part but the lesson is optional so any stage can start from it.

    ``unavailable`` names behaviours or signals that could not be observed (e.g. no audio track),
    so a report shows "not measured" instead of a silent zero.
    """

    lesson: LessonMeta
    media: tuple[MediaSource, ...] = ()
    timeline: CodedTimeline | None = None
    metrics: Metrics | None = None
    findings: tuple[Finding, ...] = ()
    rubric_results: tuple[RubricResult, ...] = ()
    observations: tuple[Observation, ...] = ()
    unavailable: tuple[str, ...] = ()
    provenance: Provenance = attrs.field(factory=Provenance)
