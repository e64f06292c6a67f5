"""Many lessons sampled on the same grid, stacked: one row per lesson, so metrics run once per batch.

A district's lessons are usually coded on one grid (every 6 s from 0 to 45 min): their columns stack
into (lessons, samples) arrays and each numpy call of a metric serves the whole batch instead of one
lesson. Metric plugins implement their computation once, on :class:`StackedColumns`; measuring one
lesson is a batch of one (views, no copy).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TypeVar

import attrs
import numpy as np

from lessonlens.columnar.columns import PER_SAMPLE, Columns, TimelineColumns, timeline_columns
from lessonlens.core.timeline import CodedTimeline, CodingScheme

R = TypeVar("R")


@attrs.frozen(eq=False)
class StackedColumns(Columns):
    """The columns of L lessons on one grid (same ``t`` and interval): ``teacher``, ``st``, ``code``
    and ``students_known`` are (L, N), ``shares`` (L, 5, N); values as in :class:`TimelineColumns`."""

    @property
    def lessons(self) -> int:
        return int(self.teacher.shape[0])


def stack_columns(columns: Sequence[TimelineColumns]) -> StackedColumns:
    """One stack of lessons on the same grid (one lesson: views of its arrays, nothing copied).

    The last few stacks are kept (:data:`_recent`), so that the metric plugins measuring the same
    batch one after the other stack it (and bin it) once; older ones are dropped, so a caller
    holding many lessons never holds their stacks too.
    """
    return _recent.get(columns)


def _stack(columns: Sequence[TimelineColumns]) -> StackedColumns:
    first = columns[0]
    if len(columns) == 1:
        arrays = {name: getattr(first, name)[None] for name in PER_SAMPLE}
    else:
        arrays = {name: np.stack([getattr(c, name) for c in columns]) for name in PER_SAMPLE}
    return StackedColumns(t=first.t, interval=first.interval, code_ids=first.code_ids, **arrays)


class _RecentStacks:
    """The stacks of the most recent groups of lessons, by the identity of their columns (held
    weakly: an entry only matches while the very same columns are alive)."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._items: list[tuple[tuple[weakref.ref[TimelineColumns], ...], StackedColumns]] = []

    def get(self, columns: Sequence[TimelineColumns]) -> StackedColumns:
        for refs, stack in self._items:
            if len(refs) == len(columns) and all(ref() is cols for ref, cols in zip(refs, columns, strict=True)):
                return stack
        stack = _stack(columns)
        self._items = [(tuple(map(weakref.ref, columns)), stack), *self._items[: self._size - 1]]
        return stack


_recent = _RecentStacks()


def grid_key(columns: TimelineColumns) -> tuple[float, int, bytes]:
    """Lessons with equal keys share a grid and stack."""
    return columns.interval, columns.n, columns.t.tobytes()


def by_grid(timelines: Sequence[CodedTimeline], scheme: CodingScheme,
            compute: Callable[[StackedColumns], list[R]]) -> list[R]:
    """``compute`` run once per group of timelines on the same grid; results in the timelines' order."""
    columns = [timeline_columns(timeline, scheme) for timeline in timelines]
    if len(columns) == 1:
        return compute(stack_columns(columns))
    groups: dict[tuple[float, int, bytes], list[int]] = {}
    for i, cols in enumerate(columns):
        groups.setdefault(grid_key(cols), []).append(i)
    out: list[R | None] = [None] * len(columns)
    for members in groups.values():
        for i, result in zip(members, compute(stack_columns([columns[i] for i in members])), strict=True):
            out[i] = result
    return out  # type: ignore[return-value]  # every slot is filled: the groups partition the lessons
