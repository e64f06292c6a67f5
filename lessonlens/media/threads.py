"""A lesson's thread budget, applied to the native libraries that keep their own thread pools.

Every detector gets its share of the lesson's budget as ``DetectRequest.threads`` (``lessonlens
analyze --threads``, ``lessonlens batch --threads-per-lesson``) and passes it to each library when it
creates a session or a decoder, because each library sizes its pool from the machine's cores
otherwise, so one "single-threaded" batch worker would use every core:

- onnxruntime: :func:`ort_options` (``intra_op_num_threads`` = the share, ``inter_op_num_threads`` = 1,
  sequential execution, no spinning of idle pool threads);
- FFmpeg decoders (PyAV): :func:`decoder_threads` (the codec context's ``thread_count``; 0 would be
  one thread per core), and swscale's conversion to RGB (``VideoFrame.reformat(threads=)``, 0: one
  per core) — both done by :func:`lessonlens.media.frames_at` given ``threads``;
- CTranslate2 (faster-whisper): ``cpu_threads``; rapidocr: its ``EngineConfig.onnxruntime`` keys;
- OpenCV, BLAS/OpenMP (numpy, through threadpoolctl) and torch (if loaded) hold process-wide pools:
  :func:`native_threads` bounds them while a lesson's detectors run (``analyze`` does it).

mediapipe (TFLite with XNNPACK) runs its inference on one thread on Linux and macOS desktops unless
a graph asks for more, and its Python solutions offer no knob, so it needs nothing here.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from lessonlens.core.cores import available_cores

__all__ = ["THREAD_ENV", "available_cores", "bounded_session", "decoder_threads", "native_threads",
           "ort_options", "thread_environment"]

#: environment variables that size BLAS/OpenMP pools when a library loads (set before a process starts)
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
              "NUMEXPR_NUM_THREADS")


def thread_environment(threads: int) -> dict[str, str]:
    """The environment that bounds BLAS/OpenMP pools to ``threads`` in a process started with it."""
    return dict.fromkeys(THREAD_ENV, str(max(1, threads)))


def ort_options(threads: int) -> Any:
    """onnxruntime ``SessionOptions`` for a session that uses at most ``threads`` cores."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # idle pool threads spin (burn a core) for a while after each run by default
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def bounded_session(path: str, threads: int) -> Any:
    """A CPU onnxruntime session of the model at ``path`` using at most ``threads`` cores."""
    import onnxruntime as ort

    return ort.InferenceSession(path, sess_options=ort_options(threads), providers=["CPUExecutionProvider"])


def decoder_threads(stream: Any, threads: int | None) -> None:
    """Let a PyAV stream's decoder use ``threads`` threads (None: FFmpeg's choice, one per core)."""
    if threads is None:
        stream.thread_type = "AUTO"
        return
    stream.codec_context.thread_count = max(1, threads)
    stream.thread_type = "AUTO" if threads > 1 else "SLICE"


@contextlib.contextmanager
def native_threads(threads: int) -> Iterator[None]:
    """Bound the process-wide pools of OpenCV, BLAS/OpenMP (via threadpoolctl, when installed) and
    torch (when already loaded) to ``threads`` while the block runs; restored afterwards."""
    threads = max(1, threads)
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl comes with the dask extra
            pass
        else:
            stack.enter_context(threadpool_limits(limits=threads))
        cv2 = sys.modules.get("cv2")  # loaded with the vision helpers (lessonlens.media.vision)
        if cv2 is not None and hasattr(cv2, "setNumThreads"):
            before = cv2.getNumThreads()
            cv2.setNumThreads(threads)
            stack.callback(cv2.setNumThreads, before)
        torch = sys.modules.get("torch")  # never import torch just to bound it
        if torch is not None and hasattr(torch, "set_num_threads"):
            previous = torch.get_num_threads()
            torch.set_num_threads(threads)
            stack.callback(torch.set_num_threads, previous)
        yield

