"""Per-frame cost of the vision detectors at 720p (issue 7), model time only (decoding is timed by
``bench_analyze.py``), projected to a 45-minute lesson sampled every 6 s (450 instants a camera).

    .venv/bin/python benchmarks/bench_detectors.py [--repeat 20]

Frames are composed from scikit-image's photos like the tests' classrooms (tests/vision_scenes.py).
Each line: what runs, ms per call (median), calls in a typical 45-min lesson, projected seconds.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lessonlens.media.layout import DEFAULT_LAYOUT
from lessonlens.media.vision import grey
from lessonlens.plugins.detectors import board_ocr, student_faces, teacher_pose
from tests.vision_scenes import board_frame, student_frame, teacher_frame

INSTANTS = 450


CPU: dict[float, float] = {}


def per_call(run: Callable[[], object], repeat: int) -> float:
    """Median wall ms per call; the median CPU ms (all threads) is kept in ``CPU`` under the same key."""
    run()  # warm-up: model load, caches
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    wall = statistics.median(times) * 1000
    CPU[wall] = statistics.median(cpu) * 1000
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    rows: list[tuple[str, float, int]] = []

    import cv2

    model, close = teacher_pose.bundled_pose_model()
    frame = cv2.resize(teacher_frame("lecturing"), (640, 360), interpolation=cv2.INTER_AREA)
    rows.append(("teacher-pose: mediapipe Pose on a 640x360 frame", per_call(lambda: model(frame), repeat), INSTANTS))
    landmarks = model(frame)
    rows.append(("teacher-pose: observations from landmarks", per_call(
        lambda: teacher_pose.observations_at(0.0, landmarks, None, DEFAULT_LAYOUT, 0.05), repeat), INSTANTS))
    close()

    finder, profiles = student_faces.FaceFinder(), student_faces.Profiles()
    states = ["front", "down", "side", "front", "raised", "front", "standing", "front"] * 5
    classroom = student_frame(states)
    seats = student_faces.seat_scan(finder, [student_frame(["front"] * 40, seed=k) for k in range(3)])
    rows.append((f"student-faces: seat scan, face tiles over 1280x720 ({len(seats)} seats)",
                 per_call(lambda: finder.tiles(classroom, 200), max(3, repeat // 3)), 8))
    image = grey(classroom)
    rows.append(("student-faces: measure every seat (all changed)", per_call(
        lambda: [student_faces.measure_seat(finder, profiles, classroom, image, s) for s in seats], repeat), INSTANTS))
    def bookkeeping() -> None:
        g = grey(classroom)
        for s in seats:
            crop, _, _ = student_faces.seat_crop(g, s)
            cv2.resize(crop, (12, 12), interpolation=cv2.INTER_AREA)
            student_faces.beside_head(cv2, classroom, s)

    rows.append(("student-faces: grey, change tests, hand strips per frame", per_call(bookkeeping, repeat),
                 INSTANTS))
    finder.close()

    read = board_ocr.rapidocr_reader()
    lines = ("第二章 一元二次方程", "x² + 2x - 3 = 0", "因式分解 (x+3)(x-1)=0", "Answer: x = 1 or x = -3")
    full, more = board_frame(lines[:3], size=(960, 540), text_px=36), board_frame(lines, size=(960, 540), text_px=36)
    rows.append(("board-ocr: whole 960x540 board", per_call(lambda: read(full), max(3, repeat // 3)), 10))

    def one_line() -> None:
        reader = board_ocr.BoardReader(lambda image: [])
        reader.update(full)
        reader.read = read
        reader.update(more)

    # 7 min of writing in a 45-min lesson, read at most every 18 s: ~25 readings (ink estimates between)
    rows.append(("board-ocr: a newly written line (changed region only)", per_call(one_line, max(3, repeat // 3)),
                 25))
    reader = board_ocr.BoardReader(lambda image: [])
    reader.update(full)
    rows.append(("board-ocr: unchanged board (thumbnail diff)", per_call(lambda: reader.update(full), repeat),
                 INSTANTS))

    print(f"{'what':66} {'ms/call':>8} {'cpu ms':>7} {'calls':>6} {'45-min s':>9}")
    for what, ms, calls in rows:
        print(f"{what:66} {ms:8.1f} {CPU.get(ms, float('nan')):7.1f} {calls:6d} {ms * calls / 1000:9.1f}")
    total = sum(ms * calls / 1000 for _, ms, calls in rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'total model time for a 45-min lesson (wall, no decoding)':66} {'':8} {'':7} {'':6} {total:9.1f}")
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures scale with it)")
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
