"""lessonlens: recorded lessons -> coded behaviour, metrics, rubric results, diagnoses and reports.

The public Python API. Plugins import :data:`hookimpl` from here::

    from lessonlens import hookimpl

    @hookimpl
    def register_metrics(register):
        register(MyMetric())
"""

from lessonlens.columnar.columns import TimelineColumns, columnar_timeline
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
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.metrics import Metrics, MetricValues, Series, TimeRange
from lessonlens.core.plugins import get_manager
from lessonlens.core.rubric import RubricResult, RubricSchema, ScoreSheet, TimedNote
from lessonlens.core.timeline import CodedSample, CodedTimeline, CodingScheme
from lessonlens.core.version import __version__
from lessonlens.diagnosis import Diagnoser, Diagnosis, check_rules, diagnose, load_rules
from lessonlens.perception import analyze, evaluate
from lessonlens.pipeline.measure import measure, measure_many, read_coded_sheet
from lessonlens.pipeline.reporting import report
from lessonlens.pipeline.stages import analyze_media, code, compute_metrics, compute_metrics_many, detect
from lessonlens.rubric.charts import matrix_chart, radar_charts
from lessonlens.rubric.facts import rubric_facts
from lessonlens.rubric.scoring import (
    attach_rubric_result,
    list_rubric_schemas,
    load_rubric_schema,
    read_score_sheets,
    score,
    write_rubric_template,
)

__all__ = [
    "Analysis", "CodeRequest", "CodedSample", "CodedTimeline", "Coder", "CodingScheme", "DetectRequest", "Detector",
    "Diagnoser", "Diagnosis", "Finding", "InputError", "LazyTuple", "LessonMeta", "LessonlensError", "MediaRole",
    "MediaSource",
    "Metric", "MetricValues", "Metrics", "PluginError", "Provenance", "Renderer", "ReportJob", "RubricResult",
    "RubricSchema", "SchemaVersionError", "ScoreSheet", "Series", "Severity", "TimeRange", "TimedNote",
    "TimelineColumns",
    "__version__", "analyze", "analyze_media", "attach_rubric_result", "check_rules", "code", "columnar_timeline",
    "compute_metrics", "compute_metrics_many",
    "detect", "diagnose", "dumps", "evaluate", "get_manager", "hookimpl", "list_rubric_schemas", "load",
    "load_rubric_schema",
    "load_rules", "loads", "matrix_chart", "measure", "measure_many", "metrics", "radar_charts", "read_coded_sheet",
    "read_score_sheets", "report", "rubric_facts", "save", "score", "to_dict", "write_rubric_template",
]

#: ``lessonlens.metrics(source, ...)``: the same as :func:`measure`
metrics = measure
