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
from typing import Any

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
PARAFORMER = """\
model: Paraformer
model_conf: {ctc_weight: 0.0, lsm_weight: 0.1, length_normalized_loss: true, predictor_weight: 1.0, predictor_bias: 1,
  sampling_ratio: 0.75}
encoder: SANMEncoder
encoder_conf: {output_size: 16, attention_heads: 2, linear_units: 16, num_blocks: 1, dropout_rate: 0.0,
  positional_dropout_rate: 0.0, attention_dropout_rate: 0.0, input_layer: pe, pos_enc_class: SinusoidalPositionEncoder,
  normalize_before: true, kernel_size: 3, sanm_shfit: 0, selfattention_layer_type: sanm}
decoder: ParaformerSANMDecoder
decoder_conf: {attention_heads: 2, linear_units: 16, num_blocks: 1, dropout_rate: 0.0, positional_dropout_rate: 0.0,
  self_attention_dropout_rate: 0.0, src_attention_dropout_rate: 0.0, att_layer_num: 1, kernel_size: 3, sanm_shfit: 0}
predictor: CifPredictorV2
predictor_conf: {idim: 16, threshold: 1.0, l_order: 1, r_order: 1, tail_threshold: 0.45}
frontend: WavFrontend
frontend_conf: {fs: 16000, window: hamming, n_mels: 80, frame_length: 25, frame_shift: 10, lfr_m: 7, lfr_n: 6,
  dither: 0.0}
tokenizer: CharTokenizer
tokenizer_conf: {unk_symbol: <unk>}
"""
#: the feature dims that carry sound: mel bins 10-29 of each of the 7 stacked 25 ms frames (LFR)
SOUND = [80 * frame + mel for frame in range(7) for mel in range(10, 30)]
#: the query frames' embeddings (language zh or auto, event, emotion, text norm) -> one dim each
QUERIES = ((3, 0), (0, 0), (1, 1), (2, 2), (14, 3))


