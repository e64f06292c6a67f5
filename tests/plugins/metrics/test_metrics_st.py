"""S-T analysis worked out by hand: Rt, Ch, runs, the mode regions, the S-T curve, 30-s re-sampling."""

from __future__ import annotations

import pytest

from lessonlens import CodedSample, CodedTimeline, compute_metrics
from lessonlens.plugins.metrics.st_analysis import ModeThresholds, teaching_mode


def st_timeline(codes: str, interval: float = 6.0, scheme: str = "st") -> CodedTimeline:
    """One sample per letter; ``-`` is a sample whose code is unknown."""
    samples = tuple(
        CodedSample(t=i * interval, code=None if c == "-" else c, st=None if c == "-" else c)
        for i, c in enumerate(codes)
    )
    return CodedTimeline(scheme=scheme, interval=interval, samples=samples)


def test_rt_ch_runs_and_mode_of_a_short_sequence() -> None:
    # T T S S S T T T S T : N = 10, N_T = 6, runs TT|SSS|TTT|S|T -> g = 5, Ch = 4/10
    m = compute_metrics(st_timeline("TTSSSTTTST"))
    s = m.scalars
    assert (s["n"], s["n_t"], s["n_s"], s["runs"]) == (10, 6, 4, 5)
    assert s["rt"] == 0.6 and s["ch"] == 0.4
    assert s["mode"] == "dialogue"  # 0.3 < Rt < 0.7 and Ch >= 0.4
    assert s["duration"] == 60.0
    assert s["switches_per_10min"] == 40.0  # 4 switches in one minute


def test_unknown_samples_are_left_out_of_n() -> None:
    # known codes T T S T (the '-' is dropped): N = 4, N_T = 3, runs TT|S|T = 3, Ch = 2/4
    s = compute_metrics(st_timeline("TT-ST")).scalars
    assert (s["n"], s["n_t"], s["runs"], s["rt"], s["ch"]) == (4, 3, 3, 0.75, 0.5)
    assert s["mode"] == "lecture"


def test_nothing_known_gives_undefined_not_zero() -> None:
    s = compute_metrics(st_timeline("---")).scalars
    assert s["rt"] is None and s["ch"] is None and s["mode"] is None
    assert s["n"] == 0 and s["switches_per_10min"] is None


@pytest.mark.parametrize(("rt", "ch", "mode"), [
    (0.55, 0.23, "mixed"),     # the source's case 1
    (0.3, 0.5, "practice"),    # Rt decides first: the chart's left band
    (0.7, 0.45, "lecture"),    # ... and its right band, even with Ch >= 0.4
    (0.31, 0.4, "dialogue"),
    (0.69, 0.39, "mixed"),
    (0.1, 0.0, "practice"),
    (0.95, 0.05, "lecture"),
])
def test_teaching_mode_regions(rt: float, ch: float, mode: str) -> None:
    assert teaching_mode(rt, ch) == mode


def test_teaching_mode_thresholds_are_configurable() -> None:
    assert teaching_mode(0.35, 0.1, ModeThresholds(practice=0.4)) == "practice"


def test_st_curve_steps_t_right_and_s_up_from_the_origin() -> None:
    table = compute_metrics(st_timeline("TTS-T")).tables["st_curve"]
    assert table.columns == ("t", "n_t", "n_s")
    assert table.rows == ((0.0, 0, 0), (6.0, 1, 0), (12.0, 2, 0), (18.0, 2, 1), (24.0, 2, 1), (30.0, 3, 1))


def test_rt_and_ch_resampled_to_30_seconds() -> None:
    # 6-s coding of 2 minutes (20 samples); an observer ticking at 0, 30, 60, 90 s notes the
    # samples 0, 5, 10, 15: T, S, T, T -> Rt 0.75, runs T|S|TT = 3, Ch = 2/4
    codes = "TTTTT" + "SSTTT" + "TSSSS" + "TTTTS"
    s = compute_metrics(st_timeline(codes)).scalars
    assert s["rt_30s"] == 0.75 and s["ch_30s"] == 0.5 and s["mode_30s"] == "lecture"
    assert s["rt"] == 0.65 and s["ch"] == 0.25  # 13/20 T; runs TTTTT|SS|TTTT|SSSS|TTTT|S = 6


def test_resampling_at_30_seconds_of_a_30_second_sheet_changes_nothing() -> None:
    s = compute_metrics(st_timeline("TSSTTSTS", interval=30.0)).scalars
    assert (s["rt_30s"], s["ch_30s"]) == (s["rt"], s["ch"])


def test_resample_interval_is_an_option() -> None:
    codes = "TS" * 10  # 6-s alternation; at 12 s every tick lands on a T
    s = compute_metrics(st_timeline(codes), options={"resample_seconds": 12}).scalars
    assert s["rt_30s"] == 1.0 and s["ch_30s"] == 0.0
    assert s["ch"] == 0.95
