"""The asr detector's funasr-torch backend: funasr's own AutoModel loading a local model directory
(configuration.json, config.yaml, model.pt, am.mvn, SentencePiece model, all built here), its
WavFrontend (fbank + LFR + CMVN), a real SenseVoiceSmall network and its CTC decoding, on espeak-ng
speech cut at pauses by Silero VAD.

The network is tiny and its CTC layer says one token whatever it hears (weights 0, bias for that
token), so the text is known; the token is a whole question, so the question cue must follow.
Skipped where funasr is not installed (``lessonlens[funasr-torch]``, not part of ``all``)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import InputError, PluginError
from lessonlens.core.extensions import Detector, DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.core.observations import GenericObservation, SpeechObservation
from lessonlens.core.plugins import get_manager

pytest.importorskip("funasr")
pytest.importorskip("sentencepiece")

SAID = "为什么？"
CONFIG = """\
encoder: SenseVoiceEncoderSmall
encoder_conf: {output_size: 16, attention_heads: 2, linear_units: 16, num_blocks: 1, tp_blocks: 1,
  dropout_rate: 0.0, positional_dropout_rate: 0.0, attention_dropout_rate: 0.0, input_layer: pe,
  pos_enc_class: SinusoidalPositionEncoder, normalize_before: true, kernel_size: 3, sanm_shfit: 0,
  selfattention_layer_type: sanm}
model: SenseVoiceSmall
model_conf: {length_normalized_loss: true, sos: 1, eos: 2, ignore_id: -1}
tokenizer: SentencepiecesTokenizer
tokenizer_conf: {bpemodel: null, unk_symbol: <unk>, split_with_space: true}
frontend: WavFrontend
frontend_conf: {fs: 16000, window: hamming, n_mels: 80, frame_length: 25, frame_shift: 10, lfr_m: 7, lfr_n: 6,
  cmvn_file: null}
