"""COPUS fractions of intervals, collapsed categories and their pies (Smith et al. 2013, 2014; Lund et al. 2015).

For each code, over the intervals where it was coded (``ticks`` has it):

- ``copus_<side>_<code>`` (``copus_i_lec``, ``copus_s_anq``, ``copus_i_dv`` for ``I.D/V``) = intervals
  ticked / intervals coded; ``None`` when the code was not coded at all (listed in ``copus_not_coded``);
- ``copus_s_gw`` (Lund et al. 2015) = intervals with CG, WG or OG ticked / intervals with any of them
  coded (an explicit ``S.GW`` tick, as the video draft makes, counts as such);
- the collapsed categories of Smith et al. 2014, as fractions of intervals with any of their codes
  ticked: students ``copus_s_receiving`` (L), ``copus_s_talking`` (AnQ, SQ, WC, SP),
  ``copus_s_working`` (Ind, CG, WG, OG, Prd, TQ), ``copus_s_other`` (W, O); instructor
  ``copus_i_presenting`` (Lec, RtW, D/V), ``copus_i_guiding`` (FUp, PQ, CQ, AnQ, MG, 1o1),
  ``copus_i_administration`` (Adm), ``copus_i_other`` (W, O). A category some of whose codes were not
  coded is computed from the others (a lower bound) and named in ``copus_partial``;
  ``copus_<side>_<category>_uncoded`` and ``copus_s_gw_uncoded`` count the codes of each group the
  lesson never coded (0: the fraction is exact; rules that read a low value as "none" require 0);
- shares ``copus_pie_students`` / ``copus_pie_instructor``: the collapsed pies as Smith et al. 2014
  draw them, each category's ticks over all ticks of that side (summing to 1);
- table ``copus_counts`` (metric, hits, of): the counts behind every fraction, so several lessons
  can be pooled (:mod:`lessonlens.pipeline.pooling`); table ``copus_ticks``: each interval's ticks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from lessonlens.core.extensions import Metric, MetricField
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import MetricValues, Scalar, Table
from lessonlens.core.timeline import CodedTimeline, CodingScheme

STUDENT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "receiving": ("S.L",),
    "talking": ("S.AnQ", "S.SQ", "S.WC", "S.SP"),
    "working": ("S.Ind", "S.CG", "S.WG", "S.OG", "S.Prd", "S.TQ"),
    "other": ("S.W", "S.O"),
}
INSTRUCTOR_CATEGORIES: dict[str, tuple[str, ...]] = {
    "presenting": ("I.Lec", "I.RtW", "I.D/V"),
    "guiding": ("I.FUp", "I.PQ", "I.CQ", "I.AnQ", "I.MG", "I.1o1"),
    "administration": ("I.Adm",),
    "other": ("I.W", "I.O"),
}
GROUP_WORK = ("S.CG", "S.WG", "S.OG")
GW = "S.GW"

Matrix = npt.NDArray[np.int8]


def metric_id(code: str) -> str:
    """The scalar id of a code: ``I.D/V`` -> ``copus_i_dv``."""
    return "copus_" + code.lower().replace(".", "_").replace("/", "")


def tick_matrix(timeline: CodedTimeline, codes: Sequence[str]) -> Matrix:
    """(intervals, codes): 1 ticked, 0 not ticked, -1 not coded."""
    out = np.full((len(timeline.samples), len(codes)), -1, dtype=np.int8)
    index = {c: j for j, c in enumerate(codes)}
    for i, sample in enumerate(timeline.samples):
        for code, ticked in sample.ticks.items():
            j = index.get(code)
            if j is not None:
                out[i, j] = 1 if ticked else 0
    return out


def _any(m: Matrix) -> Matrix:
    """Per interval over some codes' columns: 1 if any is ticked, 0 if coded and none is, -1 if none coded."""
    if m.shape[1] == 0:
        return np.full(m.shape[0], -1, dtype=np.int8)
    result: Matrix = m.max(axis=1)
    return result


def _fraction(column: Matrix) -> tuple[int, int, float | None]:
    hits, of = int((column == 1).sum()), int((column >= 0).sum())
    return hits, of, (round(hits / of, 6) if of else None)


