"""Runs of True in boolean masks: the one run-finding helper (voice activity, rule ranges, gap filling in
coders, the episodes of every behaviour of a stack of lessons)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Indices = npt.NDArray[np.intp]


def row_runs(rows: npt.NDArray[np.bool_],
             gaps: npt.NDArray[np.bool_] | None = None) -> tuple[Indices, Indices, Indices]:
    """The runs of True along each row of ``rows`` (rows x samples), all rows at once, as (row, start,
    end exclusive) ordered by row then time. A True in ``gaps`` (one per sample) starts a new run there."""
    k, n = rows.shape
    padded = np.zeros((k, n + 2), dtype=np.int8)  # a False before and after each row
    padded[:, 1:-1] = rows
    flat = padded.ravel()
    # edges of the rows laid end to end (the pads keep rows apart); along a row starts and ends alternate
    row, at = np.divmod((flat[1:] != flat[:-1]).nonzero()[0], n + 2)
    row, starts, ends = row[0::2], at[0::2], at[1::2]
    if gaps is not None and gaps.any():
        cut = rows & gaps[None, :]
        cut[:, 1:] &= rows[:, :-1]
        cut[:, 0] = False
        row_c, at_c = cut.nonzero()
        if at_c.size:
            rows_all = np.concatenate((row, row_c))
            order_s = np.lexsort((np.concatenate((starts, at_c)), rows_all))
            order_e = np.lexsort((np.concatenate((ends, at_c)), rows_all))
            row, starts = rows_all[order_s], np.concatenate((starts, at_c))[order_s]
            ends = np.concatenate((ends, at_c))[order_e]
    return row, starts, ends


def runs(mask: npt.NDArray[np.bool_], value: bool = True) -> tuple[Indices, Indices]:
    """Start and end (exclusive) indices of the runs of ``value`` in ``mask`` (one row of :func:`row_runs`)."""
    _, starts, ends = row_runs((np.asarray(mask) == value).reshape(1, -1))
    return starts, ends
