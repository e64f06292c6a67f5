"""Chart specs (matrix, radar per level) and rule-engine facts of rubric results."""

from __future__ import annotations

import pytest

from lessonlens import matrix_chart, radar_charts, rubric_facts
from lessonlens.core.documents import converter
from lessonlens.core.rubric import ScoreSheet
from lessonlens.rubric.aggregate import aggregate
from lessonlens.rubric.schema_io import read_rubric_schema
from lessonlens.rubric_schemas import SCHEMAS_DIR
from tests.support.rubric import sheets, weighted_schema

SCHEMA = weighted_schema()
RESULT = aggregate(SCHEMA, [
    ScoreSheet("mixed", "r1", {"A1": 8, "A2": 4, "B1": 3, "B2": 2}),
    ScoreSheet("mixed", "r2", {"A1": 6, "B1": 4, "B2": 4}),
], lesson="L1")


def test_matrix_chart_colours_each_indicator_by_band() -> None:
    chart = matrix_chart(SCHEMA, RESULT)
    assert [c.label["zh-CN"] for c in chart.columns] == ["平均"]
    assert [(r.indicator, r.level, r.parent) for r in chart.rows] == [
        ("A", 1, None), ("A1", 2, "A"), ("A2", 2, "A"), ("B", 1, None), ("B1", 2, "B"), ("B2", 2, "B"),
        ("overall", 0, None)]
    cells = {r.indicator: r.cells[0] for r in chart.rows}
    # A: shares 0.8 and 0.6 -> 0.7 -> pass (合格, amber); B: 0.8125 -> good (blue); A1: 0.7 -> pass
    assert (cells["A"].band, cells["A"].color, cells["A"].score) == ("pass", "#f9a825", 10.5)
    assert (cells["B"].band, cells["B"].color) == ("good", "#1e88e5")
    assert cells["A2"].share == 0.8 and cells["A2"].band == "good"
    assert [b.id for b in chart.legend] == ["excellent", "good", "pass", "improve"]
    assert chart.title["zh-CN"].startswith("混合量规") and chart.title["en"].startswith("Mixed rubric")


def test_matrix_chart_per_rater_and_across_lessons() -> None:
    per_rater = matrix_chart(SCHEMA, RESULT, per_rater=True)
    assert [c.id for c in per_rater.columns] == ["rater:r1", "rater:r2", "L1"]
    a2 = next(r for r in per_rater.rows if r.indicator == "A2")
    # r2 left A2 blank: grey cell, no band
    assert a2.cells[1].score is None and a2.cells[1].band is None and a2.cells[1].color == per_rater.empty_color
    assert a2.cells[0].score == 4 and a2.cells[0].share == 0.8
    other = aggregate(SCHEMA, [ScoreSheet("mixed", "r1", {"A1": 10, "A2": 5, "B1": 4, "B2": 4})], lesson="L2")
    across = matrix_chart(SCHEMA, [RESULT, other], labels=[{"zh-CN": "第一课", "en": "first"},
                                                           {"zh-CN": "第二课", "en": "second"}])
    assert [c.label["en"] for c in across.columns] == ["first", "second"]
    overall = across.rows[-1]
    assert overall.cells[1].band == "excellent" and overall.cells[1].share == 1.0


def test_radar_chart_per_level() -> None:
    english = read_rubric_schema(SCHEMAS_DIR / "primary-english.yaml")
    leaves = [ind.id for ind in english.indicators if ind.max_score is not None]
    result = aggregate(english, sheets("primary-english", {"a": [4] * len(leaves), "b": [5] * len(leaves)}, leaves))
    charts = radar_charts(english, result, per_rater=True)
    assert [c.level for c in charts] == [1, 2, 3]
    level1, level2 = charts[0], charts[1]
    assert [a.id for a in level1.axes] == ["skills", "literacy", "practice"]
    assert [a.max for a in level1.axes] == [50, 40, 30]
    assert level1.title["zh-CN"] == "小学英语课堂教学观察量规 · 一级指标雷达图"
    assert [s.id for s in level1.series] == ["mean", "rater:a", "rater:b"]
    mean = level1.series[0]
    assert mean.values == (45, 36, 27) and mean.bands == ("excellent",) * 3  # 0.9 of each maximum
    assert level1.series[1].values == (40, 32, 24) and level1.series[1].bands == ("good",) * 3  # 0.8
    assert "skills.viewing" in [a.id for a in level2.axes] and len(level2.axes) == 12


def test_chart_specs_are_json_ready() -> None:
    data = converter.unstructure(matrix_chart(SCHEMA, RESULT))
    assert data["rows"][0]["cells"][0]["color"] == "#f9a825"
    assert converter.unstructure(radar_charts(SCHEMA, RESULT)[0])["axes"][0]["label"]["en"] == "A"


def test_facts_for_the_rule_engine() -> None:
    facts = rubric_facts(RESULT)
    assert facts["rubric.mixed.A.share"] == pytest.approx(0.7)
    assert facts["rubric.mixed.A.band"] == "pass"
    assert facts["rubric.mixed.B.band"] == "good"
    assert facts["rubric.mixed.overall.share"] == pytest.approx(0.745)
    assert facts["rubric.mixed.overall.band"] == "pass"
    assert facts["rubric.mixed.A2.n_raters"] == 1 and "rubric.mixed.A2.std" not in facts  # undefined: left out
    assert facts["rubric.mixed.n_raters"] == 2 and facts["rubric.mixed.agreement.outliers"] == 0
    assert "rubric.mixed.agreement.icc2k" in facts and "rubric.mixed.agreement.kendall_w" in facts
    assert all(isinstance(v, int | float | str) for v in facts.values())
