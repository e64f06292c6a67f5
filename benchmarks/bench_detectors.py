"""Per-frame cost of the vision detectors at 720p (issue 7), model time only (decoding is timed by
``bench_analyze.py``), projected to a 45-minute lesson sampled every 6 s (450 instants a camera).

    .venv/bin/python benchmarks/bench_detectors.py [--repeat 20]

Frames are composed from scikit-image's photos like the tests' classrooms (tests/support/vision_scenes.py).
Each line: what runs, ms per call (median), calls in a typical 45-min lesson, projected seconds.
board-ocr's paddleocr backend is timed by bench_paddleocr.py in its own environment (run from here
when .venv-paddleocr exists), the asr detector's funasr-torch backend by bench_funasr_torch.py (run
from here when .venv-funasr-torch exists). The student detectors are also timed on real classroom frames
(``../shared/data/real-classroom``, cctv-heads/test scaled to 1280x720) when that folder exists.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import CPU, per_call
from lessonlens.media.layout import DEFAULT_LAYOUT
from lessonlens.media.vision import grey
from lessonlens.plugins.detectors import board_ocr, student_faces, student_states, teacher_pose
from tests.support.vision_scenes import board_frame, student_frame, teacher_frame

INSTANTS = 450
REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real-classroom"




def real_frames(count: int = 8) -> list[np.ndarray]:
    """Real classroom frames (cctv-heads/test, 30-60 students) scaled to 1280x720, when the set is here."""
    import cv2

    folder = REAL / "cctv-heads" / "test" / "images"
    if not folder.is_dir():
        return []
    frames = []
    for path in sorted(folder.iterdir())[:count]:
        image = cv2.imread(str(path))[:, :, ::-1]
        frames.append(np.ascontiguousarray(cv2.resize(image, (1280, 720), interpolation=cv2.INTER_AREA)))
    return frames


def real_student_rows(repeat: int) -> list[tuple[str, float, int]]:
    """student-states (and, for comparison, student-faces read per frame) on real 1280x720 frames."""
    frames = real_frames()
    if not frames:
        print(f"({REAL} not found: no real-frame figures)")
        return []
    rows = []
    model = student_states.StateModel(threads=1)
    found = [model(f) for f in frames]
    heads = statistics.mean(len(h) for h, _ in found)
    cycle = iter(range(10**9))
    rows.append((f"student-states: model + decoding, real 1280x720 ({heads:.0f} heads), 1 thread",
                 per_call(lambda: model(frames[next(cycle) % len(frames)]), repeat), INSTANTS))
    model2 = student_states.StateModel(threads=2)
    rows.append(("student-states: the same, 2 threads", per_call(lambda: model2(frames[next(cycle) % len(frames)]),
                                                                  repeat), 0))
    lesson = [found[i % len(found)] for i in range(INSTANTS)]
    rows.append(("student-states: seat tracking + smoothing, 450 instants (per lesson)",
                 per_call(lambda: student_states.track(lesson, model.settings), max(1, repeat // 5)), 1))
    old = student_faces.StudentFacesDetector().frame_reader()
    rows.append(("student-faces (before): seats + states on one real 1280x720 frame",
                 per_call(lambda: old(frames[next(cycle) % len(frames)]), max(3, repeat // 3)), 0))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--networks", action="store_true",
                        help="also time the real FunASR (and PP-OCRv5) networks at their published sizes "
                        "(random weights; slow)")
    parser.add_argument("--openmmlab", action="store_true",
                        help="only the mmpose / mmaction2 rows (their own venv: docs/perception.md)")
    args = parser.parse_args()
    repeat = args.repeat
    rows: list[tuple[str, float, int]] = []
    if args.openmmlab:
        table(openmmlab_rows(repeat))
        return

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

    rows += real_student_rows(repeat)

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

    rows += swappable_backends(repeat)
    table(rows)
    paddle_rows(repeat)
    funasr_torch_rows(repeat)


def funasr_torch_rows(repeat: int) -> None:
    """The asr detector's funasr-torch backend lives in .venv-funasr-torch (funasr, torch): its rows come
    from bench_funasr_torch.py run there, when that environment exists (bash .ci/envs/funasr-torch.sh)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    python = root / ".venv-funasr-torch" / "bin" / "python"
    if not python.exists():
        print("(asr funasr-torch: no .venv-funasr-torch; bash .ci/envs/funasr-torch.sh builds it)")
        return
    print("asr funasr-torch (benchmarks/bench_funasr_torch.py in .venv-funasr-torch):")
    subprocess.run([str(python), str(root / "benchmarks" / "bench_funasr_torch.py"), "--repeat",
                    str(max(3, repeat // 3)), *(["--networks"] if "--networks" in sys.argv else [])],
                   check=False, cwd=root)


def table(rows: list[tuple[str, float, int]]) -> None:
    print(f"{'what':66} {'ms/call':>8} {'cpu ms':>7} {'calls':>6} {'45-min s':>9}")
    for what, ms, calls in rows:
        print(f"{what:66} {ms:8.1f} {CPU.get(ms, float('nan')):7.1f} {calls:6d} {ms * calls / 1000:9.1f}")
    total = sum(ms * calls / 1000 for _, ms, calls in rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'total model time for a 45-min lesson (wall, no decoding)':66} {'':8} {'':7} {'':6} {total:9.1f}")
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures scale with it)")
    print(f"peak RSS {peak:.0f} MiB")


def paddle_rows(repeat: int) -> None:
    """board-ocr's paddleocr backend lives in .venv-paddleocr (numpy 2): its rows come from
    bench_paddleocr.py run there, when that environment exists (bash .ci/envs/paddleocr.sh builds it)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    python = root / ".venv-paddleocr" / "bin" / "python"
    if not python.exists():
        print("(board-ocr paddleocr: no .venv-paddleocr; bash .ci/envs/paddleocr.sh builds it)")
        return
    print("board-ocr paddleocr (benchmarks/bench_paddleocr.py in .venv-paddleocr):")
    subprocess.run([str(python), str(root / "benchmarks" / "bench_paddleocr.py"), "--repeat", str(max(3, repeat // 2)),
                    *(["--networks"] if "--networks" in sys.argv else [])], check=False, cwd=root)


def swappable_backends(repeat: int) -> list[tuple[str, float, int]]:
    """student-pose and FunASR backends on a 1280x720 classroom / a minute of audio (issue 19).

    Where no real weights are on this machine the models are the tests' ONNX graphs with the
    families' exact signatures (tests/support/onnx_models.py): those rows time rtmlib's / funasr-onnx's
    pre- and post-processing and onnxruntime's overhead, not the real networks (marked "test-built").
    """
    import importlib.util
    import os
    import tempfile

    import numpy as np

    from lessonlens.media.models import locate
    from lessonlens.plugins.detectors.student_pose import backends, observations_at
    from lessonlens.plugins.detectors.student_pose.seats import SeatTracker

    real_yolo = locate(backends.YOLO_POSE_FILE, {})  # the user's, before the tests' models folder replaces it
    rows: list[tuple[str, float, int]] = []
    classroom = student_frame(["front", "raised", "down", "side", "standing"] * 8)
    run = backends.mediapipe_runner({"crops": "tiles", "tiles": "4x2", "still": -1})
    rows.append(("student-pose: mediapipe Pose on 4x2 tiles of 1280x720", per_call(lambda: run(classroom),
                                                                                  max(3, repeat // 3)), INSTANTS))
    every = backends.mediapipe_runner({"rescan": 1, "still": -1})
    rows.append(("student-pose: mediapipe faces on tiles + Pose on every crop (a still)", per_call(
        lambda: every(classroom), max(3, repeat // 3)), 0))
    lesson = lesson_samples()
    remembering = backends.mediapipe_runner({})
    remembering(lesson[0])
    turn = iter(range(10**9))
    rows.append(("student-pose: mediapipe over samples, 4 of 40 students change (default)", per_call(
        lambda: remembering(lesson[1 + next(turn) % (len(lesson) - 1)]), max(3, repeat // 2)), INSTANTS))
    print(f"(mediapipe over {remembering.calls} samples: {remembering.pose_runs} Pose runs on "
          f"{len(remembering.boxes)} crops, {remembering.searches} face searches)")
    rows += held_real_rows(Path(tempfile.mkdtemp()))
    stills = real_frames(3)
    if stills:
        real = backends.mediapipe_runner({"rescan": 1})
        cycle = iter(range(10**9))
        rows.append(("student-pose: mediapipe faces + Pose, real 1280x720 stills (cctv-heads)", per_call(
            lambda: real(stills[next(cycle) % len(stills)]), max(2, repeat // 5)), 0))
    people = [np.array([(100 + 28 * c + 30 * dx, 200 + 90 * r + 30 * dy, 0.9) for dx, dy in
                        [(0, -0.6), (0.2, -0.7), (-0.2, -0.7), (0.35, -0.6), (-0.35, -0.6), (0.5, 0), (-0.5, 0),
                         (0.6, 0.8), (-0.6, 0.8), (0.5, 1.3), (-0.5, 1.3)] + [(0, 2)] * 6], np.float32)
              for r in range(5) for c in range(8)]
    tracker = SeatTracker()
    rows.append(("student-pose: seats + cues for 40 people", per_call(
        lambda: observations_at(0.0, people, tracker, (1280, 720)), repeat), INSTANTS))
    try:
        from tests.support import onnx_models
    except ImportError:  # onnx (the dev extra) builds the test models
        return rows
    folder = Path(tempfile.mkdtemp())
    os.environ["LESSONLENS_MODELS"] = str(folder)
    base = np.stack([p for p in people[:2]]).astype(np.float32)
    onnx_models.rtmo(folder / "rtmo-body7-640x640.onnx", base, np.array([[0, 0, 50, 50, 0.9], [60, 0, 110, 50, 0.9]],
                                                                          np.float32))
    boxes = np.array([[40 + 70 * i, 100, 100 + 70 * i, 300, 0.9] for i in range(8)], np.float32)
    onnx_models.yolox(folder / "yolox-humanart-640x640.onnx", boxes)
    onnx_models.rtmpose(folder / "rtmpose-body7-256x192.onnx")
    if real_yolo is not None and real_yolo.exists() and stills:
        yolo = backends.yolo_pose_runner({"model": str(real_yolo)}, threads=1)
        cycle = iter(range(10**9))
        rows.append((f"student-pose: yolo-pose, real weights ({real_yolo.stat().st_size / 1e6:.1f} MB), real "
                     "1280x720 stills, 1 thread", per_call(lambda: yolo(stills[next(cycle) % len(stills)]),
                                                           max(3, repeat // 2)), INSTANTS))
    anchors = np.zeros((8400, 56), np.float32)
    anchors[:, 2:4] = 40
    anchors[:40, 4] = 0.9  # 40 people, the rest below the score
    anchors[:, 0] = np.arange(8400) % 640
    onnx_models.yolo_pose(folder / "yolo-pose.onnx", anchors)
    test_built = backends.yolo_pose_runner({}, threads=1)
    rows.append(("student-pose: yolo-pose decoding + NMS of 40 people, 1280x720 (test-built model)", per_call(
        lambda: test_built(classroom), repeat), INSTANTS))
    if importlib.util.find_spec("rtmlib") is not None:
        rtmo = backends.rtmo_runner({})
        rows.append(("student-pose: rtmo via rtmlib, 1280x720 (test-built model)", per_call(
            lambda: rtmo(classroom), repeat), INSTANTS))
        top_down = backends.rtmpose_runner({})
        rows.append(("student-pose: yolox + rtmpose x8 boxes via rtmlib (test-built)", per_call(
            lambda: top_down(classroom), repeat), INSTANTS))
        from lessonlens.plugins.detectors.student_pose import actions

        onnx_models.action_head(folder / "ava-actions.onnx", 4)
        (folder / "ava-actions.labels.txt").write_text("stand\nread\ntalk to\nhand wave\n", encoding="utf-8")
        head, _ = actions.onnx_action_model({})
        boxes_of = actions.person_boxes({})
        clip = [classroom] * 8

        def actions_clip() -> None:
            head(clip, boxes_of(clip[4]))

        rows.append(("student-actions: yolox + AVA head on an 8-frame 1280x720 clip (test-built)", per_call(
            actions_clip, repeat), INSTANTS))
    if importlib.util.find_spec("funasr_onnx") is not None:
        from lessonlens.plugins.detectors import asr_funasr

        onnx_models.paraformer_dir(folder / "paraformer-zh-onnx", ["好"])
        model = asr_funasr.recogniser({}, "asr")
        minute = (np.random.default_rng(0).standard_normal(16000 * 60) * 0.05).astype(np.float32)
        rows.append(("asr funasr: Paraformer front end + decoding, 1 min audio (test-built)", per_call(
            lambda: list(asr_funasr.transcribe(model, minute, [(0.0, 20.0), (20.0, 40.0), (40.0, 60.0)])),
            max(3, repeat // 3)), 45))
    rows += openmmlab_rows(repeat)
    return rows


def openmmlab_rows(repeat: int) -> list[tuple[str, float, int]]:
    """The mmpose and mmaction2 backends (where mmcv, mmdet, mmpose / mmaction2 are installed: their own
    venv, docs/perception.md) on a 1280x720 classroom, one thread: the tests' tiny models
    (tests/support/mm_models.py), and the real networks of the packages' own configs with random
    weights (the cost does not depend on the weights' values): RTMDet-tiny finding one person (its
    final layers set as in the tests) + RTMPose-m, RTMPose-m per further person box, SlowOnly-R50 AVA
    on an 8-box clip."""
    import importlib.util
    import os
    import tempfile

    have = {m: importlib.util.find_spec(m) is not None for m in ("mmcv", "mmdet", "mmpose", "mmaction", "rtmlib")}
    rows: list[tuple[str, float, int]] = []
    if not (have["mmcv"] and have["mmdet"]):
        return rows
    import torch

    from tests.support import mm_models

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp())
    os.environ["LESSONLENS_MODELS"] = str(folder)
    classroom = student_frame(["front", "raised", "down", "side", "standing"] * 8)
    slow = max(2, repeat // 5)
    if have["mmpose"]:
        from lessonlens.plugins.detectors.student_pose import backends

        mm_models.rtmdet_person(folder, 0.8)
        mm_models.regression_pose(folder, np.zeros((17, 2)), (0, 0, 1280, 1280))
        tiny = backends.runner("mmpose", {}, 1)
        rows.append(("student-pose: mmpose tiny RTMDet + regression pose (test-built)", per_call(
            lambda: tiny(classroom), repeat), INSTANTS))
        real = mm_models.real_mmpose(folder)
        full = backends.runner("mmpose", {}, 1)
        rows.append((f"student-pose: mmpose RTMDet-tiny + RTMPose-m, 1 person ({real} M, random)", per_call(
            lambda: full(classroom), slow), INSTANTS))
        per_box = mm_models.topdown_per_box(folder)
        boxes = np.array([[40 + 150 * i, 150, 160 + 150 * i, 500] for i in range(8)], np.float32)
        rows.append(("student-pose: mmpose RTMPose-m on 8 person boxes (random)", per_call(
            lambda: per_box(classroom, boxes), slow), INSTANTS))
    if have["mmaction"]:
        from lessonlens.plugins.detectors.student_pose import actions

        boxes = np.array([[40 + 150 * i, 150, 160 + 150 * i, 500] for i in range(8)], np.float32)
        clip = [classroom] * 8
        (folder / "ava-actions.labels.txt").write_text("".join(f"action {i}\n" for i in range(80)), encoding="utf-8")
        mm_models.slowonly_ava(folder)
        head, _ = actions.mmaction2_action_model({}, 1)
        rows.append(("student-actions: mmaction2 tiny SlowOnly, 8 boxes (test-built)", per_call(
            lambda: head(clip, boxes), repeat), INSTANTS))
        size = mm_models.real_slowonly(folder)
        head, _ = actions.mmaction2_action_model({}, 1)
        rows.append((f"student-actions: mmaction2 SlowOnly-R50 AVA, 8 boxes ({size} M, random)",
                     per_call(lambda: head(clip, boxes), slow), INSTANTS))
    return rows


def held_real_frames(tmp: Path, held: int = 3) -> list[np.ndarray]:
    """Real classroom stills (raised-hands and cctv-heads test frames at 1280x720), each held for ``held``
    one-second samples of an H.264 video and decoded again: a lesson where the scene changes every
    ``held`` samples, with real codec noise in between."""
    import cv2

    from lessonlens.media import frames_at
    from tests.support.vision_scenes import write_video

    stills = []
    for folder in (REAL / "raised-hands" / "test" / "images", REAL / "cctv-heads" / "test" / "images"):
        for path in sorted(folder.iterdir())[:5] if folder.is_dir() else []:
            image = cv2.imread(str(path))[:, :, ::-1]
            stills.append(np.ascontiguousarray(cv2.resize(image, (1280, 720), interpolation=cv2.INTER_AREA)))
    if not stills:
        return []
    video = write_video(tmp / "held.mp4", stills, hold=float(held), fps=1)
    return [image for _, image in frames_at(str(video), [k + 0.5 for k in range(held * len(stills))], 0.0,
                                            size=1280)]


def held_real_rows(tmp: Path) -> list[tuple[str, float, int]]:
    """The mediapipe backend over real stills held three samples each: every crop every time (what it
    did before) against the default (faces every 5 samples, Pose on changed crops), and how often the
    two read the same postures."""
    import time as clock

    from lessonlens.plugins.detectors.student_pose import backends
    from lessonlens.plugins.detectors.student_pose.cues import posture

    samples = held_real_frames(tmp)
    if not samples:
        return []
    read: dict[str, list[list[str]]] = {}
    rows = []
    for name, options in (("every crop", {"rescan": 1, "still": -1}), ("default", {})):
        model = backends.mediapipe_runner(options)
        start, start_cpu = clock.perf_counter(), clock.process_time()
        people = [model(image) for image in samples]
        wall = (clock.perf_counter() - start) / len(samples) * 1000
        CPU[wall] = (clock.process_time() - start_cpu) / len(samples) * 1000
        read[name] = [sorted(posture(p, i).behaviour for i in range(len(p))) for p in people]
        rows.append((f"student-pose: mediapipe on real stills held 3 samples each, {name} "
                     f"({model.pose_runs} Pose runs, {model.searches} searches)", wall, 0))
    from collections import Counter

    for name, found in read.items():
        steady = sum(found[k] == found[k + 1] == found[k + 2] for k in range(0, len(found) - 2, 3))
        totals = Counter(code for sample in found for code in sample)
        print(f"(held real stills, {name}: the same postures on all 3 samples of a scene in {steady} of "
              f"{len(found) // 3} scenes; postures over all samples {dict(sorted(totals.items()))})")
    same = sum(a == b for a, b in zip(read["every crop"], read["default"], strict=True))
    print(f"(the two read the very same postures at {same} of {len(samples)} samples)")
    return rows


def lesson_samples(count: int = 6, changes: int = 4) -> list[np.ndarray]:
    """Samples of one 40-student classroom where ``changes`` students change posture between samples."""
    rng = np.random.default_rng(1)
    states = ["front", "raised", "down", "side", "standing"] * 8
    frames = []
    for _ in range(count):
        frames.append(student_frame(states, seed=3))
        for i in rng.choice(len(states), changes, replace=False):
            states[i] = ["front", "raised", "down", "side"][int(rng.integers(4))]
    return frames


if __name__ == "__main__":
    main()
