"""Comparing models: several analyses of one lesson (made with different detector backends) against
one hand coding, side by side.

``lessonlens evaluate A/analysis.json B/analysis.json TRUTH.csv`` prints, per analysis, Cohen's κ
and accuracy of the teacher behaviour, the students' dominant behaviour and S/T, then κ per
behaviour (each code against all others, from the confusion matrix) and the error of each student
share, so a swapped model's gain or loss shows behaviour by behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from lessonlens.perception.evaluate import Agreement, Evaluation

OVERALL = ("teacher", "students_dominant", "st")


@attrs.frozen
class Comparison:
    """Rows of figures, one column per analysis (None: undefined, e.g. a code nobody used)."""

    names: tuple[str, ...]
    overall: dict[str, tuple[tuple[float | None, float], ...]]  # what -> per analysis (kappa, accuracy)
    code_kappa: dict[str, tuple[float | None, ...]]  # "teacher:lecturing" -> per analysis
    share_mae: dict[str, tuple[float | None, ...]]


def code_kappa(agreement: Agreement, label: str) -> float | None:
    """Cohen's κ of one code against all the others (a 2×2 table folded from the confusion matrix)."""
    if label not in agreement.labels:
        return None
    matrix = np.asarray(agreement.confusion, dtype=float)
    i = agreement.labels.index(label)
    n = matrix.sum()
    if n == 0:
        return None
    tp, row, col = matrix[i, i], matrix[i, :].sum(), matrix[:, i].sum()
    observed = (n - row - col + 2 * tp) / n
    expected = (row * col + (n - row) * (n - col)) / n**2
    if expected >= 1.0:
        return None
    return round(float((observed - expected) / (1.0 - expected)), 4)


def compare(names: Sequence[str], evaluations: Sequence[Evaluation]) -> Comparison:
    """The evaluations of several analyses of one lesson, side by side."""
    overall = {what: tuple((getattr(e, what).kappa, getattr(e, what).accuracy) for e in evaluations)
               for what in OVERALL}
    codes: dict[str, tuple[float | None, ...]] = {}
    for actor, attr in (("teacher", "teacher"), ("students", "students_dominant")):
        labels = sorted({label for e in evaluations for label in getattr(e, attr).labels if label != "none"})
        for label in labels:
            codes[f"{actor}:{label}"] = tuple(code_kappa(getattr(e, attr), label) for e in evaluations)
    shares = sorted({k for e in evaluations for k in e.share_mae})
    return Comparison(names=tuple(names), overall=overall, code_kappa=codes,
                      share_mae={k: tuple(e.share_mae.get(k) for e in evaluations) for k in shares})
