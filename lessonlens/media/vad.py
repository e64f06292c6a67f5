"""Voice activity with Silero VAD's ONNX model, run by onnxruntime directly (no torch).

The ``silero-vad`` wheel ships ``silero_vad/data/silero_vad_16k_sequence.onnx``, a form of the
model that takes a whole block of 32-ms frames per call (each frame with the 64 samples before
it) and carries the LSTM state between blocks: a 45-minute lesson is ~170 calls, not 84 000.
The package's Python module imports torch, so we only locate its data file and never import it.
"""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.columnar.runs import runs
from lessonlens.core.errors import PluginError
from lessonlens.core.i18n import Text
from lessonlens.media.threads import available_cores, ort_options

FRAME = 512  # samples per VAD frame at 16 kHz (32 ms)
CONTEXT = 64
FRAME_SECONDS = FRAME / 16000
WARM_UP = 64  # frames (2 s) each parallel piece runs before its first frame
PIECE = 1875  # frames (60 s) per parallel piece
MODEL_FILE = "silero_vad_16k_sequence.onnx"
ENV_VAR = "LESSONLENS_SILERO_VAD"

_NO_ORT = Text(
    zh="语音检测需要 onnxruntime：pip install 'lessonlens[audio]'",
    en="speech detection needs onnxruntime: pip install 'lessonlens[audio]'",
)
_NO_MODEL = Text(
    zh="找不到 Silero VAD 模型：pip install --no-deps silero-vad（其 wheel 自带 ONNX 模型，--no-deps 避免安装 torch），"
    "或用环境变量 LESSONLENS_SILERO_VAD 指向 {file}",
    en="the Silero VAD model is missing: pip install --no-deps silero-vad (its wheel ships the ONNX model; "
    "--no-deps avoids torch), or point LESSONLENS_SILERO_VAD at a {file}",
)
_BAD_MODEL = Text(zh="无法加载 VAD 模型：{error}", en="cannot load the VAD model: {error}")

Floats = npt.NDArray[np.float32]


def silero_model_path(path: str | Path | None = None) -> Path:
    """The sequence ONNX model: ``path``, else ``$LESSONLENS_SILERO_VAD``, else the silero-vad package's."""
    chosen = path or os.environ.get(ENV_VAR)
    if chosen:
        if not Path(chosen).is_file():
            raise PluginError(_NO_MODEL, chosen, file=MODEL_FILE)
        return Path(chosen)
    spec = importlib.util.find_spec("silero_vad")  # finds the package without running its torch imports
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "data" / MODEL_FILE
            if candidate.is_file():
                return candidate
    raise PluginError(_NO_MODEL, file=MODEL_FILE)


