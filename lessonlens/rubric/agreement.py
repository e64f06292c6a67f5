"""Inter-rater agreement on one lesson: ICC(2,k), Kendall's W, outlier raters, a plain reading.

Items are the rubric's leaves every rater scored; values are shares of each leaf's maximum, so
leaves of different maxima are comparable. All functions take a ``raters × items`` matrix.

- ICC(2,k) (Shrout & Fleiss 1979): two-way random effects, absolute agreement, mean of k raters —
  how far the *mean* score can be trusted. Read with Koo & Li (2016): < 0.5 poor, < 0.75 moderate,
  < 0.9 good, else excellent.
- Kendall's W with the correction for tied ranks: do raters order the indicators alike?
  < 0.3 weak, < 0.7 moderate, else strong.
- An outlier rater is, with three raters or more, one whose mean absolute distance from the
  per-item median of all raters is at least 0.15 (15 % of the maximum) and at least twice the
  median of those distances: one rater far from a group that agrees, not a group that disagrees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lessonlens.core.i18n import Text
from lessonlens.core.rubric import Agreement

Matrix = npt.NDArray[np.float64]

OUTLIER_MIN_DEVIATION = 0.15
OUTLIER_FACTOR = 2.0


def icc2k(x: Matrix) -> float | None:
    """ICC(2,k) of a complete ``raters × items`` matrix; ``None`` with < 2 raters, < 2 items or no variance."""
    k, n = x.shape
    if k < 2 or n < 2:
        return None
    grand = x.mean()
    ss_items = k * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_raters = n * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ms_items = ss_items / (n - 1)
    ms_raters = ss_raters / (k - 1)
    ms_error = (ss_total - ss_items - ss_raters) / ((n - 1) * (k - 1))
    denominator = ms_items + (ms_raters - ms_error) / n
    if denominator <= 1e-12:
        return None
    return (ms_items - ms_error) / denominator


def average_ranks(x: Matrix) -> Matrix:
    """Each row ranked 1..n, tied values sharing their mean rank."""
    below = (x[:, None, :] < x[:, :, None]).sum(axis=2)
    equal = (x[:, None, :] == x[:, :, None]).sum(axis=2)
    ranks: Matrix = below + (equal + 1) / 2.0
    return ranks


def kendall_w(x: Matrix) -> float | None:
    """Kendall's W with tie correction of a complete ``raters × items`` matrix (``None`` if undefined)."""
    m, n = x.shape
    if m < 2 or n < 2:
        return None
    ranks = average_ranks(x)
    totals = ranks.sum(axis=0)
    s = float(((totals - m * (n + 1) / 2.0) ** 2).sum())
    # a tie group of size t adds t**3 - t; each of its t members has t equal values (itself included)
    equal = (x[:, None, :] == x[:, :, None]).sum(axis=2)
    ties = float((equal**2 - 1).sum())
    denominator = m**2 * (n**3 - n) - m * ties
    if denominator <= 0:
        return None
    return 12.0 * s / denominator


def rater_deviations(x: Matrix) -> Matrix:
    """Each rater's mean absolute distance from the per-item median of all raters."""
    result: Matrix = np.abs(x - np.median(x, axis=0)).mean(axis=1)
    return result


def outliers(deviations: Matrix) -> npt.NDArray[np.bool_]:
    if deviations.size < 3:
        return np.zeros(deviations.shape, dtype=bool)
    typical = float(np.median(deviations))
    flagged: npt.NDArray[np.bool_] = (deviations >= OUTLIER_MIN_DEVIATION) & (
        deviations >= OUTLIER_FACTOR * typical
    )
    return flagged


_ICC_LEVELS = (
    (0.5, Text(zh="较差", en="poor"),
     Text(zh="平均分受个别评分者影响较大，宜先统一对评分标准的理解再解读",
          en="the mean depends heavily on who scored; agree on the descriptors before reading it")),
    (0.75, Text(zh="中等", en="moderate"),
     Text(zh="平均分可作参考，分歧较大的指标宜集体复议",
          en="the mean is a fair guide; discuss the indicators raters disagree on")),
    (0.9, Text(zh="良好", en="good"), Text(zh="平均分较为可靠", en="the mean is dependable")),
    (float("inf"), Text(zh="优秀", en="excellent"), Text(zh="平均分可靠", en="the mean is reliable")),
)
_W_LEVELS = (
    (0.3, Text(zh="较弱", en="weak")),
    (0.7, Text(zh="中等", en="moderate")),
    (float("inf"), Text(zh="较强", en="strong")),
)
_ICC_READING = Text(zh="评分者一致性{level}（ICC(2,k) = {value:.2f}）：{advice}。",
                    en="Agreement between raters is {level} (ICC(2,k) = {value:.2f}): {advice}.")
