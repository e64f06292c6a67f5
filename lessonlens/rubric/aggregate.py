"""Raters' score sheets of one lesson -> a rubric result: statistics per indicator, roll-up, bands,
overall score, agreement, comments and notes.

Every rater's scores become one row of shares of the maximum (NaN where a leaf was left blank);
parents are filled level by level with one matrix product (see ``rubric_tree`` for the rule). A
rater who left a leaf blank is rolled up over the leaves they did score, and is listed as missing
on that leaf and on every indicator above it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lessonlens.core.i18n import Text
from lessonlens.core.rubric import IndicatorResult, RubricResult, RubricSchema, ScoreSheet, SheetInfo, TimedNote
from lessonlens.rubric.agreement import agreement
from lessonlens.rubric.sheet_checks import sheet_problems
from lessonlens.rubric.tree import OVERALL, RubricTree, rubric_tree
from lessonlens.tables.problems import Problem, raise_errors

Matrix = npt.NDArray[np.float64]

_NO_SHEETS = Text(zh="没有评分表可汇总", en="no score sheets to aggregate")
_DUPLICATE_RATER = Text(zh="评分者 {rater} 有不止一张评分表（另见 {other}）",
                        en="rater {rater} has more than one score sheet (see also {other})")
_MIXED_LESSONS = Text(zh="评分表属于不同的课例：{lessons}", en="the score sheets are for different lessons: {lessons}")

_DIGITS = 6


def aggregate(schema: RubricSchema | RubricTree, sheets: Sequence[ScoreSheet], lesson: str = "",
              sources: Sequence[str | None] | None = None) -> RubricResult:
    """Aggregate the sheets of one lesson; ``sources`` (file names) make error messages precise.

    Raises :class:`~lessonlens.tables.problems.RubricProblems` listing every bad score.
    """
    tree = schema if isinstance(schema, RubricTree) else rubric_tree(schema)
    srcs: list[str | None] = list(sources) if sources is not None else [None] * len(sheets)
    problems = _problems(tree, sheets, srcs, lesson)
    raise_errors(problems)
    raters = tuple(sheet.rater for sheet in sheets)
    shares = _shares(tree, sheets)
    missing = _missing(tree, np.isnan(shares))
    scores = shares * tree.max_scores
    results = _indicator_results(tree, raters, scores, shares, missing)
    leaf_shares = shares[:, list(tree.leaves)]
    lessons = {s.lesson for s in sheets if s.lesson}
    return RubricResult(
        rubric=tree.schema.id,
        kind=tree.schema.kind,
        lesson=lesson or (lessons.pop() if lessons else ""),
        raters=raters,
        indicators=tuple(results[:-1]),
        overall=results[-1],
        agreement=agreement(leaf_shares, raters),
        comments=_comments(tree, sheets),
        notes=_notes(sheets),
        sheets=tuple(SheetInfo(rater=s.rater, mode=s.mode, made_at=s.made_at, source=src or "")
                     for s, src in zip(sheets, srcs, strict=True)),
    )


def _problems(tree: RubricTree, sheets: Sequence[ScoreSheet], sources: list[str | None],
              lesson: str) -> list[Problem]:
    if not sheets:
        return [Problem(_NO_SHEETS)]
    problems: list[Problem] = []
    seen: dict[str, str | None] = {}
    for n, (sheet, source) in enumerate(zip(sheets, sources, strict=True), start=1):
        if sheet.rater in seen:
            other = seen[sheet.rater] or f"#{n}"
            problems.append(Problem(_DUPLICATE_RATER, source, params={"rater": sheet.rater, "other": other}))
        else:
            seen[sheet.rater] = source or f"#{n}"
        problems.extend(sheet_problems(tree, sheet, source))
    lessons = sorted({s.lesson for s in sheets if s.lesson})
    if not lesson and len(lessons) > 1:
        problems.append(Problem(_MIXED_LESSONS, params={"lessons": ", ".join(lessons)}))
    return problems


def _shares(tree: RubricTree, sheets: Sequence[ScoreSheet]) -> Matrix:
    """``raters × (nodes + root)`` shares of the maximum; leaves from the sheets, parents rolled up."""
    n_nodes = len(tree.ids) + 1
    shares = np.full((len(sheets), n_nodes), np.nan)
    for r, sheet in enumerate(sheets):
        if sheet.scores:
            cols = [tree.index[i] for i in sheet.scores]
            shares[r, cols] = np.fromiter(sheet.scores.values(), float, len(cols))
    leaves = list(tree.leaves)
    shares[:, leaves] /= tree.max_scores[leaves]
    for parents in tree.rollup_order:
        w = tree.weights[:, parents]
        present = ~np.isnan(shares)
        numerator = np.where(present, shares, 0.0) @ w
        denominator = present @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            shares[:, parents] = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1),
                                          np.nan)
    return shares


def _missing(tree: RubricTree, blank: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """``raters × nodes``: the rater left at least one leaf at or under this node blank."""
    missing = blank.copy()
    links = tree.weights != 0
    for parents in tree.rollup_order:
        missing[:, parents] = (missing.astype(np.int64) @ links[:, parents].astype(np.int64)) > 0
    return missing


def _column_median(scores: Matrix, n: npt.NDArray[np.int64]) -> Matrix:
    """Median of each column over its non-NaN values (NaN where none); np.sort puts NaN last."""
    ordered = np.sort(scores, axis=0)
    lo = np.maximum((n - 1) // 2, 0)
    hi = np.maximum(n // 2, 0)
    cols = np.arange(scores.shape[1])
    median: Matrix = (ordered[lo, cols] + ordered[hi, cols]) / 2.0
    return median


def _as_values(array: Matrix, defined: npt.NDArray[np.bool_]) -> list[float | None]:
    """Rounded Python floats, ``None`` where undefined (converted in one go, not value by value)."""
    rounded = np.round(array, _DIGITS).tolist()
    return [v if d else None for v, d in zip(rounded, defined.tolist(), strict=True)]


def _indicator_results(tree: RubricTree, raters: tuple[str, ...], scores: Matrix, shares: Matrix,
                       missing: npt.NDArray[np.bool_]) -> list[IndicatorResult]:
    present = ~np.isnan(scores)
    n = present.sum(axis=0)
    safe_n = np.maximum(n, 1)
    filled = np.where(present, scores, 0.0)
    mean = filled.sum(axis=0) / safe_n
    mean_share = np.where(present, shares, 0.0).sum(axis=0) / safe_n
    low = np.where(present, scores, np.inf).min(axis=0)
    high = np.where(present, scores, -np.inf).max(axis=0)
    squares = np.where(present, (scores - mean) ** 2, 0.0).sum(axis=0)
    std = np.sqrt(squares / np.maximum(n - 1, 1))
    median = _column_median(scores, n) if len(raters) else np.full(scores.shape[1], np.nan)

    some, several = n >= 1, n >= 2
    means, medians, lows, highs = (_as_values(a, some) for a in (mean, median, low, high))
    stds, share_values = _as_values(std, several), _as_values(mean_share, some)
    bands = tree.bands_of(np.where(some, np.round(mean_share, _DIGITS), np.nan))
    maxima = np.round(tree.max_scores, _DIGITS).tolist()
    counts = n.tolist()
    rounded = np.round(scores, _DIGITS).T.tolist()
    flags, gaps = present.T.tolist(), missing.T.tolist()
    ids = (*tree.ids, OVERALL)
    levels = (*tree.levels, 0)
    return [
        IndicatorResult(
            id=ids[node], level=levels[node], n_raters=counts[node], mean=means[node], median=medians[node],
            min=lows[node], max=highs[node], std=stds[node], max_score=maxima[node], share=share_values[node],
            band=bands[node],
            missing=tuple(r for r, m in zip(raters, gaps[node], strict=True) if m),
            scores={r: s for r, s, p in zip(raters, rounded[node], flags[node], strict=True) if p},
        )
        for node in range(len(ids))
    ]


def _comments(tree: RubricTree, sheets: Sequence[ScoreSheet]) -> dict[str, tuple[str, ...]]:
    order = {ind_id: i for i, ind_id in enumerate((*tree.ids, OVERALL))}
    collected: dict[str, list[str]] = {}
    for sheet in sheets:
        for ind_id, text in sheet.comments.items():
            if text.strip():
                collected.setdefault(ind_id, []).append(text.strip())
    return {k: tuple(collected[k]) for k in sorted(collected, key=lambda k: order.get(k, len(order)))}


def _notes(sheets: Sequence[ScoreSheet]) -> tuple[TimedNote, ...]:
    notes = [note if note.rater else TimedNote(t=note.t, text=note.text, indicator=note.indicator,
                                                rater=sheet.rater)
             for sheet in sheets for note in sheet.notes]
    return tuple(sorted(notes, key=lambda note: note.t))
