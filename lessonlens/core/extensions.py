"""The kinds of things plugins register: detectors, coders, metrics and report renderers.

Built-in plugins subclass these exactly as a school's own package does.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.cores import available_cores
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.metrics import MetricValues
from lessonlens.core.observations import Observation
from lessonlens.core.rubric import RubricResult, RubricSchema
from lessonlens.core.timeline import CodedTimeline, CodingScheme

_NO_SHEETS = Text(
    zh="编码方案 {scheme} 不支持导入手工编码表",
    en="coding scheme {scheme} has no hand-coded sheet format",
)


def _no_progress(done: int, total: int) -> None:
    return None


@attrs.frozen
class DetectRequest:
    """What a detector is asked to look at: its media, the instants, and a progress callback.

    ``threads`` is the detector's thread budget: the most cores its native libraries may use at once
    (its share of the lesson's ``--threads``; every core when the request is made without one). A
    detector passes it to each library when it creates a session or a decoder
    (:mod:`lessonlens.media.threads`; docs/plugins.md).
    """

    lesson: LessonMeta
    media: tuple[MediaSource, ...]
    instants: tuple[float, ...]
    options: dict[str, Any] = attrs.field(factory=dict)
    progress: Callable[[int, int], None] = _no_progress
    threads: int = attrs.field(factory=available_cores)


@attrs.frozen
class ModelFile:
    """A model file (or model directory) a detector backend loads from the user's disk.

    ``option`` is the detector option that names it (``--detector-option NAME.<option>=PATH``); without
    it lessonlens looks for ``filename`` in the models folders (``lessonlens models`` lists them).
    ``outputs`` is the number of outputs an ONNX file must have (0: not checked); a directory
    (``kind="dir"``) must hold ``files``.
    """

    option: str
    filename: str
    licence: str
    source: str
    kind: str = "onnx"  # onnx | dir | file | checkpoint (a torch .pth, loaded weights-only, numpy allowed)
    outputs: int = 0
    files: tuple[str, ...] = ()
    sha256: str = ""
    download_url: str = ""  # used by the library's own download, only with --allow-download


@attrs.frozen
class Backend:
    """One way a detector can run: the package it needs (``module``, installed with ``install``) and
    the model files it reads. ``note`` says why it may not share an environment with the defaults."""

    name: str
    module: str
    install: str
    models: tuple[ModelFile, ...] = ()
    default: bool = False
    note: Text | None = None


class Detector(abc.ABC):
    """Reads media at sampling instants and emits observations.

    Example::

        class HandRaise(Detector):
            name = "acme-hand-raise"
            roles = (MediaRole.STUDENTS,)
            emits = ("behaviour",)
            def detect(self, request): ...
    """

    name: ClassVar[str]
    roles: ClassVar[tuple[MediaRole, ...]]
    emits: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[Text] = Text(zh="", en="")
    #: run by ``lessonlens analyze`` when no detectors are named; slow ones (speech recognition) say False
    by_default: ClassVar[bool] = True
    #: the ways it can run (option ``backend``) and the model files each reads (``lessonlens models``)
    backends: ClassVar[tuple[Backend, ...]] = ()

    @abc.abstractmethod
    def detect(self, request: DetectRequest) -> Iterable[Observation]:
        """Observations at (or between) ``request.instants`` from the media of this detector's roles."""

    def fingerprint(self) -> str:
        """Changes whenever the detector's output would change (model, options); keys the cache."""
        return self.name


@attrs.frozen
class CodeRequest:
    lesson: LessonMeta
    observations: tuple[Observation, ...]
    instants: tuple[float, ...]
    interval: float
    unavailable: tuple[str, ...] = ()
    options: dict[str, Any] = attrs.field(factory=dict)


#: headers of a one-column sheet of codes; a wider sheet names its code column ``code``
_CODE_HEADERS = ("s", "t", "code", "st", "s/t", "编码")


@attrs.frozen
class SheetHead:
    """The start of a hand-coded sheet: its path, its header (lower case) and its first row's cells."""

    path: Path
    header: tuple[str, ...]
    first: tuple[str, ...] = ()

    def first_code(self) -> str | None:
        """The first row's code in a sheet of one code per row (``""`` when it has no rows); None
        when the sheet has no code column."""
        if len(self.header) == 1 and self.header[0] in _CODE_HEADERS:
            col = 0
        elif "code" in self.header:
            col = self.header.index("code")
        else:
            return None
        return self.first[col].strip() if len(self.first) > col else ""


class Coder(abc.ABC):
    """Turns observations into a coded timeline under one coding scheme."""

    name: ClassVar[str]
    scheme: ClassVar[CodingScheme]

    @abc.abstractmethod
    def code(self, request: CodeRequest) -> CodedTimeline:
        """One coded sample per instant of ``request.instants``."""

    def read_sheet(self, path: str | Path, interval: float | None = None) -> CodedTimeline:
        """A hand-coded sheet (CSV) of this scheme as a timeline; ``interval`` fixes the sampling step.

        Optional: coders whose scheme has no sheet format keep this default, which refuses.
        """
        raise InputError(_NO_SHEETS, path, scheme=self.scheme.id)

    def matches_sheet(self, head: SheetHead) -> int:
        """How surely a sheet with this start is one of this scheme's (``lessonlens metrics`` without
        ``--scheme`` asks every coder and takes the one surest alone): 0 not at all, 1 as a fallback,
        2 by the first code, 3 by the header or a code only this scheme uses (higher is surer).

        The default recognises a one-code-per-row sheet whose first code is one of the scheme's codes
        (by id or Chinese label).
        """
        first = head.first_code()
        if not first or self.scheme.multi_code or type(self).read_sheet is Coder.read_sheet:
            return 0
        return 2 if any(first.lower() == c.id.lower() or first == c.label.zh for c in self.scheme.codes) else 0


@attrs.frozen
class MetricField:
    """One id a metric fills, declared on the metric class: the one place its labels live.

    ``part``: where the id is (``scalars``, ``shares``, ``series``, ``episodes``, ``tables``);
    ``type``: its type in diagnosis rules (``num`` or ``str``); ``symbol``: its short form in charts
    and narrow columns (``Rt``); ``unit``: shown after the label where the value is a bare number;
    ``values``: labels of a ``str`` metric's values (the teaching modes).
    """

    id: str
    label: Text
    part: str = "scalars"
    type: str = "num"
    symbol: str = ""
    unit: Text | None = None
    values: Mapping[str, Text] = attrs.field(factory=dict)

    def name(self) -> Text:
        """The label with its symbol: ``教师行为占有率 Rt`` / ``Teacher occupancy Rt``."""
        if not self.symbol:
            return self.label
        return Text(zh=f"{self.label.zh} {self.symbol}", en=f"{self.label.en} {self.symbol}")

    def title(self) -> Text:
        """The name with its unit, for tables of bare numbers: ``时长（秒）`` / ``Duration (s)``."""
        name = self.name()
        if self.unit is None:
            return name
        return Text(zh=f"{name.zh}（{self.unit.zh}）", en=f"{name.en} ({self.unit.en})")

    def short(self) -> Text:
        """The symbol where there is one (chart axes, narrow columns), else the name."""
        return Text(zh=self.symbol, en=self.symbol) if self.symbol else self.name()


class Metric(abc.ABC):
    """Computes some metrics from a coded timeline; ``schemes`` lists the schemes it reads (``*``: any).

    ``fields`` declares the ids it fills with their labels and types: the CLI, the reports, the store
    and the rule checker read them from there.
    """

    name: ClassVar[str]
    schemes: ClassVar[tuple[str, ...]] = ("*",)
    fields: ClassVar[tuple[MetricField, ...]] = ()

    def accepts(self, scheme: str) -> bool:
        return "*" in self.schemes or scheme in self.schemes

    def configured(self, options: Mapping[str, Any]) -> Metric:
        """This metric with ``options`` applied (e.g. ``bin_seconds``); options it does not know are ignored."""
        return self

    @abc.abstractmethod
    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        """The metrics of ``timeline``; undefined values are ``None``, never zero."""

    def compute_many(self, timelines: Sequence[CodedTimeline], scheme: CodingScheme) -> list[MetricValues]:
        """The metrics of several lessons coded under ``scheme``, in order. The default measures them
        one by one; a plugin that can do a batch at once (see ``columnar/stacks.py``) overrides this."""
        return [self.compute(timeline, scheme) for timeline in timelines]


@attrs.frozen
class ReportJob:
    """Everything a report may show; which parts a renderer needs depends on its report kind."""

    report: str
    analyses: tuple[Analysis, ...] = ()
    rubric_results: tuple[RubricResult, ...] = ()
    rubric_schemas: tuple[RubricSchema, ...] = ()
    lang: str = "zh-CN"
    video: str | None = None
    title: str = ""
    options: dict[str, Any] = attrs.field(factory=dict)


class Renderer(abc.ABC):
    """Renders one report kind (``lesson``, ``compare``, ``period``, ``rubric`` ...) in one format."""

    name: ClassVar[str]
    report: ClassVar[str]
    format: ClassVar[str]

    @abc.abstractmethod
    def render(self, job: ReportJob, path: Path) -> None:
        """Write the report to ``path`` atomically."""
