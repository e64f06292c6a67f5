"""Properties every lesson's metrics keep, on random timelines (hypothesis), and a plain-Python
reference computation the vectorised plugins must agree with."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlens import CodedSample, CodedTimeline, compute_metrics
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS

teacher_codes = st.one_of(st.none(), st.sampled_from(TEACHER_BEHAVIOURS))
student_weights = st.one_of(
    st.just({}),
    st.lists(st.integers(0, 40), min_size=5, max_size=5).map(
        lambda counts: {b: c / sum(counts) for b, c in zip(STUDENT_BEHAVIOURS, counts, strict=True)}
        if sum(counts) else {}),
)
st_codes = st.one_of(st.none(), st.sampled_from("ST"))


@st.composite
def platform9_timelines(draw: st.DrawFn) -> CodedTimeline:
    n = draw(st.integers(0, 120))
    interval = draw(st.sampled_from([3.0, 6.0, 10.0, 30.0]))
    samples = tuple(
        CodedSample(t=i * interval, teacher=draw(teacher_codes), students=draw(student_weights), st=draw(st_codes))
        for i in range(n)
    )
    return CodedTimeline(scheme="platform-9", interval=interval, samples=samples)


@st.composite
def st_timelines(draw: st.DrawFn) -> CodedTimeline:
    codes = draw(st.lists(st.sampled_from("ST"), min_size=1, max_size=300))
    samples = tuple(CodedSample(t=i * 6.0, code=c, st=c) for i, c in enumerate(codes))
    return CodedTimeline(scheme="st", interval=6.0, samples=samples)


@settings(max_examples=150, deadline=None)
@given(platform9_timelines())
def test_shares_sum_to_one(timeline: CodedTimeline) -> None:
    m = compute_metrics(timeline)
    for group in ("teacher_shares", "student_shares"):
        if group in m.shares:
            assert sum(m.shares[group].values()) == pytest.approx(1.0, abs=1e-5)
            assert all(0.0 <= v <= 1.0 for v in m.shares[group].values())
    assert ("teacher_shares" in m.shares) == any(s.teacher for s in timeline.samples)
    assert ("student_shares" in m.shares) == any(s.students for s in timeline.samples)


@settings(max_examples=120, deadline=None)
@given(platform9_timelines())
def test_ch_bounds_and_the_st_curve_end(timeline: CodedTimeline) -> None:
    m = compute_metrics(timeline)
    s = m.scalars
    n = s["n"]
    assert isinstance(n, int)
    if n == 0:
        assert s["rt"] is None and s["ch"] is None
        return
    rt, ch = s["rt"], s["ch"]
    assert isinstance(rt, float) and isinstance(ch, float)
    assert 0.0 <= ch <= 1.0 and 0.0 <= rt <= 1.0
    assert ch <= 2 * min(rt, 1 - rt) + 1 / n + 1e-6
    curve = m.tables["st_curve"].rows
    assert curve[0] == (0.0, 0, 0)
    assert curve[-1][1:] == (s["n_t"], s["n_s"])
    assert len(curve) == len(timeline.samples) + 1


@settings(max_examples=150, deadline=None)
@given(st_timelines())
def test_recoding_s_as_t_maps_rt_to_one_minus_rt(timeline: CodedTimeline) -> None:
    swap = {"S": "T", "T": "S"}
    flipped = attrs.evolve(timeline, samples=tuple(
        attrs.evolve(s, code=swap[s.code or ""], st=swap[s.st or ""]) for s in timeline.samples))
    a, b = compute_metrics(timeline).scalars, compute_metrics(flipped).scalars
    assert isinstance(a["rt"], float) and isinstance(b["rt"], float)
    assert b["rt"] == pytest.approx(1 - a["rt"], abs=1e-6)
    assert b["ch"] == a["ch"] and b["runs"] == a["runs"]
    mirror = {"practice": "lecture", "lecture": "practice", "dialogue": "dialogue", "mixed": "mixed"}
    if a["rt"] not in (0.3, 0.7):  # on a boundary the <=/>= choice is not symmetric
        assert b["mode"] == mirror[str(a["mode"])]


def reference(timeline: CodedTimeline) -> dict[str, object]:
    """The SPEC.md definitions computed sample by sample in plain Python."""
    # a sample without its own S/T code takes the scheme's mapping of its teacher behaviour, if any
    mapping = {"lecturing": "T", "board_writing": "T", "patrolling": "S"}
    codes = [c for s in timeline.samples if (c := s.st or mapping.get(s.teacher or ""))]
    runs = sum(1 for i, c in enumerate(codes) if i == 0 or c != codes[i - 1])
    with_students = [s for s in timeline.samples if s.students]
    participation = [1 - s.students.get("reading_writing", 0.0) for s in with_students]
    attention = [sum(s.students.get(b, 0.0) for b in ("listening", "hand_raising", "answering"))
                 for s in with_students if s.teacher in ("lecturing", "board_writing", "teacher_student_interaction")]
    lecture_runs, current = [0], 0
    for s in timeline.samples:
        current = current + 1 if s.teacher == "lecturing" else 0
        lecture_runs.append(current)
    return {
        "rt": codes.count("T") / len(codes) if codes else None,
        "ch": (runs - 1) / len(codes) if codes else None,
        "participation_mean": sum(participation) / len(participation) if participation else None,
        "attention_mean": sum(attention) / len(attention) if attention else None,
        "longest_lecture": max(lecture_runs) * timeline.interval
        if any(s.teacher for s in timeline.samples) else None,
    }


@settings(max_examples=150, deadline=None)
@given(platform9_timelines())
def test_vectorised_metrics_match_the_plain_definitions(timeline: CodedTimeline) -> None:
    got = compute_metrics(timeline).scalars
    for key, want in reference(timeline).items():
        if want is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(want, abs=1e-5), key


@settings(max_examples=100, deadline=None)
@given(platform9_timelines(), st.sampled_from([30.0, 60.0, 120.0, 300.0]))
def test_timeline_bins_account_for_every_sample(timeline: CodedTimeline, width: float) -> None:
    m = compute_metrics(timeline, options={"bin_seconds": width})
    rows = m.tables["timeline"].rows
    teacher_total = sum(sum(r[2:6]) for r in rows)
    assert teacher_total == sum(1 for s in timeline.samples if s.teacher)
    student_total = sum(sum(r[6:]) for r in rows)
    assert student_total == pytest.approx(sum(1 for s in timeline.samples if s.students), abs=1e-3 * (len(rows) + 1))
    assert all(r[1] - r[0] <= width + 1e-9 for r in rows)
    binned = m.series["participation_binned"]
    assert len(binned.t) == len(rows)


def reference_runs(timeline: CodedTimeline, behaviour: str) -> list[tuple[float, float]]:
    """Runs of one teacher behaviour, split by unknown samples and by holes in the sampling."""
    runs: list[tuple[float, float]] = []
    previous_t: float | None = None
    previous_on = False
    for s in timeline.samples:
        on = s.teacher == behaviour
        hole = previous_t is not None and s.t - previous_t > 1.5 * timeline.interval
        if on and runs and not hole and previous_on:
            runs[-1] = (runs[-1][0], s.t + timeline.interval)
        elif on:
            runs.append((s.t, s.t + timeline.interval))
        previous_t, previous_on = s.t, on
    return runs


@st.composite
def gappy_timelines(draw: st.DrawFn) -> CodedTimeline:
    steps = draw(st.lists(st.sampled_from([6.0, 6.0, 6.0, 12.0, 30.0]), min_size=0, max_size=80))
    times = [sum(steps[:i]) for i in range(len(steps))]
    return CodedTimeline(scheme="platform-9", interval=6.0, samples=tuple(
        CodedSample(t=t, teacher=draw(teacher_codes)) for t in times))


@settings(max_examples=150, deadline=None)
@given(gappy_timelines())
def test_episodes_match_plain_runs_with_holes_in_the_sampling(timeline: CodedTimeline) -> None:
    episodes = compute_metrics(timeline).episodes
    for behaviour in TEACHER_BEHAVIOURS:
        want = reference_runs(timeline, behaviour)
        if not want:
            assert behaviour not in episodes
            continue
        got = episodes[behaviour]
        assert [(r.start, r.end) for r in got.ranges] == want
        assert got.count == len(want) and got.longest == max(b - a for a, b in want)
