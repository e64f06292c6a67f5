"""lessonlens: recorded lessons -> coded behaviour, metrics, rubric results, diagnoses and reports.

The public Python API for users: analyse or measure lessons, score rubrics, diagnose, report, and
load/save the documents. Names are imported on first use (PEP 562), so ``import lessonlens`` does not
load video decoding, numpy-heavy plugins or perception until they are needed.

Plugin authors import from :mod:`lessonlens.plugin` instead::

    from lessonlens.plugin import Metric as Metric, hookimpl as hookimpl

    @hookimpl
    def register_metrics(register):
        register(MyMetric())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lessonlens.columnar.columns import TimelineColumns as TimelineColumns
    from lessonlens.columnar.columns import columnar_timeline as columnar_timeline
    from lessonlens.core.analysis import Analysis
    from lessonlens.core.analysis import Provenance as Provenance
    from lessonlens.core.documents import dumps
    from lessonlens.core.documents import to_dict as to_dict
    from lessonlens.core.errors import InputError, LessonlensError
    from lessonlens.core.errors import PluginError as PluginError
    from lessonlens.core.errors import SchemaVersionError as SchemaVersionError
    from lessonlens.core.extensions import Coder as Coder
    from lessonlens.core.extensions import CodeRequest as CodeRequest
    from lessonlens.core.extensions import Detector as Detector
    from lessonlens.core.extensions import DetectRequest as DetectRequest
    from lessonlens.core.extensions import Metric as Metric
    from lessonlens.core.extensions import Renderer as Renderer
    from lessonlens.core.extensions import ReportJob as ReportJob
    from lessonlens.core.findings import Finding, Severity
    from lessonlens.core.hookspecs import hookimpl as hookimpl
    from lessonlens.core.lazy import LazyTuple as LazyTuple
    from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
    from lessonlens.core.metrics import Metrics
    from lessonlens.core.metrics import MetricValues as MetricValues
    from lessonlens.core.metrics import Series as Series
    from lessonlens.core.metrics import TimeRange as TimeRange
    from lessonlens.core.plugins import get_manager as get_manager
    from lessonlens.core.rubric import RubricResult, RubricSchema, ScoreSheet
    from lessonlens.core.rubric import TimedNote as TimedNote
    from lessonlens.core.timeline import CodedSample, CodedTimeline
    from lessonlens.core.timeline import CodingScheme as CodingScheme
    from lessonlens.core.version import __version__
    from lessonlens.diagnosis import Diagnoser, Diagnosis, diagnose, load_rules
    from lessonlens.diagnosis import check_rules as check_rules
    from lessonlens.files.documents import load, loads, save
    from lessonlens.perception.evaluate import evaluate
    from lessonlens.perception.run import analyze
    from lessonlens.pipeline.measure import measure, measure_many, read_coded_sheet
    from lessonlens.pipeline.measure import measure as metrics  # noqa: F401  (an alias of measure, kept for compatibility)
    from lessonlens.pipeline.reporting import report
    from lessonlens.pipeline.stages import analyze_media as analyze_media
    from lessonlens.pipeline.stages import code as code
    from lessonlens.pipeline.stages import compute_metrics
    from lessonlens.pipeline.stages import compute_metrics_many as compute_metrics_many
    from lessonlens.pipeline.stages import detect as detect
    from lessonlens.rubric.charts import matrix_chart as matrix_chart
    from lessonlens.rubric.charts import radar_charts as radar_charts
    from lessonlens.rubric.facts import rubric_facts as rubric_facts
    from lessonlens.rubric.scoring import attach_rubric_result as attach_rubric_result
    from lessonlens.rubric.scoring import (
        list_rubric_schemas,
        load_rubric_schema,
        read_score_sheets,
        score,
        write_rubric_template,
    )

#: name -> the module it comes from, imported when the name is first read
_SOURCES: dict[str, str] = {
    "columnar_timeline": "lessonlens.columnar.columns",
    "TimelineColumns": "lessonlens.columnar.columns",
    "Analysis": "lessonlens.core.analysis",
    "Provenance": "lessonlens.core.analysis",
    "dumps": "lessonlens.core.documents",
    "load": "lessonlens.files.documents",
    "loads": "lessonlens.files.documents",
    "save": "lessonlens.files.documents",
    "to_dict": "lessonlens.core.documents",
    "InputError": "lessonlens.core.errors",
    "LessonlensError": "lessonlens.core.errors",
    "PluginError": "lessonlens.core.errors",
    "SchemaVersionError": "lessonlens.core.errors",
    "Coder": "lessonlens.core.extensions",
    "CodeRequest": "lessonlens.core.extensions",
    "Detector": "lessonlens.core.extensions",
    "DetectRequest": "lessonlens.core.extensions",
    "Metric": "lessonlens.core.extensions",
    "Renderer": "lessonlens.core.extensions",
    "ReportJob": "lessonlens.core.extensions",
    "Finding": "lessonlens.core.findings",
    "Severity": "lessonlens.core.findings",
    "hookimpl": "lessonlens.core.hookspecs",
    "LazyTuple": "lessonlens.core.lazy",
    "LessonMeta": "lessonlens.core.lesson",
    "MediaRole": "lessonlens.core.lesson",
    "MediaSource": "lessonlens.core.lesson",
    "Metrics": "lessonlens.core.metrics",
    "MetricValues": "lessonlens.core.metrics",
    "Series": "lessonlens.core.metrics",
    "TimeRange": "lessonlens.core.metrics",
    "get_manager": "lessonlens.core.plugins",
    "RubricResult": "lessonlens.core.rubric",
    "RubricSchema": "lessonlens.core.rubric",
    "ScoreSheet": "lessonlens.core.rubric",
    "TimedNote": "lessonlens.core.rubric",
    "CodedSample": "lessonlens.core.timeline",
    "CodedTimeline": "lessonlens.core.timeline",
    "CodingScheme": "lessonlens.core.timeline",
    "__version__": "lessonlens.core.version",
    "check_rules": "lessonlens.diagnosis",
    "diagnose": "lessonlens.diagnosis",
    "Diagnoser": "lessonlens.diagnosis",
    "Diagnosis": "lessonlens.diagnosis",
    "load_rules": "lessonlens.diagnosis",
    # no TYPE_CHECKING import above: perception reaches diagnose/report through this package, and
    # jobs (which runs perception) sits above it in the import layers (pyproject's import-linter)
    "batch": "lessonlens.jobs.runner",
    "analyze": "lessonlens.perception.run",
    "evaluate": "lessonlens.perception.evaluate",
    "measure": "lessonlens.pipeline.measure",
    "measure_many": "lessonlens.pipeline.measure",
    "read_coded_sheet": "lessonlens.pipeline.measure",
    "report": "lessonlens.pipeline.reporting",
    "analyze_media": "lessonlens.pipeline.stages",
    "code": "lessonlens.pipeline.stages",
    "compute_metrics": "lessonlens.pipeline.stages",
    "compute_metrics_many": "lessonlens.pipeline.stages",
    "detect": "lessonlens.pipeline.stages",
    "matrix_chart": "lessonlens.rubric.charts",
    "radar_charts": "lessonlens.rubric.charts",
    "rubric_facts": "lessonlens.rubric.facts",
    "attach_rubric_result": "lessonlens.rubric.scoring",
    "list_rubric_schemas": "lessonlens.rubric.scoring",
    "load_rubric_schema": "lessonlens.rubric.scoring",
    "read_score_sheets": "lessonlens.rubric.scoring",
    "score": "lessonlens.rubric.scoring",
    "write_rubric_template": "lessonlens.rubric.scoring",
    "metrics": "lessonlens.pipeline.measure:measure",
}

#: the user API (36 names): analyse, measure, diagnose, score and report lessons, and the documents they give.
#: Every other name in ``_SOURCES`` stays importable from here for compatibility but is documented in its
#: subsystem: the stage functions (``lessonlens.pipeline.stages``: detect, code, compute_metrics_many ...),
#: rubric charts and facts (``lessonlens.rubric``), the document parts (``lessonlens.core``), and the
#: plugin-author names (``lessonlens.plugin``).
__all__ = [
    "Analysis", "CodedSample", "CodedTimeline", "Diagnoser", "Diagnosis", "Finding", "InputError", "LessonMeta",
    "LessonlensError", "MediaRole", "MediaSource", "Metrics", "RubricResult", "RubricSchema", "ScoreSheet",
    "Severity", "__version__", "analyze", "batch", "compute_metrics", "diagnose", "dumps", "evaluate",
    "list_rubric_schemas", "load", "load_rubric_schema", "load_rules", "loads", "measure", "measure_many",
    "read_coded_sheet", "read_score_sheets", "report", "save", "score", "write_rubric_template",
]


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'lessonlens' has no attribute {name!r}")
    module, _, attr = source.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})
