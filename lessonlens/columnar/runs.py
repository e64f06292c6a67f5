"""Runs of equal values in a boolean mask: the one run-finding helper (voice activity, rule ranges,
gap filling in coders)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Indices = npt.NDArray[np.intp]


def runs(mask: npt.NDArray[np.bool_], value: bool = True) -> tuple[Indices, Indices]:
    """Start and end (exclusive) indices of the runs of ``value`` in ``mask``."""
    hit = np.concatenate(([False], np.asarray(mask) == value, [False]))
    edges = np.flatnonzero(np.diff(hit.astype(np.int8)))
    return edges[0::2], edges[1::2]
