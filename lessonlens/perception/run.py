"""``lessonlens.analyze``: recorded lesson files -> a coded, measured and diagnosed lesson on disk.

Probes every file first (a bad file stops the run before any model loads), takes the lesson's
length from the longest recording, runs each detector on the media of its roles (serving cached
observations where the inputs are unchanged), then codes, measures, diagnoses and reports.
What could not be observed is listed in ``Analysis.unavailable`` with a warning instead of failing:
a recording without sound (``speech``), a default detector whose model is not installed (its
signals), a camera that stopped early (``<role>@<from>-<to>``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.analysis import Analysis, Provenance
from lessonlens.core.cores import available_cores
from lessonlens.core.errors import InputError, PluginError
from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.observations import Observation
from lessonlens.core.plugins import PluginManager, get_manager
from lessonlens.core.sampling import DEFAULT_INTERVAL, sampling_instants
from lessonlens.core.version import __version__
from lessonlens.files.documents import save
from lessonlens.files.gates import check_output_dir
from lessonlens.media import SAMPLINGS, MediaUnavailable, Sampling, file_fingerprint, probe
from lessonlens.media.probe import MediaInfo
from lessonlens.media.threads import native_threads
from lessonlens.perception.cache import ObservationCache, cache_key, default_cache_dir
from lessonlens.perception.meta import read_lesson_meta
from lessonlens.pipeline.stages import (
    ProgressCallback,
    ProgressEvent,
    code,
    compute_metrics,
    ignore_progress,
    media_for,
)

#: the longest sampling interval (one sample an hour)
MAX_INTERVAL = 3600.0
_BAD_INTERVAL = Text(zh="采样间隔必须为正数且不超过 {limit:g} 秒，收到 {value}",
                     en="the sampling interval must be positive and at most {limit:g} seconds, got {value}")
#: the largest time offset of a recording (seconds either way)
MAX_OFFSET = 24 * 3600.0
_BAD_OFFSET = Text(zh="{role} 的时间偏移 {value} 不是 ±{limit:g} 秒以内的数",
                   en="the time offset of {role}, {value}, is not a number of seconds within ±{limit:g}")
_NO_MEDIA = Text(zh="没有提供任何课堂录像或录音", en="no lesson recording was given")
_NO_DETECTOR_MEDIA = Text(zh="检测器 {name} 需要 {roles} 角色的媒体，但没有提供",
                          en="detector {name} needs media of role {roles}, none given")
_NOTHING_OBSERVED = Text(zh="没有任何检测器能运行：{reasons}", en="no detector could run: {reasons}")
_SHORT = Text(zh="{role} 录制只覆盖到第 {end:.0f} 秒（课长 {total:.0f} 秒），之后无法观察",
              en="the {role} recording covers only up to {end:.0f} s of {total:.0f} s; later instants are unobserved")
_TRACK_SHORT = Text(zh="{track}只到第 {end:.0f} 秒（文件长 {whole:.0f} 秒），之后无法观察",
                    en="its {track} stops at {end:.0f} s of {whole:.0f} s; later instants are unobserved")
_TRACKS = {"audio": Text(zh="声音", en="sound"), "video": Text(zh="画面", en="picture")}
_LATE = Text(zh="{role} 录制从第 {start:.0f} 秒才开始，之前无法观察",
             en="the {role} recording starts only at {start:.0f} s; earlier instants are unobserved")
_BAD_SAMPLING = Text(zh="未知的取帧方式 {value}（可选：{choices}）", en="unknown sampling {value} (choose: {choices})")
#: Roles whose media are cameras: their detectors take the ``sampling`` option.
CAMERA_ROLES = frozenset({MediaRole.TEACHER, MediaRole.STUDENTS, MediaRole.BOARD, MediaRole.MIXED})
_NO_VIDEO_FOR = Text(zh="{role} 文件没有视频画面", en="the {role} file has no video")

Warn = Callable[[str], None]



@attrs.frozen
class DetectorRun:
    """How one detector went: observations made or taken from the cache, or why it could not run."""

    name: str
    seconds: float
    observations: int
    cached: bool = False
    skipped: str = ""
    #: CPU seconds of the whole process while it ran (its own when detectors run one at a time)
    cpu: float = 0.0
    #: its thread budget (``DetectRequest.threads``)
    threads: int = 0


def media_sources(teacher: str | Path | None = None, students: str | Path | None = None,
                  board: str | Path | None = None, audio: str | Path | None = None, video: str | Path | None = None,
                  offsets: Mapping[str, float] | None = None) -> list[MediaSource]:
    """Media sources from files by role; ``video`` is a single mixed recording."""
    offsets = offsets or {}
    chosen = ((MediaRole.TEACHER, teacher), (MediaRole.STUDENTS, students), (MediaRole.BOARD, board),
              (MediaRole.AUDIO, audio), (MediaRole.MIXED, video))
    return [MediaSource(str(path), role, float(offsets.get(role.value, 0.0))) for role, path in chosen if path]


def check_offsets(offsets: Mapping[str, float]) -> None:
    """Refuse an offset that is not a number of seconds within a day (NaN, 1e300 ...)."""
    for role, value in offsets.items():
        if not (isinstance(value, int | float) and math.isfinite(value) and abs(value) <= MAX_OFFSET):
            raise InputError(_BAD_OFFSET, role=role, value=value, limit=MAX_OFFSET)


def probed(media: Sequence[MediaSource]) -> list[MediaSource]:
    """The sources with their durations, every file checked (InputError naming the first bad one).
    A single recording (``MIXED``) that holds only sound is the lesson's audio: an audio-only lesson."""
    return [source for source, _ in probed_info(media)]