def _layout(folder: Path, config: str, tokenizer: dict[str, str]) -> None:
    """config.yaml, configuration.json and the CMVN file ``am.mvn``, which keeps only ``SOUND`` and shifts
    log(FLT_EPSILON), kaldi's log-mel of digital silence, to 0."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    (folder / "configuration.json").write_text(json.dumps({
        "framework": "pytorch", "task": "auto-speech-recognition", "model": {"type": "funasr"},
        "file_path_metas": {"init_param": "model.pt", "config": "config.yaml", "tokenizer_conf": tokenizer,
                            "frontend_conf": {"cmvn_file": "am.mvn"}}}), encoding="utf-8")
    shift = " ".join([f"{-math.log(np.finfo(np.float32).eps):.6f}"] * 560)
    scale = " ".join("1" if dim in SOUND else "0" for dim in range(560))
    (folder / "am.mvn").write_text(
        "<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n"
        f"<LearnRateCoef> 0 [ {shift} ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet>\n",
        encoding="utf-8")


def _network(name: str, config: str, vocabulary: int) -> Any:
    """funasr's ``name`` network, every weight 0 (layer norms: 1), the first encoder layer hearing sound:
    a silent frame is then the encoder's positional encoding alone and a frame with sound is dominated by
    ``SOUND``; that layer's value rows average those dims (less a threshold) into dim 0 (and its negative
    into dim 1). After the layer norms the encoder's dim 0 is +2.8 with sound and -2.8 without, and each
    frame sees only itself (attention and feed-forward outputs are 0)."""
    import torch
    import yaml
    from funasr.register import tables

    conf = yaml.safe_load(config)
    parts = {key: conf[key] for key in ("encoder", "encoder_conf", "decoder", "decoder_conf", "predictor",
                                        "predictor_conf") if key in conf}
    network = tables.model_classes[name](**conf["model_conf"], **parts, input_size=560, vocab_size=vocabulary)
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.zero_()
        for module in network.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.fill_(1.0)
        attention = network.encoder.encoders0[0].self_attn.linear_q_k_v  # rows: query 0-15, key 16-31, value 32-47
        attention.weight[32, SOUND], attention.weight[33, SOUND] = 10.0 / len(SOUND), -10.0 / len(SOUND)
        attention.bias[32], attention.bias[33] = -10.0, 10.0  # sound: the mean over SOUND of the normed frame > 1
    return network


def sensevoice_torch_dir(folder: Path) -> Path:
    """A FunASR SenseVoiceSmall directory as ModelScope lays it out, with a network that says ``TAGS`` then
    ``SAID`` (one SentencePiece symbol) for each stretch of sound, blank for digital silence: its CTC layer
    reads ``SAID`` from the encoder's dim 0 when +, blank when -. The query embeddings put a spike on
    dims 0-3 (zero in speech frames: their CMVN scale is 0), copied to dims 2-5, from which the CTC
    layer reads the tags."""
    import sentencepiece as spm
    import torch

    _layout(folder, CONFIG, {"bpemodel": "chn_jpn_yue_eng_ko_spectok.bpe.model"})
    bpe = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["同学们好", "懂了吗", "今天学习分数"] * 5),
                                   model_writer=bpe, vocab_size=24, model_type="char", character_coverage=1.0,
                                   user_defined_symbols=[*TAGS, SAID], add_dummy_prefix=False,
                                   bos_id=-1, eos_id=-1, unk_id=1, pad_id=0, minloglevel=2)
    (folder / "chn_jpn_yue_eng_ko_spectok.bpe.model").write_bytes(bpe.getvalue())
    pieces = spm.SentencePieceProcessor(model_proto=bpe.getvalue())
    network = _network("SenseVoiceSmall", CONFIG, pieces.get_piece_size())
    with torch.no_grad():
        for index, dim in QUERIES:
            network.embed.weight[index, dim] = 100.0
        attention = network.encoder.encoders0[0].self_attn.linear_q_k_v
        for dim in range(4):
            attention.weight[34 + dim, dim], attention.weight[38 + dim, dim] = 1.0, -1.0
        ctc = network.ctc.ctc_lo.weight
        ctc[pieces.piece_to_id(SAID), 0], ctc[0, 0] = 5.0, -5.0  # 0: blank
        for dim, tag in enumerate(TAGS):
            ctc[pieces.piece_to_id(tag), 2 + dim] = 30.0
    torch.save(network.state_dict(), folder / "model.pt")
    return folder


def paraformer_torch_dir(folder: Path) -> Path:
    """A FunASR Paraformer directory (``paraformer-zh``'s layout: CharTokenizer with ``tokens.json``) whose
    CIF predictor weighs each frame with sound 0.5 and silence 0 (sigmoid(10 × dim 0 - 28)), so a token
    fires every other 60 ms frame of sound, and whose decoder says ``SAID`` for every token."""
    import torch

    tokens = ["<blank>", "<s>", "</s>", SAID, "<unk>"]
    _layout(folder, PARAFORMER, {"token_list": "tokens.json"})
    (folder / "tokens.json").write_text(json.dumps(tokens, ensure_ascii=False), encoding="utf-8")
    network = _network("Paraformer", PARAFORMER, len(tokens))
    with torch.no_grad():
        network.predictor.cif_conv1d.weight[0, 0, 1] = 1.0
        network.predictor.cif_output.weight[0, 0], network.predictor.cif_output.bias[0] = 10.0, -28.0
        network.decoder.output_layer.bias[tokens.index(SAID)] = 10.0
    torch.save(network.state_dict(), folder / "model.pt")
    return folder


def _detectors() -> list[Detector]:
    return [reg.item for reg in get_manager().registry.detectors.values()]


def _lesson(folder: Path) -> tuple[Path, list[tuple[float, float]], list[tuple[float, float]]]:
    """A teacher's question and a student's answer (espeak-ng) between 1 s silences, on a lesson clock
    starting at 10 s: the wav, each utterance's sound (its first and last non-zero sample: espeak leaves
    silence at the ends of a clip) and Silero's pieces (padded by 0.2 s), all on the lesson clock."""
    from lessonlens.media import read_audio
    from lessonlens.media.encode import write_audio
    from lessonlens.media.vad import SileroVad
    from lessonlens.plugins.detectors.asr_funasr import pieces
    from lessonlens.synth.voices import VoiceBank

    bank = VoiceBank()
    gap = np.zeros(16000, dtype=np.float32)
    first = bank.clip("tong2 xue2 men5 wei4 shen2 me5?", "teacher")  # no comma: espeak pauses there
    second = bank.clip("yin1 wei4.", "student", 3)
    path = write_audio(folder / "qa.wav", np.concatenate([gap, first, gap, second, gap]))
    sounds = []
    for clip, at in ((first, 11.0), (second, 12.0 + len(first) / 16000)):
        found = np.flatnonzero(clip)
        sounds.append((at + found[0] / 16000, at + (found[-1] + 1) / 16000))
    stretches = [(cut + 10.0, stop + 10.0) for cut, stop in pieces(read_audio(str(path)), SileroVad())]
    return path, sounds, stretches


def _detect(path: Path, options: dict[str, str]) -> tuple[list[SpeechObservation], list[GenericObservation]]:
    request = DetectRequest(lesson=LessonMeta(id="t"), media=(MediaSource(str(path), "audio", offset=10.0),),
                            instants=(0.0, 6.0), options={"backend": "funasr-torch", **options})
    found = list(get_manager().detector("asr").detect(request))
    return ([o for o in found if isinstance(o, SpeechObservation)],
            [o for o in found if isinstance(o, GenericObservation)])


