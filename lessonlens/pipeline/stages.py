"""The pipeline: media -> observations -> coded timeline -> metrics, with progress events.

Each stage is a plain function so that any of them can start from files an earlier run (or
another tool, or a person) produced; :func:`analyze_media` chains them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from lessonlens.core.analysis import Analysis, Provenance
from lessonlens.core.cores import available_cores
from lessonlens.core.errors import InputError, PluginError
from lessonlens.core.extensions import CodeRequest, Detector, DetectRequest
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.metrics import Metrics, MetricValues
from lessonlens.core.observations import Observation
from lessonlens.core.plugins import PluginManager, get_manager
from lessonlens.core.sampling import DEFAULT_INTERVAL, sampling_instants
from lessonlens.core.timeline import CodedTimeline
from lessonlens.core.version import __version__

_WRONG_COUNT = Text(zh="指标插件 {name} 为 {wanted} 节课返回了 {found} 份结果",
                    en="metric plugin {name} returned {found} results for {wanted} lessons")
_NO_DURATION = Text(
    zh="无法确定课堂时长：请在课堂信息中给出 duration，或提供可读取时长的媒体文件",
    en="the lesson duration is unknown: give a duration in the lesson metadata or media whose length can be read",
)
_NO_MEDIA_FOR = Text(
    zh="检测器 {name} 需要 {roles} 角色的媒体，但没有提供", en="detector {name} needs media of role {roles}, none given"
)


@attrs.frozen
class ProgressEvent:
    """A stage's progress: ``done`` of ``total`` units (``total`` 0 when unknown); ``finished`` at the end."""

    stage: str
    done: int
    total: int
    finished: bool = False


ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(event: ProgressEvent) -> None:
    """The default progress callback: drops every event."""
    return None


def lesson_duration(lesson: LessonMeta, media: Sequence[MediaSource]) -> float:
    if lesson.duration:
        return lesson.duration
    known = [m.duration + m.offset for m in media if m.duration]
    if not known:
        raise InputError(_NO_DURATION)
    return min(known)


def media_for(detector: Detector, media: Sequence[MediaSource]) -> tuple[MediaSource, ...]:
    """The media a detector reads: its roles, falling back to a mixed recording."""
    wanted = set(detector.roles)
    chosen = tuple(m for m in media if m.role in wanted)
    if not chosen and MediaRole.MIXED not in wanted:
        chosen = tuple(m for m in media if m.role is MediaRole.MIXED)
    return chosen


def detect(
    lesson: LessonMeta,
    media: Sequence[MediaSource],
    instants: Sequence[float],
    detectors: Sequence[str],
    manager: PluginManager | None = None,
    progress: ProgressCallback = ignore_progress,
    threads: int | None = None,
) -> tuple[Observation, ...]:
    """Run the named detectors over the media, in order; each reports progress as ``detect:<name>``
    and may use ``threads`` cores (``DetectRequest.threads``; default: the cores this process may use)."""
    manager = manager or get_manager()
    observations: list[Observation] = []
    for name in detectors:
        detector = manager.detector(name)
        chosen = media_for(detector, media)
        if not chosen and detector.roles:
            raise InputError(_NO_MEDIA_FOR, name=name, roles="/".join(r.value for r in detector.roles))
        stage = f"detect:{name}"
        progress(ProgressEvent(stage, 0, len(instants)))

        def report(done: int, total: int, stage: str = stage) -> None:
            progress(ProgressEvent(stage, done, total))

        request = DetectRequest(lesson=lesson, media=chosen, instants=tuple(instants), progress=report,
                                threads=threads or available_cores())
        observations.extend(detector.detect(request))
        progress(ProgressEvent(stage, len(instants), len(instants), finished=True))
    observations.sort(key=lambda o: o.t)
    return tuple(observations)


def code(
    lesson: LessonMeta,
    observations: Sequence[Observation],
    instants: Sequence[float],
    interval: float,
    coder: str = "platform-9",
    unavailable: Sequence[str] = (),
    manager: PluginManager | None = None,
) -> CodedTimeline:
    manager = manager or get_manager()
    request = CodeRequest(lesson=lesson, observations=tuple(observations), instants=tuple(instants),
                          interval=interval, unavailable=tuple(unavailable))
    return manager.coder(coder).code(request)


