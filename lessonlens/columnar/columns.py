"""A columnar numpy view of a coded timeline, and the bin/gap/option helpers metric plugins share.

Metric plugins compute on arrays, never sample by sample (and on stacks of lessons, ``columnar/stacks.py``:
see benchmarks/bench_metrics.py). Several metric plugins read the same timelines one after the other,
so the views of the most recent timelines are kept (weakly) and built once; a timeline made with
:func:`columnar_timeline` carries its columns already.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import partial
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lazy import LazyTuple
from lessonlens.core.timeline import (
    STUDENT_BEHAVIOURS,
    TEACHER_BEHAVIOURS,
    CodedSample,
    CodedTimeline,
    CodingScheme,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: ``st`` column values
ST_T, ST_S, UNKNOWN = 1, 0, -1

_TEACHER_INDEX = {b: i for i, b in enumerate(TEACHER_BEHAVIOURS)}
_STUDENT_SHARES = itemgetter(*STUDENT_BEHAVIOURS)
_ST_INDEX = {"T": ST_T, "S": ST_S, "t": ST_T, "s": ST_S}


class GridProperties:
    """What follows from the sampling instants ``t`` (one lesson's, or a stack's shared grid)."""

    __slots__ = ()
    t: FloatArray
    interval: float

    @property
    def n(self) -> int:
        """Samples (per lesson)."""
        return int(self.t.size)

    @property
    def duration(self) -> float:
        """Seconds covered: from the lesson start to the end of the last sample."""
        return float(self.t[-1] + self.interval) if self.t.size else 0.0


@attrs.frozen(eq=False)
class Columns(GridProperties):
    """The columns of a timeline or of a stack of them: the field list both share, declared once.

    ``teacher`` indexes TEACHER_BEHAVIOURS, ``code`` indexes ``code_ids``, ``st`` is 1 for T and 0 for
    S; -1 is unknown. ``shares`` has one row per student behaviour: a sample's column sums to 1 where
    ``students_known``, zeros elsewhere (behaviour-major, so that per-sample reductions over the five
    behaviours run over contiguous rows)."""

    t: FloatArray
    interval: float
    teacher: IntArray
    shares: FloatArray
    students_known: BoolArray
    st: IntArray
    code: IntArray
    code_ids: tuple[str, ...]
    #: what metric plugins derive from the same columns (bins of a width, gaps), computed once
    memo: dict[object, Any] = attrs.field(init=False, factory=dict, repr=False)


#: the fields holding one value per sample (stacked along a new first axis for many lessons)
PER_SAMPLE: tuple[str, ...] = ("teacher", "shares", "students_known", "st", "code")


@attrs.frozen(eq=False)
class TimelineColumns(Columns):
    """One lesson's columns: ``teacher``, ``st``, ``code``, ``students_known`` are (N,), ``shares`` (5, N)."""


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


def _st_fallback(st: IntArray, teacher: IntArray, code: IntArray, code_ids: tuple[str, ...],
                 mapping: Mapping[str, str]) -> IntArray:
    """``st`` with its unknowns (-1) filled from the mapping: of the code first, then of the teacher
    behaviour, where that maps."""
    if not ((st < 0) & ((teacher >= 0) | (code >= 0))).any():  # nothing a mapping could fill
        return st
    teacher_st = np.array([_ST_INDEX.get(mapping.get(b, ""), -1) for b in TEACHER_BEHAVIOURS] + [-1])
    code_st = np.array([_ST_INDEX.get(mapping.get(c, ""), -1) for c in code_ids] + [-1], dtype=np.int64)
    mapped = np.where(code >= 0, code_st[code], teacher_st[teacher])
    filled: IntArray = np.where(st >= 0, st, mapped)
    return filled


def _scale(total: FloatArray) -> FloatArray:
    """What to divide each sample's shares by: their total, unless they are fractions already
    summing to 1 (left exactly as given, so that re-reading saved shares changes no digit) or unknown."""
    return np.where((total > 0) & (np.abs(total - 1.0) > 1e-9), total, 1.0)


def _scheme_codes(scheme: CodingScheme | None) -> tuple[str, ...]:
    return tuple(c.id for c in scheme.codes) if scheme is not None else ()


def _mapping(timeline: CodedTimeline, scheme: CodingScheme | None) -> dict[str, str]:
    return {**(scheme.st_mapping() if scheme is not None else {}), **timeline.st_mapping}


