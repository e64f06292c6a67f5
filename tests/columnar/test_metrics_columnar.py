"""Columnar timelines (numpy columns, samples made on first read) and the lazy tuples metrics hand out.

A timeline made with ``columnar_timeline`` must measure exactly like the same lesson made of
CodedSample objects, save and load as the same document, and reject malformed columns.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlens import (
    CodedSample,
    CodedTimeline,
    LazyTuple,
    Metrics,
    Series,
    TimeRange,
    columnar_timeline,
    compute_metrics,
    compute_metrics_many,
    dumps,
    loads,
    to_dict,
)
from lessonlens.core.metrics import Episodes, Table
from lessonlens.core.timeline import STUDENT_BEHAVIOURS, TEACHER_BEHAVIOURS

# -- LazyTuple ------------------------------------------------------------------------------------


def test_a_lazy_tuple_is_made_once_on_first_read_and_behaves_as_its_tuple() -> None:
    calls = []

    def make() -> tuple[int, ...]:
        calls.append(1)
        return (3, 1, 2)

    lazy = LazyTuple(make, 3)
    assert len(lazy) == 3 and not lazy.made and calls == []  # the length is known without making it
    assert lazy == (3, 1, 2) and (3, 1, 2) == lazy and lazy != (3, 1)  # noqa: SIM300 (both sides on purpose)
    assert lazy.made and calls == [1]
    assert lazy[0] == 3 and lazy[1:] == (1, 2) and list(lazy) == [3, 1, 2] and 2 in lazy
    assert hash(lazy) == hash((3, 1, 2)) and repr(lazy) == "(3, 1, 2)"
    assert lazy == LazyTuple(lambda: (3, 1, 2), 3)
    assert pickle.loads(pickle.dumps(lazy)) == (3, 1, 2)
    assert calls == [1]


def test_a_lazy_tuple_that_makes_another_length_than_announced_fails_loudly() -> None:
    with pytest.raises(ValueError, match="announced 2 items and made 3"):
        LazyTuple(lambda: (1, 2, 3), 2).items()


def test_a_lazy_tuple_read_by_many_threads_at_once_gives_each_the_same_items() -> None:
    import threading
    import time

    def make() -> tuple[int, ...]:
        time.sleep(0.01)  # long enough for every thread to find the tuple not made yet
        return tuple(range(100))

    lazy = LazyTuple(make, 100)
    seen: list[tuple[int, ...]] = []
    threads = [threading.Thread(target=lambda: seen.append(lazy.items())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and all(items == tuple(range(100)) for items in seen) and lazy.made


def test_metrics_parts_accept_lazy_tuples_and_save_as_plain_lists() -> None:
    ranges = LazyTuple(lambda: (TimeRange(0.0, 12.0), TimeRange(30.0, 36.0)), 2)
    metrics = Metrics(
        scheme="platform-9", interval=6.0, n_samples=6,
        series={"participation": Series(t=LazyTuple(lambda: (0.0, 6.0), 2), values=LazyTuple(lambda: (0.5, None), 2))},
        episodes={"answering": Episodes(count=2, total=18.0, longest=12.0, ranges=ranges)},
        tables={"st_curve": Table(columns=("t", "n_t", "n_s"), rows=LazyTuple(lambda: ((0.0, 0, 0), (6.0, 1, 0)), 2))},
    )
    data = to_dict(metrics)
    assert data["series"]["participation"] == {"t": [0.0, 6.0], "values": [0.5, None]}
    assert data["episodes"]["answering"]["ranges"] == [{"start": 0.0, "end": 12.0}, {"start": 30.0, "end": 36.0}]
    assert data["tables"]["st_curve"]["rows"] == [[0.0, 0, 0], [6.0, 1, 0]]
    back = loads(dumps(metrics))
    assert back == metrics  # plain tuples after loading, equal to the lazy ones
    assert isinstance(back.series["participation"].values, tuple)


# -- columnar timelines ---------------------------------------------------------------------------


def _objects(timeline: CodedTimeline) -> CodedTimeline:
    return CodedTimeline(scheme=timeline.scheme, interval=timeline.interval, samples=tuple(timeline.samples),
                         st_mapping=timeline.st_mapping, coder=timeline.coder)


def test_a_columnar_timeline_makes_its_samples_only_when_read() -> None:
    timeline = columnar_timeline(
        "platform-9", 6.0, [0.0, 6.0, 12.0],
        teacher=[0, -1, 3],
        students=[[3, 1, 0, 0, 0], [0, 0, 0, 0, 0], [np.nan, 0, 0, 0, 0]],  # counts are normalised; NaN unknown
        st=["T", None, "S"], confidence=[0.9, 0.5, 1.0],
    )
    assert len(timeline.samples) == 3 and not timeline.samples.made  # type: ignore[attr-defined]
    first, second, third = timeline.samples
    assert first == CodedSample(t=0.0, teacher="lecturing", students={
        "listening": 0.75, "hand_raising": 0.25, "answering": 0.0, "reading_writing": 0.0, "peer_interaction": 0.0},
        st="T", confidence=0.9)
    assert second == CodedSample(t=6.0, confidence=0.5)
    assert third == CodedSample(t=12.0, teacher="teacher_student_interaction", st="S")


def test_columns_may_name_codes_and_come_out_of_order() -> None:
    timeline = columnar_timeline("platform-9", 6.0, [12.0, 0.0, 6.0],
                                 teacher=["patrolling", "lecturing", None], st=[0, 1, -1])
    assert [s.t for s in timeline.samples] == [0.0, 6.0, 12.0]
    assert [s.teacher for s in timeline.samples] == ["lecturing", None, "patrolling"]
    assert [s.st for s in timeline.samples] == ["T", None, "S"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"teacher": [0, 1]}, "teacher must have one value per sample"),
    ({"teacher": [0, 9, 1]}, "teacher indices must lie in -1..3"),
    ({"teacher": ["lecturing", "dancing", None]}, "teacher has codes outside"),
    ({"students": [[1, 0, 0, 0, -1]] * 3}, "must not be negative"),
    ({"st": ["T", "X", "S"]}, "st has codes outside"),
    ({"code": ["1", "2", "3"]}, "code has codes outside"),
])
def test_malformed_columns_are_refused_with_what_is_wrong(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        columnar_timeline("platform-9", 6.0, [0.0, 6.0, 12.0], **kwargs)  # type: ignore[arg-type]


def test_the_st_mapping_fills_unknown_st_codes_of_columns_as_for_samples() -> None:
    # no st column: lecturing and board writing are T, patrolling S by the scheme's mapping
    timeline = columnar_timeline("platform-9", 6.0, [0.0, 6.0, 12.0, 18.0], teacher=[0, 1, 2, 0])
    m = compute_metrics(timeline)
    assert (m.scalars["n_t"], m.scalars["n_s"]) == (3, 1)
    assert m.scalars == compute_metrics(_objects(timeline)).scalars


def test_a_columnar_fias_timeline_with_code_ids() -> None:
    codes = ["5", "5", "4", "8", "8", "10", None, "5"]
    ids = tuple(str(i) for i in range(1, 11))
    timeline = columnar_timeline("fias", 3.0, np.arange(8) * 3.0, code=codes, code_ids=ids)
    m = compute_metrics(timeline)
    assert m.scalars["fias_teacher_talk"] == pytest.approx(4 / 7)
    matrix = {row[0]: row[1:] for row in m.tables["fias_matrix"].rows}
    assert matrix["5"][ids.index("5")] == 1 and matrix["5"][ids.index("4")] == 1 and matrix["8"][ids.index("10")] == 1
    assert to_dict(m) == to_dict(compute_metrics(_objects(timeline)))


shares_rows = st.one_of(
    st.just([0, 0, 0, 0, 0]),
    st.lists(st.integers(0, 30), min_size=5, max_size=5),
)


@st.composite
def platform9_columns(draw: st.DrawFn) -> CodedTimeline:
    n = draw(st.integers(0, 90))
    interval = draw(st.sampled_from([3.0, 6.0, 30.0]))
    steps = draw(st.lists(st.sampled_from([1, 1, 1, 1, 3]), min_size=n, max_size=n))  # some holes
    t = np.cumsum([0, *steps[1:]]) * interval if n else np.zeros(0)
    teacher = draw(st.lists(st.integers(-1, len(TEACHER_BEHAVIOURS) - 1), min_size=n, max_size=n))
    students = draw(st.lists(shares_rows, min_size=n, max_size=n))
    st_codes = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n))
    return columnar_timeline("platform-9", interval, t, teacher=np.array(teacher, dtype=np.int64),
                             students=np.array(students, dtype=np.float64).reshape(n, len(STUDENT_BEHAVIOURS)),
                             st=np.array(st_codes, dtype=np.int64))


@settings(max_examples=80, deadline=None)
@given(platform9_columns(), st.sampled_from([None, {"bin_seconds": 60}, {"episode_min_share": 0.3}]))
def test_a_columnar_timeline_measures_and_saves_exactly_like_its_samples(
    timeline: CodedTimeline, options: dict[str, float] | None,
) -> None:
    from_columns = compute_metrics(timeline, options=options)
    from_objects = compute_metrics(_objects(timeline), options=options)
    assert to_dict(from_columns) == to_dict(from_objects)
    assert from_columns == from_objects
    assert loads(dumps(timeline)) == _objects(timeline)  # a columnar timeline saves as its samples


# -- many lessons at once -------------------------------------------------------------------------


def _lesson(seed: int, n: int = 60, interval: float = 6.0, scheme: str = "platform-9") -> CodedTimeline:
    rng = np.random.default_rng(seed)
    t = np.arange(n) * interval
    if scheme != "platform-9":
        return columnar_timeline(scheme, interval, t, code=rng.choice(["S", "T", None], n), code_ids=("T", "S"))
    teacher = rng.integers(-1, 4, n)
    students = rng.integers(0, 5, (n, 5)) * (rng.random((n, 1)) < 0.9)
    return columnar_timeline(scheme, interval, t, teacher=teacher, students=students)


def test_many_lessons_measured_at_once_equal_each_measured_alone() -> None:
    holes = _lesson(5)
    holes = columnar_timeline("platform-9", 6.0, np.r_[np.arange(20) * 6.0, 300 + np.arange(40) * 6.0],
                              teacher=holes.samples.columns.teacher,  # type: ignore[attr-defined]
                              students=holes.samples.columns.shares.T)  # type: ignore[attr-defined]
    lessons = [
        _lesson(1), _lesson(2), _objects(_lesson(3)),  # one grid, columns and objects mixed
        _lesson(4, n=75), holes,  # other grids
        _lesson(6, n=40, interval=30.0, scheme="st"), _lesson(7), _lesson(8, n=0),
    ]
    for options in (None, {"bin_seconds": 60, "episode_min_share": 0.25}):
        together = compute_metrics_many(lessons, options=options)
        alone = [compute_metrics(lesson, options=options) for lesson in lessons]
        assert [to_dict(m) for m in together] == [to_dict(m) for m in alone]
    assert [m.scheme for m in together] == [lesson.scheme for lesson in lessons]
    assert compute_metrics_many([]) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.9])), min_size=0, max_size=12),
                min_size=1, max_size=6))
def test_turning_points_of_many_curves_at_once_match_a_plain_count(curves: list[list[float | None]]) -> None:
    from lessonlens.plugins.metrics.curves import turn_counts

    width = max(len(c) for c in curves)
    values = np.array([[np.nan if v is None else v for v in c] + [np.nan] * (width - len(c)) for c in curves])
    maxima, minima = turn_counts(values)
    for curve, n_max, n_min in zip(curves, maxima.tolist(), minima.tolist(), strict=True):
        points = [v for v in curve if v is not None]
        triples = list(zip(points, points[1:], points[2:], strict=False))
        assert n_max == sum(1 for a, b, c in triples if b > a and b >= c)
        assert n_min == sum(1 for a, b, c in triples if b < a and b <= c)
