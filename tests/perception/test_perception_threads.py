"""A lesson's thread budget: analyze shares it among the detectors, and the built-in detectors keep to it."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import lessonlens
from lessonlens.core.plugins import get_manager
from lessonlens.jobs.usage import thread_times
from lessonlens.media.encode import write_video
from lessonlens.plugin import BehaviourCue, Detector, DetectRequest, MediaRole, Observation, hookimpl
from tests.support.synth import needs_synth, short_lesson

BUDGETS: dict[str, list[int]] = {}


def recording(name: str) -> Detector:
    class Recording(Detector):
        roles = (MediaRole.MIXED,)
        emits = ("behaviour",)

        def detect(self, request: DetectRequest) -> Iterable[Observation]:
            BUDGETS.setdefault(self.name, []).append(request.threads)
            for t in request.instants:
                yield BehaviourCue(t=t, detector=self.name, actor="teacher", behaviour="lecturing", confidence=0.9)

    Recording.name = name
    return Recording()


class Plugin:
    @hookimpl
    def register_detectors(self, register: Any) -> None:
        for name in ("budget-a", "budget-b"):
            register(recording(name))


@pytest.mark.parametrize(("threads", "parallel", "share"), [(4, None, 2), (4, 1, 4), (3, 2, 1), (1, 2, 1), (5, 4, 2)])
def test_the_budget_is_shared_among_the_detectors_running_at_once(tmp_path: Path, threads: int,
                                                                    parallel: int | None, share: int) -> None:
    import numpy as np

    get_manager().register(Plugin(), "budget")
    BUDGETS.clear()
    video = write_video(tmp_path / "v.mp4", (np.zeros((48, 64, 3), np.uint8) for _ in range(12)), fps=1)
    runs: list[Any] = []
    lessonlens.analyze(video=video, detectors=["budget-a", "budget-b"], cache=False, diagnose=False, report=False,
                       threads=threads, parallel=parallel, on_detector=runs.append)
    recorded = dict(BUDGETS)
    assert recorded == {"budget-a": [share], "budget-b": [share]}
    assert [r.threads for r in runs] == [share, share] and all(r.cpu >= 0 for r in runs)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="per-thread CPU through /proc (Linux)")
def test_a_budget_of_one_keeps_the_onnx_detectors_on_the_calling_thread() -> None:
    """OCR, VAD and the student-state network all run onnxruntime, whose default pool has a thread per
    core: with a budget of 1 the thread that calls analyze must do (nearly) all of the work."""
    needs_synth()
    for module in ("rapidocr", "onnxruntime", "silero_vad"):
        pytest.importorskip(module)
    lesson = short_lesson(0.5, 2)
    kwargs: dict[str, Any] = {"students": lesson.students, "board": lesson.board, "audio": lesson.audio,
                              "detectors": ["board-ocr", "speech", "student-states"], "cache": False,
                              "diagnose": False, "report": False}
    lessonlens.analyze(**kwargs, threads=1)  # models and libraries loaded once
    me = threading.get_native_id()
    before = thread_times()
    seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:  # threads started during the call (a pool lives as long as its session)
        while not done.wait(0.02):
            for tid, (_, cpu) in thread_times().items():
                seen[tid] = max(cpu, seen.get(tid, 0.0))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        lessonlens.analyze(**kwargs, threads=1)
    finally:
        done.set()
        sampler.join()
    own = thread_times()[me][1] - before[me][1]
    others = sum(cpu for tid, cpu in seen.items() if tid not in before and tid != sampler.native_id)
    assert own > 0.2 and others <= 0.1 * own, (own, others)
