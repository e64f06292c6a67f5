"""FunASR's own ``AutoModel`` for the ``asr`` detector (``backend=funasr-torch``), from a local model directory.

The directory is a FunASR PyTorch model as ModelScope ships it (``config.yaml``, ``model.pt``,
``am.mvn``, ``tokens.json`` or a SentencePiece ``*.bpe.model``, usually ``configuration.json``):
Paraformer (``paraformer-zh``), SeACo/BiCif Paraformer or SenseVoiceSmall. funasr needs torch and
pulls transformers, modelscope and hydra (which holds omegaconf below 2.4), so it is its own extra
(``lessonlens[funasr-torch]``), not part of ``all``; funasr-onnx (``backend=funasr``) is the lighter
way to the same models. As on that path the lesson is cut at pauses by Silero VAD; each piece is one
``generate`` call, and where the model returns token timestamps (``[[start_ms, end_ms], ...]``:
SenseVoice, the Paraformers) the segment is trimmed to the first and last token.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonlens.media.models import require_model, unloadable
from lessonlens.plugin import Backend, ModelFile, PluginError, Text
from lessonlens.plugins.detectors.asr_funasr import TAGS, Piece, Segment, pieces_of

MODEL_DIR = ModelFile(
    option="funasr_model", filename="paraformer-zh", kind="dir", files=("config.yaml", "model.pt"),
    licence="FunASR model licence (MODEL_LICENSE: use, modify and redistribute, commercial use included, "
            "with attribution)",
    source="ModelScope iic/speech_seaco_paraformer_large_asr_nat-zh-cn-16k-common-vocab8404-pytorch "
           "(or iic/SenseVoiceSmall): the whole model directory (config.yaml, model.pt, am.mvn, tokens)",
    download_url="paraformer-zh")
NOTE = Text(zh="funasr 需要 torch，并带来 transformers、modelscope 与 hydra（omegaconf 降到 2.3）：不在 all 中",
            en="funasr needs torch and pulls transformers, modelscope and hydra (omegaconf held below 2.4): "
               "not part of all")
BACKEND = Backend("funasr-torch", "funasr", "pip install 'lessonlens[funasr-torch]'", (MODEL_DIR,), note=NOTE)
_NO_PACKAGE = Text(zh="funasr-torch 后端需要 funasr：pip install 'lessonlens[funasr-torch]'（或改用 backend=funasr）",
                   en="the funasr-torch backend needs funasr: pip install 'lessonlens[funasr-torch]' "
                      "(or use backend=funasr, the ONNX models)")


def automodel(options: Mapping[str, Any], detector: str, threads: int | None = None) -> Any:
    """A funasr ``AutoModel`` on the checked model directory (CPU, no update check, no progress bars),
    on ``threads`` torch threads (its ``ncpu``; the ``threads`` option overrides)."""
    try:
        funasr = importlib.import_module("funasr")
    except ImportError:
        raise PluginError(_NO_PACKAGE) from None
    folder = require_model(detector, BACKEND, MODEL_DIR, options)
    source = str(folder) if folder is not None else MODEL_DIR.download_url
    threads = int(options.get("threads", threads or min(4, os.cpu_count() or 1)))
    level = logging.getLogger().level
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # funasr prints its version and download notes
            return funasr.AutoModel(model=source, device="cpu", ncpu=threads, disable_update=True,
                                    disable_pbar=True, log_level="ERROR")
    except Exception as exc:  # a model.pt or config.yaml funasr cannot build a model from
        raise unloadable(folder if folder is not None else source, exc, BACKEND.name) from None
    finally:
        logging.getLogger().setLevel(level)  # AutoModel sets the root logger's level


def trimmed(start: float, end: float, stamps: Sequence[Sequence[float]] | None) -> tuple[float, float]:
    """A piece's (start, end) on the file's clock, narrowed to its first and last token's timestamps
    (milliseconds from the piece's start) when the model gave them."""
    if not stamps:
        return start, end
    first, last = float(stamps[0][0]) / 1000, float(stamps[-1][1]) / 1000
    if not 0 <= first < last:
        return start, end
    return start + first, min(end, start + last)


def stamped(model: Any) -> bool:
    """Whether to ask ``model`` for token timestamps. funasr 1.4's plain Paraformer (not SeACo/BiCif, which
    stamp always) fails when asked with a SentencePiece tokenizer (an UnboundLocalError in its
    ``inference``: English Paraformers), so that one is asked for text only and its pieces stay whole."""
    tokenizer = getattr(model, "kwargs", {}).get("tokenizer")
    if not hasattr(tokenizer, "bpemodel"):
        return True
    try:
        plain = importlib.import_module("funasr.models.paraformer.model").Paraformer.inference
    except (ImportError, AttributeError):
        return True
    return getattr(type(getattr(model, "model", None)), "inference", None) is not plain


def transcribe(model: Any, audio: npt.NDArray[np.float32], stretches: list[tuple[float, float]],
               language: str = "zh") -> Iterator[Segment]:
    """One segment per stretch with speech, in order (SenseVoice's ``<|zh|>``-style tags removed)."""
    return transcribe_pieces(model, pieces_of(audio, stretches), language)


def transcribe_pieces(model: Any, pieces: Iterable[Piece], language: str = "zh") -> Iterator[Segment]:
    """One segment per ``(start, end, samples)`` piece with speech, in order (the pieces may come
    from :func:`~lessonlens.media.audioblocks.stretch_samples`: the file is never held whole)."""
    stamps = stamped(model)
    for start, end, samples in pieces:
        piece = np.ascontiguousarray(samples, dtype=np.float32)
        if piece.size < 1600:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            results = model.generate(input=piece, language=language or "auto", use_itn=True,
                                     output_timestamp=stamps, disable_pbar=True)
        result = results[0] if results else {}
        text = TAGS.sub("", str(result.get("text", ""))).strip()
        if text:
            t0, t1 = trimmed(start, end, result.get("timestamp"))
            yield t0, t1, text, 1.0