def copus_values(timeline: CodedTimeline, codes: Sequence[str]) -> MetricValues:
    """Every COPUS metric of one lesson (see the module docstring)."""
    columns = [*codes, GW]
    m = tick_matrix(timeline, columns)
    at = {c: j for j, c in enumerate(columns)}
    explicit = m[:, at[GW]].copy()
    derived = _any(m[:, [at[c] for c in GROUP_WORK]])
    m[:, at[GW]] = np.where(explicit >= 0, explicit, derived)
    # the lesson's length, as the one-code schemes report it (their S-T metrics do not read ticks)
    scalars: dict[str, Scalar] = {"copus_intervals": len(timeline.samples),
                                  "duration": float(len(timeline.samples) * timeline.interval)}
    counts: list[tuple[str, int, int]] = []
    for code in columns:
        hits, of, value = _fraction(m[:, at[code]])
        scalars[metric_id(code)] = value
        counts.append((metric_id(code), hits, of))
    never = {c for c in columns if not (m[:, at[c]] >= 0).any()}
    gw_given = bool((explicit >= 0).any())  # a draft that ticks S.GW itself covers CG, WG and OG

    def uncoded(members: tuple[str, ...]) -> int:
        """Codes of a group the lesson never coded (0: the fraction is exact, not a lower bound)."""
        return sum(1 for c in members if c in never and not (gw_given and c in GROUP_WORK))

    scalars["copus_s_gw_uncoded"] = uncoded(GROUP_WORK)
    partial: list[str] = []
    shares: dict[str, dict[str, float]] = {}
    for side, categories in (("s", STUDENT_CATEGORIES), ("i", INSTRUCTOR_CATEGORIES)):
        pie: dict[str, int] = {}
        for name, members in categories.items():
            part = m[:, [at[c] for c in members]]
            if side == "s" and name == "working":  # an explicit S.GW tick is group work too
                part = np.concatenate([part, explicit[:, None]], axis=1)
            key = f"copus_{side}_{name}"
            hits, of, value = _fraction(_any(part))
            scalars[key] = value
            scalars[f"{key}_uncoded"] = uncoded(members)
            counts.append((key, hits, of))
            if of and uncoded(members):
                partial.append(key)
            if of:  # a category none of whose codes was coded has no slice (not a zero one)
                pie[name] = int((part == 1).sum())
        total = sum(pie.values())
        if total:
            group = "copus_pie_students" if side == "s" else "copus_pie_instructor"
            shares[group] = {name: round(k / total, 6) for name, k in pie.items()}
    scalars["copus_not_coded"] = ", ".join(c for c in codes if scalars[metric_id(c)] is None)
    scalars["copus_partial"] = ", ".join(partial)
    coded = [c for c in columns if (m[:, at[c]] >= 0).any()]
    shown = m[:, [at[c] for c in coded]].tolist()
    rows = tuple((float(s.t), float(s.t) + timeline.interval, *(None if v < 0 else v for v in row))
                 for s, row in zip(timeline.samples, shown, strict=True))
    tables = {
        "copus_counts": Table(columns=("metric", "hits", "of"), rows=tuple(counts)),
        "copus_ticks": Table(columns=("start", "end", *coded), rows=rows),
    }
    return MetricValues(scalars=scalars, shares=shares, tables=tables)


#: the ids this plugin fills, with their labels (the one place they are written)
FIELDS: tuple[MetricField, ...] = (
    # each code's fraction of intervals, named by its code (the codes' own labels are the coder's)
    *(MetricField(metric_id(c), Text(zh=f"{c} 勾选区间比例", en=f"{c} (fraction of intervals)"))
      for cs in (*STUDENT_CATEGORIES.values(), *INSTRUCTOR_CATEGORIES.values()) for c in cs),
    MetricField("copus_intervals", Text(zh="COPUS 区间数（2 分钟）", en="COPUS intervals (2 min)")),
    MetricField("copus_s_gw", Text(zh="学生小组活动 GW（CG/WG/OG）", en="Students in group work GW (CG/WG/OG)")),
    MetricField("copus_s_receiving", Text(zh="学生：接收", en="Students: receiving")),
    MetricField("copus_s_talking", Text(zh="学生：面向全班发言", en="Students: talking to class")),
    MetricField("copus_s_working", Text(zh="学生：动手做", en="Students: working")),
    MetricField("copus_s_other", Text(zh="学生：其他", en="Students: other")),
    MetricField("copus_i_presenting", Text(zh="教师：呈现", en="Instructor: presenting")),
    MetricField("copus_i_guiding", Text(zh="教师：引导", en="Instructor: guiding")),
    MetricField("copus_i_administration", Text(zh="教师：事务管理", en="Instructor: administration")),
    MetricField("copus_i_other", Text(zh="教师：其他", en="Instructor: other")),
    MetricField("copus_s_gw_uncoded", Text(zh="GW 未编码的成员数", en="GW codes not coded")),
    *(MetricField(f"copus_{side}_{name}_uncoded",
                  Text(zh=f"{label.zh}：未编码的成员数", en=f"{label.en}: codes not coded"))
      for side, name, label in (
          ("s", "receiving", Text(zh="学生·接收", en="Students: receiving")),
          ("s", "talking", Text(zh="学生·面向全班发言", en="Students: talking to class")),
          ("s", "working", Text(zh="学生·动手做", en="Students: working")),
          ("s", "other", Text(zh="学生·其他", en="Students: other")),
          ("i", "presenting", Text(zh="教师·呈现", en="Instructor: presenting")),
          ("i", "guiding", Text(zh="教师·引导", en="Instructor: guiding")),
          ("i", "administration", Text(zh="教师·事务管理", en="Instructor: administration")),
          ("i", "other", Text(zh="教师·其他", en="Instructor: other")))),
    MetricField("copus_not_coded", Text(zh="未编码的 COPUS 编码", en="COPUS codes not coded"), type="str"),
    MetricField(
        "copus_partial",
        Text(zh="成员编码不全的归并类（下限）", en="Collapsed categories with codes not coded (lower bounds)"),
        type="str",
    ),
    MetricField(
        "copus_pie_students",
        Text(zh="学生行为归并类（占全部勾选）", en="Student collapsed codes (share of all ticks)"),
        part="shares",
    ),
    MetricField(
        "copus_pie_instructor",
        Text(zh="教师行为归并类（占全部勾选）", en="Instructor collapsed codes (share of all ticks)"),
        part="shares",
    ),
)


class CopusFractions(Metric):
    name = "copus"
    fields = FIELDS
    schemes = ("copus",)

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return copus_values(timeline, tuple(c.id for c in scheme.codes))


@hookimpl
def register_metrics(register: Callable[[Metric], None]) -> None:
    register(CopusFractions())