def test_automodel_directory_transcribes_each_spoken_stretch(tmp_path: Path, models_dir: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from lessonlens.media.models import add_model
    from lessonlens.plugins.detectors import asr_automodel

    built = sensevoice_torch_dir(tmp_path / "built")
    installed = add_model(built, _detectors(), target="asr.funasr-torch")  # checks model.pt loads
    assert installed == models_dir / "paraformer-zh"
    path, sounds, pieces = _lesson(tmp_path)
    speech, acts = _detect(path, {})
    assert [o.text for o in speech] == [SAID, SAID]
    for o, (start, end), (cut, stop) in zip(speech, sounds, pieces, strict=True):
        assert abs(o.t - start) < 0.1 and abs(o.end - end) < 0.1  # the token timestamps: 60 ms frames
        assert cut <= o.t < o.end <= stop
    # trimmed from the piece: its 0.2 s pads, and the 0.4 s of silence that ends the teacher's clip
    assert speech[0].t - pieces[0][0] > 0.1 and pieces[0][1] - speech[0].end > 0.2
    assert [(o.kind_name, o.data["act"]) for o in acts] == [("speech_act", "question")] * 2
    # digital silence: the tags alone, no segment
    model = asr_automodel.automodel({}, "asr")
    assert asr_automodel.stamped(model)  # a SentencePiece model, but SenseVoice gives its timestamps
    assert list(asr_automodel.transcribe(model, np.zeros(32000, dtype=np.float32), [(0.0, 2.0)])) == []


def test_paraformer_directory_starts_each_segment_at_its_first_token(tmp_path: Path, models_dir: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from lessonlens.plugins.detectors import asr_automodel

    built = paraformer_torch_dir(tmp_path / "paraformer-zh")
    path, sounds, pieces = _lesson(tmp_path)
    speech, acts = _detect(path, {"funasr_model": str(built)})
    # one SAID per CIF fire (every other frame of sound), as funasr's CharTokenizer joins them
    assert len(speech) == 2 and all(set(o.text.split()) == {SAID} for o in speech)
    assert len(speech[0].text.split()) > len(speech[1].text.split()) > 3  # the longer question, more tokens
    for o, (start, _), (cut, stop) in zip(speech, sounds, pieces, strict=True):
        # funasr's CIF timestamps (ts_prediction_lfr6_standard): the first token starts within a frame or
        # two of the sound; the last one ends where the piece ends (the CIF tail fires there)
        assert abs(o.t - start) < 0.1 and o.t - cut > 0.1 and o.end == pytest.approx(stop, abs=0.01)
    assert [(o.kind_name, o.data["act"]) for o in acts] == [("speech_act", "question")] * 2
    model = asr_automodel.automodel({"funasr_model": str(built)}, "asr")  # silence: no token, no segment
    assert asr_automodel.stamped(model)
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


def test_a_paraformer_with_a_sentencepiece_model_is_asked_for_text_only(tmp_path: Path) -> None:
    """funasr 1.4.16's Paraformer.inference raises UnboundLocalError when asked for timestamps with a
    SentencePiece tokenizer (English Paraformers): the backend asks it for text only, the piece stays whole."""
    import sentencepiece as spm

    from lessonlens.plugins.detectors import asr_automodel

    built = paraformer_torch_dir(tmp_path / "paraformer-en")  # its decoder says token 3
    bpe = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["why is that", "hello class"] * 5), model_writer=bpe,
                                   vocab_size=16, model_type="char", user_defined_symbols=["[q]", "why"],
                                   bos_id=-1, eos_id=-1, unk_id=1, pad_id=0, minloglevel=2)
    assert spm.SentencePieceProcessor(model_proto=bpe.getvalue()).piece_to_id("why") == 3
    (built / "bpe.model").write_bytes(bpe.getvalue())
    config = PARAFORMER.replace("CharTokenizer\ntokenizer_conf: {",
                                "SentencepiecesTokenizer\ntokenizer_conf: {bpemodel: null, ")
    (built / "config.yaml").write_text(config, encoding="utf-8")
    meta = json.loads((built / "configuration.json").read_text(encoding="utf-8"))
    meta["file_path_metas"]["tokenizer_conf"] = {"bpemodel": "bpe.model"}
    (built / "configuration.json").write_text(json.dumps(meta), encoding="utf-8")
    model = asr_automodel.automodel({"funasr_model": str(built)}, "asr")
    tone = (0.3 * np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000)).astype(np.float32)
    audio = np.concatenate([np.zeros(8000, dtype=np.float32), tone, np.zeros(8000, dtype=np.float32)])
    with pytest.raises(UnboundLocalError):  # the funasr bug this works around
        model.generate(input=audio, output_timestamp=True, disable_pbar=True)
    assert not asr_automodel.stamped(model)
    [(start, end, text, _)] = asr_automodel.transcribe(model, audio, [(0.0, 2.0)], language="en")
    assert (start, end) == (0.0, 2.0) and text.startswith("whywhy")  # one per CIF fire over the tone
