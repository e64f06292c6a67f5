"""The SVG chart primitives and charts: escaping, scales, ticks, gaps for undefined values, regions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.behaviour import behaviour_charts, rose_chart
from lessonlens.plugins.reports.charts.curves import Line, curve_svg
from lessonlens.plugins.reports.charts.matrix import matrix_svg
from lessonlens.plugins.reports.charts.radar import radar_svg
from lessonlens.plugins.reports.charts.rtch import RtChPoint, rtch_svg
from lessonlens.rubric.charts import matrix_chart, radar_charts
from lessonlens.rubric.scoring import load_rubric_schema
from tests.support.reports import lesson_sample, rubric_result

NS = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_text_and_attributes_are_escaped() -> None:
    out = svg.text(1, 2, '<script>alert("x")</script> & 讲授')
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    node = svg.el("g", {"data-t": '1" onclick="evil()'})
    assert 'onclick="evil()"' not in node
    assert parse(str(node)).get("data-t") == '1" onclick="evil()'


@given(st.floats(0.1, 1e6), st.integers(2, 12))
def test_ticks_cover_the_range_in_nice_steps(high: float, count: int) -> None:
    values = svg.ticks(0.0, high, count)
    assert values[0] == 0.0 and values[-1] <= high * (1 + 1e-9)
    step = values[1] - values[0] if len(values) > 1 else high
    mantissa = step / 10 ** int(f"{step:e}".split("e")[1])
    assert round(mantissa, 6) in (1.0, 2.0, 2.5, 5.0, 10.0)
    assert svg.nice_max(high, count) >= high * (1 - 1e-9)


def test_clock_reads_like_a_video_player() -> None:
    assert svg.clock(0) == "00:00" and svg.clock(125.4) == "02:05" and svg.clock(3725) == "1:02:05"


def test_a_curve_breaks_where_it_is_undefined() -> None:
    points = ((0.0, 0.5), (6.0, 0.6), (12.0, None), (18.0, 0.7), (24.0, 0.8))
    out = curve_svg([Line("a", "#123456", points)], [], 30.0, "t", "label", "{t}")
    lines = parse(str(out)).findall(f".//{NS}polyline")
    assert len(lines) == 2  # one run before the gap, one after: never a drop to zero


def test_unobserved_behaviours_are_not_drawn_as_zero() -> None:
    chart = rose_chart({"lecturing": 0.5, "board_writing": 0.5, "patrolling": 0.0, "teacher_student_interaction": 0.0},
                       {"listening": 1.0}, "zh-CN", unavailable=("hand_raising",))
    assert chart is not None
    rows = {(side, b): v for side, b, v in chart.tables[0].rows}
    assert rows[("students", "hand_raising")] is None and rows[("teacher", "patrolling")] == 0.0
    assert "未测量" in chart.svg


def test_rtch_points_sit_in_their_mode_region() -> None:
    out = rtch_svg([RtChPoint("a", 0.55, 0.23, "#f00")], {"mixed": "混合型"}, "Rt-Ch")
    root = parse(str(out))
    circle = root.find(f".//{NS}circle")
    assert circle is not None
    cx, cy = float(circle.get("cx", 0)), float(circle.get("cy", 0))
    mixed = root.findall(f".//{NS}rect")[3]  # practice, lecture, dialogue, mixed
    x, y, w, h = (float(mixed.get(k, 0)) for k in ("x", "y", "width", "height"))
    assert x < cx < x + w and y < cy < y + h


def test_the_seven_charts_of_a_sample_lesson() -> None:
    analysis = lesson_sample()
    assert analysis.metrics is not None
    charts = behaviour_charts(analysis.metrics, "en", "Li Qiang")
    assert [c.id for c in charts] == ["timeline", "rose", "participation", "consistency", "attention", "st", "rtch"]
    for chart in charts:
        root = parse(str(chart.svg))
        assert root.get("role") == "img" and root.get("aria-label") == chart.title
        assert chart.tables and all(t.rows for t in chart.tables)
    timeline = parse(str(charts[0].svg))
    seeks = [g for g in timeline.iter(f"{NS}g") if "seek" in (g.get("class") or "")]
    assert len(seeks) == 9 * len(analysis.metrics.tables["timeline"].rows)
    # extremes of the participation curve are marked where the metrics put them
    summary = analysis.metrics.summaries["participation"]
    assert summary.max is not None
    assert f'data-t="{summary.max.t:g}"' in charts[2].svg


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_rubric_matrix_and_radars_from_the_chart_specs(lang: str, tmp_path: Path) -> None:
    result = rubric_result(tmp_path)
    schema = load_rubric_schema("classroom-teaching")
    matrix = matrix_chart(schema, result, per_rater=True)
    out = matrix_svg(matrix, lang, "m", "—")
    cells = [r for r in parse(str(out)).iter(f"{NS}rect") if r.get("rx") == "3"]
    assert len(cells) == len(matrix.rows) * len(matrix.columns)
    colours = {r.get("fill") for r in cells}
    assert colours <= {b.color for b in schema.bands} | {matrix.empty_color}
    for radar in radar_charts(schema, result):
        drawn = str(radar_svg(radar, lang, "r"))
        assert len(re.findall(r"<polygon", drawn)) >= 1 + len(radar.series)
