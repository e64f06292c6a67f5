"""Writing a synthetic lesson: three 720p H.264 cameras, a two-channel microphone track, the true
platform-9 coding as CSV, the lesson metadata and the plan behind it all."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import attrs
import yaml

from lessonlens.core.sampling import sampling_instants
from lessonlens.core.timeline import STUDENT_BEHAVIOURS
from lessonlens.files.atomic import write_text_atomic
from lessonlens.media.encode import write_audio, write_video
from lessonlens.synth.plan import LessonPlan, make_plan
from lessonlens.synth.scenes import BOARD_ZONE, PODIUM_ZONE, BoardCamera, Image, StudentCamera, TeacherCamera
from lessonlens.synth.voices import RATE, VoiceBank, mix_microphones

TRUTH_HEADER = ("t", "teacher", *STUDENT_BEHAVIOURS)


@attrs.frozen
class SampleLesson:
    """The files of a synthetic lesson and how long each part took to make (s)."""

    directory: Path
    teacher: Path
    students: Path
    board: Path
    audio: Path
    truth: Path
    meta: Path
    plan: Path
    duration: float
    timings: dict[str, float] = attrs.field(factory=dict)


def _frames(render: Callable[[float], Image], duration: float, fps: int) -> Iterator[Image]:
    for i in range(int(duration * fps)):
        yield render(i / fps)


def truth_csv(plan: LessonPlan, interval: float = 6.0) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRUTH_HEADER)
    for t in sampling_instants(plan.duration, interval):
        teacher, shares = plan.truth_row(t)
        writer.writerow([f"{t:g}", teacher, *(f"{shares[b]:.4f}" for b in STUDENT_BEHAVIOURS)])
    return out.getvalue()


def plan_json(plan: LessonPlan, interval: float = 6.0) -> str:
    """The plan for tests and detector authors: phases, speech, moments, layout, per-sample states."""
    samples = [{"t": t, "teacher": plan.teacher_code(t), "phase": plan.phase_at(t).name,
                "students": list(plan.student_states(t))} for t in sampling_instants(plan.duration, interval)]
    return json.dumps({
        "duration": plan.duration,
        "seed": plan.seed,
        "layout": {"teacher_camera": {"board": BOARD_ZONE, "podium": PODIUM_ZONE},
                   "students_camera": {"rows": 5, "cols": 8, "order": "row-major, back row first"}},
        "phases": [attrs.asdict(p) for p in plan.phases],
        "utterances": [attrs.asdict(u) for u in plan.utterances],
        "moments": [attrs.asdict(m) for m in plan.moments],
        "samples": samples,
    }, ensure_ascii=False, indent=1)


def _camera(job: tuple[str, LessonPlan, Path, int]) -> tuple[str, Path, float]:
    name, plan, path, fps = job
    clock = time.perf_counter()
    board = BoardCamera(plan)
    render: Callable[[float], Image]
    if name == "teacher":
        render = TeacherCamera(plan, board).frame
    elif name == "students":
        render = StudentCamera(plan).frame
    else:
        render = board.frame
    write_video(path, _frames(render, plan.duration, fps), fps)
    return name, path, time.perf_counter() - clock


def generate_lesson(directory: str | Path, minutes: float = 45.0, fps: int = 10, seed: int = 7,
                    interval: float = 6.0, workers: int | None = None) -> SampleLesson:
    """Write the lesson into ``directory``: ``teacher.mp4``, ``students.mp4``, ``board.mp4``,
    ``audio.m4a`` (channel 0 lapel microphone, channel 1 room), ``truth.csv``, ``lesson.yaml``, ``plan.json``.

    The cameras are drawn and encoded in ``workers`` processes (default: the cores; 1: in this one).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    bank = VoiceBank()
    plan = make_plan(minutes, bank.length, seed)
    sound = mix_microphones(plan.utterances, bank, plan.duration, seed)
    audio = write_audio(out / "audio.m4a", sound, RATE)
    del sound
    timings["audio"] = time.perf_counter() - clock
    paths: dict[str, Path] = {}
    names = ("teacher", "students", "board")
    jobs = [(name, plan, out / f"{name}.mp4", fps) for name in names]
    if (workers or os.cpu_count() or 1) > 1:
        # one process per camera: drawing and colour conversion are Python/numpy work that one
        # core cannot share, and each camera only needs the plan ("spawn": forking a process that
        # runs onnxruntime or decoder threads can deadlock the child)
        with ProcessPoolExecutor(min(len(jobs), workers or os.cpu_count() or 1),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_camera, jobs))
    else:
        done = [_camera(job) for job in jobs]
    for name, path, seconds in done:
        paths[name] = path
        timings[name] = seconds
    write_text_atomic(out / "truth.csv", truth_csv(plan, interval))
    write_text_atomic(out / "plan.json", plan_json(plan, interval) + "\n")
    meta = {"id": f"sample-{int(minutes)}min-{seed}", "title": "同分母分数的加法（示例课）", "subject": "数学",
            "grade": "五年级", "teacher": "示例教师", "school": "lessonlens 示例学校", "date": "2026-09-01"}
    write_text_atomic(out / "lesson.yaml", yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))
    return SampleLesson(directory=out, teacher=paths["teacher"], students=paths["students"], board=paths["board"],
                        audio=audio, truth=out / "truth.csv", meta=out / "lesson.yaml", plan=out / "plan.json",
                        duration=plan.duration, timings=timings)


