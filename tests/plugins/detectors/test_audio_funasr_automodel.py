"""The asr detector's funasr-torch backend: funasr's own AutoModel loading a local model directory
(configuration.json, config.yaml, model.pt, am.mvn, SentencePiece model, all built here), its
WavFrontend (fbank + LFR + CMVN), a real SenseVoiceSmall network, its CTC decoding and its token
timestamps (CTC forced alignment), on espeak-ng speech cut at pauses by Silero VAD.

The network is tiny and its weights are set by hand so that its output is known from the waveform:
it says SenseVoice's four tags on its four query frames and the token ``为什么？`` on every 60 ms
frame whose window holds sound, blank elsewhere. So each utterance is one ``为什么？`` (a question:
the question cue must follow) whose token timestamps span the utterance's sound, and the detector's
segments must be trimmed from Silero's padded pieces to that sound.
Skipped where funasr is not installed (``lessonlens[funasr-torch]``, not part of ``all``); CI runs
it in a venv of its own (``.ci/envs/funasr-torch.sh``)."""

from __future__ import annotations

import io
import json
import math
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
TAGS = ("<|zh|>", "<|NEUTRAL|>", "<|Speech|>", "<|withitn|>")  # what SenseVoice says before the text
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
  dither: 0.0, cmvn_file: null}