"""


def sensevoice_torch_dir(folder: Path, said: str = SAID) -> Path:
    """A FunASR SenseVoiceSmall directory as ModelScope lays it out, with a 40k-parameter network whose
    CTC output is ``said`` (one SentencePiece symbol) for any audio."""
    import sentencepiece as spm
    import torch
    from funasr.register import tables

    folder.mkdir(parents=True)
    bpe = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["同学们好", "懂了吗", "今天学习分数"] * 5),
                                   model_writer=bpe, vocab_size=24, model_type="char", character_coverage=1.0,
                                   user_defined_symbols=["<|zh|>", "<|NEUTRAL|>", "<|Speech|>", "<|withitn|>", said],
                                   bos_id=-1, eos_id=-1, unk_id=1, pad_id=0, minloglevel=2)
    (folder / "chn_jpn_yue_eng_ko_spectok.bpe.model").write_bytes(bpe.getvalue())
    pieces = spm.SentencePieceProcessor(model_proto=bpe.getvalue())
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    (folder / "configuration.json").write_text(json.dumps({
        "framework": "pytorch", "task": "auto-speech-recognition", "model": {"type": "funasr"},
        "file_path_metas": {"init_param": "model.pt", "config": "config.yaml",
                            "tokenizer_conf": {"bpemodel": "chn_jpn_yue_eng_ko_spectok.bpe.model"},
                            "frontend_conf": {"cmvn_file": "am.mvn"}}}), encoding="utf-8")
    shift, scale = " ".join(["-8.0"] * 560), " ".join(["0.25"] * 560)
    (folder / "am.mvn").write_text(
        "<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n"
        f"<LearnRateCoef> 0 [ {shift} ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet>\n",
        encoding="utf-8")
    import yaml

    conf = yaml.safe_load(CONFIG)
    torch.manual_seed(0)
    network = tables.model_classes["SenseVoiceSmall"](
        **conf["model_conf"], encoder=conf["encoder"], encoder_conf=conf["encoder_conf"], input_size=560,
        vocab_size=pieces.get_piece_size())
    with torch.no_grad():
        network.ctc.ctc_lo.weight.zero_()
        network.ctc.ctc_lo.bias.fill_(-5.0)
        network.ctc.ctc_lo.bias[pieces.piece_to_id(said)] = 5.0
    torch.save(network.state_dict(), folder / "model.pt")
    return folder


def _detectors() -> list[Detector]:
    return [reg.item for reg in get_manager().registry.detectors.values()]


def test_automodel_directory_transcribes_each_spoken_stretch(tmp_path: Path, models_dir: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from lessonlens.media.encode import write_audio
    from lessonlens.media.models import add_model
    from lessonlens.synth.voices import VoiceBank

    built = sensevoice_torch_dir(tmp_path / "built")
    installed = add_model(built, _detectors(), target="asr.funasr-torch")  # checks model.pt loads
    assert installed == models_dir / "paraformer-zh"
    bank = VoiceBank()
    gap = np.zeros(16000, dtype=np.float32)
    first = bank.clip("tong2 xue2 men5, wei4 shen2 me5?", "teacher")
    second = bank.clip("yin1 wei4.", "student", 3)
    path = write_audio(tmp_path / "qa.wav", np.concatenate([gap, first, gap, second, gap]))
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio", offset=10.0),),
                            instants=(0.0, 6.0), options={"backend": "funasr-torch"})
    found = list(get_manager().detector("asr").detect(request))
    speech = [o for o in found if isinstance(o, SpeechObservation)]
    assert [o.text for o in speech] == [SAID, SAID]
    starts = [11.0, 12.0 + len(first) / 16000]  # where each utterance begins on the lesson clock
    ends = [11.0 + len(first) / 16000, starts[1] + len(second) / 16000]
    for o, start, end in zip(speech, starts, ends, strict=True):
        assert abs(o.t - start) < 0.5 and abs(o.end - end) < 0.5 and o.end > o.t
    acts = [o for o in found if isinstance(o, GenericObservation)]
    assert [(o.kind_name, o.data["act"]) for o in acts] == [("speech_act", "question")] * 2


def test_missing_and_corrupt_automodel_directories(tmp_path: Path, models_dir: Path) -> None:
    from lessonlens.media.models import add_model
    from lessonlens.plugins.detectors import asr_automodel

    with pytest.raises(PluginError) as missing:
        asr_automodel.automodel({}, "asr")
    message = missing.value.message("en")
    assert "paraformer-zh" in message and "lessonlens models add" in message and "funasr-torch" in message
    broken = sensevoice_torch_dir(tmp_path / "broken")
    (broken / "model.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(PluginError) as corrupt:
        asr_automodel.automodel({"funasr_model": str(broken)}, "asr")
    assert corrupt.value.path == str(broken) and "does not load" in corrupt.value.message("en")
    with pytest.raises(InputError, match="does not load"):  # lessonlens models add refuses it (exit code 2)
        add_model(broken, _detectors(), target="asr.funasr-torch")
    assert not (models_dir / "paraformer-zh").exists()
    unbuildable = sensevoice_torch_dir(tmp_path / "unbuildable")
    (unbuildable / "config.yaml").write_text(CONFIG.replace("SenseVoiceSmall", "NoSuchModel"), encoding="utf-8")
    with pytest.raises(PluginError) as wrong:
        asr_automodel.automodel({"funasr_model": str(unbuildable)}, "asr")
    assert wrong.value.path == str(unbuildable) and "does not load" in wrong.value.message("en")
    (unbuildable / "model.pt").unlink()
    with pytest.raises(PluginError, match=r"no model\.pt"):
        asr_automodel.automodel({"funasr_model": str(unbuildable)}, "asr")


def test_token_timestamps_trim_the_piece() -> None:
    from lessonlens.plugins.detectors.asr_automodel import trimmed

    # funasr's [[start_ms, end_ms], ...] per token, from the start of the piece
    assert trimmed(4.0, 9.0, [[310, 500], [520, 700], [2200, 2480]]) == pytest.approx((4.31, 6.48))
    assert trimmed(4.0, 9.0, None) == (4.0, 9.0) and trimmed(4.0, 9.0, []) == (4.0, 9.0)
    assert trimmed(4.0, 5.0, [[100, 9000]]) == pytest.approx((4.1, 5.0))  # never past the piece
