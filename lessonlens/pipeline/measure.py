"""Metrics from coded data wherever it comes from: a hand-coded CSV sheet, a JSON document, a timeline.

The public API re-exports :func:`read_coded_sheet`, :func:`measure` (also as ``metrics``) and
:func:`measure_many`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import Coder, SheetHead
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import Metrics
from lessonlens.core.plugins import PluginManager, get_manager
from lessonlens.core.timeline import CodedTimeline
from lessonlens.files.documents import load
from lessonlens.pipeline.stages import compute_metrics_many
from lessonlens.tables.coded_sheets import head_rows, read_text

_UNKNOWN_SCHEME = Text(
    zh="无法从表头 {header} 判断编码方案；请用 --scheme 指定（{zh_schemes}）",
    en="cannot tell the coding scheme from the header {header}; name it with --scheme ({en_schemes})",
)
_NO_TIMELINE = Text(zh="分析文档中没有编码时间线，无法计算指标", en="the analysis has no coded timeline to measure")
_NOT_CODED = Text(zh="{kind} 文档不含编码数据；需要 analysis 或 timeline", en="a {kind} document holds no coded data; "
                  "give an analysis or a timeline")

Source = CodedTimeline | Analysis | str | Path


def detect_scheme(path: str | Path, manager: PluginManager | None = None) -> str:
    """The scheme of a sheet: every registered coder rates the sheet's header and first row
    (:meth:`~lessonlens.core.extensions.Coder.matches_sheet`); the one surest alone wins."""
    manager = manager or get_manager()
    # the header and the first row (an XLSX's first worksheet too): not the whole sheet
    rows = head_rows(read_text(path), path, 2)
    first = tuple(rows[1].cells) if len(rows) > 1 else ()
    head = SheetHead(Path(path), tuple(c.lower() for c in rows[0].cells), first)
    coders = [reg.item for reg in manager.registry.coders.values()]
    ratings = [(coder.matches_sheet(head), coder.scheme.id) for coder in coders]
    for level in sorted({rating for rating, _ in ratings if rating > 0}, reverse=True):
        found = {scheme for rating, scheme in ratings if rating == level}
        if len(found) == 1:
            return found.pop()
    ids = [coder.scheme.id for coder in coders if type(coder).read_sheet is not Coder.read_sheet]
    raise InputError(_UNKNOWN_SCHEME, str(path), header=",".join(head.header),
                     zh_schemes="、".join(ids[:-1]) + " 或 " + ids[-1] if len(ids) > 1 else "".join(ids),
                     en_schemes=", ".join(ids[:-1]) + " or " + ids[-1] if len(ids) > 1 else "".join(ids))


def read_coded_sheet(
    path: str | Path, scheme: str | None = None, interval: float | None = None,
    manager: PluginManager | None = None,
) -> CodedTimeline:
    """A hand-coded CSV sheet as a timeline, read by the coder of ``scheme`` (detected when None)."""
    manager = manager or get_manager()
    scheme_id = scheme or detect_scheme(path, manager)
    return manager.coder(scheme_id).read_sheet(path, interval)


def timeline_of(
    source: Source, scheme: str | None = None, interval: float | None = None, manager: PluginManager | None = None,
) -> CodedTimeline:
    """The coded timeline of a timeline, an analysis, a JSON document (analysis/timeline) or a CSV sheet."""
    if isinstance(source, CodedTimeline):
        timeline = source
    elif isinstance(source, Analysis):
        if source.timeline is None:
            raise InputError(_NO_TIMELINE, source.lesson.id)
        timeline = source.timeline
    elif Path(source).suffix.lower() == ".json":
        doc: object = load(source)
        if isinstance(doc, Analysis):
            if doc.timeline is None:
                raise InputError(_NO_TIMELINE, str(source))
            timeline = doc.timeline
        elif isinstance(doc, CodedTimeline):
            timeline = doc
        else:
            raise InputError(_NOT_CODED, str(source), kind=type(doc).__name__)
    else:
        return read_coded_sheet(source, scheme, interval, manager)
    if interval is not None and interval != timeline.interval:
        timeline = attrs.evolve(timeline, interval=float(interval))
    return timeline


def measure(
    source: Source, scheme: str | None = None, interval: float | None = None, bin_seconds: float | None = None,
    metrics: Sequence[str] | None = None, options: Mapping[str, Any] | None = None,
    manager: PluginManager | None = None,
) -> Metrics:
    """All metrics (or the named metric plugins) of a lesson's coded data.

    ``bin_seconds`` sets the timeline and curve bins (default 120 s); ``options`` go to the metric
    plugins (``resample_seconds``, ``episode_min_share`` ...).
    """
    return measure_many([source], scheme, interval, bin_seconds, metrics, options, manager)[0]


def measure_many(
    sources: Sequence[Source], scheme: str | None = None, interval: float | None = None,
    bin_seconds: float | None = None, metrics: Sequence[str] | None = None, options: Mapping[str, Any] | None = None,
    manager: PluginManager | None = None,
) -> list[Metrics]:
    """:func:`measure` for many lessons (sheets, documents, timelines), in order, the metrics of
    lessons on one grid computed together (:func:`compute_metrics_many`). Every source is read
    before anything is measured, so a bad file stops the run at once, naming the file."""
    manager = manager or get_manager()
    timelines = [timeline_of(source, scheme, interval, manager) for source in sources]
    chosen = dict(options or {})
    if bin_seconds is not None:
        chosen["bin_seconds"] = bin_seconds
    return compute_metrics_many(timelines, metrics, manager, chosen or None)
