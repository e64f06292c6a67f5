"""Which student each raised hand belongs to (a helper of ``student-states``), decided jointly.

Seen from the front of a classroom, a hand raised by a student in one row rises beside the head
of the student behind: taken hand by hand, the nearest head is often the wrong one, and two hands
then fall to the same student while their owner counts none (the share of raised hands comes out
low exactly when many are raised). So the hands are assigned together: every student has at most
one raised hand, every hand at most one owner, and of the assignments that give the most hands
an owner the one with the smallest total distance is taken (a minimum-cost bipartite matching).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: A hand is a student's only inside this window around their head, in head sizes: beside the head
#: (the forearm upright with the elbow on the desk) or above it (the arm stretched up), never far below.
REACH_X = 2.2
REACH_UP, REACH_DOWN = 3.0, 0.8
_UNASSIGNED = 1e3  # the cost of a hand without owner: above any total of real distances
_OUT_OF_REACH = 1e6


def reach_cost(hand: tuple[float, float], head: tuple[float, float, float, float]) -> float | None:
    """The distance from a head (centre x, y; width, height) to a hand (centre x, y), in head
    sizes (upward counts 0.6: an arm reaches up further than sideways); None out of reach."""
    dx, dy = (hand[0] - head[0]) / head[2], (hand[1] - head[1]) / head[3]
    if abs(dx) <= REACH_X and -REACH_UP <= dy <= REACH_DOWN:
        return float(np.hypot(dx, 0.6 * dy))
    return None


def owners(hands: Sequence[tuple[float, float]], heads: Sequence[tuple[float, float, float, float]]
           ) -> list[int | None]:
    """Each hand's owner (an index into ``heads``) or None, assigned jointly (module docstring)."""
    if not hands or not heads:
        return [None] * len(hands)
    cost = np.full((len(hands), len(heads) + len(hands)), _OUT_OF_REACH)
    for i, hand in enumerate(hands):
        for j, head in enumerate(heads):
            d = reach_cost(hand, head)
            if d is not None:
                cost[i, j] = d
        cost[i, len(heads) + i] = _UNASSIGNED  # each hand's own "nobody"
    columns = min_cost_assignment(cost)
    return [j if j < len(heads) and cost[i, j] < _UNASSIGNED else None for i, j in enumerate(columns)]


def min_cost_assignment(cost: npt.NDArray[np.float64]) -> list[int]:
    """The column of each row in a minimum-cost assignment (rows <= columns): the Hungarian method
    with potentials, O(rows^2 x columns), its inner step vectorised over the columns."""
    n, m = cost.shape
    if n > m:
        raise ValueError("more rows than columns")
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.int64)  # the row (1-based) holding each column; 0: free
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        slack = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            row = owner[j0]
            free = ~used[1:]
            reduced = cost[row - 1] - u[row] - v[1:]
            better = free & (reduced < slack[1:])
            slack[1:][better] = reduced[better]
            way[1:][better] = j0
            masked = np.where(free, slack[1:], np.inf)
            j1 = int(np.argmin(masked)) + 1
            delta = masked[j1 - 1]
            u[owner[used]] += delta
            v[used] -= delta
            slack[1:][free] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = int(way[j0])
            owner[j0] = owner[j1]
            j0 = j1
    columns = [0] * n
    for j in range(1, m + 1):
        if owner[j]:
            columns[owner[j] - 1] = j - 1
    return columns
