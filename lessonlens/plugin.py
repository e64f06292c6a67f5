"""The plugin-author API: everything a detector, coder, metric or renderer plugin needs, in one place.

Built-in plugins and a school's own package import from here (and from :mod:`lessonlens.media` for
decoding), never from lessonlens' internals (report renderers also find the rubric helpers here)::

    from lessonlens.plugin import Metric, MetricValues, hookimpl, timeline_columns

    class TalkShare(Metric):
        name = "talk_share"
        ...

    @hookimpl
    def register_metrics(register):
        register(TalkShare())

The names here are a public API: they keep their meaning across minor versions.
"""

from lessonlens.columnar.columns import (
    ST_S,
    ST_T,
    BoolArray,
    FloatArray,
    IntArray,
    TimelineColumns,
    bin_edges,
    bin_sums,
    code_counts,
    columnar_timeline,
    float_tuple,
    nullable_tuple,
    positive_option,
    time_gaps,
    timeline_columns,
)
from lessonlens.columnar.runs import row_runs, runs
from lessonlens.columnar.stacks import StackedColumns, by_grid, stack_columns
from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError, LessonlensError, PluginError
from lessonlens.core.extensions import (
    Backend,
    Coder,
    CodeRequest,
    Detector,
    DetectRequest,
    Metric,
    MetricField,
    ModelFile,
    Renderer,
    ReportJob,
    SheetHead,
)
from lessonlens.core.findings import Finding, Severity
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text, pick
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.core.metrics import (
    CurveSummary,
    Episodes,
    Extreme,
    Metrics,
    MetricValues,
    Scalar,
    Series,
    Table,
    TimeRange,
)
from lessonlens.core.observations import (
    BehaviourCue,
    BoardTextObservation,
    Box,
    FaceObservation,
    GenericObservation,
    Keypoint,
    Observation,
    PoseObservation,
    PositionObservation,
    SpeechObservation,
)
from lessonlens.core.rubric import RubricResult, RubricSchema
from lessonlens.core.timeline import (
    STUDENT_BEHAVIOURS,
    TEACHER_BEHAVIOURS,
    Code,
    CodedSample,
    CodedTimeline,
    CodingScheme,
    Evidence,
)
from lessonlens.core.version import __version__
from lessonlens.files.atomic import atomic_open, atomic_path, write_text_atomic
from lessonlens.rubric.catalog import find_rubric_schema
from lessonlens.rubric.chart_specs import MatrixChart, RadarChart
from lessonlens.rubric.charts import matrix_chart, radar_charts
from lessonlens.rubric.tree import OVERALL, RubricTree, rubric_tree
from lessonlens.tables.coded_sheets import (
    Sheet,
    SheetRow,
    header_cells,
    parse_rows,
    parse_times,
    read_code_sheet,
    read_text,
    sheet_interval,
)
from lessonlens.tables.safety import neutralise_row
from lessonlens.tables.xlsx_sheet import read_xlsx_sheet

__all__ = [
    "OVERALL",
    "STUDENT_BEHAVIOURS",
    "ST_S",
    "ST_T",
    "TEACHER_BEHAVIOURS",
    "Analysis",
    "Backend",
    "BehaviourCue",
    "BoardTextObservation",
    "BoolArray",
    "Box",
    "Code",
    "CodeRequest",
    "CodedSample",
    "CodedTimeline",
    "Coder",
    "CodingScheme",
    "CurveSummary",
    "DetectRequest",
    "Detector",
    "Episodes",
    "Evidence",
    "Extreme",
    "FaceObservation",
    "Finding",
    "FloatArray",
    "GenericObservation",
    "InputError",
    "IntArray",
    "Keypoint",
    "LazyTuple",
    "LessonMeta",
    "LessonlensError",
    "MatrixChart",
    "MediaRole",
    "MediaSource",
    "Metric",
    "MetricField",
    "MetricValues",
    "Metrics",
    "ModelFile",
    "Observation",
    "PluginError",
    "PoseObservation",
    "PositionObservation",
    "RadarChart",
    "Renderer",
    "ReportJob",
    "RubricResult",
    "RubricSchema",
    "RubricTree",
    "Scalar",
    "Series",
    "Severity",
    "Sheet",
    "SheetHead",
    "SheetRow",
    "SpeechObservation",
    "StackedColumns",
    "Table",
    "Text",
    "TimeRange",
    "TimelineColumns",
    "__version__",
    "atomic_open",
    "atomic_path",
    "bin_edges",
    "bin_sums",
    "by_grid",
    "code_counts",
    "columnar_timeline",
    "find_rubric_schema",
    "float_tuple",
    "header_cells",
    "hookimpl",
    "matrix_chart",
    "neutralise_row",
    "nullable_tuple",
    "parse_rows",
    "parse_times",
    "pick",
    "positive_option",
    "radar_charts",
    "read_code_sheet",
    "read_text",
    "read_xlsx_sheet",
    "row_runs",
    "rubric_tree",
    "runs",
    "sheet_interval",
    "stack_columns",
    "time_gaps",
    "timeline_columns",
    "write_text_atomic",
]
