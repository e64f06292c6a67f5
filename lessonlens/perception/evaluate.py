"""Machine coding against hand coding: per-behaviour accuracy, Cohen's kappa, confusion matrices,
S/T agreement. This is how a researcher judges a detector or model swap.

Samples are paired by time (the nearest machine sample within half an interval of each hand-coded
one). The teacher's behaviour is compared label for label (an uncoded machine sample counts as
``none``); the students' by the dominant behaviour of each sample and by the mean absolute error
of each behaviour's share.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS, CodedSample, CodedTimeline

NONE = "none"
_NO_TIMELINE = Text(zh="分析结果中没有编码时间线", en="the analysis has no coded timeline")
_NO_OVERLAP = Text(zh="机器编码与人工编码没有时间上重叠的样本", en="the machine and hand codings share no sample times")


@attrs.frozen
class Agreement:
    """Agreement on one categorical code: accuracy, Cohen's kappa, per-label precision/recall, confusion."""

    n: int
    accuracy: float
    kappa: float | None
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: hand coding, columns: machine
    per_label: dict[str, dict[str, float | None]]


@attrs.frozen
class Evaluation:
    samples: int
    matched: int
    teacher: Agreement
    students_dominant: Agreement
    share_mae: dict[str, float]
    st: Agreement


def cohen_kappa(truth: Sequence[str], machine: Sequence[str]) -> float | None:
    """Cohen's kappa; None when chance agreement is total (one label everywhere)."""
    labels = sorted(set(truth) | set(machine))
    matrix = confusion(truth, machine, labels).astype(float)
    n = matrix.sum()
    if n == 0:
        return None
    observed = np.trace(matrix) / n
    expected = float((matrix.sum(axis=1) * matrix.sum(axis=0)).sum()) / n**2
    if expected >= 1.0:
        return None
    return float((observed - expected) / (1.0 - expected))


def confusion(truth: Sequence[str], machine: Sequence[str], labels: Sequence[str]) -> npt.NDArray[np.int64]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, ([index[t] for t in truth], [index[m] for m in machine]), 1)
    return matrix


def agreement(truth: Sequence[str], machine: Sequence[str], order: Sequence[str] = ()) -> Agreement:
    seen = set(truth) | set(machine)
    labels = tuple([x for x in order if x in seen] + sorted(seen - set(order)))
    matrix = confusion(truth, machine, labels)
    n = int(matrix.sum())
    per_label: dict[str, dict[str, float | None]] = {}
    for i, label in enumerate(labels):
        tp, col, row = matrix[i, i], matrix[:, i].sum(), matrix[i, :].sum()
        per_label[label] = {
            "precision": round(float(tp / col), 4) if col else None,
            "recall": round(float(tp / row), 4) if row else None,
            "accuracy": round(float((n - col - row + 2 * tp) / n), 4) if n else None,  # one-vs-rest
            "support": float(row),
        }
    kappa = cohen_kappa(truth, machine)
    return Agreement(n=n, accuracy=round(float(np.trace(matrix) / n), 4) if n else 0.0,
                     kappa=round(kappa, 4) if kappa is not None else None, labels=labels,
                     confusion=tuple(tuple(int(v) for v in row) for row in matrix), per_label=per_label)


def _dominant(sample: CodedSample) -> str:
    if not sample.students:
        return NONE
    return max(STUDENT_BEHAVIOURS, key=lambda b: sample.students.get(b, 0.0))


def _pairs(truth: CodedTimeline, machine: CodedTimeline) -> list[tuple[CodedSample, CodedSample]]:
    times = np.array([s.t for s in machine.samples])
    if not len(times):
        return []
    tolerance = min(truth.interval, machine.interval) / 2 + 1e-6
    pairs = []
    for sample in truth.samples:
        i = int(np.searchsorted(times, sample.t))
        best = min((j for j in (i - 1, i) if 0 <= j < len(times)), key=lambda j: abs(times[j] - sample.t))
        if abs(times[best] - sample.t) <= tolerance:
            pairs.append((sample, machine.samples[best]))
    return pairs


def evaluate(machine: Analysis | CodedTimeline, truth: CodedTimeline) -> Evaluation:
    """Compare the machine coding with a hand coding of the same lesson."""
    timeline = machine.timeline if isinstance(machine, Analysis) else machine
    if timeline is None:
        raise InputError(_NO_TIMELINE)
    pairs = _pairs(truth, timeline)
    if not pairs:
        raise InputError(_NO_OVERLAP)
    teacher_pairs = [(t.teacher, m.teacher or NONE) for t, m in pairs if t.teacher]
    teacher = agreement([t for t, _ in teacher_pairs], [m for _, m in teacher_pairs], (*TEACHER_BEHAVIOURS, NONE))
    student_pairs = [(_dominant(t), _dominant(m)) for t, m in pairs if t.students]
    students = agreement([t for t, _ in student_pairs], [m for _, m in student_pairs], (*STUDENT_BEHAVIOURS, NONE))
    mae = {}
    for b in STUDENT_BEHAVIOURS:
        errors = [abs(t.students.get(b, 0.0) - m.students.get(b, 0.0)) for t, m in pairs if t.students and m.students]
        mae[b] = round(float(np.mean(errors)), 4) if errors else float("nan")
    st_pairs = [(t.st, m.st or NONE) for t, m in pairs if t.st]
    st = agreement([t for t, _ in st_pairs], [m for _, m in st_pairs], ("T", "S", NONE))
    return Evaluation(samples=len(truth.samples), matched=len(pairs), teacher=teacher, students_dominant=students,
                      share_mae=mae, st=st)
