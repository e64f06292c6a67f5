"""The names and functions rule expressions may use, with their types and implementations.

Types are ``num``, ``str``, ``bool``, ``ranges`` (sorted ``(start, end)`` pairs in seconds) and
``any``. Behaviour and curve arguments must be string literals, so a typo is caught when the rule
file is checked, not when a lesson happens to reach the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np

from lessonlens.columnar.columns import TimelineColumns, timeline_columns
from lessonlens.columnar.runs import runs
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS
from lessonlens.diagnosis.env import CURVE_FIELDS, LESSON_FIELDS, LessonEnv

Ranges = tuple[tuple[float, float], ...]

#: scalars every lesson has whatever its metric plugins (the rule environment fills them)
_LESSON_SCALARS: dict[str, str] = {"n_samples": "num", "interval": "num"}


def scalar_types() -> dict[str, str]:
    """Scalar metric ids and their types: each metric plugin declares its own (``Metric.fields``)."""
    fields = get_manager().metric_fields().values()
    return {**_LESSON_SCALARS, **{f.id: f.type for f in fields if f.part == "scalars"}}


#: codes of the observation protocols that ``ticked()`` (COPUS, with the derived S.GW) and ``coded()``
#: (one-code schemes: ITIAS, FIAS) take; written out because core never imports a plugin
PROTOCOL_CODES: tuple[str, ...] = (
    *(f"S.{c}" for c in ("L", "Ind", "CG", "WG", "OG", "AnQ", "SQ", "WC", "Prd", "SP", "TQ", "W", "O", "GW")),
    *(f"I.{c}" for c in ("Lec", "RtW", "FUp", "PQ", "CQ", "AnQ", "MG", "1o1", "D/V", "Adm", "W", "O")),
    *(str(i) for i in range(1, 19)),
)
_GROUP_WORK = ("S.GW", "S.CG", "S.WG", "S.OG")
CURVES: tuple[str, ...] = ("participation", "consistency", "attention")
BEHAVIOURS: tuple[str, ...] = TEACHER_BEHAVIOURS + STUDENT_BEHAVIOURS
#: rubric facts of :func:`lessonlens.rubric.facts.rubric_facts` (issue 5)
_RUBRIC_NAME = re.compile(
    r"^rubric\.[\w\-]+\.(?:[\w\-.]+\.(share|band|mean|std|n_raters|level)|agreement\.(icc2k|kendall_w|outliers)"
    r"|(n_raters))$"
)
#: norm facts (``lessonlens.store`` ``Norm.facts()``): a percentile or the mean of a numeric name
_NORM_NAME = re.compile(r"^norm\.(.+)\.(?:p\d{1,2}|mean)$")


def name_type(name: str, extra_metrics: Sequence[str] = ()) -> str | None:
    """The type of a metric, rubric or lesson name, or ``None`` when it is not one."""
    scalars = scalar_types()
    if name in scalars:
        return scalars[name]
    if name in extra_metrics:
        return "any"
    group, _, rest = name.partition(".")
    if group == "teacher_shares" and rest in TEACHER_BEHAVIOURS:
        return "num"
    if group == "student_shares" and rest in STUDENT_BEHAVIOURS:
        return "num"
    if group in CURVES and rest in CURVE_FIELDS:
        return "num"
    if group == "lesson" and rest in LESSON_FIELDS:
        return "str"
    match = _RUBRIC_NAME.match(name)
    if match:
        return "str" if match.group(1) == "band" else "num"
    if name == "norm.n_lessons":
        return "num"
    norm = _NORM_NAME.match(name)
    if norm and not norm.group(1).startswith("norm.") and name_type(norm.group(1), extra_metrics) in ("num", "any"):
        return "num"
    return None


@attrs.frozen
class Function:
    """One function: the kinds of its parameters, how many may be left out, its result type.

    ``memo``: the result is kept per lesson (and argument values), for the costlier functions the
    same lesson's condition, texts and ranges tend to repeat.
    """

    name: str
    params: tuple[str, ...]  # num | ranges | any | behaviour | curve | behaviour_or_ranges | num*
    returns: str
    impl: Callable[..., Any]
    optional: int = 0
    memo: bool = False


# -- ranges ---------------------------------------------------------------------------------
def merge(ranges: Sequence[tuple[float, float]]) -> Ranges:
    out: list[tuple[float, float]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def ranges_of_mask(t: np.ndarray[Any, Any], mask: np.ndarray[Any, Any], interval: float) -> Ranges:
    """Runs of true samples as ranges; sample ``i`` covers ``[t_i, t_i + interval)``."""
    if mask.size == 0 or not mask.any():
        return ()
    first, last = runs(mask)
    return tuple(zip(t[first].tolist(), (t[last - 1] + interval).tolist(), strict=True))


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            start, end = max(s1, s2), min(e1, e2)
            if end > start:
                out.append((start, end))
    return merge(out)


def _minus(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[float, float]] = []
    for start, end in a:
        pieces = [(start, end)]
        for s2, e2 in b:
            pieces = [p for s, e in pieces for p in ((s, min(e, s2)), (max(s, e2), e)) if p[1] > p[0]]
        out.extend(pieces)
    return merge(out)


def _without(env: LessonEnv, a: Ranges | None, b: Ranges | None, gap: float | None = 0.0) -> Ranges | None:
    if a is None or b is None:
        return None
    pad = gap or 0.0
    return tuple(r for r in a if not any(s < r[1] and e > r[0] - pad for s, e in b))


# -- metric lookups ---------------------------------------------------------------------------
def _share(env: LessonEnv, behaviour: str) -> Any:
    group = "teacher_shares" if behaviour in TEACHER_BEHAVIOURS else "student_shares"
    return env.values.get(f"{group}.{behaviour}")


def _episodes(env: LessonEnv, behaviour: str) -> Ranges | None:
    metrics = env.metrics
    if metrics is None:
        return None
    runs = metrics.episodes.get(behaviour)
    return () if runs is None else tuple((r.start, r.end) for r in runs.ranges)


def _count(env: LessonEnv, what: str | Ranges | None) -> int | None:
    if isinstance(what, str):
        metrics = env.metrics
        if metrics is None:
            return None
        runs = metrics.episodes.get(what)
        return 0 if runs is None else runs.count
    return None if what is None else len(what)


def _total(env: LessonEnv, what: str | Ranges | None) -> float | None:
    if isinstance(what, str):
        metrics = env.metrics
        if metrics is None:
            return None
        runs = metrics.episodes.get(what)
        return 0.0 if runs is None else runs.total
    return None if what is None else float(sum(e - s for s, e in what))


def _longest(env: LessonEnv, what: str | Ranges | None) -> float | None:
    if isinstance(what, str):
        metrics = env.metrics
        if metrics is None:
            return None
        runs = metrics.episodes.get(what)
        return 0.0 if runs is None else runs.longest
    if what is None:
        return None
    return max((e - s for s, e in what), default=0.0)


def _longest_range(env: LessonEnv, what: str | Ranges | None) -> Ranges | None:
    ranges = _episodes(env, what) if isinstance(what, str) else what
    if not ranges:
        return ranges
    return (max(ranges, key=lambda r: r[1] - r[0]),)


def _curve_value(field: str) -> Callable[[LessonEnv, str], Any]:
    def value(env: LessonEnv, curve: str) -> Any:
        return env.values.get(f"{curve}.{field}")
    return value


def _series(env: LessonEnv, curve: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None:
    key = ("series", curve)
    if key not in env.cache:
        series = env.metrics.series.get(curve) if env.metrics is not None else None
        if series is None:
            env.cache[key] = None
        else:
            t = np.asarray(series.t, dtype=float)
            v = np.array([np.nan if x is None else x for x in series.values], dtype=float)
            env.cache[key] = (t, v)
    return env.cache[key]  # type: ignore[no-any-return]


def _interval(env: LessonEnv) -> float:
    return float(env.values.get("interval") or 6.0)


def _below(env: LessonEnv, curve: str, limit: float | None) -> Ranges | None:
    data = _series(env, curve)
    if data is None or limit is None:
        return None
    t, v = data
    with np.errstate(invalid="ignore"):
        return ranges_of_mask(t, v < limit, _interval(env))


def _above(env: LessonEnv, curve: str, limit: float | None) -> Ranges | None:
    data = _series(env, curve)
    if data is None or limit is None:
        return None
    t, v = data
    with np.errstate(invalid="ignore"):
        return ranges_of_mask(t, v > limit, _interval(env))


def _columns(env: LessonEnv) -> TimelineColumns | None:
    """The coded timeline as arrays (shared with, and usually cached by, the metric plugins)."""
    if "columns" not in env.cache:
        timeline = env.timeline
        env.cache["columns"] = timeline_columns(timeline) if timeline is not None and timeline.samples else None
    return env.cache["columns"]  # type: ignore[no-any-return]


def _samples(env: LessonEnv, behaviour: str, more_than: float | None = 0.0) -> Ranges | None:
    """Where a behaviour happens, sample by sample from the coded timeline (else its episodes)."""
    cols = _columns(env)
    if cols is None:
        return _episodes(env, behaviour)
    if behaviour in TEACHER_BEHAVIOURS:
        mask = cols.teacher == TEACHER_BEHAVIOURS.index(behaviour)
    else:
        mask = cols.students_known & (cols.shares[STUDENT_BEHAVIOURS.index(behaviour)] > (more_than or 0.0))
    return ranges_of_mask(cols.t, mask, cols.interval)


def _ticked(env: LessonEnv, code: str) -> Ranges | None:
    """The intervals in which a COPUS code was ticked (S.GW: any of CG, WG, OG); None where it was never coded."""
    timeline = env.timeline
    if timeline is None:
        return None
    members = _GROUP_WORK if code == "S.GW" else (code,)
    if not any(c in s.ticks for s in timeline.samples for c in members):
        return None
    step = timeline.interval
    return merge([(s.t, s.t + step) for s in timeline.samples if any(s.ticks.get(c) for c in members)])


def _coded(env: LessonEnv, code: str) -> Ranges | None:
    """Where a one-code scheme (ITIAS, FIAS) has ``code``, sample by sample; None without a timeline."""
    timeline = env.timeline
    if timeline is None or not timeline.samples:
        return None
    t = np.fromiter((s.t for s in timeline.samples), dtype=np.float64, count=len(timeline.samples))
    mask = np.fromiter((s.code == code for s in timeline.samples), dtype=np.bool_, count=len(timeline.samples))
    return ranges_of_mask(t, mask, timeline.interval)


def _near(env: LessonEnv, t: float | None, half_width: float | None = 60.0) -> Ranges | None:
    if t is None:
        return None
    width = 60.0 if half_width is None else half_width
    return ((max(0.0, t - width), t + width),)


def _indicator_shares(env: LessonEnv) -> list[tuple[str, float]]:
    """(``rubric/indicator``, share) of every scored indicator of every rubric result (not the overall)."""
    return [(f"{r.rubric}/{i.id}", i.share) for r in env.rubrics for i in r.indicators if i.share is not None]


def _rubric_min(env: LessonEnv) -> float | None:
    return min((share for _, share in _indicator_shares(env)), default=None)


def _rubric_overall(env: LessonEnv) -> float | None:
    shares = [r.overall.share for r in env.rubrics if r.overall is not None and r.overall.share is not None]
    return sum(shares) / len(shares) if shares else None


def _rubric_count_below(env: LessonEnv, limit: float | None) -> int | None:
    if limit is None or not env.rubrics:
        return None
    return sum(1 for _, share in _indicator_shares(env) if share < limit)


def _rubric_below(env: LessonEnv, limit: float | None) -> str | None:
    if limit is None or not env.rubrics:
        return None
    return ", ".join(f"{name} ({share:.0%})" for name, share in _indicator_shares(env) if share < limit)


def _clock(env: LessonEnv, seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def _numeric(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(env: LessonEnv, *args: Any) -> Any:
        return None if any(a is None for a in args) else fn(*args)
    return call


def _ranges2(fn: Callable[[Ranges, Ranges], Ranges]) -> Callable[..., Any]:
    def call(env: LessonEnv, a: Ranges | None, b: Ranges | None) -> Ranges | None:
        return None if a is None or b is None else fn(a, b)
    return call


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("share", ("behaviour",), "num", _share),
    Function("count", ("behaviour_or_ranges",), "num", _count),
    Function("total", ("behaviour_or_ranges",), "num", _total),
    Function("longest", ("behaviour_or_ranges",), "num", _longest),
    Function("max_run", ("behaviour_or_ranges",), "num", _longest),
    Function("episodes", ("behaviour",), "ranges", _episodes, memo=True),
    Function("longest_range", ("behaviour_or_ranges",), "ranges", _longest_range, memo=True),
    Function("samples", ("behaviour", "num"), "ranges", _samples, optional=1, memo=True),
    Function("mean", ("curve",), "num", _curve_value("mean")),
    Function("lowest", ("curve",), "num", _curve_value("min")),
    Function("highest", ("curve",), "num", _curve_value("max")),
    Function("lowest_at", ("curve",), "num", _curve_value("min_t")),
    Function("highest_at", ("curve",), "num", _curve_value("max_t")),
    Function("below", ("curve", "num"), "ranges", _below, memo=True),
    Function("above", ("curve", "num"), "ranges", _above, memo=True),
    Function("near", ("num", "num"), "ranges", _near, optional=1),
    Function("ticked", ("code",), "ranges", _ticked, memo=True),
    Function("coded", ("code",), "ranges", _coded, memo=True),
    Function("overlap", ("ranges", "ranges"), "ranges", _ranges2(_intersect), memo=True),
    Function("minus", ("ranges", "ranges"), "ranges", _ranges2(_minus), memo=True),
    Function("union", ("ranges", "ranges"), "ranges", _ranges2(lambda a, b: merge(a + b)), memo=True),
    Function("without", ("ranges", "ranges", "num"), "ranges", _without, optional=1, memo=True),
    Function("rubric_min", (), "num", _rubric_min),
    Function("rubric_overall", (), "num", _rubric_overall),
    Function("rubric_count_below", ("num",), "num", _rubric_count_below),
    Function("rubric_below", ("num",), "str", _rubric_below),
    Function("clock", ("num",), "str", _clock),
    Function("has", ("any",), "bool", lambda env, x: x is not None),
    Function("abs", ("num",), "num", _numeric(abs)),
    Function("min", ("num", "num*"), "num", _numeric(min)),
    Function("max", ("num", "num*"), "num", _numeric(max)),
    Function("round", ("num", "num"), "num", _numeric(lambda x, n=0: round(x, int(n))), optional=1),
)}
