"""lessonlens: recorded lessons -> coded behaviour, metrics, rubric results, diagnoses and reports.

The public Python API. Plugins import :data:`hookimpl` from here::

    from lessonlens import hookimpl

    @hookimpl
    def register_metrics(register):
        register(MyMetric())
"""

from lessonlens.core.analysis import Analysis, Provenance
from lessonlens.core.documents import dumps, load, loads, save, to_dict
from lessonlens.core.errors import InputError, LessonlensError, PluginError, SchemaVersionError
from lessonlens.core.extensions import (
    Coder,
    CodeRequest,
    Detector,
    DetectRequest,
    Metric,
    Renderer,
    ReportJob,
)
from lessonlens.core.findings import Finding, Severity
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.measure import measure, read_coded_sheet
from lessonlens.core.metrics import Metrics, MetricValues, Series, TimeRange
from lessonlens.core.pipeline import analyze_media, code, compute_metrics, detect
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import CodedSample, CodedTimeline, CodingScheme
from lessonlens.core.version import __version__

__all__ = [
    "Analysis", "CodeRequest", "CodedSample", "CodedTimeline", "Coder", "CodingScheme", "DetectRequest",
    "Detector", "Finding", "InputError", "LessonMeta", "LessonlensError", "MediaRole", "MediaSource",
    "Metric", "MetricValues", "Metrics", "PluginError", "Provenance", "Renderer", "ReportJob",
    "SchemaVersionError", "Series", "Severity", "TimeRange", "__version__", "analyze_media", "code",
    "compute_metrics", "detect", "dumps", "get_manager", "hookimpl", "load", "loads", "measure",
    "metrics", "read_coded_sheet", "save", "to_dict",
]

#: ``lessonlens.metrics(source, ...)``: the same as :func:`measure`
metrics = measure