def compute_metrics(
    timeline: CodedTimeline, metrics: Sequence[str] | None = None, manager: PluginManager | None = None,
    options: Mapping[str, Any] | None = None,
) -> Metrics:
    """All (or the named) metrics that understand the timeline's scheme, merged into one document.

    ``options`` (e.g. ``{"bin_seconds": 60}``) go to every metric's :meth:`Metric.configured`.
    """
    return compute_metrics_many([timeline], metrics, manager, options)[0]


#: lessons measured in one batch by :func:`compute_metrics_many` (bounds the memory of a batch)
BATCH = 256


def compute_metrics_many(
    timelines: Sequence[CodedTimeline], metrics: Sequence[str] | None = None, manager: PluginManager | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Metrics]:
    """The metrics of many lessons, in order: what :func:`compute_metrics` gives for each, computed in
    batches so that each metric plugin serves a batch of lessons of one scheme at once."""
    manager = manager or get_manager()
    names = list(metrics) if metrics is not None else sorted(manager.registry.metrics)
    chosen = []
    for name in names:
        metric = manager.metric(name)
        chosen.append(metric.configured(options) if options else metric)
    out: list[Metrics] = [
        Metrics(scheme=t.scheme, interval=t.interval, n_samples=len(t.samples)) for t in timelines
    ]
    by_scheme: dict[str, list[int]] = {}
    for i, timeline in enumerate(timelines):
        by_scheme.setdefault(timeline.scheme, []).append(i)
    for scheme_id, members in by_scheme.items():
        scheme = manager.coder_scheme(scheme_id)
        accepting = [metric for metric in chosen if metric.accepts(scheme_id)
                     and not (scheme.multi_code and scheme_id not in metric.schemes)]
        for lo in range(0, len(members), BATCH):
            batch = members[lo:lo + BATCH]
            for metric in accepting:
                results = metric.compute_many([timelines[i] for i in batch], scheme)
                if len(results) != len(batch):
                    raise PluginError(_WRONG_COUNT, name=metric.name, found=len(results), wanted=len(batch))
                for i, values in zip(batch, results, strict=True):
                    _merge(out[i], values)
    return out


def _merge(merged: Metrics, values: MetricValues) -> None:
    parts: tuple[dict[str, Any], ...] = (merged.scalars, merged.shares, merged.series, merged.summaries,
                                         merged.episodes, merged.tables)
    found_parts: tuple[dict[str, Any], ...] = (values.scalars, values.shares, values.series, values.summaries,
                                               values.episodes, values.tables)
    for part, found in zip(parts, found_parts, strict=True):
        if found:
            part.update(found)


def analyze_media(
    lesson: LessonMeta,
    media: Sequence[MediaSource],
    detectors: Sequence[str],
    coder: str = "platform-9",
    interval: float = DEFAULT_INTERVAL,
    metrics: Sequence[str] | None = None,
    manager: PluginManager | None = None,
    progress: ProgressCallback = ignore_progress,
) -> Analysis:
    """Detect, code and measure one lesson."""
    manager = manager or get_manager()
    instants = sampling_instants(lesson_duration(lesson, media), interval)
    observations = detect(lesson, media, instants, detectors, manager, progress)
    progress(ProgressEvent("code", 0, 1))
    timeline = code(lesson, observations, instants, interval, coder, manager=manager)
    progress(ProgressEvent("code", 1, 1, finished=True))
    progress(ProgressEvent("metrics", 0, 1))
    measured = compute_metrics(timeline, metrics, manager)
    progress(ProgressEvent("metrics", 1, 1, finished=True))
    provenance = Provenance(
        lessonlens=__version__,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        detectors=tuple(detectors),
        coder=coder,
        metrics=tuple(metrics) if metrics is not None else tuple(sorted(manager.registry.metrics)),
        options={"interval": str(interval)},
    )
    return Analysis(lesson=lesson, media=tuple(media), timeline=timeline, metrics=measured,
                    observations=observations, provenance=provenance)