def probed_info(media: Sequence[MediaSource]) -> list[tuple[MediaSource, MediaInfo]]:
    """:func:`probed`'s sources, each with what its file holds (where each track ends)."""
    if not media:
        raise InputError(_NO_MEDIA)
    out = []
    for source in media:
        info = probe(source.path)
        if source.role is MediaRole.MIXED and not info.has_video and info.has_audio:
            source = attrs.evolve(source, role=MediaRole.AUDIO)
        if source.role not in (MediaRole.AUDIO,) and not info.has_video:
            raise InputError(_NO_VIDEO_FOR, source.path, role=source.role.value)
        out.append((attrs.evolve(source, duration=info.duration), info))
    return out


def default_detectors(media: Sequence[MediaSource], manager: PluginManager) -> list[str]:
    """Every registered detector that has media of its roles (or a mixed recording) to read, except
    those that declare ``by_default = False`` (slow ones, such as speech recognition)."""
    return [name for name, reg in sorted(manager.registry.detectors.items())
            if reg.item.by_default and media_for(reg.item, media)]


def analyze(
    media: Sequence[MediaSource] = (),
    *,
    teacher: str | Path | None = None,
    students: str | Path | None = None,
    board: str | Path | None = None,
    audio: str | Path | None = None,
    video: str | Path | None = None,
    offsets: Mapping[str, float] | None = None,
    lesson: LessonMeta | str | Path | None = None,
    detectors: Sequence[str] | None = None,
    detector_options: Mapping[str, Mapping[str, Any]] | None = None,
    coder: str = "platform-9",
    interval: float = DEFAULT_INTERVAL,
    out_dir: str | Path | None = None,
    cache: bool | str | Path = True,
    diagnose: bool = True,
    report: bool = True,
    progress: ProgressCallback = ignore_progress,
    warn: Warn | None = None,
    on_detector: Callable[[DetectorRun], None] | None = None,
    parallel: int | None = None,
    sampling: Sampling = "exact",
    manager: PluginManager | None = None,
    threads: int | None = None,
) -> Analysis:
    """Analyse a recorded lesson: detect, code, measure (and diagnose); write ``out_dir`` when given.

    Media come as :class:`MediaSource` objects or by role (``teacher=``, ``students=``, ``board=``,
    ``audio=``, ``video=`` for one mixed recording) with ``offsets`` by role (s on the lesson clock).
    ``lesson`` is a :class:`LessonMeta` or a YAML file of its fields. ``detectors`` defaults to every
    registered detector with media to read; ``cache`` is True (the user cache directory), a
    directory, or False. ``out_dir`` receives ``analysis.json`` (atomically) and, when the report
    renderers are installed, ``report.html``. ``warn`` receives each warning line, ``on_detector``
    each detector's :class:`DetectorRun` (time, observation count, cache hit). ``threads`` is the
    lesson's thread budget, the most cores its detectors' native libraries use at once (default: the
    cores this process may use); ``parallel`` is how many detectors run at once (default: the budget,
    at most 4; never more than the budget; 1 runs them one after another). Each detector gets an
    equal share of the budget as ``DetectRequest.threads`` (:mod:`lessonlens.media.threads`).
    ``sampling="keyframe"`` lets the camera detectors take the keyframe nearest each instant instead of
    the exact frame (cheaper with long GOPs; passed as their ``sampling`` option).

    Example::

        lessonlens.analyze(teacher="t.mp4", students="s.mp4", audio="mic.m4a", out_dir="out")
    """
    manager = manager or get_manager()
    warnings: list[str] = []

    def warning(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    # everything a user names is checked before any media is decoded: a typo fails in a second
    if out_dir is not None:
        check_output_dir(out_dir)
    if lesson is not None and not isinstance(lesson, LessonMeta):
        lesson = read_lesson_meta(lesson)
    manager.coder(coder)
    for name in detectors or ():
        manager.detector(name)
    check_offsets(offsets or {})
    if not (isinstance(interval, int | float) and 0 < interval <= MAX_INTERVAL):
        raise InputError(_BAD_INTERVAL, value=interval, limit=MAX_INTERVAL)
    infos = probed_info([*media, *media_sources(teacher, students, board, audio, video, offsets)])
    sources = [source for source, _ in infos]
    meta = _lesson(lesson, sources)
    total = meta.duration or max(float(s.duration or 0.0) + s.offset for s in sources)
    if total <= 0:
        raise InputError(_NO_MEDIA)
    meta = attrs.evolve(meta, duration=round(total, 3))
    instants = sampling_instants(total, interval)
    unavailable = _coverage(sources, total, interval, warning)
    unavailable += _track_coverage(infos, total, interval, warning)
    explicit = detectors is not None
    names = list(detectors) if detectors is not None else default_detectors(sources, manager)
    store = None
    if cache is not False:
        store = ObservationCache(default_cache_dir() if cache is True else Path(cache))
    observations: list[Observation] = []
    runs: list[DetectorRun] = []

    if sampling not in SAMPLINGS:
        raise InputError(_BAD_SAMPLING, value=sampling, choices=", ".join(SAMPLINGS))

    budget = max(1, threads if threads is not None else available_cores())
    # Detectors spend their time in native code (decoders, onnxruntime, TFLite) that releases the
    # GIL, so running two at once on two cores shortens the wall time by a fifth to a third (measured).
    workers = max(1, min(parallel if parallel is not None else budget, budget, len(names), 4))
    share = max(1, budget // workers)

    def one(name: str) -> tuple[DetectorRun, list[Observation]]:
        detector = manager.detector(name)
        options = dict((detector_options or {}).get(name, {}))
        if sampling != "exact" and set(detector.roles) & CAMERA_ROLES:
            options.setdefault("sampling", sampling)
        return _run_detector(detector, meta, sources, instants, options, store, explicit, progress, warning,
                             share)

    with native_threads(budget):
        if workers == 1:
            results = [one(name) for name in names]
        else:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(one, names))
    for name, (run, found) in zip(names, results, strict=True):
        runs.append(run)
        if on_detector is not None:
            on_detector(run)
        observations.extend(found)
        if run.skipped:
            unavailable.extend(e for e in manager.detector(name).emits if e not in unavailable)
    if names and all(r.skipped for r in runs):
        raise InputError(_NOTHING_OBSERVED, reasons="; ".join(f"{r.name}: {r.skipped}" for r in runs))
    observations.sort(key=lambda o: o.t)
    progress(ProgressEvent("code", 0, 1))
    timeline = code(meta, observations, instants, interval, coder, unavailable, manager)
    progress(ProgressEvent("code", 1, 1, finished=True))
    progress(ProgressEvent("metrics", 0, 1))
    measured = compute_metrics(timeline, None, manager)
    progress(ProgressEvent("metrics", 1, 1, finished=True))
    options = {"interval": f"{interval:g}", **({"sampling": sampling} if sampling != "exact" else {})}
    for r in runs:
        options[f"detector.{r.name}"] = (f"skipped: {r.skipped}" if r.skipped else
                                         f"{r.observations} observations, {r.seconds:.2f} s"
                                         + (" (cache)" if r.cached else ""))
    for i, message in enumerate(warnings):
        options[f"warning.{i + 1}"] = message
    analysis = Analysis(
        lesson=meta, media=tuple(sources), timeline=timeline, metrics=measured, observations=tuple(observations),
        unavailable=tuple(unavailable),
        provenance=Provenance(lessonlens=__version__, created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                              detectors=tuple(r.name for r in runs if not r.skipped), coder=coder,
                              metrics=tuple(sorted(manager.registry.metrics)), options=options,
                              reliability=reliability(manager, runs)),
    )
    if diagnose:
        analysis = _diagnosed(analysis, progress)
    if out_dir is not None:
        out = Path(out_dir)
        save(analysis, out / "analysis.json")
        if report:
            _report(analysis, out, progress)
    return analysis


def _lesson(lesson: LessonMeta | str | Path | None, sources: Sequence[MediaSource]) -> LessonMeta:
    if isinstance(lesson, LessonMeta):
        return lesson
    if lesson is not None:
        return read_lesson_meta(lesson)
    first = Path(sources[0].path)
    return LessonMeta(id=f"{first.stem}-{file_fingerprint(first)[:8]}")


def reliability(manager: PluginManager, runs: Sequence[DetectorRun]) -> dict[str, dict[str, float | None]]:
    """Per behaviour, the agreement measured on real frames by the detectors that ran (those that say)."""
    out: dict[str, dict[str, float | None]] = {}
    for run in runs:
        if run.skipped:
            continue
        measured = getattr(manager.detector(run.name), "reliability", None)
        for behaviour, figures in (measured() if callable(measured) else {}).items():
            out[behaviour] = {k: (None if v is None else float(v)) for k, v in figures.items()
                              if v is None or isinstance(v, int | float)}
    return out


def _coverage(sources: Sequence[MediaSource], total: float, interval: float, warning: Warn) -> list[str]:
    """``<role>@<from>-<to>`` (and a warning) for each recording that ends early or starts late by more
    than an interval."""
    gaps = []
    for s in sources:
        start, end = s.offset, s.offset + float(s.duration or 0.0)
        if end < total - interval:
            gaps.append(f"{s.role.value}@{end:.0f}-{total:.0f}")
            warning(f"{s.path}: " + _SHORT.format(role=s.role.value, end=end, total=total))
        if start > interval:
            gaps.append(f"{s.role.value}@0-{start:.0f}")
            warning(f"{s.path}: " + _LATE.format(role=s.role.value, start=start))
    return gaps


def _track_coverage(infos: Sequence[tuple[MediaSource, MediaInfo]], total: float, interval: float,
                    warning: Warn) -> list[str]:
    """``<role>.<track>@<end>-<to>`` (and a warning) for a recording whose sound or picture stops
    more than an interval before the recording itself (a recorder's audio that gave out: its
    silence would otherwise be read as a silent class)."""
    gaps = []
    for source, info in infos:
        ends = [("audio", info.audio_end, source.role in (MediaRole.AUDIO, MediaRole.MIXED)),
                ("video", info.video_end, source.role is not MediaRole.AUDIO)]
        whole = float(source.duration or 0.0)
        for track, end, used in ends:
            if not used or end is None or end >= whole - interval:
                continue  # the track lasts as long as the file: _coverage speaks for the file
            start, stop = source.offset + end, min(total, source.offset + whole)
            gaps.append(f"{source.role.value}.{track}@{start:.0f}-{stop:.0f}")
            warning(f"{source.path}: " + _TRACK_SHORT.format(track=_TRACKS[track].get(), end=end, whole=whole))
    return gaps


def _run_detector(detector: Detector, lesson: LessonMeta, sources: Sequence[MediaSource],
                  instants: Sequence[float], options: dict[str, Any], store: ObservationCache | None,
                  explicit: bool, progress: ProgressCallback, warning: Warn,
                  threads: int) -> tuple[DetectorRun, list[Observation]]:
    chosen = media_for(detector, sources)
    if not chosen:
        raise InputError(_NO_DETECTOR_MEDIA, name=detector.name,
                         roles="/".join(r.value for r in detector.roles))
    stage = f"detect:{detector.name}"
    progress(ProgressEvent(stage, 0, len(instants)))
    clock, cpu = time.perf_counter(), time.process_time()
    key = cache_key(detector, chosen, instants, options) if store is not None else ""
    cached = store.get(detector.name, key) if store is not None else None
    if cached is not None:
        progress(ProgressEvent(stage, len(instants), len(instants), finished=True))
        return DetectorRun(detector.name, time.perf_counter() - clock, len(cached), cached=True,
                           cpu=time.process_time() - cpu, threads=threads), list(cached)

    def report(done: int, total: int) -> None:
        progress(ProgressEvent(stage, done, total))

    request = DetectRequest(lesson=lesson, media=chosen, instants=tuple(instants), options=options, progress=report,
                            threads=threads)
    try:
        found = list(detector.detect(request))
    except MediaUnavailable as exc:
        warning(f"{detector.name}: {exc.message()}")
        progress(ProgressEvent(stage, len(instants), len(instants), finished=True))
        return DetectorRun(detector.name, time.perf_counter() - clock, 0, skipped=exc.message("en"),
                           cpu=time.process_time() - cpu, threads=threads), []
    except PluginError as exc:  # a model or package that is not installed
        if explicit:
            raise
        warning(f"{detector.name}: {exc.message()}")
        progress(ProgressEvent(stage, len(instants), len(instants), finished=True))
        return DetectorRun(detector.name, time.perf_counter() - clock, 0, skipped=exc.message("en"),
                           cpu=time.process_time() - cpu, threads=threads), []
    if store is not None:
        store.put(detector.name, key, lesson.id, found)
    progress(ProgressEvent(stage, len(instants), len(instants), finished=True))
    return DetectorRun(detector.name, time.perf_counter() - clock, len(found), cpu=time.process_time() - cpu,
                       threads=threads), found


def _diagnosed(analysis: Analysis, progress: ProgressCallback) -> Analysis:
    """The analysis with the findings of the default rule packs, when the rule engine is installed."""
    import lessonlens

    diagnose_fn = getattr(lessonlens, "diagnose", None)
    if diagnose_fn is None:
        return analysis
    progress(ProgressEvent("diagnose", 0, 1))
    diagnosis = diagnose_fn(analysis)
    progress(ProgressEvent("diagnose", 1, 1, finished=True))
    return attrs.evolve(analysis, findings=tuple(diagnosis.findings))


def _report(analysis: Analysis, out: Path, progress: ProgressCallback) -> None:
    import lessonlens

    report_fn = getattr(lessonlens, "report", None)
    if report_fn is None:
        return
    progress(ProgressEvent("report", 0, 1))
    report_fn("lesson", out / "report.html", [analysis])
    progress(ProgressEvent("report", 1, 1, finished=True))
