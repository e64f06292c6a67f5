"""Speech recognition: question/evaluation rules, and Whisper base (joined from its two packages) on espeak-ng."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import GenericObservation, SpeechObservation
from lessonlens.plugins.detectors.asr import AsrDetector, packaged_model_dir, speech_act


@pytest.mark.parametrize("text, act", [
    ("三分之一加三分之一等于多少呢？", "question"),
    ("为什么分母不变", "question"),
    ("你们同意吗", "question"),
    ("這道題怎麼做", "question"),
    ("What is one third plus one third?", "question"),
    ("很好，回答得很对。", "evaluation"),
    ("说得不错，请坐。", "evaluation"),
    ("Well done!", "evaluation"),
    ("今天我们学习分数的加法。", None),
    ("", None),
])
def test_speech_acts(text: str, act: str | None) -> None:
    assert speech_act(text) == act


def test_missing_model_directory_says_what_it_needs(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    with pytest.raises(PluginError, match=r"model\.bin"):
        AsrDetector().model(str(tmp_path), "int8")


@pytest.mark.slow
def test_whisper_base_transcribes_espeak_mandarin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("faster_whisper")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    monkeypatch.setenv("LESSONLENS_CACHE", str(tmp_path / "cache"))
    try:
        folder = packaged_model_dir()
    except PluginError:
        pytest.skip("the Whisper base packages are not installed")
    assert (folder / "model.bin").stat().st_size > 100_000_000
    from lessonlens.media.encode import write_audio
    from lessonlens.synth.voices import VoiceBank

    bank = VoiceBank()
    gap = np.zeros(8000, dtype=np.float32)
    audio = np.concatenate([gap, bank.clip("san1 fen1 zhi1 yi1 jia1 san1 fen1 zhi1 yi1 deng3 yu2 duo1 shao3 ne5?",
                                           "teacher"), gap, bank.clip("deng3 yu2 san1 fen1 zhi1 er4.", "student", 3),
                            gap])
    path = write_audio(tmp_path / "qa.wav", audio)
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio", offset=10.0),),
                            instants=(0.0, 6.0, 12.0, 18.0))
    found = list(AsrDetector().detect(request))
    speech = [o for o in found if isinstance(o, SpeechObservation)]
    text = "".join(o.text for o in speech)
    assert "三分之" in text, text
    assert all(o.t >= 10.0 and o.end > o.t and o.language == "zh" for o in speech)
    assert all(isinstance(o, GenericObservation) and o.kind_name == "speech_act" for o in found if o not in speech)