class SileroVad:
    """Speech probability per 32-ms frame of 16-kHz mono audio."""

    def __init__(self, path: str | Path | None = None, block: int = 256) -> None:
        try:
            import onnxruntime as ort
        except ModuleNotFoundError:
            raise PluginError(_NO_ORT) from None
        self.path = silero_model_path(path)
        options = ort_options(1)  # the model is tiny: pieces of the lesson run on threads instead
        try:
            self._session: Any = ort.InferenceSession(str(self.path), sess_options=options,
                                                      providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise PluginError(_BAD_MODEL, self.path, error=" ".join(str(exc).split())) from None
        self.block = block

    def probabilities(self, audio: Floats, workers: int | None = None) -> Floats:
        """One probability per frame: frame ``i`` covers samples ``[i*512, (i+1)*512)``.

        With several ``workers`` (default: the cores, at most 4; a detector passes its thread
        budget) the lesson is cut into one-minute pieces run on that many threads (onnxruntime
        releases the GIL); each piece starts :data:`WARM_UP` frames early with a fresh state, and
        those frames' outputs are dropped. The pieces do not depend on the number of workers, so
        neither do the results (about 0.7 % of frames fall on the other side of 0.5 than in one
        unbroken run). One worker runs the lesson unbroken, carrying the model's state throughout.
        A lesson read block by block gets the same probabilities from :class:`VadStream`.
        """
        count = (audio.size + FRAME - 1) // FRAME
        return VadStream(self, workers).run(audio, 0, 0, count)

    def _run(self, audio: Floats, offset: int, first: int, last: int, base: int, out: Floats,
             state: tuple[Floats, Floats] | None = None) -> tuple[Floats, Floats]:
        """Probabilities of frames ``[first, last)`` into ``out`` (whose item 0 is frame ``base``),
        from ``state`` (the LSTM's h and c) carried on, else from a fresh state warmed up on the
        :data:`WARM_UP` frames before; returns the state after the last frame."""
        if state is None:
            h = np.zeros((1, 1, 128), dtype=np.float32)
            c = np.zeros((1, 1, 128), dtype=np.float32)
            begin = max(0, first - WARM_UP)
        else:
            (h, c), begin = state, first
        for lo in range(begin, last, self.block):
            hi = min(last, lo + self.block)
            probs, h, c = self._session.run(["speech_probs", "hn", "cn"],
                                            {"input": _frames_with_context(audio, lo, hi, offset), "h": h, "c": c})
            probs = np.asarray(probs).reshape(-1)
            keep = max(lo, first)
            out[keep - base:hi - base] = probs[keep - lo:]
        return h, c


class VadStream:
    """Silero VAD over a lesson read block by block (:mod:`lessonlens.media.speechtrack`), giving
    the probabilities :meth:`SileroVad.probabilities` gives the whole lesson with as many ``workers``.

    With several workers, blocks are whole one-minute pieces (:meth:`block_frames`), each piece
    warmed up afresh; with one, the model's state is carried from block to block, whose lengths are
    multiples of the model's call (``SileroVad.block`` frames) so the calls are those of the
    unbroken run.
    """

    def __init__(self, vad: SileroVad, workers: int | None = None, pool: int | None = None) -> None:
        self.vad = vad
        self.workers = workers or min(4, available_cores())
        #: threads the pieces run on (default ``workers``; fewer when another thread decodes meanwhile):
        #: the probabilities do not depend on it
        self.pool = max(1, pool or self.workers)
        self._state: tuple[Floats, Floats] | None = None
        self._next = 0

    @property
    def unbroken(self) -> bool:
        return self.workers == 1

    def block_frames(self, pieces: int | None = None) -> int:
        """Frames per block: ``pieces`` pieces' worth (default: one per worker, two at least)."""
        frames = PIECE * (pieces or max(2, self.workers))
        if self.unbroken:
            return -(-frames // self.vad.block) * self.vad.block
        return frames

    def run(self, audio: Floats, offset: int, first: int, last: int) -> Floats:
        """Probabilities of frames ``[first, last)``, the next block, of a lesson of which ``audio``
        holds the samples from ``offset`` on: the :data:`WARM_UP` frames and :data:`CONTEXT` samples
        before ``first`` (or from the lesson's start) and every sample to frame ``last``'s end (or
        to the lesson's end)."""
        if first != self._next:
            raise ValueError(f"frame {first} is not the next block's first ({self._next})")
        if offset > max(0, (first - WARM_UP) * FRAME - CONTEXT):
            raise ValueError("the audio starts after the block's warm-up")
        self._next = last
        out = np.empty(max(0, last - first), dtype=np.float32)
        if last <= first:
            return out
        if self.unbroken:
            if first % self.vad.block:
                raise ValueError(f"frame {first} is not on a call boundary of the unbroken run")
            self._state = self.vad._run(audio, offset, first, last, first, out, self._state)
            return out
        if first % PIECE:
            raise ValueError(f"frame {first} is not on a piece boundary")
        starts = list(range(first, last, PIECE))
        if len(starts) == 1 or self.pool == 1:
            for s in starts:
                self.vad._run(audio, offset, s, min(last, s + PIECE), first, out)
        else:
            with ThreadPoolExecutor(min(self.pool, len(starts))) as pool:
                list(pool.map(lambda s: self.vad._run(audio, offset, s, min(last, s + PIECE), first, out), starts))
        return out


def _frames_with_context(audio: Floats, first: int, last: int, offset: int = 0) -> Floats:
    """Frames ``[first, last)`` as rows of 576 samples: each frame with the 64 samples before it
    (``audio`` holds the samples from ``offset`` on; zeros outside it)."""
    start = first * FRAME - CONTEXT
    segment = np.zeros((last - first) * FRAME + CONTEXT, dtype=np.float32)
    lo, hi = max(offset, start), min(offset + audio.size, last * FRAME)
    if hi > lo:
        segment[lo - start: hi - start] = audio[lo - offset:hi - offset]
    windows = np.lib.stride_tricks.sliding_window_view(segment, CONTEXT + FRAME)[::FRAME]
    return np.ascontiguousarray(windows)


def speech_mask(probs: Floats, threshold: float = 0.5, min_speech: float = 0.25,
                min_silence: float = 0.3) -> npt.NDArray[np.bool_]:
    """Frames in speech: above ``threshold``, gaps shorter than ``min_silence`` closed, blips shorter
    than ``min_speech`` dropped."""
    mask = probs >= threshold
    for value, shortest in ((False, min_silence), (True, min_speech)):
        starts, ends = runs(mask, value)
        for s, e in zip(starts, ends, strict=True):
            if (e - s) * FRAME_SECONDS < shortest and s > 0 and e < len(mask):
                mask[s:e] = not value
    return mask
