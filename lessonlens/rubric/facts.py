"""Rubric results as facts for the diagnosis rule engine.

Names follow the contract ``rubric.<rubric_id>.<indicator_id>.<field>``: ``share`` (0..1 of the
maximum), ``band`` (band id), ``mean``, ``std``, ``n_raters``, ``level``; ``overall`` for the whole
rubric; ``rubric.<rubric_id>.agreement.icc2k`` / ``.kendall_w`` / ``.outliers`` (number of outlier
raters). Undefined values (nobody scored, one rater) are left out rather than set to ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable

from lessonlens.core.rubric import IndicatorResult, RubricResult

FactValue = float | int | str


def rubric_facts(results: RubricResult | Iterable[RubricResult]) -> dict[str, FactValue]:
    """Flat facts of one or more rubric results (of different rubrics)."""
    many = [results] if isinstance(results, RubricResult) else list(results)
    facts: dict[str, FactValue] = {}
    for result in many:
        prefix = f"rubric.{result.rubric}"
        for ind in (*result.indicators, *([result.overall] if result.overall else [])):
            facts.update(_indicator_facts(f"{prefix}.{ind.id}", ind))
        agreement = result.agreement
        if agreement is not None:
            if agreement.icc2k is not None:
                facts[f"{prefix}.agreement.icc2k"] = agreement.icc2k
            if agreement.kendall_w is not None:
                facts[f"{prefix}.agreement.kendall_w"] = agreement.kendall_w
            facts[f"{prefix}.agreement.outliers"] = len(agreement.outlier_raters)
        facts[f"{prefix}.n_raters"] = len(result.raters)
    return facts


def _indicator_facts(key: str, ind: IndicatorResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {f"{key}.n_raters": ind.n_raters, f"{key}.level": ind.level}
    for field in ("share", "band", "mean", "std"):
        value = getattr(ind, field)
        if value is not None:
            facts[f"{key}.{field}"] = value
    return facts
