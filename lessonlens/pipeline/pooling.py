"""Fractions of several lessons: pooled (hits over all lessons' counts) and the mean of per-lesson fractions.

Metric plugins whose scalars are fractions leave their counts in a table named ``*_counts`` with
columns ``metric`` (the scalar id), ``hits`` and ``of`` (COPUS: intervals ticked of intervals
coded; ITIAS: samples of a group of known samples). For a course, an instructor or a term:

- pooled = Σ hits / Σ of over the lessons (each interval weighs the same: long lessons weigh more);
- mean of lessons = the plain mean of hits/of over the lessons where ``of`` > 0 (each lesson weighs
  the same). The pooled value is the mean of per-lesson fractions weighted by ``of``.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from lessonlens.core.metrics import Metrics


@attrs.frozen
class Pooled:
    """One fraction over several lessons: both summaries and what they were made of."""

    metric: str
    pooled: float | None
    mean_of_lessons: float | None
    hits: int
    of: int
    lessons: int


def pooled_fractions(measured: Sequence[Metrics]) -> list[Pooled]:
    """Every fraction some lesson counts (in first-seen order), pooled and as a mean of lessons."""
    hits: dict[str, int] = {}
    of: dict[str, int] = {}
    fractions: dict[str, list[float]] = {}
    for metrics in measured:
        for name, table in metrics.tables.items():
            if not name.endswith("_counts") or tuple(table.columns) != ("metric", "hits", "of"):
                continue
            for metric, k, n in table.rows:
                hits[metric] = hits.get(metric, 0) + int(k)
                of[metric] = of.get(metric, 0) + int(n)
                if n:
                    fractions.setdefault(metric, []).append(int(k) / int(n))
    out = []
    for metric in hits:
        values = fractions.get(metric, [])
        out.append(Pooled(
            metric=metric,
            pooled=round(hits[metric] / of[metric], 6) if of[metric] else None,
            mean_of_lessons=round(sum(values) / len(values), 6) if values else None,
            hits=hits[metric], of=of[metric], lessons=len(values),
        ))
    return out
