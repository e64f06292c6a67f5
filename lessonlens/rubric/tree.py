"""The indicator tree of a (validated) rubric schema as arrays, for roll-ups, charts and templates.

Roll-up rule: a parent's share of its maximum is the weighted mean of its children's shares. Where
the children carry weights those are the weights; otherwise each child weighs its maximum score,
so the parent's score is simply the sum of its children's scores. A parent's maximum is its own
``max_score`` if it declares one, else the sum of its children's maxima.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.rubric import Band, Indicator, RubricSchema

OVERALL = "overall"


@attrs.frozen(eq=False)
class RubricTree:
    """Indicators in tree order (pre-order), with the arrays the aggregation needs.

    Node ``len(ids)`` is the virtual root, the overall score (level 0).
    """

    schema: RubricSchema
    ids: tuple[str, ...]
    index: dict[str, int]
    levels: tuple[int, ...]
    parents: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]
    leaves: tuple[int, ...]
    #: effective maximum of every node, the root last
    max_scores: npt.NDArray[np.float64]
    #: (node, parent) weights for the roll-up: ``weights[c, p]`` > 0 where ``c`` is a child of ``p``
    weights: npt.NDArray[np.float64]
    #: parents grouped by depth, deepest first (the root last), so children are done before parents
    rollup_order: tuple[tuple[int, ...], ...]
    #: leaf id -> its maximum score (what a rater may give)
    leaf_max: dict[str, float] = attrs.field(factory=dict)

    @property
    def root(self) -> int:
        return len(self.ids)

    @property
    def leaf_ids(self) -> tuple[str, ...]:
        return tuple(self.ids[i] for i in self.leaves)

    def indicator(self, node: int) -> Indicator:
        return self.schema.indicators[node]

    def is_leaf(self, node: int) -> bool:
        return not self.children[node]

    def band_of(self, share: float | None) -> Band | None:
        return band_of(self.schema.bands, share)

    def bands_of(self, shares: npt.NDArray[np.float64]) -> list[str | None]:
        """The band id of each share (``None`` for NaN), the same rule as :func:`band_of`, vectorised."""
        ordered = sorted(self.schema.bands, key=lambda b: b.low)
        lows = np.array([b.low for b in ordered])
        # the last band whose low is <= share; below the lowest band: the lowest; above: the top
        index = np.clip(np.searchsorted(lows, shares, side="right") - 1, 0, len(ordered) - 1)
        return [None if np.isnan(s) else ordered[i].id for s, i in zip(shares.tolist(), index.tolist(), strict=True)]


def band_of(bands: tuple[Band, ...], share: float | None) -> Band | None:
    """The band covering ``share`` (``[low, high)``; the top band also takes its upper bound)."""
    if share is None or not np.isfinite(share):
        return None
    ordered = sorted(bands, key=lambda b: b.low)
    for band in ordered:
        if band.low <= share < band.high:
            return band
    if ordered and share >= ordered[-1].high - 1e-9:
        return ordered[-1]
    if ordered and share < ordered[0].low:
        return ordered[0]
    return None


def rubric_tree(schema: RubricSchema) -> RubricTree:
    """The arrays of ``schema``; the schema must be valid (see ``rubric_schema_io.validate``)."""
    inds = _tree_order(schema.indicators)
    schema = attrs.evolve(schema, indicators=inds)
    ids = tuple(ind.id for ind in inds)
    index = {ind_id: i for i, ind_id in enumerate(ids)}
    n = len(ids)
    root = n
    parents = tuple(index[ind.parent] if ind.parent else root for ind in inds)
    kids: list[list[int]] = [[] for _ in range(n + 1)]
    for i, p in enumerate(parents):
        kids[p].append(i)
    levels = [0] * n
    for i, p in enumerate(parents):  # pre-order: a parent comes before its children
        levels[i] = 1 if p == root else levels[p] + 1

    max_scores = np.zeros(n + 1)
    for node in sorted(range(n), key=lambda i: -levels[i]):  # children before parents
        ind = inds[node]
        if not kids[node]:
            max_scores[node] = float(ind.max_score or 0.0)
        else:
            max_scores[node] = float(ind.max_score) if ind.max_score else max_scores[kids[node]].sum()
    max_scores[root] = max_scores[kids[root]].sum()

    weights = np.zeros((n + 1, n + 1))
    for p in range(n + 1):
        group = kids[p]
        weighted = any(inds[c].weight is not None for c in group)
        for c in group:
            weights[c, p] = float(inds[c].weight or 0.0) if weighted else max_scores[c]

    by_depth: dict[int, list[int]] = {}
    for node in range(n):
        if kids[node]:
            by_depth.setdefault(levels[node], []).append(node)
    order = [tuple(by_depth[d]) for d in sorted(by_depth, reverse=True)] + [(root,)]
    return RubricTree(
        schema=schema, ids=ids, index=index, levels=tuple(levels), parents=parents,
        children=tuple(tuple(k) for k in kids), leaves=tuple(i for i in range(n) if not kids[i]),
        max_scores=max_scores, weights=weights, rollup_order=tuple(order),
        leaf_max={ids[i]: float(max_scores[i]) for i in range(n) if not kids[i]},
    )


def _tree_order(indicators: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    """Indicators in pre-order (each parent followed by its subtree), siblings in file order."""
    by_parent: dict[str | None, list[Indicator]] = {}
    for ind in indicators:
        by_parent.setdefault(ind.parent, []).append(ind)
    out: list[Indicator] = []

    def visit(parent: str | None) -> None:
        for ind in by_parent.get(parent, []):
            out.append(ind)
            visit(ind.id)

    visit(None)
    return tuple(out)
