"""The one task a worker runs per lesson: analyze -> rubric scores -> diagnose -> result document.

It never raises for a bad lesson: a :class:`LessonOutcome` carries the lesson's store rows (made
here, so the process writing the store only inserts them; the analysis JSON without raw detector
observations is one of them) or the one-line error, so a corrupt recording fails its lesson once and
Dask retries only what a lost worker left unfinished. Files behind fsspec URLs are copied to a
temporary folder first (decoders read local files); the document keeps the URLs.
"""

from __future__ import annotations

import functools
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.cores import available_cores
from lessonlens.core.errors import LessonlensError
from lessonlens.core.i18n import current_lang
from lessonlens.diagnosis import Diagnoser, attach_findings
from lessonlens.diagnosis.pack import default_rule_paths, rule_files
from lessonlens.jobs.cluster import RESOURCE
from lessonlens.jobs.fingerprint import is_url
from lessonlens.jobs.spec import LessonSpec
from lessonlens.jobs.usage import DetectorUse, LessonUsage, measure
from lessonlens.pipeline.stages import ProgressEvent, ignore_progress
from lessonlens.store.ingest import PreparedLesson, prepare_lesson

if TYPE_CHECKING:
    from lessonlens.perception.run import DetectorRun

#: the Dask event topic a task announces its start on (the coordinator marks the job running)
START_TOPIC = "lessonlens-job-start"
#: the Dask event topic a task reports its pipeline's stages on (``TaskOptions.report_progress``)
PROGRESS_TOPIC = "lessonlens-job-progress"
#: the detectors that read the room layout option (as ``lessonlens analyze --layout``)
LAYOUT_DETECTORS = ("teacher-pose", "board-ocr")


@attrs.frozen
class TaskOptions:
    """How every lesson of a batch is analysed (the same for all of them)."""

    detectors: tuple[str, ...] | None = None
    coder: str = "platform-9"
    interval: float = 6.0
    #: the detector cache: True (the worker's user cache), a folder every worker can reach, or False
    cache: bool | str = True
    diagnose: bool = True
    #: detectors run at once within a lesson; None: analyze's default (as many as the budget allows)
    parallel: int | None = None
    lang: str = ""
    #: the lesson's thread budget (cores its detectors use at once); None: :func:`worker_threads`
    threads: int | None = None
    #: report the pipeline's stages as Dask events (:data:`PROGRESS_TOPIC`, at most twice a second)
    report_progress: bool = False


@attrs.frozen
class LessonOutcome:
    """What became of one lesson on its worker: its store rows (made there), or the one-line error."""

    lesson_id: str
    prepared: PreparedLesson | None = None
    error: str = ""
    worker: str = ""
    started: float = 0.0
    seconds: float = 0.0
    #: where the worker's CPU went (None for outcomes made by the coordinator, e.g. a lost worker)
    usage: LessonUsage | None = None

    @property
    def ok(self) -> bool:
        return self.prepared is not None and not self.error

    @property
    def document(self) -> str:
        """The analysis as JSON (raw detector observations but the transcript left out), or "" for a failed lesson."""
        return str(self.prepared.analysis["document"]) if self.prepared is not None else ""


def worker_name() -> str:
    """The Dask worker's address, else this host and process."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def worker_threads() -> int:
    """A lesson's thread budget on this worker when the batch sets none: the worker's threads
    (``dask worker --nthreads``) divided among the lessons it runs at once (its ``lesson`` resources,
    else one per thread); off a Dask worker, the cores this process may use."""
    try:
        from distributed import get_worker

        state = get_worker().state
    except (ImportError, ValueError):
        return available_cores()
    slots = int(state.total_resources.get(RESOURCE, 0)) or state.nthreads
    return max(1, state.nthreads // max(1, slots))


def _announce(lesson_id: str, worker: str, started: float) -> None:
    try:
        from distributed import get_worker

        get_worker().log_event(START_TOPIC, {"lesson_id": lesson_id, "worker": worker, "t": started})
    except (ImportError, ValueError):  # not on a Dask worker (called directly): nobody to tell
        pass


def _reporter(lesson_id: str) -> Callable[[ProgressEvent], None] | None:
    """Progress of the lesson's pipeline as Dask events of the worker (None off a Dask worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None
    last = [0.0]

    def report(event: ProgressEvent) -> None:
        moment = time.monotonic()
        if moment - last[0] >= 0.5 or event.finished:
            last[0] = moment
            worker.log_event(PROGRESS_TOPIC, {"lesson_id": lesson_id, "stage": event.stage, "done": event.done,
                                              "total": event.total})

    return report


