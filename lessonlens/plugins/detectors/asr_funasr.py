"""FunASR for the ``asr`` detector (``backend=funasr``): Paraformer or SenseVoice ONNX through funasr-onnx.

A local model directory (``funasr_model`` option, or ``paraformer-zh-onnx`` in the models folder:
``lessonlens models``) holds ``model.onnx`` (or ``model_quant.onnx``), ``config.yaml``, ``am.mvn``
(CMVN) and ``tokens.json`` (SenseVoice: its ``*.bpe.model`` instead of tokens). Paraformer has no
segment times of its own, so the lesson is cut at pauses with Silero VAD (the ``speech`` detector's
model) into pieces of at most ``max_piece`` seconds; each piece is one transcribed segment.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.media.audioblocks import speech_probabilities
from lessonlens.media.models import require_model
from lessonlens.media.vad import FRAME, SileroVad, speech_mask
from lessonlens.plugin import Backend, ModelFile, PluginError, Text, runs

PARAFORMER_ID = "iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx"
MODEL_DIR = ModelFile(
    option="funasr_model", filename="paraformer-zh-onnx", kind="dir", files=("config.yaml", "am.mvn"),
    licence="FunASR model licence (MODEL_LICENSE: use, modify and redistribute, commercial use included, "
            "with attribution)",
    source=f"ModelScope {PARAFORMER_ID} (or iic/SenseVoiceSmall-onnx): model.onnx, config.yaml, am.mvn, tokens.json",
    download_url=PARAFORMER_ID)
BACKEND = Backend("funasr", "funasr_onnx", "pip install 'lessonlens[funasr]'", (MODEL_DIR,))
SENSEVOICE_BPE = "chn_jpn_yue_eng_ko_spectok.bpe.model"
#: SenseVoice's language, emotion, event and text-norm tags (``<|zh|>``), taken out of transcripts
TAGS = re.compile(r"<\|[^|]*\|>")
_NO_PACKAGE = Text(zh="FunASR 后端需要可选依赖：pip install 'lessonlens[funasr]'（funasr-onnx）",
                   en="the FunASR backend needs an optional extra: pip install 'lessonlens[funasr]' (funasr-onnx)")

_NO_ONNX = Text(zh="模型目录里没有 model.onnx 或 model_quant.onnx；请下载 ONNX 版模型并运行："
                   "lessonlens models add 目录（PyTorch 版 model.pt 目录请用 backend=funasr-torch）",
                en="the model directory has no model.onnx or model_quant.onnx: download the ONNX model and run: "
                   "lessonlens models add DIR (a PyTorch model.pt directory needs backend=funasr-torch)")

Segment = tuple[float, float, str, float]  # start, end (s in the file), text, confidence
Piece = tuple[float, float, npt.NDArray[np.float32]]  # start, end (s in the file), its samples


def pieces(audio: npt.NDArray[np.float32], vad: SileroVad, max_piece: float = 20.0,
           pad: float = 0.2, threads: int | None = None) -> list[tuple[float, float]]:
    """Speech stretches (s) found by Silero VAD (on ``threads`` threads), padded a little and cut to at
    most ``max_piece``."""
    return stretches(vad.probabilities(audio, workers=threads), audio.size, max_piece, pad)


def pieces_of_file(path: str, vad: SileroVad, max_piece: float = 20.0, pad: float = 0.2,
                   threads: int | None = None) -> list[tuple[float, float]]:
    """:func:`pieces` of ``read_audio(path)``, the file read block by block (never held whole)."""
    probs, samples = speech_probabilities(path, vad, threads)
    return stretches(probs, samples, max_piece, pad)


def stretches(probs: npt.NDArray[np.float32], samples: int, max_piece: float = 20.0,
              pad: float = 0.2) -> list[tuple[float, float]]:
    """The speech stretches of a track of ``samples`` samples given its VAD probabilities."""
    mask = speech_mask(probs)
    step = FRAME / 16000
    total = samples / 16000
    out: list[tuple[float, float]] = []
    for s, e in zip(*runs(mask), strict=True):
        start, end = max(0.0, s * step - pad), min(total, e * step + pad)
        while end - start > max_piece:
            out.append((start, start + max_piece))
            start += max_piece
        out.append((start, end))
    return out


def recogniser(options: Mapping[str, Any], detector: str, threads: int = 2) -> Any:
    """A funasr-onnx Paraformer or SenseVoiceSmall on the model directory (checked first), its
    onnxruntime session using ``threads`` cores."""
    try:
        funasr = importlib.import_module("funasr_onnx")
    except ImportError:
        raise PluginError(_NO_PACKAGE) from None
    folder = require_model(detector, BACKEND, MODEL_DIR, options)
    if folder is not None and not any((folder / n).is_file() for n in ("model.onnx", "model_quant.onnx")):
        raise PluginError(_NO_ONNX, folder)  # funasr-onnx would try to export one with funasr and torch
    source = str(folder) if folder is not None else MODEL_DIR.download_url
    quantize = folder is not None and not (folder / "model.onnx").is_file()
    with contextlib.redirect_stdout(io.StringIO()):
        if folder is not None and (folder / SENSEVOICE_BPE).is_file():
            return funasr.SenseVoiceSmall(source, quantize=quantize, intra_op_num_threads=max(1, threads))
        return funasr.Paraformer(source, quantize=quantize, intra_op_num_threads=max(1, threads))


def _text(result: Any) -> str:
    if isinstance(result, dict):
        result = result.get("preds", "")
    if isinstance(result, (tuple, list)):
        result = result[0] if result else ""
    return TAGS.sub("", str(result)).strip()


def pieces_of(audio: npt.NDArray[np.float32], stretches: Iterable[tuple[float, float]]) -> Iterator[Piece]:
    """The ``(start, end, samples)`` pieces of these stretches of a 16 kHz track held in memory."""
    return ((start, end, audio[int(start * 16000):int(end * 16000)]) for start, end in stretches)


def transcribe(model: Any, audio: npt.NDArray[np.float32], stretches: list[tuple[float, float]],
               language: str = "zh") -> Iterator[Segment]:
    """One segment per stretch with speech, in order."""
    return transcribe_pieces(model, pieces_of(audio, stretches), language)


def transcribe_pieces(model: Any, pieces: Iterable[Piece], language: str = "zh") -> Iterator[Segment]:
    """One segment per ``(start, end, samples)`` piece with speech, in order (the pieces may come
    from :func:`~lessonlens.media.audioblocks.stretch_samples`: the file is never held whole)."""
    sensevoice = type(model).__name__ == "SenseVoiceSmall"
    for start, end, samples in pieces:
        piece = np.ascontiguousarray(samples, dtype=np.float32)
        if piece.size < 1600:
            continue
        results = model(piece, language=language or "auto", textnorm="withitn") if sensevoice else model(piece)
        text = _text(results[0]) if results else ""
        if text:
            yield start, end, text, 1.0
