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


@pytest.mark.slow
def test_whisper_chunks_are_put_back_on_the_file_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long lesson reaches Whisper in chunks cut at pauses (here of at most 4 s instead of 600):
    each chunk's segments are shifted by where it starts, so the second question is still found
    where it is said."""
    pytest.importorskip("faster_whisper")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    monkeypatch.setenv("LESSONLENS_CACHE", str(tmp_path / "cache"))
    try:
        packaged_model_dir()
    except PluginError:
        pytest.skip("the Whisper base packages are not installed")
    from lessonlens.media.encode import write_audio
    from lessonlens.synth.voices import VoiceBank

    question = VoiceBank().clip("san1 fen1 zhi1 yi1 jia1 san1 fen1 zhi1 yi1 deng3 yu2 duo1 shao3 ne5?", "teacher")
    gap = np.zeros(16000, dtype=np.float32)
    path = write_audio(tmp_path / "twice.wav", np.concatenate([gap, question, gap, gap, question, gap]))
    second = (3 * 16000 + question.size) / 16000
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio"),),
                            instants=(0.0, 6.0), options={"chunk_seconds": second - 0.5})
    speech = [o for o in AsrDetector().detect(request) if isinstance(o, SpeechObservation)]
    late = [o for o in speech if "三分之" in o.text and o.t >= second - 1.5]
    said = [(o.t, o.end, o.text) for o in speech]
    assert late and all(o.end <= second + question.size / 16000 + 1.0 for o in late), said
    assert any("三分之" in o.text and o.t < 2.0 for o in speech)