def build_columns(timeline: CodedTimeline, scheme: CodingScheme | None = None) -> TimelineColumns:
    """The columns of ``timeline``; a sample without an S/T code gets one from the timeline's
    mapping (falling back to the scheme's) of its code, else of its teacher behaviour, if that maps."""
    samples = timeline.samples
    if isinstance(samples, ColumnSamples):
        return _for_scheme(samples.columns, scheme, _mapping(timeline, scheme))
    code_ids = _scheme_codes(scheme)
    code_index = {c: i for i, c in enumerate(code_ids)}
    n = len(samples)
    t = np.fromiter(map(_T, samples), dtype=np.float64, count=n)
    teacher = _indices(map(_TEACHER, samples), _TEACHER_INDEX, n)
    code = _indices(map(_CODE, samples), code_index, n)
    st = _st_fallback(_indices(map(_ST, samples), _ST_INDEX, n), teacher, code, code_ids, _mapping(timeline, scheme))
    shares = np.ascontiguousarray(_student_matrix(list(map(_STUDENTS, samples))).T)
    return _assembled(t, timeline.interval, teacher, shares, st, code, code_ids)[0]


def _assembled(t: FloatArray, interval: float, teacher: IntArray, shares: FloatArray, st: IntArray, code: IntArray,
               code_ids: tuple[str, ...]) -> tuple[TimelineColumns, IntArray | None]:
    """Columns from raw ones: each sample's shares (5, N) divided by their total where they are
    counts (see :func:`_scale`), samples put in time order (a hand-made document may not be: metrics
    assume it); and the order applied, None when the samples were in order already."""
    total = shares.sum(axis=0)
    known = total > 0
    shares /= _scale(total)
    order = None
    if t.size > 1 and (t[1:] < t[:-1]).any():
        order = np.argsort(t, kind="stable")
        t, teacher, code, st, shares, known = t[order], teacher[order], code[order], st[order], \
            shares[:, order], known[order]
    return TimelineColumns(t=t, interval=float(interval), teacher=teacher, shares=shares, students_known=known,
                           st=st, code=code, code_ids=code_ids), order


def _for_scheme(cols: TimelineColumns, scheme: CodingScheme | None, mapping: Mapping[str, str]) -> TimelineColumns:
    """Columns of a columnar timeline as a scheme sees them: codes re-indexed to the scheme's codes
    (a code the scheme lacks becomes unknown) and unknown S/T codes filled from the mapping."""
    code_ids = _scheme_codes(scheme)
    code = cols.code
    if code_ids != cols.code_ids:
        index = {c: i for i, c in enumerate(code_ids)}
        lookup = np.array([index.get(c, -1) for c in cols.code_ids] + [-1], dtype=np.int64)
        code = lookup[code]
    st = _st_fallback(cols.st, cols.teacher, code, code_ids, mapping)
    if code is cols.code and st is cols.st:
        return cols
    return attrs.evolve(cols, code=code, st=st, code_ids=code_ids)


# -- timelines made from columns ------------------------------------------------------------------

_ST_LETTERS = ("S", "T")


def _samples_of(cols: TimelineColumns, confidence: FloatArray | None) -> tuple[CodedSample, ...]:
    """CodedSample objects with the values of the columns (students only where known)."""
    teacher = [TEACHER_BEHAVIOURS[i] if i >= 0 else None for i in cols.teacher.tolist()]
    code = [cols.code_ids[i] if i >= 0 else None for i in cols.code.tolist()]
    st = [_ST_LETTERS[i] if i >= 0 else None for i in cols.st.tolist()]
    students = [dict(zip(STUDENT_BEHAVIOURS, row, strict=True)) if known else {}
                for row, known in zip(cols.shares.T.tolist(), cols.students_known.tolist(), strict=True)]
    conf = confidence.tolist() if confidence is not None else [1.0] * cols.n
    return tuple(map(CodedSample, cols.t.tolist(), teacher, students, code, st, conf))


class ColumnSamples(LazyTuple[CodedSample]):
    """The samples of a timeline kept as numpy columns; CodedSample objects are made on first read."""

    __slots__ = ("columns",)

    def __init__(self, columns: TimelineColumns, confidence: FloatArray | None = None) -> None:
        super().__init__(partial(_samples_of, columns, confidence), columns.n)
        self.columns = columns


