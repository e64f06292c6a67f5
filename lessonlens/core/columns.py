"""A columnar numpy view of a coded timeline, and the bin/gap/option helpers metric plugins share.

Metric plugins compute on arrays, never sample by sample: the whole metric set of a 450-sample
lesson takes about a millisecond (see benchmarks/bench_metrics.py). Several metric plugins read the
same timeline one after the other, so the view of the most recent timelines is kept (weakly) and
built once.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from itertools import chain, repeat
from operator import attrgetter, itemgetter

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


_T, _TEACHER, _STUDENTS, _CODE, _ST = (attrgetter(f) for f in ("t", "teacher", "students", "code", "st"))
_ALL_ZERO = dict.fromkeys(STUDENT_BEHAVIOURS, 0.0)


def _indices(values: Iterable[str | None], index: Mapping[str, int], n: int) -> IntArray:
    return np.fromiter(map(index.get, values, repeat(-1)), dtype=np.int64, count=n)  # type: ignore[arg-type]


def _student_matrix(dicts: list[Mapping[str, float]]) -> FloatArray:
    """(N, 5) shares; an empty dict (students unknown) becomes a zero row."""
    width = len(STUDENT_BEHAVIOURS)
    full = [d or _ALL_ZERO for d in dicts]
    try:
        flat = chain.from_iterable(map(_STUDENT_SHARES, full))
        return np.fromiter(flat, dtype=np.float64, count=len(dicts) * width).reshape(len(dicts), width)
    except KeyError:  # sparse dicts (only the behaviours seen): the slower way
        rows = [[d.get(b, 0.0) for b in STUDENT_BEHAVIOURS] for d in dicts]
        return np.array(rows, dtype=np.float64).reshape(len(dicts), width)


def build_columns(timeline: CodedTimeline, scheme: CodingScheme | None = None) -> TimelineColumns:
    """The columns of ``timeline``; a sample without an S/T code gets one from the timeline's
    mapping (falling back to the scheme's) of its code, else of its teacher behaviour, if that maps."""
    code_ids = tuple(c.id for c in scheme.codes) if scheme is not None else ()
    code_index = {c: i for i, c in enumerate(code_ids)}
    mapping = {**(scheme.st_mapping() if scheme is not None else {}), **timeline.st_mapping}
    samples = timeline.samples
    n = len(samples)
    t = np.fromiter(map(_T, samples), dtype=np.float64, count=n)
    teacher = _indices(map(_TEACHER, samples), _TEACHER_INDEX, n)
    code = _indices(map(_CODE, samples), code_index, n)
    st = _indices(map(_ST, samples), _ST_INDEX, n)
    if (st < 0).any():  # fall back to the mapping: of the code first, then of the teacher behaviour
        teacher_st = np.array([_ST_INDEX.get(mapping.get(b, ""), -1) for b in TEACHER_BEHAVIOURS] + [-1])
        code_st = np.array([_ST_INDEX.get(mapping.get(c, ""), -1) for c in code_ids] + [-1], dtype=np.int64)
        mapped = np.where(code >= 0, code_st[code], teacher_st[teacher])
        st = np.where(st >= 0, st, mapped)
    students = _student_matrix(list(map(_STUDENTS, samples)))
    total = students.sum(axis=1)
    known = total > 0
    students /= np.where(known, total, 1.0)[:, None]
    if n > 1 and (t[1:] < t[:-1]).any():  # a hand-made document out of order: metrics assume time order
        order = np.argsort(t, kind="stable")
        t, teacher, code, st, students, known = t[order], teacher[order], code[order], st[order], \
            students[order], known[order]
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

def time_gaps(cols: TimelineColumns) -> BoolArray:
    """True at samples that start after a hole in the sampling (more than 1.5 intervals)."""
    gaps = np.zeros(cols.n, dtype=np.bool_)
    if cols.n > 1:
        gaps[1:] = (cols.t[1:] - cols.t[:-1]) > 1.5 * cols.interval
    return gaps


def bin_edges(cols: TimelineColumns, width: float) -> tuple[IntArray, FloatArray]:
    """The bin of every sample (bins of ``width`` s from t=0) and the start time of every bin."""
    if width <= 0:
        raise ValueError(f"bin width must be positive, got {width}")
    index = np.floor(cols.t / width + 1e-9).astype(np.int64).clip(0)  # samples before t=0 go to the first bin
    count = int(index[-1]) + 1 if cols.n else 0
    return index, np.arange(count, dtype=np.float64) * width


def bin_sums(values: FloatArray, index: IntArray, bins: int) -> FloatArray:
    """Sums of ``values`` (N, k) over the samples of each bin: (bins, k), zeros for an empty bin.

    Samples are in time order, so each bin is a contiguous slice: one reduceat for all columns.
    """
    out = np.zeros((bins, values.shape[1]))
    if values.shape[0]:
        first = np.concatenate(([True], index[1:] != index[:-1])).nonzero()[0]
        out[index[first]] = np.add.reduceat(values, first, axis=0)
    return out


def binned_means(values: FloatArray, defined: BoolArray, index: IntArray, bins: int) -> FloatArray:
    """Per row of ``values`` (k, N), the mean of its defined values in each bin; NaN for a bin without any."""
    k = values.shape[0]
    both = np.concatenate((np.where(defined, values, 0.0), defined), axis=0).T
    sums = bin_sums(both, index, bins).T
    out = np.full((k, bins), np.nan)
    np.divide(sums[:k], sums[k:], out=out, where=sums[k:] > 0)
    return out


def nullable_rows(values: FloatArray, digits: int = 6) -> list[tuple[float | None, ...]]:
    """Each row of a float array as a tuple with ``None`` for NaN (undefined, never zero)."""
    cells = values.round(digits).astype(object)
    cells[np.isnan(values)] = None
    return [tuple(row) for row in cells.tolist()]


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