_W_READING = Text(zh="各指标高低排序的一致性{level}（Kendall W = {value:.2f}）。",
                  en="Raters rank the indicators alike to a {level} degree (Kendall's W = {value:.2f}).")
_W_UNDEFINED = Text(zh="评分者给各指标的分数都相同，无法比较排序。",
                    en="Every rater gave all indicators the same share, so rankings cannot be compared.")
_ICC_UNDEFINED = Text(zh="各指标得分之间没有差异，无法计算 ICC。",
                      en="The indicators' scores do not differ, so ICC cannot be computed.")
_ONE_RATER = Text(zh="只有一位评分者，无法计算评分者一致性。",
                  en="Only one rater scored, so agreement cannot be computed.")
_FEW_ITEMS = Text(zh="所有评分者都评了的指标少于 2 个，无法计算评分者一致性。",
                  en="Fewer than 2 indicators were scored by every rater, so agreement cannot be computed.")
_NO_VARIANCE = Text(zh="所有评分完全相同，评分者完全一致。", en="All scores are identical: raters agree completely.")
_OUTLIER = Text(zh="{raters} 的评分明显偏离其他评分者（平均相差满分的 {pct}），建议复核。",
                en="{raters} scored far from the other raters (on average {pct} of the maximum apart); "
                "worth a second look.")


def _level(value: float, levels: Sequence[tuple[float, Text]]) -> Text:
    return next(text for bound, text in levels if value < bound)


def agreement(shares: Matrix, raters: Sequence[str]) -> Agreement:
    """Agreement of ``raters`` given their ``raters × leaves`` shares (NaN = not scored)."""
    scored = ~np.isnan(shares).all(axis=1)
    x = shares[scored]
    names = [r for r, keep in zip(raters, scored, strict=True) if keep]
    if len(names) < 2:
        return Agreement(icc2k=None, kendall_w=None, reading=_ONE_RATER.as_dict())
    x = x[:, ~np.isnan(x).any(axis=0)]
    n_items = x.shape[1]
    if n_items < 2:
        return Agreement(icc2k=None, kendall_w=None, reading=_FEW_ITEMS.as_dict(), n_items=n_items)
    icc, w = icc2k(x), kendall_w(x)
    deviations = rater_deviations(x)
    flagged = outliers(deviations)
    outlier_names = tuple(name for name, f in zip(names, flagged, strict=True) if f)
    reading = {}
    for lang in ("zh-CN", "en"):
        parts = []
        if icc is None:
            parts.append((_NO_VARIANCE if float(np.ptp(x)) == 0.0 else _ICC_UNDEFINED).get(lang))
        else:
            bound_text = next((lvl, adv) for bound, lvl, adv in _ICC_LEVELS if icc < bound)
            parts.append(_ICC_READING.format(lang, level=bound_text[0].get(lang), value=icc,
                                             advice=bound_text[1].get(lang)))
        if w is None:
            if icc is not None:
                parts.append(_W_UNDEFINED.get(lang))
        else:
            parts.append(_W_READING.format(lang, level=_level(w, _W_LEVELS).get(lang), value=w))
        if outlier_names:
            worst = max(float(d) for d, f in zip(deviations, flagged, strict=True) if f)
            sep = "、" if lang != "en" else ", "
            parts.append(_OUTLIER.format(lang, raters=sep.join(outlier_names), pct=f"{worst:.0%}"))
        reading[lang] = ("" if lang != "en" else " ").join(parts)
    return Agreement(
        icc2k=None if icc is None else round(icc, 6),
        kendall_w=None if w is None else round(w, 6),
        reading=reading,
        outlier_raters=outlier_names,
        n_items=n_items,
        rater_deviation={name: round(float(d), 6) for name, d in zip(names, deviations, strict=True)},
    )