def _code_column(values: object, names: tuple[str, ...], n: int, what: str, letters: Mapping[str, int]) -> IntArray:
    """A column of codes as indices into ``names``: given as integers (-1 unknown) or as ids (None unknown)."""
    if values is None:
        return np.full(n, -1, dtype=np.int64)
    array = np.asarray(values)
    if array.shape != (n,):
        raise ValueError(f"{what} must have one value per sample ({n}), got shape {array.shape}")
    if array.dtype.kind in "iu":
        out = array.astype(np.int64)
        if ((out < -1) | (out >= len(names))).any():
            raise ValueError(f"{what} indices must lie in -1..{len(names) - 1}")
        return out
    index = {**{name: i for i, name in enumerate(names)}, **letters}
    unknown = sorted({str(v) for v in array.tolist() if v is not None and v not in index})
    if unknown:
        raise ValueError(f"{what} has codes outside {names}: {', '.join(unknown[:5])}")
    return _indices(array.tolist(), index, n)


def columnar_timeline(
    scheme: str, interval: float, t: npt.ArrayLike, *, teacher: npt.ArrayLike | None = None,
    students: npt.ArrayLike | None = None, code: npt.ArrayLike | None = None, code_ids: Iterable[str] = (),
    st: npt.ArrayLike | None = None, confidence: npt.ArrayLike | None = None,
    st_mapping: Mapping[str, str] | None = None, coder: str = "",
) -> CodedTimeline:
    """A coded timeline made from arrays, one value per sample, without a CodedSample per sample.

    ``teacher``: indices into TEACHER_BEHAVIOURS or behaviour ids (-1 / None unknown);
    ``students``: (N, 5) shares or counts in STUDENT_BEHAVIOURS order, a row of zeros or NaN when
    unknown (rows are normalised to sum to 1); ``code``: indices into ``code_ids`` or code ids;
    ``st``: 1/0/-1 or "T"/"S"/None (unknowns are filled from the scheme's mapping when measured).
    Metrics read these columns directly; ``timeline.samples`` makes the objects on first read.
    """
    times = np.asarray(t, dtype=np.float64)
    if times.ndim != 1:
        raise ValueError(f"t must be one-dimensional, got shape {times.shape}")
    n = times.size
    ids = tuple(code_ids)
    teacher_col = _code_column(teacher, TEACHER_BEHAVIOURS, n, "teacher", {})
    code_col = _code_column(code, ids, n, "code", {})
    st_col = _code_column(st, _ST_LETTERS, n, "st", _ST_INDEX)
    width = len(STUDENT_BEHAVIOURS)
    shares = np.zeros((width, n)) if students is None else \
        np.ascontiguousarray(np.asarray(students, dtype=np.float64).reshape(n, width).T)
    shares[:, np.isnan(shares).any(axis=0)] = 0.0
    if (shares < 0).any():
        raise ValueError("student shares must not be negative")
    conf = None if confidence is None else np.asarray(confidence, dtype=np.float64).reshape(n)
    cols, order = _assembled(times, interval, teacher_col, shares, st_col, code_col, ids)
    if conf is not None and order is not None:
        conf = conf[order]
    return CodedTimeline(scheme=scheme, interval=float(interval), samples=ColumnSamples(cols, conf),
                         st_mapping=dict(st_mapping or {}), coder=coder)


