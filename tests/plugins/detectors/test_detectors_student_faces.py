"""student-faces on a classroom of real faces (scikit-image's lfw_subset) in 5 rows of 8."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("cv2")
pytest.importorskip("mediapipe")

from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import BehaviourCue, FaceObservation
from lessonlens.core.plugins import get_manager
from lessonlens.media.vision import grey
from lessonlens.plugins.detectors import student_faces as sf
from tests.support.vision_scenes import COLS, FACE, ROWS, seat_origin, student_frame, write_video

N = COLS * ROWS


@pytest.fixture(scope="module")
def profiles() -> sf.Profiles:
    return sf.Profiles()


@pytest.fixture(scope="module")
def finder() -> Iterator[sf.FaceFinder]:
    found = sf.FaceFinder()
    yield found
    found.close()


@pytest.fixture(scope="module")
def seats(finder: sf.FaceFinder) -> list[sf.Seat]:
    return sf.seat_scan(finder, [student_frame(["front"] * N, seed=i) for i in range(4)])


def grid_index(seat: sf.Seat) -> int:
    def distance(i: int) -> float:
        x, y = seat_origin(i)
        return abs(seat.x - x - FACE / 2) + abs(seat.y - y - FACE / 2)
    return min(range(N), key=distance)


def mixed_states() -> list[str]:
    states = ["front"] * N
    for i in range(0, N, 5):
        states[i] = "down"
    for i in range(1, N, 7):
        states[i] = "side"
    states[12] = states[27] = "standing"
    return states


def test_seats_are_the_class(seats: list[sf.Seat]) -> None:
    found = [grid_index(s) for s in seats]
    assert len(seats) == len(set(found)) == N  # one seat per student, no doubles
    assert found == sorted(found)  # row-major, back row first, like a seating plan
    assert all(0.5 * FACE < s.size < 1.3 * FACE for s in seats)


def test_head_states_judged_against_each_seat(finder: sf.FaceFinder, profiles: sf.Profiles,
                                              seats: list[sf.Seat]) -> None:
    states = mixed_states()
    frames = [student_frame(["front"] * N, seed=k) for k in range(4)] + [student_frame(states, seed=9)]
    measures = [[sf.measure_seat(finder, profiles, rgb, grey(rgb), seat) for rgb in frames] for seat in seats]
    got = [sf.seat_states(m)[-1].state for m in measures]
    assert all(s.state == "front" for m in measures for s in sf.seat_states(m)[:4])
    expected = [states[grid_index(seat)] for seat in seats]
    agree = np.mean([g == e for g, e in zip(got, expected, strict=True)])
    assert agree >= 0.9, list(zip(expected, got, strict=True))
    for state in ("down", "side", "standing"):
        truth = [g for g, e in zip(got, expected, strict=True) if e == state]
        assert truth.count(state) >= 0.8 * len(truth), (state, truth)


def test_raised_hands_against_the_seat_median(finder: sf.FaceFinder, profiles: sf.Profiles,
                                              seats: list[sf.Seat]) -> None:
    raiser = grid_index(seats[10])
    frames = []
    for k in range(8):
        states = ["front"] * N
        if k in (3, 4):
            states[raiser] = "raised"
        frames.append((k * 6.0, student_frame(states, seed=k)))
    found = list(sf.classify(finder, profiles, frames, seats))
    faces = [o for o in found if isinstance(o, FaceObservation)]
    cues = [o for o in found if isinstance(o, BehaviourCue)]
    raising = {c.t for c in cues if c.behaviour == "hand_raising"}
    assert raising == {18.0, 24.0}
    share = next(c.share for c in cues if c.behaviour == "hand_raising" and c.t == 18.0)
    assert share == pytest.approx(1 / len(seats), abs=1e-3)
    assert len(faces) == 8 * len(seats)
    for t in {c.t for c in cues}:
        assert sum(c.share or 0 for c in cues if c.t == t) == pytest.approx(1.0, abs=1e-3)


def test_detect_reads_the_student_video(tmp_path: Path) -> None:
    scenes = [student_frame(["front"] * N, seed=k) for k in range(3)] + [student_frame(mixed_states())]
    video = write_video(tmp_path / "students.mp4", scenes, hold=6.0)
    request = DetectRequest(lesson=LessonMeta(id="s"), media=(MediaSource(str(video), "students"),),
                            instants=(0.0, 6.0, 12.0, 18.0))
    found = list(get_manager().detector("student-faces").detect(request))
    shares = {(c.t, c.behaviour): c.share for c in found if isinstance(c, BehaviourCue)}
    assert shares[(0.0, "listening")] >= 0.9
    assert 0.1 <= shares[(18.0, "reading_writing")] <= 0.35
    assert shares.get((18.0, "listening"), 0) < 0.8
    people = {o.person for o in found if isinstance(o, FaceObservation)}
    assert len(people) >= 0.9 * N


def test_an_empty_classroom_gives_no_shares(finder: sf.FaceFinder, profiles: sf.Profiles) -> None:
    empty = student_frame([])
    assert sf.seat_scan(finder, [empty, empty]) == []
    assert list(sf.classify(finder, profiles, [(0.0, empty), (6.0, empty)], [])) == []  # unknown, not "0 %"
