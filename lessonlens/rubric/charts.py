"""Chart specs of rubric results: the matrix chart (矩阵图) and one radar chart (雷达图) per level."""

from __future__ import annotations

from collections.abc import Sequence

from lessonlens.core.i18n import Text
from lessonlens.core.rubric import IndicatorResult, RubricResult, RubricSchema
from lessonlens.rubric.chart_specs import (
    LegendBand,
    MatrixCell,
    MatrixChart,
    MatrixColumn,
    MatrixRow,
    RadarAxis,
    RadarChart,
    RadarSeries,
)
from lessonlens.rubric.tree import OVERALL, RubricTree, rubric_tree

EMPTY_COLOR = "#e0e0e0"

_MEAN = Text(zh="平均", en="Mean")
_OVERALL = Text(zh="总体", en="Overall")
_MATRIX_TITLE = Text(zh="{name} · 矩阵图", en="{name} · matrix")
_RADAR_TITLE = Text(zh="{name} · {level}级指标雷达图", en="{name} · level-{level} radar")
_LEVEL_ZH = {1: "一", 2: "二", 3: "三"}


def legend(schema: RubricSchema) -> tuple[LegendBand, ...]:
    """The schema's bands, best first."""
    return tuple(LegendBand(id=b.id, label=dict(b.name), color=b.color, low=b.low, high=b.high)
                 for b in sorted(schema.bands, key=lambda b: -b.low))


def matrix_chart(schema: RubricSchema | RubricTree, results: RubricResult | Sequence[RubricResult], *,
                 per_rater: bool = False, labels: Sequence[dict[str, str]] | None = None) -> MatrixChart:
    """One row per indicator (tree order, overall last), one column per result (``labels`` name them).

    With one result and ``per_rater``, one column per rater and the mean last.
    """
    tree = schema if isinstance(schema, RubricTree) else rubric_tree(schema)
    many = [results] if isinstance(results, RubricResult) else list(results)
    by_result = [_by_id(r) for r in many]
    columns: list[MatrixColumn] = []
    getters: list[tuple[dict[str, IndicatorResult], str | None]] = []
    if per_rater and len(many) == 1:
        for rater in many[0].raters:
            columns.append(MatrixColumn(id=f"rater:{rater}", label={"zh-CN": rater, "en": rater}))
            getters.append((by_result[0], rater))
    for i, (result, found) in enumerate(zip(many, by_result, strict=True)):
        if labels is not None:
            label = dict(labels[i])
        elif len(many) == 1:
            label = _MEAN.as_dict()
        else:
            label = {"zh-CN": result.lesson or str(i + 1), "en": result.lesson or str(i + 1)}
        columns.append(MatrixColumn(id=result.lesson or f"result:{i + 1}", label=label))
        getters.append((found, None))

    rows = []
    for node, ind_id in enumerate((*tree.ids, OVERALL)):
        is_root = ind_id == OVERALL
        cells = tuple(_cell(tree, found.get(ind_id), rater) for found, rater in getters)
        rows.append(MatrixRow(
            indicator=ind_id,
            label=_OVERALL.as_dict() if is_root else dict(tree.indicator(node).name),
            level=0 if is_root else tree.levels[node],
            parent=None if is_root or tree.parents[node] == tree.root else tree.ids[tree.parents[node]],
            cells=cells,
        ))
    name = dict(tree.schema.name)
    return MatrixChart(
        id=f"rubric-matrix:{tree.schema.id}",
        title={lang: _MATRIX_TITLE.format(lang, name=name.get(lang, tree.schema.id)) for lang in ("zh-CN", "en")},
        columns=tuple(columns), rows=tuple(rows), legend=legend(tree.schema), empty_color=EMPTY_COLOR,
    )


def radar_charts(schema: RubricSchema | RubricTree, result: RubricResult, *,
                 per_rater: bool = False) -> tuple[RadarChart, ...]:
    """One radar per level of the rubric, axes = that level's indicators, the mean as a series
    (and each rater's too with ``per_rater``). Values are scores; each axis reaches its maximum."""
    tree = schema if isinstance(schema, RubricTree) else rubric_tree(schema)
    found = _by_id(result)
    name = dict(tree.schema.name)
    charts = []
    for level in sorted(set(tree.levels)):
        nodes = [i for i, lv in enumerate(tree.levels) if lv == level]
        axes = tuple(RadarAxis(id=tree.ids[i], label=dict(tree.indicator(i).name), max=float(tree.max_scores[i]))
                     for i in nodes)
        series = [_series(tree, nodes, found, None, "mean", _MEAN.as_dict())]
        if per_rater:
            series += [_series(tree, nodes, found, r, f"rater:{r}", {"zh-CN": r, "en": r}) for r in result.raters]
        titles = {"zh-CN": _RADAR_TITLE.format("zh-CN", name=name.get("zh-CN", tree.schema.id),
                                               level=_LEVEL_ZH.get(level, str(level))),
                  "en": _RADAR_TITLE.format("en", name=name.get("en", tree.schema.id), level=level)}
        charts.append(RadarChart(id=f"rubric-radar:{tree.schema.id}:{level}", title=titles, level=level,
                                 axes=axes, series=tuple(series), legend=legend(tree.schema)))
    return tuple(charts)


def _by_id(result: RubricResult) -> dict[str, IndicatorResult]:
    found = {ind.id: ind for ind in result.indicators}
    if result.overall is not None:
        found[OVERALL] = result.overall
    return found


def _score_share(tree: RubricTree, ind: IndicatorResult | None, rater: str | None) -> tuple[float | None, float | None]:
    if ind is None:
        return None, None
    if rater is None:
        return ind.mean, ind.share
    score = ind.scores.get(rater)
    if score is None or not ind.max_score:
        return score, None
    return score, score / ind.max_score


def _cell(tree: RubricTree, ind: IndicatorResult | None, rater: str | None) -> MatrixCell:
    score, share = _score_share(tree, ind, rater)
    band = tree.band_of(share)
    return MatrixCell(band=band.id if band else None, color=band.color if band else EMPTY_COLOR,
                      score=score, max_score=ind.max_score if ind else None, share=share)


def _series(tree: RubricTree, nodes: list[int], found: dict[str, IndicatorResult], rater: str | None,
            series_id: str, label: dict[str, str]) -> RadarSeries:
    values, colors, bands = [], [], []
    for node in nodes:
        score, share = _score_share(tree, found.get(tree.ids[node]), rater)
        band = tree.band_of(share)
        values.append(score)
        colors.append(band.color if band else EMPTY_COLOR)
        bands.append(band.id if band else None)
    return RadarSeries(id=series_id, label=label, values=tuple(values), colors=tuple(colors), bands=tuple(bands))