class _ColumnsCache:
    """The columns of the most recent timelines (enough for a batch of lessons measured by several
    metric plugins in turn); an entry goes with its timeline, so ids are never reused stale."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, str], tuple[weakref.ref[CodedTimeline], TimelineColumns]] = OrderedDict()

    def get(self, timeline: CodedTimeline, scheme: CodingScheme | None) -> TimelineColumns:
        key = (id(timeline), scheme.id if scheme is not None else "")
        found = self._items.get(key)
        if found is not None and found[0]() is timeline:
            return found[1]
        cols = build_columns(timeline, scheme)
        items = self._items
        self._items[key] = (weakref.ref(timeline, lambda _: items.pop(key, None)), cols)
        if len(items) > self._size:
            items.popitem(last=False)
        return cols


_cache = _ColumnsCache()


def timeline_columns(timeline: CodedTimeline, scheme: CodingScheme | None = None) -> TimelineColumns:
    """The (cached) columnar view of ``timeline``; treat its arrays as read-only."""
    return _cache.get(timeline, scheme)


# -- helpers shared by metric plugins -------------------------------------------------------------

class SampleGrid(Protocol):
    """The sampling instants of one lesson or of a stack of lessons on the same grid."""

    @property
    def t(self) -> FloatArray: ...

    @property
    def interval(self) -> float: ...

    @property
    def memo(self) -> dict[object, Any]: ...

    @property
    def n(self) -> int: ...


def time_gaps(cols: SampleGrid) -> BoolArray:
    """True at samples that start after a hole in the sampling (more than 1.5 intervals)."""
    gaps: BoolArray | None = cols.memo.get("gaps")
    if gaps is None:
        gaps = cols.memo["gaps"] = np.zeros(cols.n, dtype=np.bool_)
        if cols.n > 1:
            gaps[1:] = (cols.t[1:] - cols.t[:-1]) > 1.5 * cols.interval
    return gaps


def bin_edges(cols: SampleGrid, width: float) -> tuple[IntArray, FloatArray]:
    """The bin of every sample (bins of ``width`` s from t=0) and the start time of every bin."""
    key = ("bins", width)
    found: tuple[IntArray, FloatArray] | None = cols.memo.get(key)
    if found is not None:
        return found
    if width <= 0:
        raise ValueError(f"bin width must be positive, got {width}")
    index = np.floor(cols.t / width + 1e-9).astype(np.int64).clip(0)  # samples before t=0 go to the first bin
    count = int(index[-1]) + 1 if cols.n else 0
    found = cols.memo[key] = (index, np.arange(count, dtype=np.float64) * width)
    return found


def bin_sums(values: FloatArray, index: IntArray, bins: int) -> FloatArray:
    """Sums of ``values`` (..., N) over the samples of each bin along the last axis: (..., bins),
    zeros for an empty bin. Samples are in time order, so each bin is a contiguous slice: one
    reduceat for all rows."""
    out = np.zeros((*values.shape[:-1], bins))
    if values.shape[-1]:
        first = np.concatenate(([True], index[1:] != index[:-1])).nonzero()[0]
        out[..., index[first]] = np.add.reduceat(values, first, axis=-1)
    return out


def code_counts(index: IntArray, codes: IntArray, n_codes: int, bins: int) -> IntArray:
    """Per lesson (row of ``codes``, L x N, -1 unknown) and bin (``index`` of each sample), the
    number of samples with each code: (L, bins, n_codes)."""
    known = codes >= 0
    lessons = codes.shape[0]
    keys = (np.arange(lessons)[:, None] * bins + index[None, :]) * n_codes + codes
    flat = np.bincount(keys[known], minlength=lessons * bins * n_codes)
    return flat.reshape(lessons, bins, n_codes)


def nullable_tuple(values: FloatArray, digits: int = 6) -> tuple[float | None, ...]:
    """A float array as a tuple, rounded, with ``None`` for NaN (undefined, never zero)."""
    cells = values.round(digits).tolist()
    if not np.isnan(values).any():
        return tuple(cells)
    return tuple(None if c != c else c for c in cells)  # NaN is the only value unequal to itself


def float_tuple(values: FloatArray) -> tuple[float, ...]:
    """A float array as a tuple of Python floats."""
    return tuple(values.tolist())


_SMALL_OPTION = Text(zh="选项 {name} 至少为 {least:g}，收到 {value}",
                     en="option {name} must be at least {least:g}, got {value}")
_BAD_OPTION = Text(
    zh="选项 {name} 必须为正数，收到 {value!r}",
    en="option {name} must be a positive number, got {value!r}",
)


#: the shortest bin (or resampling step) a metric option may ask for
MIN_BIN_SECONDS = 1.0


def positive_option(options: Mapping[str, object], name: str, default: float, least: float = 0.0) -> float:
    """A positive number (at least ``least``) from metric options, or the default when the option is absent."""
    value = options.get(name, default)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0 or number == float("inf"):
        raise InputError(_BAD_OPTION, name=name, value=value)
    if number < least:  # a bin of a nanosecond would ask for terabytes of bins
        raise InputError(_SMALL_OPTION, name=name, value=value, least=least)
    return number
