"""platform-9 metrics of a seven-sample lesson worked out by hand (see the comments for the sums)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonlens import Metrics, measure, read_coded_sheet
from lessonlens.core.metrics import CurveSummary, Episodes, Extreme, TimeRange

# t, teacher, listening, hand_raising, answering, reading_writing, peer_interaction
SHEET = """t,teacher,listening,hand_raising,answering,reading_writing,peer_interaction
0,lecturing,1,0,0,0,0
6,lecturing,0.8,0,0,0.2,0
12,teacher_student_interaction,0.5,0.5,0,0,0
18,teacher_student_interaction,10,0,30,0,0
24,patrolling,0,0,0,0.4,0.6
30,,,,,,
36,板书,0.5,0,0,0.5,0
"""


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "lesson.csv"
    path.write_text(SHEET, encoding="utf-8")
    return path


@pytest.fixture
def metrics(sheet: Path) -> Metrics:
    return measure(sheet, bin_seconds=12)


def test_sheet_codes_each_sample(sheet: Path) -> None:
    timeline = read_coded_sheet(sheet)
    assert timeline.scheme == "platform-9" and timeline.interval == 6.0
    assert [s.teacher for s in timeline.samples] == [
        "lecturing", "lecturing", "teacher_student_interaction", "teacher_student_interaction", "patrolling",
        None, "board_writing",
    ]
    # counts 10 listening / 30 answering are normalised; answering outweighs listening -> S
    assert timeline.samples[3].students["answering"] == 0.75
    assert "".join(s.st or "-" for s in timeline.samples) == "TTTSS-T"
    assert timeline.samples[5].students == {}


def test_rose_chart_shares(metrics: Metrics) -> None:
    # 6 samples with a teacher code: 2 lecturing, 1 board, 1 patrolling, 2 interaction
    assert metrics.shares["teacher_shares"] == pytest.approx(
        {"lecturing": 2 / 6, "board_writing": 1 / 6, "patrolling": 1 / 6, "teacher_student_interaction": 2 / 6},
        abs=1e-6)
    # mean over the 6 samples with students: listening (1 + .8 + .5 + .25 + 0 + .5) / 6 ...
    assert metrics.shares["student_shares"] == pytest.approx(
        {"listening": 3.05 / 6, "hand_raising": 0.5 / 6, "answering": 0.75 / 6, "reading_writing": 1.1 / 6,
         "peer_interaction": 0.6 / 6}, abs=1e-6)


def test_st_scalars(metrics: Metrics) -> None:
    # known S/T: T T T S S T -> N 6, N_T 4, runs TTT|SS|T = 3, Ch 2/6
    s = metrics.scalars
    assert (s["n_t"], s["n_s"], s["runs"]) == (4, 2, 3)
    assert s["rt"] == pytest.approx(4 / 6, abs=1e-6) and s["ch"] == pytest.approx(2 / 6, abs=1e-6)
    assert s["mode"] == "mixed" and s["duration"] == 42.0


def test_curves_per_sample_are_undefined_not_zero(metrics: Metrics) -> None:
    assert metrics.series["participation"].t == (0.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0)
    assert metrics.series["participation"].values == (1.0, 0.8, 1.0, 1.0, 0.6, None, 0.5)
    assert metrics.series["consistency"].values == (1.0, 0.8, 0.5, 0.75, 0.6, None, 0.5)
    # attention only where the teacher lectures, writes or interacts: not while patrolling
    assert metrics.series["attention"].values == (1.0, 0.8, 1.0, 1.0, None, None, 0.5)


def test_curves_per_bin_and_their_extremes(metrics: Metrics) -> None:
    assert metrics.series["participation_binned"].t == (0.0, 12.0, 24.0, 36.0)
    assert metrics.series["participation_binned"].values == (0.9, 1.0, 0.6, 0.5)
    assert metrics.series["attention_binned"].values == (0.9, 1.0, None, 0.5)
    assert metrics.summaries["participation"] == CurveSummary(
        mean=round(4.9 / 6, 6), max=Extreme(0.0, 1.0), min=Extreme(36.0, 0.5))
    assert metrics.summaries["consistency"].min == Extreme(12.0, 0.5)  # the first of the two minima
    assert metrics.scalars["attention_mean"] == 0.86  # (1 + .8 + 1 + 1 + .5) / 5


def test_episodes(metrics: Metrics) -> None:
    ep = metrics.episodes
    assert ep["lecturing"] == Episodes(1, 12.0, 12.0, (TimeRange(0.0, 12.0),))
    assert ep["teacher_student_interaction"] == Episodes(1, 12.0, 12.0, (TimeRange(12.0, 24.0),))
    assert ep["board_writing"].ranges == (TimeRange(36.0, 42.0),)
    # listening >= 10 % at samples 0-3 and 6 (the unknown sample 5 interrupts)
    assert ep["listening"] == Episodes(2, 30.0, 24.0, (TimeRange(0.0, 24.0), TimeRange(36.0, 42.0)))
    assert ep["reading_writing"].count == 3 and ep["reading_writing"].total == 18.0
    assert ep["answering"].ranges == (TimeRange(18.0, 24.0),)
    assert metrics.scalars["longest_lecture"] == 12.0
    # teacher changes lecturing->interaction and interaction->patrolling in 42 s
    assert metrics.scalars["teacher_switches_per_10min"] == pytest.approx(2 * 600 / 42, abs=1e-6)


def test_episode_threshold_is_an_option(sheet: Path) -> None:
    m = measure(sheet, options={"episode_min_share": 0.5})
    assert m.episodes["reading_writing"].count == 1  # only the 0.5 at 36 s
    assert "answering" in m.episodes and "hand_raising" in m.episodes


def test_timeline_bins(metrics: Metrics) -> None:
    table = metrics.tables["timeline"]
    assert table.columns == ("start", "end", "lecturing", "board_writing", "patrolling",
                             "teacher_student_interaction", "listening", "hand_raising", "answering",
                             "reading_writing", "peer_interaction")
    assert table.rows == (
        (0.0, 12.0, 2, 0, 0, 0, 1.8, 0.0, 0.0, 0.2, 0.0),
        (12.0, 24.0, 0, 0, 0, 2, 0.75, 0.5, 0.75, 0.0, 0.0),
        (24.0, 36.0, 0, 0, 1, 0, 0.0, 0.0, 0.0, 0.4, 0.6),
        (36.0, 42.0, 0, 1, 0, 0, 0.5, 0.0, 0.0, 0.5, 0.0),
    )


def test_default_bins_are_two_minutes(sheet: Path) -> None:
    m = measure(sheet)
    assert m.scalars["bin_seconds"] == 120.0
    assert m.tables["timeline"].rows == ((0.0, 42.0, 2, 1, 1, 2, 3.05, 0.5, 0.75, 1.1, 0.6),)


def test_records_are_flat_dicts_for_pandas(metrics: Metrics) -> None:
    records = metrics.to_records()
    assert records["timeline"][0]["lecturing"] == 2
    lecturing = metrics.shares["teacher_shares"]["lecturing"]
    assert {"group": "teacher_shares", "behaviour": "lecturing", "share": lecturing} in records["shares"]
    assert {"series": "participation", "t": 30.0, "value": None} in records["series"]
    assert {"behaviour": "lecturing", "start": 0.0, "end": 12.0} in records["episode_ranges"]
    row = metrics.to_row()
    assert row["rt"] == metrics.scalars["rt"] and row["teacher_shares.patrolling"] == pytest.approx(1 / 6, abs=1e-6)
    assert row["episodes.listening.count"] == 2
    assert all(not isinstance(v, dict | list | tuple) for v in row.values())


def test_a_bad_bin_option_is_an_input_error(sheet: Path) -> None:
    from lessonlens import InputError

    with pytest.raises(InputError, match="bin_seconds must be a positive number"):
        measure(sheet, bin_seconds=0)


def test_samples_out_of_order_or_before_zero_are_measured_in_time_order() -> None:
    from lessonlens import CodedSample, CodedTimeline, compute_metrics

    samples = (
        CodedSample(t=12.0, teacher="patrolling", students={"peer_interaction": 1.0}, st="S"),
        CodedSample(t=-6.0, teacher="lecturing", students={"listening": 1.0}, st="T"),
        CodedSample(t=6.0, teacher="lecturing", students={"listening": 1.0}, st="T"),
    )
    m = compute_metrics(CodedTimeline(scheme="platform-9", interval=6.0, samples=samples),
                        options={"bin_seconds": 12})
    assert m.tables["st_curve"].rows[-1] == (18.0, 2, 1)
    assert m.series["participation"].t == (-6.0, 6.0, 12.0)
    assert m.episodes["lecturing"].count == 2  # -6 and 6 are 12 s apart: a hole in the sampling
    assert [r[2] for r in m.tables["timeline"].rows] == [2, 0]  # lecturing per bin; t < 0 joins the first


def test_local_extrema_of_the_binned_curves(metrics: Metrics) -> None:
    # participation per 12-s bin: 0.9, 1.0, 0.6, 0.5 -> one peak at 12 s; consistency 0.9, 0.625, 0.6, 0.5
    assert metrics.tables["participation_extrema"].rows == ((12.0, 1.0, "max"),)
    assert metrics.scalars["participation_local_maxima"] == 1 and metrics.scalars["participation_local_minima"] == 0
    # attention 0.9, 1.0, None, 0.5: the undefined bin is skipped, 1.0 is still a peak
    assert metrics.tables["attention_extrema"].rows == ((12.0, 1.0, "max"),)


def test_turning_points_on_a_plateau_and_a_dip() -> None:
    from lessonlens.plugins.metrics.curves import turning_points

    table = turning_points((0.0, 1.0, 2.0, 3.0, 4.0, 5.0), (0.5, 0.8, 0.8, 0.3, None, 0.6))
    assert table.rows == ((1.0, 0.8, "max"), (3.0, 0.3, "min"))
