"""The asr detector's FunASR backend: funasr-onnx's real Paraformer loading, fbank + LFR + CMVN front end
and decoding on a model directory built here (ONNX graph with Paraformer's exact signature, config,
CMVN and token files), on espeak-ng speech cut at pauses by Silero VAD."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import GenericObservation, SpeechObservation
from lessonlens.core.plugins import get_manager

pytest.importorskip("funasr_onnx")
pytest.importorskip("onnx")
from tests.support import onnx_models


def test_paraformer_directory_transcribes_each_spoken_stretch(tmp_path: Path, models_dir: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from lessonlens.media.encode import write_audio
    from lessonlens.synth.voices import VoiceBank

    onnx_models.paraformer_dir(models_dir / "paraformer-zh-onnx", ["懂", "了", "吗"])
    bank = VoiceBank()
    gap = np.zeros(16000, dtype=np.float32)
    first = bank.clip("tong2 xue2 men5, dong3 le5 ma5?", "teacher")
    second = bank.clip("dong3 le5.", "student", 3)
    audio = np.concatenate([gap, first, gap, second, gap])
    path = write_audio(tmp_path / "qa.wav", audio)
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio", offset=10.0),),
                            instants=(0.0, 6.0), options={"backend": "funasr"})
    found = list(get_manager().detector("asr").detect(request))
    speech = [o for o in found if isinstance(o, SpeechObservation)]
    assert [o.text for o in speech] == ["懂了吗", "懂了吗"]
    starts = [11.0, 12.0 + len(first) / 16000]  # where each utterance begins on the lesson clock
    for o, start in zip(speech, starts, strict=True):
        assert abs(o.t - start) < 0.5 and o.end > o.t and o.language == "zh"
    acts = [o for o in found if isinstance(o, GenericObservation)]
    assert [(o.kind_name, o.data["act"]) for o in acts] == [("speech_act", "question")] * 2


def test_missing_and_corrupt_funasr_model_directories(tmp_path: Path, models_dir: Path) -> None:
    from lessonlens.plugins.detectors import asr_funasr

    with pytest.raises(PluginError) as missing:
        asr_funasr.recogniser({}, "asr")
    message = missing.value.message("en")
    assert "paraformer-zh-onnx" in message and "lessonlens models add" in message
    broken = onnx_models.paraformer_dir(tmp_path / "broken", ["懂"])
    (broken / "model.onnx").write_bytes(b"not onnx")
    with pytest.raises(PluginError) as corrupt:
        asr_funasr.recogniser({"funasr_model": str(broken)}, "asr")
    assert corrupt.value.path == str(broken) and "does not load" in corrupt.value.message("en")
    (broken / "am.mvn").unlink()
    with pytest.raises(PluginError, match=r"no am\.mvn"):
        asr_funasr.recogniser({"funasr_model": str(broken)}, "asr")


def test_unknown_backend_is_named(tmp_path: Path) -> None:
    from lessonlens.media.encode import write_audio

    path = write_audio(tmp_path / "a.wav", np.zeros(16000, dtype=np.float32))
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio"),), instants=(0.0,),
                            options={"backend": "kaldi"})
    with pytest.raises(PluginError, match="whisper, funasr"):
        list(get_manager().detector("asr").detect(request))


def test_sensevoice_directory_is_read_with_its_sentencepiece_tokens(tmp_path: Path, models_dir: Path) -> None:
    pytest.importorskip("sentencepiece")
    from lessonlens.plugins.detectors import asr_funasr

    folder = onnx_models.sensevoice_dir(tmp_path / "sensevoice", "同学们好")
    model = asr_funasr.recogniser({"funasr_model": str(folder)}, "asr")
    assert type(model).__name__ == "SenseVoiceSmall"
    tone = (0.1 * np.sin(np.arange(32000) * 2 * np.pi * 220 / 16000)).astype(np.float32)
    assert list(asr_funasr.transcribe(model, tone, [(0.0, 2.0)])) == [(0.0, 2.0, "同学们好", 1.0)]
