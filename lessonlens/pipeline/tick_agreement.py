"""Two observers' tick sheets of one lesson (COPUS): Cohen's κ per code and overall.

For a code, over the intervals both observers coded it, with ``p_o`` the share of intervals where
they agree and ``p_a``, ``p_b`` the share each ticked: ``p_e = p_a p_b + (1 − p_a)(1 − p_b)`` and
κ = (p_o − p_e) / (1 − p_e) (Cohen 1960). κ is undefined (``None``) when ``p_e`` = 1: both
observers never (or always) ticked the code, so chance explains all agreement. Overall κ and
agreement are computed the same way over every (interval, code) cell of the codes both coded.
Codes with κ below ``threshold`` (0.6 by default: COPUS studies report κ above it) are flagged.
"""

from __future__ import annotations

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.timeline import CodedTimeline

_INTERVALS = Text(zh="两份编码表的区间不同：{a} 个与 {b} 个（起点须一一对应）",
                  en="the two sheets cover different intervals: {a} and {b} (their starts must match one to one)")
_NOTHING = Text(zh="两位观察者没有共同编码的代码，无法计算一致性",
                en="the two observers coded no code in common: no agreement to compute")


@attrs.frozen
class CodeAgreement:
    """One code: intervals compared, ticks by each observer, agreement, κ, and whether it is flagged."""

    code: str
    n: int
    ticks_a: int
    ticks_b: int
    agreement: float
    kappa: float | None
    flagged: bool


@attrs.frozen
class TickAgreement:
    codes: tuple[CodeAgreement, ...]
    overall_kappa: float | None
    overall_agreement: float
    intervals: int
    threshold: float
    #: codes only one observer coded (not compared)
    one_sided: tuple[str, ...] = ()

    @property
    def flagged(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes if c.flagged)


def kappa(both: int, only_a: int, only_b: int, neither: int) -> tuple[float, float | None]:
    """(observed agreement, Cohen's κ) of a 2 x 2 table of ticks; κ None when chance agreement is 1."""
    n = both + only_a + only_b + neither
    observed = (both + neither) / n
    pa, pb = (both + only_a) / n, (both + only_b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    if chance >= 1.0 - 1e-12:
        return observed, None
    return observed, (observed - chance) / (1 - chance)


def tick_agreement(a: CodedTimeline, b: CodedTimeline, codes: tuple[str, ...], threshold: float = 0.6,
                   source: str = "") -> TickAgreement:
    """κ per code (in ``codes`` order) and overall, for two timelines of the same intervals."""
    if [s.t for s in a.samples] != [s.t for s in b.samples]:
        raise InputError(_INTERVALS, source or None, a=len(a.samples), b=len(b.samples))
    found = []
    cells = [0, 0, 0, 0]
    coded_a = {c for s in a.samples for c in s.ticks}
    coded_b = {c for s in b.samples for c in s.ticks}
    for code in codes:
        table = [0, 0, 0, 0]  # both, only a, only b, neither
        for sa, sb in zip(a.samples, b.samples, strict=True):
            if code in sa.ticks and code in sb.ticks:
                ta, tb = sa.ticks[code], sb.ticks[code]
                table[0 if ta and tb else 1 if ta else 2 if tb else 3] += 1
        n = sum(table)
        if not n:
            continue
        observed, k = kappa(*table)
        found.append(CodeAgreement(code, n, table[0] + table[1], table[0] + table[2], round(observed, 6),
                                   None if k is None else round(k, 6), k is not None and k < threshold))
        cells = [x + y for x, y in zip(cells, table, strict=True)]
    if not found:
        raise InputError(_NOTHING, source or None)
    observed, k = kappa(*cells)
    one_sided = tuple(c for c in codes if (c in coded_a) != (c in coded_b))
    return TickAgreement(tuple(found), None if k is None else round(k, 6), round(observed, 6), len(a.samples),
                         threshold, one_sided)
