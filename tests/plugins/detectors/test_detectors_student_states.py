"""student-states: the shipped ONNX model on drawn and real classrooms, seat tracking and smoothing,
and the per-student observations the platform-9 coder counts."""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
import pytest

pytest.importorskip("cv2")
pytest.importorskip("onnxruntime")

from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue, StudentObservation
from lessonlens.core.plugins import get_manager
from lessonlens.media import MediaUnavailable
from lessonlens.perception.frame_eval import evaluate_frames, read_class_map
from lessonlens.plugins.detectors import student_states as ss
from tests.support.vision_scenes import write_video

REAL = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "real-classroom"
SETTINGS = ss.Settings(head=0.3, hand=0.4)


def head(x: float, y: float, state: str = "front", size: float = 40.0, sure: float = 0.9) -> ss.Head:
    probs = [(1 - sure) / 3] * 4
    probs[ss.STATE_ORDER.index(state)] = sure
    return ss.Head(x, y, size, size, 0.8, (probs[0], probs[1], probs[2], probs[3]))


def hand_beside(h: ss.Head, score: float) -> ss.Hand:
    return ss.Hand(h.x + 0.9 * h.w, h.y - 0.8 * h.h, 15, 30, score)


def classroom(states: list[str]) -> np.ndarray:
    """lessonlens's synthetic student camera (5 rows of 8, real lfw faces) with these states."""
    from lessonlens.synth import scenes

    frame = np.empty((scenes.H, scenes.W, 3), dtype=np.uint8)
    frame[:] = np.linspace(200, 225, scenes.H, dtype=np.uint8)[:, None, None] * np.array([0.92, 0.95, 1.0])
    for index, state in enumerate(states):
        scenes.StudentCamera._student(frame, index, index // scenes.COLS, index % scenes.COLS, state)
    return frame


def test_a_hand_belongs_to_the_head_beside_or_below_it() -> None:
    heads = [head(100, 100), head(200, 100), head(100, 200)]
    assert ss.owner(ss.Hand(140, 60, 15, 30, 0.9), heads) == 0
    assert ss.owner(ss.Hand(140, 160, 15, 30, 0.9), heads) == 2  # beside the front-row head, not below the other
    assert ss.owner(ss.Hand(600, 60, 15, 30, 0.9), heads) is None
    weak = ss.Head(600, 100, 40, 40, 0.2, (0.0, 0.0, 0.0, 1.0))  # a head peak below the student threshold
    hands = [ss.Hand(140, 60, 15, 30, 0.9), ss.Hand(640, 60, 15, 30, 0.9), ss.Hand(240, 60, 15, 30, 0.1),
             ss.Hand(900, 60, 15, 30, 0.9)]
    found = ss.readings([*heads, weak], hands, ss.Settings(head=0.3, hand=0.4, owner=0.15))
    # the weak hand does not count; the hand with no head at all (burnt-in text) is nobody's
    assert [r.raised for r in found] == [True, False, False, True]
    assert found[3].state is None and found[3].box == weak.box and found[3].hand is not None


def test_hands_are_assigned_jointly_one_per_student() -> None:
    # seen from the front, the hand of a front-row student rises beside the head of the one behind:
    # taken one by one, both hands below fall to the back-row head and the front-row student counts none
    back, front = head(100, 100), head(100, 190)
    own_hand = ss.Hand(140, 40, 15, 30, 0.9)  # the back-row student's, above their head
    front_hand = ss.Hand(140, 110, 15, 30, 0.9)  # the front-row student's, beside the back-row head
    assert ss.owner(front_hand, [back, front]) == 0  # alone, the nearest head takes it
    assert ss.hand_owners([own_hand, front_hand], [back, front]) == [0, 1]
    found = ss.readings([back, front], [own_hand, front_hand], SETTINGS)
    assert [r.raised for r in found] == [True, True]
    # the same over a lesson: both seats raised at the instant, not one
    frames = [([back, front], []), ([back, front], [own_hand, front_hand]), ([back, front], [])]
    _, rows = ss.track(frames, SETTINGS, min_support=1)
    assert [r.raised for r in rows[1]] == [True, True] and not any(r.raised for r in rows[0] + rows[2])


def test_the_hungarian_assignment_is_minimal() -> None:
    from itertools import permutations

    from lessonlens.plugins.detectors import student_hands

    rng = np.random.default_rng(3)
    for rows, cols in ((1, 1), (3, 3), (4, 6), (5, 7)):
        cost = rng.uniform(0, 10, (rows, cols))
        got = student_hands.min_cost_assignment(cost)
        assert len(set(got)) == rows
        best = min(sum(cost[i, j] for i, j in enumerate(p)) for p in permutations(range(cols), rows))
        assert sum(cost[i, j] for i, j in enumerate(got)) == pytest.approx(best)
    assert student_hands.owners([(0.0, 0.0)], []) == [None]


def test_two_peaks_along_one_forearm_are_one_hand() -> None:
    heat = np.zeros((2, 40, 40), np.float32)
    heat[1, 10, 20], heat[1, 15, 20] = 0.5, 0.45  # one forearm, two peaks 5 cells apart
    heat[1, 10, 32] = 0.5  # another student's hand
    size = np.full((2, 40, 40), np.log(40.0), np.float32)
    size[1] = np.log(80.0)  # the forearm's box is tall
    cv2 = pytest.importorskip("cv2")
    _, hands = ss.decode(cv2, heat, np.zeros((4, 40, 40), np.float32), size, 1.0, SETTINGS)
    assert sorted((h.x, h.y) for h in hands) == [(82.0, 42.0), (130.0, 42.0)]


def test_a_class_with_most_hands_up_reads_them_all() -> None:
    # the synthetic lessons' questioning: 60 % of the class raise a hand at once
    import random

    read = get_manager().detector("student-states").frame_reader()  # type: ignore[attr-defined]
    for seed in (1, 2):
        states = ["listening"] * 40
        raised = random.Random(seed).sample(range(40), 24)
        for i in raised:
            states[i] = "hand_raising"
        found = read(classroom(states))
        assert sum(r.raised for r in found) == 24


def test_a_hand_raised_all_lesson_long_is_something_fixed() -> None:
    seat = head(100, 100)
    frames = [([head(100, 100)], [hand_beside(seat, 0.9)]) for _ in range(8)]
    _, rows = ss.track(frames, SETTINGS)
    assert not any(r[0].raised for r in rows)


def test_tracking_smooths_without_inventing() -> None:
    seats = [head(100, 100), head(200, 100), head(300, 100)]
    frames: list[tuple[list[ss.Head], list[ss.Hand]]] = []
    for t in range(6):
        heads = [head(100 + t % 2, 100, "down" if t == 2 else "front"),  # one clear instant of head down
                 head(200, 100, "down" if t == 4 else "front", sure=0.4 if t == 4 else 0.9),  # an unsure blip
                 head(300, 100 if t != 4 else 55, "front")]  # standing up at t=4
        hands = []
        if t in (1, 2):
            hands.append(hand_beside(seats[1], 0.35))  # a weak hand two instants running: raised
        if t == 1:
            hands.append(hand_beside(seats[0], 0.3))  # a weak single blip (scratching a head): not raised
        if t == 5:
            hands.append(hand_beside(seats[0], 0.9))  # a clear single raise: raised
        frames.append((heads if t != 3 else heads[:1] + heads[2:], hands))  # seat 2 unseen at t=3
    found, rows = ss.track(frames, SETTINGS)
    assert len(found) == 3
    assert [r[0].state for r in rows] == ["front", "front", "down", "front", "front", "front"]
    assert [r[1].state for r in rows] == ["front"] * 6  # the blip smoothed away; unseen at t=3, neighbours agree
    assert rows[3][1].box is None and rows[3][1].confidence < 0.5
    assert [r[2].standing for r in rows] == [False] * 4 + [True, False]
    assert [r[1].raised for r in rows] == [False, True, True, False, False, False]
    assert [r[0].raised for r in rows] == [False] * 5 + [True]


def test_unseen_with_disagreeing_neighbours_is_unknown() -> None:
    frames = [([head(100, 100, "front")], []), ([], []), ([head(100, 100, "down")], [])]
    _, rows = ss.track(frames, SETTINGS, min_support=1)
    assert rows[1][0].state == ""
    obs = ss.observations_at(6.0, [ss.Seat(100, 100, 40, 2)], rows[1], (1280, 720))
    assert [o for o in obs if isinstance(o, BehaviourCue)] == []  # no share from an unseen class
    assert [o.state for o in obs if isinstance(o, StudentObservation)] == [""]


def test_the_model_reads_a_drawn_classroom() -> None:
    states = ["listening"] * 40
    for i in range(0, 40, 4):
        states[i] = "reading_writing"
    states[9] = states[22] = states[30] = "hand_raising"
    read = get_manager().detector("student-states").frame_reader()  # type: ignore[attr-defined]
    found = read(classroom(states))
    heads = [r for r in found if r.state is not None]
    assert 34 <= len(heads) <= 44
    assert 7 <= sum(r.state == "down" for r in heads) <= 13
    assert 2 <= sum(r.raised for r in found) <= 4


def test_detect_tracks_the_student_video(tmp_path: Path) -> None:
    listening = ["listening"] * 40
    bowed = ["reading_writing" if i % 2 else "listening" for i in range(40)]
    video = write_video(tmp_path / "students.mp4", [classroom(listening), classroom(listening), classroom(bowed)],
                        hold=6.0)
    request = DetectRequest(lesson=LessonMeta(id="s"), media=(MediaSource(str(video), "students"),),
                            instants=(0.0, 6.0, 12.0))
    found = list(get_manager().detector("student-states").detect(request))
    shares = {(c.t, c.behaviour): c.share for c in found if isinstance(c, BehaviourCue)}
    assert shares[(0.0, "listening")] >= 0.85
    assert 0.3 <= shares[(12.0, "reading_writing")] <= 0.7
    people = {o.person for o in found if isinstance(o, StudentObservation)}
    assert 34 <= len(people) <= 44


@pytest.mark.skipif(not (REAL / "cctv-heads" / "test").is_dir(), reason="no ../shared/data/real-classroom")
def test_real_classrooms_meet_the_measured_figures() -> None:
    read = get_manager().detector("student-states").frame_reader()  # type: ignore[attr-defined]
    heads = evaluate_frames(REAL / "cctv-heads" / "test", read, "student-states", "yolo", read_class_map("cctv-heads"))
    assert heads.down_up_f1 is not None and heads.down_up_f1 >= 0.75
    for state in ("front", "down"):
        assert heads.shares[state]["mae"] < heads.shares[state]["prior_mae"]  # type: ignore[operator]
    hands = evaluate_frames(REAL / "raised-hands" / "test", read, "student-states", "yolo",
                            read_class_map("raised-hands"))
    assert hands.any_hand is not None and (hands.any_hand["recall"] or 0) >= 0.7


def test_a_camera_that_sees_no_student_is_unavailable(tmp_path: Path) -> None:
    empty = classroom([])
    video = write_video(tmp_path / "empty.mp4", [empty, empty], hold=6.0)
    request = DetectRequest(lesson=LessonMeta(id="s"), media=(MediaSource(str(video), "students"),),
                            instants=(0.0, 6.0))
    with pytest.raises(MediaUnavailable, match="no student is visible"):
        list(get_manager().detector("student-states").detect(request))


def test_a_student_standing_up_is_read_against_their_own_seat(tmp_path: Path) -> None:
    # standing has no real labels (the sets have none): it is read from a head well above the seat
    # where that student's head is found at the other instants, and tested here on drawn frames
    from lessonlens.synth import scenes

    seated = ["listening"] * 40
    standing = list(seated)
    standing[10] = standing[27] = "answering"  # rows 1 and 3, columns 2 and 3
    video = write_video(tmp_path / "students.mp4", [classroom(seated), classroom(seated), classroom(standing),
                                                    classroom(seated)], hold=6.0)
    request = DetectRequest(lesson=LessonMeta(id="s"), media=(MediaSource(str(video), "students"),),
                            instants=(0.0, 6.0, 12.0, 18.0))
    found = list(get_manager().detector("student-states").detect(request))
    up = [o for o in found if isinstance(o, StudentObservation) and o.standing]
    assert {o.t for o in up} == {12.0} and len(up) == 2
    columns = sorted(round(((o.box.x + o.box.w / 2) * scenes.W - 80) / 160) for o in up)
    assert columns == [2, 3]
    answering = [c for c in found if isinstance(c, BehaviourCue) and c.behaviour == "answering"]
    assert [(c.t, c.share) for c in answering] == [(12.0, 0.05)]


def test_a_head_bowed_lower_than_it_looks_up_is_one_seat() -> None:
    # a student bowed over a book half the lesson: their head sits 0.45 of a head lower then
    frames = [[head(100, 100 + (18 if t % 2 else 0), "down" if t % 2 else "front"), head(200, 100)]
              for t in range(10)]
    seats = ss.find_seats(frames, min_support=2)
    assert len(seats) == 2 and [s.support for s in seats] == [10, 10]
    # stray single peaks (one instant each, anywhere) make no seat and join none
    stray = [[*heads, head(50 + 37 * t, 300 - 11 * t)] for t, heads in enumerate(frames)]
    assert sorted((s.x, s.support) for s in ss.find_seats(stray, min_support=2)) == [(100, 10), (200, 10)]


def test_a_whole_class_standing_up_is_read_as_standing() -> None:
    # three rows in one column, rows 45 px apart; a chorus: everyone stands, heads 0.9 of a head up,
    # so each standing head is near the seat behind (taken seat by seat: read seated one row back)
    rows = [(100.0, 36.0), (145.0, 40.0), (190.0, 44.0)]
    seated = [head(300, y, size=size) for y, size in rows]
    standing = [head(300, y - 0.9 * size, size=size) for y, size in rows]
    frames: list[tuple[list[ss.Head], list[ss.Hand]]] = [(seated, [])] * 4 + [(standing, [])] + [(seated, [])] * 3
    seats, readings = ss.track(frames, SETTINGS)
    assert len(seats) == 3
    assert [r.standing for r in readings[4]] == [True, True, True]
    assert not any(r.standing for t, row in enumerate(readings) if t != 4 for r in row)
    # one student standing up with the class seated: theirs alone
    one = [seated[0], standing[1], seated[2]]
    _, readings = ss.track([(seated, [])] * 4 + [(one, [])], SETTINGS)
    assert [r.standing for r in readings[4]] == [False, True, False]


def test_the_head_region_follows_size_and_context() -> None:
    cv2 = pytest.importorskip("cv2")
    columns = np.tile(np.arange(400, dtype=np.uint8)[None, :, None] // 2, (400, 1, 3))  # value = x / 2
    for context, left in ((1.0, 100 - 16), (2.0, 100 - 32)):
        crop = ss.head_region(cv2, columns, 100, 100, 20, 20, (48, 60), context)
        assert crop.shape == (60, 48, 3)
        assert abs(int(crop[30, 0, 0]) - left // 2) <= 1


def test_heads_read_from_the_frame_at_its_own_size() -> None:
    # source_crops: the classifier's crops come from the frame as given, not the 768-px one
    settings = attrs.evolve(ss.shipped_settings()[0], source_crops=True)
    frame = classroom(["listening"] * 40)
    heads, _ = ss.StateModel(settings=settings)(frame)
    scaled, _ = ss.StateModel()(frame)
    assert [(h.x, h.y) for h in heads] == [(h.x, h.y) for h in scaled]
    assert sum(h.score >= settings.head for h in heads) >= 34