def run_lesson(spec: LessonSpec, options: TaskOptions) -> LessonOutcome:
    """Analyse one lesson; never raises for a problem of the lesson itself."""
    started = time.time()
    worker = worker_name()
    _announce(spec.lesson_id, worker, started)
    lang = options.lang or current_lang()
    threads = options.threads or worker_threads()
    runs: list[DetectorRun] = []
    prepared: PreparedLesson | None = None
    error = ""
    with measure() as measured:
        try:
            progress = _reporter(spec.lesson_id) if options.report_progress else None
            analysis = analyse(spec, attrs.evolve(options, threads=threads), progress, on_detector=runs.append)
            # the stored document keeps the transcript (ASR) and drops the other raw observations
            prepared = prepare_lesson(analysis)
        except LessonlensError as exc:
            error = exc.message(lang)
        except Exception as exc:  # a bug or a library failing on odd input: still this lesson's problem only
            error = f"{type(exc).__name__}: {' '.join(str(exc).split()) or '-'}"
    usage = LessonUsage(spec.lesson_id, threads, measured.seconds, measured.cpu, measured.peak_threads,
                        measured.by_thread, tuple(DetectorUse(r.name, r.seconds, r.cpu, r.threads) for r in runs))
    return LessonOutcome(spec.lesson_id, prepared if not error else None, error=error, worker=worker,
                         started=started, seconds=measured.seconds, usage=usage)


def analyse(spec: LessonSpec, options: TaskOptions,
            progress: Callable[[ProgressEvent], None] | None = None,
            on_detector: Callable[[DetectorRun], None] | None = None) -> Analysis:
    """The lesson's analysis with its rubric results and findings (raises for bad input);
    ``progress`` hears the pipeline's stages (as ``lessonlens.analyze``'s), ``on_detector`` receives
    each detector's run (time, CPU, thread budget)."""
    import lessonlens

    with _local_files(spec) as local:
        detector_options: dict[str, dict[str, Any]] | None = None
        if local.layout:
            from lessonlens.media.layout import read_layout

            zones = read_layout(local.layout)
            detector_options = {name: {"layout": zones} for name in LAYOUT_DETECTORS}
        analysis = lessonlens.analyze(
            local.media, lesson=spec.lesson, detectors=options.detectors, detector_options=detector_options,
            coder=options.coder, interval=options.interval, cache=options.cache, diagnose=False, report=False,
            parallel=options.parallel, progress=progress or ignore_progress, threads=options.threads,
            on_detector=on_detector)
        for rubric in local.rubrics:
            analysis = lessonlens.attach_rubric_result(
                analysis, lessonlens.score(rubric.rubric, list(rubric.sheets), lesson=analysis))
    # the document names the recordings as the manifest did (URLs, not the temporary copies)
    analysis = attrs.evolve(analysis, media=tuple(attrs.evolve(m, path=original.path) for m, original
                                                  in zip(analysis.media, spec.media, strict=True)))
    if options.diagnose:
        diagnosis = default_diagnoser(_rule_stamp()).diagnose(analysis)
        analysis = attach_findings(analysis, diagnosis)
    return analysis


def _rule_stamp() -> tuple[tuple[str, int], ...]:
    """The default rule files with their modification times: a changed pack is compiled again."""
    return tuple((str(file), file.stat().st_mtime_ns) for _, file in rule_files(default_rule_paths()))


@functools.lru_cache(maxsize=2)
def default_diagnoser(stamp: tuple[tuple[str, int], ...]) -> Diagnoser:
    """The default rule packs compiled once per worker process (reading and compiling them costs
    more than diagnosing a lesson); ``stamp`` is :func:`_rule_stamp`, the cache's key."""
    return Diagnoser()


@contextmanager
def _local_files(spec: LessonSpec) -> Iterator[LessonSpec]:
    """The spec with every URL replaced by a local copy (removed afterwards); plain paths as they are."""
    paths = [m.path for m in spec.media] + ([spec.layout] if spec.layout else []) + [
        s for r in spec.rubrics for s in r.sheets]
    if not any(is_url(p) or p.startswith("file://") for p in paths):
        yield spec
        return
    with tempfile.TemporaryDirectory(prefix="lessonlens-job-") as tmp:
        copies: dict[str, str] = {}

        def local(path: str) -> str:
            if path.startswith("file://"):
                return path.removeprefix("file://")
            if not is_url(path):
                return path
            if path not in copies:
                import fsspec

                fs, inner = fsspec.core.url_to_fs(path)
                target = Path(tmp) / f"{len(copies)}-{Path(inner).name}"
                fs.get(inner, str(target))
                copies[path] = str(target)
            return copies[path]

        yield attrs.evolve(
            spec, media=tuple(attrs.evolve(m, path=local(m.path)) for m in spec.media),
            layout=local(spec.layout) if spec.layout else None,
            rubrics=tuple(attrs.evolve(r, sheets=tuple(local(s) for s in r.sheets)) for r in spec.rubrics))
