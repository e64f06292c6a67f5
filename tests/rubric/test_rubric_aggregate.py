"""Aggregation of raters' scores, checked against numbers worked out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlens.core.rubric import ScoreSheet, TimedNote
from lessonlens.rubric.aggregate import aggregate
from lessonlens.rubric.agreement import average_ranks, icc2k, kendall_w, rater_deviations
from lessonlens.tables.problems import RubricProblems
from tests.support.rubric import flat_schema, sheets, weighted_schema

# The worked example: 3 raters score 4 observation points, each out of 10.
#          P.1  P.2  P.3  P.4   rater mean
#   r1      9    7    6    8      7.5
#   r2      8    6    5    9      7.0
#   r3     10    8    4    7      7.25
#   mean    9    7    5    8      grand mean 87/12 = 7.25
WORKED = {"r1": [9, 7, 6, 8], "r2": [8, 6, 5, 9], "r3": [10, 8, 4, 7]}
IDS = ["P.1", "P.2", "P.3", "P.4"]


def by_id(result):  # type: ignore[no-untyped-def]
    return {i.id: i for i in (*result.indicators, result.overall)}


def test_leaf_statistics_by_hand() -> None:
    result = aggregate(flat_schema(), sheets("flat", WORKED, IDS))
    p3 = by_id(result)["P.3"]
    # P.3: 6, 5, 4 -> mean 5, median 5, min 4, max 6, sample std sqrt(((1)^2+0+(-1)^2)/2) = 1
    assert (p3.mean, p3.median, p3.min, p3.max, p3.std, p3.n_raters) == (5.0, 5.0, 4.0, 6.0, 1.0, 3)
    assert p3.share == 0.5 and p3.band == "improve" and p3.max_score == 10
    assert p3.scores == {"r1": 6.0, "r2": 5.0, "r3": 4.0}
    p1 = by_id(result)["P.1"]
    assert p1.share == 0.9 and p1.band == "excellent"  # 9/10 in [0.85, 1]


def test_unweighted_rollup_is_the_sum_of_the_points() -> None:
    result = aggregate(flat_schema(), sheets("flat", WORKED, IDS))
    p = by_id(result)["P"]
    # per rater: r1 9+7+6+8 = 30, r2 28, r3 29 (of 40) -> mean 29, median 29, std 1, share 29/40 = 0.725
    assert p.scores == {"r1": 30.0, "r2": 28.0, "r3": 29.0}
    assert (p.mean, p.median, p.min, p.max, p.std, p.max_score) == (29.0, 29.0, 28.0, 30.0, 1.0, 40.0)
    assert p.share == 0.725 and p.band == "pass" and p.level == 1
    assert result.overall is not None and result.overall.mean == 29.0 and result.overall.level == 0


def test_weighted_rollup_and_a_blank_leaf() -> None:
    schema = weighted_schema()
    result = aggregate(schema, [
        ScoreSheet("mixed", "r1", {"A1": 8, "A2": 4, "B1": 3, "B2": 2}),
        ScoreSheet("mixed", "r2", {"A1": 6, "B1": 4, "B2": 4}),  # left A2 blank
    ])
    got = by_id(result)
    # r1: A = (8+4)/(10+5) = 0.8 of 15 -> 12;  B = 0.5*3/4 + 0.5*2/4 = 0.625 of 8 -> 5
    #     overall share = 0.6*0.8 + 0.4*0.625 = 0.73, of 15+8 = 23 -> 16.79
    # r2: A over the points scored = 6/10 = 0.6 -> 9;  B = 1.0 -> 8;  overall = 0.6*0.6 + 0.4*1.0 = 0.76
    assert got["A"].scores == {"r1": 12.0, "r2": 9.0}
    assert got["B"].scores == {"r1": 5.0, "r2": 8.0}
    assert got["overall"].scores == pytest.approx({"r1": 0.73 * 23, "r2": 0.76 * 23})
    # A: mean (12+9)/2 = 10.5, share (0.8+0.6)/2 = 0.7 -> pass; sample std |12-9|/sqrt(2) = 2.1213
    assert got["A"].mean == 10.5 and got["A"].share == pytest.approx(0.7) and got["A"].band == "pass"
    assert got["A"].std == pytest.approx(2.121320, abs=1e-6)
    # B: (0.625+1.0)/2 = 0.8125 -> good; overall (0.73+0.76)/2 = 0.745 -> pass
    assert got["B"].share == pytest.approx(0.8125) and got["B"].band == "good"
    assert got["overall"].share == pytest.approx(0.745) and got["overall"].band == "pass"
    # the blank leaf: one rater, no spread, and r2 is listed as missing up the tree
    assert got["A2"].n_raters == 1 and got["A2"].std is None and got["A2"].missing == ("r2",)
    assert got["A"].missing == ("r2",) and got["overall"].missing == ("r2",) and got["B"].missing == ()


def test_icc_2k_by_hand() -> None:
    # SS_items  = k * sum((item mean - 7.25)^2) = 3 * (1.75^2 + 0.25^2 + 2.25^2 + 0.75^2) = 3 * 8.75 = 26.25
    # SS_raters = n * sum((rater mean - 7.25)^2) = 4 * (0.25^2 + 0.25^2 + 0) = 0.5
    # SS_total  = sum((x - 7.25)^2) = 5.25 + 10.25 + 18.75 = 34.25 -> SS_error = 34.25 - 26.25 - 0.5 = 7.5
    # MS_items = 26.25/3 = 8.75, MS_raters = 0.5/2 = 0.25, MS_error = 7.5/(3*2) = 1.25
    # ICC(2,k) = (MS_items - MS_error) / (MS_items + (MS_raters - MS_error)/n) = 7.5 / (8.75 - 0.25) = 15/17
    x = np.array(list(WORKED.values()), dtype=float)
    assert icc2k(x) == pytest.approx(15 / 17)
    assert icc2k(x / 10) == pytest.approx(15 / 17)  # shares: same, ICC does not depend on the unit
    result = aggregate(flat_schema(), sheets("flat", WORKED, IDS))
    assert result.agreement is not None
    assert result.agreement.icc2k == pytest.approx(15 / 17, abs=1e-6) and result.agreement.n_items == 4


def test_kendall_w_by_hand() -> None:
    # ranks (1 = lowest): r1 9,7,6,8 -> 4,2,1,3; r2 8,6,5,9 -> 3,2,1,4; r3 10,8,4,7 -> 4,3,1,2
    # rank sums R = 11, 7, 3, 9; mean m(n+1)/2 = 3*5/2 = 7.5; S = 3.5^2 + 0.5^2 + 4.5^2 + 1.5^2 = 35
    # W = 12 S / (m^2 (n^3 - n)) = 420 / (9 * 60) = 7/9
    x = np.array(list(WORKED.values()), dtype=float)
    assert average_ranks(x).tolist() == [[4, 2, 1, 3], [3, 2, 1, 4], [4, 3, 1, 2]]
    assert kendall_w(x) == pytest.approx(7 / 9)
    result = aggregate(flat_schema(), sheets("flat", WORKED, IDS))
    assert result.agreement is not None and result.agreement.kendall_w == pytest.approx(7 / 9, abs=1e-6)


def test_kendall_w_tie_correction_by_hand() -> None:
    # r1 5,5,3 -> ranks 2.5,2.5,1 (one tie of 2: T = 2^3-2 = 6); r2 4,3,3 -> 3,1.5,1.5 (T = 6)
    # R = 5.5, 4, 2.5; mean 2*4/2 = 4; S = 1.5^2 + 0 + 1.5^2 = 4.5
    # W = 12*4.5 / (m^2 (n^3-n) - m*sum T) = 54 / (4*24 - 2*12) = 54/72 = 0.75   (uncorrected: 54/96)
    x = np.array([[5, 5, 3], [4, 3, 3]], dtype=float)
    assert average_ranks(x).tolist() == [[2.5, 2.5, 1.0], [3.0, 1.5, 1.5]]
    assert kendall_w(x) == pytest.approx(0.75)


def test_outlier_rater_is_flagged_and_read_in_plain_language() -> None:
    # shares; per-item medians of all four raters: 0.75, 0.70, 0.85
    # distances: r1 (0.05+0+0.05)/3 = 0.033, r2 (0.05+0.1+0.05)/3 = 0.067, r3 0.033, r4 (0.45+0.5+0.45)/3 = 0.467
    # median distance (0.033+0.067)/2 = 0.05; r4 >= 0.15 and >= 2*0.05 -> outlier; nobody else is
    table = {"r1": [8, 7, 9], "r2": [8, 8, 9], "r3": [7, 7, 8], "r4": [3, 2, 4]}
    x = np.array(list(table.values()), dtype=float) / 10
    assert rater_deviations(x) == pytest.approx([0.1 / 3, 0.2 / 3, 0.1 / 3, 1.4 / 3])
    result = aggregate(flat_schema(3), sheets("flat", table, ["P.1", "P.2", "P.3"]))
    assert result.agreement is not None
    assert result.agreement.outlier_raters == ("r4",)
    assert "r4" in result.agreement.reading["zh-CN"] and "复核" in result.agreement.reading["zh-CN"]
    assert "r4" in result.agreement.reading["en"]


def test_agreement_reading_levels_and_undefined_cases() -> None:
    good = aggregate(flat_schema(), sheets("flat", WORKED, IDS)).agreement
    assert good is not None and "良好" in good.reading["zh-CN"] and "good" in good.reading["en"]
    assert "ICC(2,k) = 0.88" in good.reading["en"] and "W = 0.78" in good.reading["en"]
    alone = aggregate(flat_schema(), sheets("flat", {"r1": [9, 7, 6, 8]}, IDS)).agreement
    assert alone is not None and alone.icc2k is None and alone.kendall_w is None
    assert "只有一位评分者" in alone.reading["zh-CN"]
    same = aggregate(flat_schema(), sheets("flat", {"a": [5, 5, 5, 5], "b": [5, 5, 5, 5]}, IDS)).agreement
    assert same is not None and same.icc2k is None and same.kendall_w is None
    assert "identical" in same.reading["en"]
    # two raters who share only one scored point: too few items
    few = aggregate(flat_schema(2), [ScoreSheet("flat", "a", {"P.1": 3}),
                                     ScoreSheet("flat", "b", {"P.1": 4, "P.2": 1})])
    assert few.agreement is not None and few.agreement.n_items == 1 and few.agreement.icc2k is None


def test_comments_notes_and_sheet_info_are_kept() -> None:
    import datetime as dt

    made = dt.datetime(2024, 5, 17, 10, 30)
    result = aggregate(flat_schema(2), [
        ScoreSheet("flat", "王老师", {"P.1": 8, "P.2": 7}, lesson="L1", mode="live", made_at=made,
                   comments={"P.2": "追问不够", "overall": "整体流畅"},
                   notes=(TimedNote(t=750, text="齐答代替个别回答", indicator="P.2"),)),
        ScoreSheet("flat", "李老师", {"P.1": 9, "P.2": 6}, lesson="L1",
                   comments={"P.2": "候答时间短"}, notes=(TimedNote(t=120, text="导入有趣"),)),
    ])
    assert result.lesson == "L1" and result.raters == ("王老师", "李老师")
    assert result.comments == {"P.2": ("追问不够", "候答时间短"), "overall": ("整体流畅",)}
    assert [(n.t, n.rater, n.indicator) for n in result.notes] == [(120, "李老师", None), (750, "王老师", "P.2")]
    assert [(s.rater, s.mode, s.made_at) for s in result.sheets] == [("王老师", "live", made),
                                                                      ("李老师", "recording", None)]


def test_bad_sheets_raise_every_problem() -> None:
    with pytest.raises(RubricProblems) as caught:
        aggregate(flat_schema(2), [
            ScoreSheet("flat", "a", {"P.1": 11, "P.9": 1, "P": 3}),
            ScoreSheet("flat", "a", {"P.1": 1}),
            ScoreSheet("other", "b", {"P.1": 1}, mode="tv"),
        ])
    lines = caught.value.message("en").splitlines()
    assert any("P.1" in line and "outside 0-10" in line.replace("–", "-") for line in lines)
    assert any("P.9" in line and "no such indicator" in line for line in lines)
    assert any("indicator P:" in line and "not an observation point" in line for line in lines)
    assert any("rater a has more than one" in line for line in lines)
    assert any("rubric other" in line for line in lines)
    assert any("mode tv" in line for line in lines)
    assert len(lines) == 6
    with pytest.raises(RubricProblems, match="no score sheets"):
        aggregate(flat_schema(), [])
    with pytest.raises(RubricProblems, match="different lessons"):
        aggregate(flat_schema(1), [ScoreSheet("flat", "a", {}, lesson="x"), ScoreSheet("flat", "b", {}, lesson="y")])


scores_matrices = st.integers(2, 6).flatmap(lambda m: st.integers(2, 8).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 5), min_size=n, max_size=n), min_size=m, max_size=m)))


@settings(max_examples=150, deadline=None)
@given(scores_matrices)
def test_kendall_w_agrees_with_friedmans_test(rows: list[list[int]]) -> None:
    # Friedman's chi-square (ties corrected, as scipy computes it) = m (n - 1) W
    stats = pytest.importorskip("scipy.stats")
    x = np.array(rows, dtype=float)
    m, n = x.shape
    w = kendall_w(x)
    if w is None:  # every rater gave every item the same value
        assert all(len(set(r)) == 1 for r in rows)
        return
    assert 0.0 <= w <= 1.0 + 1e-12
    if n >= 3:
        chi2 = stats.friedmanchisquare(*x.T).statistic
        assert chi2 == pytest.approx(m * (n - 1) * w)


@settings(max_examples=150, deadline=None)
@given(scores_matrices, st.floats(0.1, 10), st.floats(-5, 5))
def test_icc_is_unit_free_and_at_most_one(rows: list[list[int]], scale: float, shift: float) -> None:
    x = np.array(rows, dtype=float)
    icc = icc2k(x)
    if icc is None:
        return
    assert icc <= 1.0 + 1e-9
    assert icc2k(x * scale + shift) == pytest.approx(icc, abs=1e-9)
    if np.ptp(x[0]) > 0:  # raters who agree exactly on items that differ: ICC 1
        assert icc2k(np.repeat(x[:1], 3, axis=0)) == pytest.approx(1.0)
