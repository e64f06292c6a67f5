"""The thread-budget helpers: onnxruntime session options, FFmpeg decoder threads, process-wide pools."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from lessonlens.media import frames_at
from lessonlens.media.encode import write_video
from lessonlens.media.threads import decoder_threads, native_threads, ort_options, thread_environment


def test_onnxruntime_sessions_keep_to_the_budget() -> None:
    pytest.importorskip("onnxruntime")
    options = ort_options(3)
    assert options.intra_op_num_threads == 3 and options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert ort_options(0).intra_op_num_threads == 1  # never 0: onnxruntime would take every core


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames = (np.full((360, 640, 3), 20 * i % 255, np.uint8) for i in range(40))
    return write_video(tmp_path_factory.mktemp("threads") / "v.mp4", frames, fps=10)


def test_decoder_threads_set_the_codec_context(video: Path) -> None:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        decoder_threads(stream, 1)
        assert stream.codec_context.thread_count == 1
        decoder_threads(stream, 3)
        assert stream.codec_context.thread_count == 3 and stream.thread_type == av.codec.context.ThreadType.AUTO


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through /proc (Linux)")
def test_frames_at_with_a_budget_of_one_decodes_on_the_calling_thread(video: Path) -> None:
    before = _threads()
    seen = []
    for _, frame in frames_at(video, [0.0, 1.0, 2.0, 3.0], threads=1):
        seen.append(_threads())
        assert frame.shape == (360, 640, 3)
    assert len(seen) == 4 and max(seen) == before


def test_native_pools_are_bounded_while_the_block_runs_and_restored_after() -> None:
    cv2 = pytest.importorskip("cv2")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = cv2.getNumThreads()
    with native_threads(1):
        assert cv2.getNumThreads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpoolctl.threadpool_info())
        assert threading.active_count() >= 1
    assert cv2.getNumThreads() == before


def test_the_environment_of_a_worker_process() -> None:
    env = thread_environment(2)
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "2"
    assert thread_environment(0)["OMP_NUM_THREADS"] == "1"
