"""A columnar numpy view of a coded timeline, and the run/bin helpers metric plugins share.

Metric plugins compute on arrays, never sample by sample: the whole metric set of a 450-sample
lesson must take well under a millisecond. Several metric plugins read the same timeline one after
the other, so the view of the most recent timelines is kept (weakly) and built once.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from operator import itemgetter

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedTimeline, CodingScheme

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: ``st`` column values
ST_T, ST_S, UNKNOWN = 1, 0, -1

_TEACHER_INDEX = {b: i for i, b in enumerate(TEACHER_BEHAVIOURS)}
_STUDENT_SHARES = itemgetter(*STUDENT_BEHAVIOURS)
_ST_INDEX = {"T": ST_T, "S": ST_S, "t": ST_T, "s": ST_S}


@attrs.frozen(eq=False)
class TimelineColumns:
    """One row per sample: ``teacher`` indexes TEACHER_BEHAVIOURS, ``code`` indexes ``code_ids``,
    ``st`` is 1 for T and 0 for S; -1 is unknown. ``students`` rows are shares summing to 1 where
    ``students_known``, zeros elsewhere."""

    t: FloatArray
    interval: float
    teacher: IntArray
    students: FloatArray
    students_known: BoolArray
    st: IntArray
    code: IntArray
    code_ids: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.t.size)

    @property
    def duration(self) -> float:
        """Seconds covered: from the lesson start to the end of the last sample."""
        return float(self.t[-1] + self.interval) if self.t.size else 0.0


def _student_rows(dicts: list[Mapping[str, float]]) -> FloatArray:
    try:
        rows = [_STUDENT_SHARES(d) if d else (0.0,) * 5 for d in dicts]
    except KeyError:  # sparse dicts (only the behaviours seen): slower path
        rows = [tuple(d.get(b, 0.0) for b in STUDENT_BEHAVIOURS) for d in dicts]
    return np.asarray(rows, dtype=np.float64).reshape(len(dicts), len(STUDENT_BEHAVIOURS))


def build_columns(timeline: CodedTimeline, scheme: CodingScheme | None = None) -> TimelineColumns:
    """The columns of ``timeline``; a sample without an S/T code gets one from the timeline's
    mapping (falling back to the scheme's) of its code or teacher behaviour, if that maps."""
    samples = timeline.samples
    code_ids = tuple(c.id for c in scheme.codes) if scheme is not None else ()
    code_index = {c: i for i, c in enumerate(code_ids)}
    mapping = {**(scheme.st_mapping() if scheme is not None else {}), **timeline.st_mapping}
    t = np.fromiter((s.t for s in samples), dtype=np.float64, count=len(samples))
    teacher = np.fromiter((_TEACHER_INDEX.get(s.teacher, -1) for s in samples),  # type: ignore[arg-type]
                          dtype=np.int64, count=len(samples))
    code = np.fromiter((code_index.get(s.code, -1) for s in samples),  # type: ignore[arg-type]
                       dtype=np.int64, count=len(samples))
    st = np.fromiter(
        (_ST_INDEX.get(s.st or mapping.get(s.code or s.teacher or "", ""), -1) for s in samples),
        dtype=np.int64, count=len(samples),
    )
    students = _student_rows([s.students for s in samples])
    total = students.sum(axis=1)
    known = total > 0
    students[known] /= total[known, None]
    return TimelineColumns(t=t, interval=float(timeline.interval), teacher=teacher, students=students,
                           students_known=known, st=st, code=code, code_ids=code_ids)


class _ColumnsCache:
    """The columns of the last few timelines, dropped with the timeline (no stale ids)."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._items: list[tuple[weakref.ref[CodedTimeline], str, TimelineColumns]] = []

    def get(self, timeline: CodedTimeline, scheme: CodingScheme | None) -> TimelineColumns:
        key = scheme.id if scheme is not None else ""
        for ref, scheme_id, cols in self._items:
            if ref() is timeline and scheme_id == key:
                return cols
        cols = build_columns(timeline, scheme)
        self._items = [(weakref.ref(timeline), key, cols), *self._items[: self._size - 1]]
        return cols


_cache = _ColumnsCache()


def timeline_columns(timeline: CodedTimeline, scheme: CodingScheme | None = None) -> TimelineColumns:
    """The (cached) columnar view of ``timeline``; treat its arrays as read-only."""
    return _cache.get(timeline, scheme)


# -- helpers shared by metric plugins -------------------------------------------------------------

def run_bounds(active: BoolArray, breaks: BoolArray | None = None) -> tuple[IntArray, IntArray]:
    """Start and end (exclusive) sample indices of the runs of True in ``active``.

    ``breaks[i]`` True splits a run between samples i-1 and i (a gap in time).
    """
    if active.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    padded = np.concatenate(([False], active, [False]))
    edges = np.diff(padded.astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if breaks is not None and breaks.any():
        cut = np.flatnonzero(breaks & active & np.concatenate(([False], active[:-1])))
        starts = np.sort(np.concatenate((starts, cut)))
        ends = np.sort(np.concatenate((ends, cut)))
    return starts, ends


def time_gaps(cols: TimelineColumns) -> BoolArray:
    """True at samples that start after a hole in the sampling (more than 1.5 intervals)."""
    gaps = np.zeros(cols.n, dtype=np.bool_)
    if cols.n > 1:
        gaps[1:] = np.diff(cols.t) > 1.5 * cols.interval
    return gaps


def bin_edges(cols: TimelineColumns, width: float) -> tuple[IntArray, FloatArray]:
    """The bin of every sample (bins of ``width`` s from t=0) and the start time of every bin."""
    if width <= 0:
        raise ValueError(f"bin width must be positive, got {width}")
    index = np.floor(cols.t / width + 1e-9).astype(np.int64)
    count = int(index[-1]) + 1 if cols.n else 0
    return index, np.arange(count, dtype=np.float64) * width


def binned_mean(values: FloatArray, defined: BoolArray, index: IntArray, bins: int) -> FloatArray:
    """Mean of the defined values in each bin; NaN for a bin without any."""
    sums = np.bincount(index, weights=np.where(defined, values, 0.0), minlength=bins)
    counts = np.bincount(index, weights=defined.astype(np.float64), minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)


def nullable(values: FloatArray, digits: int = 6) -> tuple[float | None, ...]:
    """A float array as a tuple with ``None`` for NaN (undefined, never zero)."""
    return tuple(None if v != v else v for v in np.round(values, digits).tolist())


_BAD_OPTION = Text(
    zh="选项 {name} 必须为正数，收到 {value!r}",
    en="option {name} must be a positive number, got {value!r}",
)


def positive_option(options: Mapping[str, object], name: str, default: float) -> float:
    """A positive number from metric options, or the default when the option is absent."""
    value = options.get(name, default)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0 or number == float("inf"):
        raise InputError(_BAD_OPTION, name=name, value=value)
    return number