"""
#: the feature dims that carry sound: mel bins 10-29 of each of the 7 stacked 25 ms frames (LFR)
SOUND = [80 * frame + mel for frame in range(7) for mel in range(10, 30)]
#: the query frames' embeddings (language zh or auto, event, emotion, text norm) -> one dim each
QUERIES = ((3, 0), (0, 0), (1, 1), (2, 2), (14, 3))


def sensevoice_torch_dir(folder: Path) -> Path:
    """A FunASR SenseVoiceSmall directory as ModelScope lays it out, with a 1k-parameter network that says
    ``TAGS`` then ``SAID`` (one SentencePiece symbol) for each stretch of sound, blank for digital silence.

    How: the CMVN file keeps only ``SOUND`` and shifts log(FLT_EPSILON), kaldi's log-mel of silence, to 0,
    so a silent frame is the encoder's positional encoding alone and a frame with sound is dominated
    by those dims. The first layer's value rows average them (less a threshold) into dim 0 (and its
    negative into dim 1): after the layer norms, dim 0 is +2.8 with sound and -2.8 without, and the
    CTC layer reads ``SAID`` from +, blank from -. The query embeddings put a spike on dims 0-3 (zero
    in speech frames: their CMVN scale is 0), copied to dims 2-5, from which the CTC layer reads the tags.
    Attention and feed-forward outputs are 0, so each frame sees only itself."""
    import sentencepiece as spm
    import torch
    import yaml
    from funasr.register import tables

    folder.mkdir(parents=True)
    bpe = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["同学们好", "懂了吗", "今天学习分数"] * 5),
                                   model_writer=bpe, vocab_size=24, model_type="char", character_coverage=1.0,
                                   user_defined_symbols=[*TAGS, SAID], add_dummy_prefix=False,
                                   bos_id=-1, eos_id=-1, unk_id=1, pad_id=0, minloglevel=2)
    (folder / "chn_jpn_yue_eng_ko_spectok.bpe.model").write_bytes(bpe.getvalue())
    pieces = spm.SentencePieceProcessor(model_proto=bpe.getvalue())
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    (folder / "configuration.json").write_text(json.dumps({
        "framework": "pytorch", "task": "auto-speech-recognition", "model": {"type": "funasr"},
        "file_path_metas": {"init_param": "model.pt", "config": "config.yaml",
                            "tokenizer_conf": {"bpemodel": "chn_jpn_yue_eng_ko_spectok.bpe.model"},
                            "frontend_conf": {"cmvn_file": "am.mvn"}}}), encoding="utf-8")
    shift = " ".join([f"{-math.log(np.finfo(np.float32).eps):.6f}"] * 560)
    scale = " ".join("1" if dim in SOUND else "0" for dim in range(560))
    (folder / "am.mvn").write_text(
        "<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n"
        f"<LearnRateCoef> 0 [ {shift} ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet>\n",
        encoding="utf-8")
    conf = yaml.safe_load(CONFIG)
    network = tables.model_classes["SenseVoiceSmall"](
        **conf["model_conf"], encoder=conf["encoder"], encoder_conf=conf["encoder_conf"], input_size=560,
        vocab_size=pieces.get_piece_size())
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.zero_()
        for module in network.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.fill_(1.0)
        for index, dim in QUERIES:
            network.embed.weight[index, dim] = 100.0
        attention = network.encoder.encoders0[0].self_attn.linear_q_k_v  # rows: query 0-15, key 16-31, value 32-47
        attention.weight[32, SOUND], attention.weight[33, SOUND] = 10.0 / len(SOUND), -10.0 / len(SOUND)
        attention.bias[32], attention.bias[33] = -10.0, 10.0  # sound: the mean over SOUND of the normed frame > 1
        for dim in range(4):
            attention.weight[34 + dim, dim], attention.weight[38 + dim, dim] = 1.0, -1.0
        ctc = network.ctc.ctc_lo.weight
        ctc[pieces.piece_to_id(SAID), 0], ctc[0, 0] = 5.0, -5.0  # 0: blank
        for dim, tag in enumerate(TAGS):
            ctc[pieces.piece_to_id(tag), 2 + dim] = 30.0
    torch.save(network.state_dict(), folder / "model.pt")
    return folder


def sound(clip: np.ndarray, at: float) -> tuple[float, float]:
    """(first, last) non-zero sample of ``clip`` in seconds, the clip starting ``at``."""
    found = np.flatnonzero(clip)
    return at + found[0] / 16000, at + (found[-1] + 1) / 16000


def _detectors() -> list[Detector]:
    return [reg.item for reg in get_manager().registry.detectors.values()]


def test_automodel_directory_transcribes_each_spoken_stretch(tmp_path: Path, models_dir: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from lessonlens.media import read_audio
    from lessonlens.media.encode import write_audio
    from lessonlens.media.models import add_model
    from lessonlens.media.vad import SileroVad
    from lessonlens.plugins.detectors import asr_automodel, asr_funasr
    from lessonlens.synth.voices import VoiceBank

    built = sensevoice_torch_dir(tmp_path / "built")
    installed = add_model(built, _detectors(), target="asr.funasr-torch")  # checks model.pt loads
    assert installed == models_dir / "paraformer-zh"
    bank = VoiceBank()
    gap = np.zeros(16000, dtype=np.float32)
    first = bank.clip("tong2 xue2 men5 wei4 shen2 me5?", "teacher")  # no comma: espeak pauses there
    second = bank.clip("yin1 wei4.", "student", 3)
    path = write_audio(tmp_path / "qa.wav", np.concatenate([gap, first, gap, second, gap]))
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio", offset=10.0),),
                            instants=(0.0, 6.0), options={"backend": "funasr-torch"})
    found = list(get_manager().detector("asr").detect(request))
    speech = [o for o in found if isinstance(o, SpeechObservation)]
    assert [o.text for o in speech] == [SAID, SAID]
    # each utterance's sound on the lesson clock (espeak leaves silence at the ends of a clip)
    sounds = [sound(first, 11.0), sound(second, 12.0 + len(first) / 16000)]
    pieces = [(cut + 10.0, stop + 10.0) for cut, stop in asr_funasr.pieces(read_audio(str(path)), SileroVad())]
    for o, (start, end), (cut, stop) in zip(speech, sounds, pieces, strict=True):
        assert abs(o.t - start) < 0.1 and abs(o.end - end) < 0.1  # the token timestamps: 60 ms frames
        assert cut <= o.t < o.end <= stop
    # Silero's pieces are padded by 0.2 s, and the teacher's clip ends in 0.4 s of espeak's silence
    assert speech[0].t - pieces[0][0] > 0.1 and pieces[0][1] - speech[0].end > 0.2
    acts = [o for o in found if isinstance(o, GenericObservation)]
    assert [(o.kind_name, o.data["act"]) for o in acts] == [("speech_act", "question")] * 2
    # digital silence: the tags alone, no segment
    model = asr_automodel.automodel({}, "asr")
    assert list(asr_automodel.transcribe(model, np.zeros(32000, dtype=np.float32), [(0.0, 2.0)])) == []


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
    line = corrupt.value.message("en")  # the file, what is wrong and the command that replaces it, one line
    assert corrupt.value.path == str(broken) and line.startswith(f"{broken}: the model does not load (")
    assert "lessonlens models add" in line and "\n" not in line
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
    with pytest.raises(PluginError, match=r"does not exist.*lessonlens models add"):  # a path to nothing
        asr_automodel.automodel({"funasr_model": str(tmp_path / "nowhere")}, "asr")


def test_token_timestamps_trim_the_piece() -> None:
    from lessonlens.plugins.detectors.asr_automodel import trimmed

    # funasr's [[start_ms, end_ms], ...] per token, from the start of the piece
    assert trimmed(4.0, 9.0, [[310, 500], [520, 700], [2200, 2480]]) == pytest.approx((4.31, 6.48))
    assert trimmed(4.0, 9.0, None) == (4.0, 9.0) and trimmed(4.0, 9.0, []) == (4.0, 9.0)
    assert trimmed(4.0, 5.0, [[100, 9000]]) == pytest.approx((4.1, 5.0))  # never past the piece
