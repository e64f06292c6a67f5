"""Cost of the asr detector's funasr-torch backend (funasr's own AutoModel) per minute of audio (issue 19),
in its own environment:

    bash .ci/envs/funasr-torch.sh   # builds .venv-funasr-torch (once)
    .venv-funasr-torch/bin/python benchmarks/bench_funasr_torch.py [--repeat 5] [--networks]

funasr (torch, transformers, modelscope, hydra) is not part of .venv, so bench_detectors.py, which
times the other backends, runs this script there. No real weights are on this machine (no model hubs):

- the AutoModel rows run funasr's loading, WavFrontend, decoding and token timestamps on the tests'
  hand-weighted SenseVoiceSmall and Paraformer (a token per stretch of sound; on noise, a token every
  60 / 120 ms): they time everything but a real network;
- ``--networks`` builds SenseVoiceSmall and Paraformer-large at their published sizes with random
  weights (their cost does not depend on the weight values) and times them on funasr's WavFrontend
  features of three 20-s pieces (slow, ~1 GB).

Each line: what runs, median wall ms per call, median CPU ms (all threads), calls in a 45-min lesson.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import CPU, per_call


def automodel_rows(folder: Path, repeat: int) -> list[tuple[str, float, int]]:
    """funasr's own AutoModel (asr backend funasr-torch) on the tests' hand-weighted SenseVoiceSmall and
    Paraformer (1k parameters, a token per stretch of sound, with token timestamps): the loading,
    WavFrontend, decoding and timestamp cost, not a real network's."""
    from lessonlens.plugins.detectors import asr_automodel
    from tests.plugins.detectors.test_audio_funasr_automodel import paraformer_torch_dir, sensevoice_torch_dir

    minute = (np.random.default_rng(0).standard_normal(16000 * 60) * 0.05).astype(np.float32)
    rows = []
    for name, build in (("SenseVoiceSmall", sensevoice_torch_dir), ("Paraformer", paraformer_torch_dir)):
        built = build(folder / f"funasr-torch-{name}")
        model = asr_automodel.automodel({"funasr_model": str(built)}, "asr")
        rows.append((f"asr funasr-torch: AutoModel {name} front end + decoding, 1 min audio (test-built)", per_call(
            lambda model=model: list(asr_automodel.transcribe(model, minute, [(0.0, 20.0), (20.0, 40.0),
                                                                              (40.0, 60.0)])),
            max(3, repeat // 3)), 45))
    return rows


#: the published sizes of the FunASR networks (SenseVoiceSmall 234.0 M parameters, Paraformer-large 220.1 M)
SANM = {"output_size": 512, "attention_heads": 4, "linear_units": 2048, "num_blocks": 50, "input_layer": "pe",
        "pos_enc_class": "SinusoidalPositionEncoder", "normalize_before": True, "kernel_size": 11, "sanm_shfit": 0,
        "selfattention_layer_type": "sanm"}


def funasr_network_rows(folder: Path) -> list[tuple[str, float, int]]:
    """The real FunASR networks' CPU cost per minute of audio: SenseVoiceSmall and Paraformer-large built
    at their published sizes with random weights (no weights here; the cost does not depend on their
    values), fed by funasr's WavFrontend, three 20-s pieces. ``--networks`` runs it (slow, ~1 GB)."""
    import torch
    from funasr.frontends.wav_frontend import WavFrontend
    from funasr.register import tables

    shift, scale = " ".join(["-8.0"] * 560), " ".join(["0.25"] * 560)
    cmvn = folder / "am.mvn"
    cmvn.write_text("<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n"
                    f"<LearnRateCoef> 0 [ {shift} ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet>\n",
                    encoding="utf-8")
    frontend = WavFrontend(cmvn_file=str(cmvn), window="hamming", n_mels=80, frame_length=25, frame_shift=10,
                           lfr_m=7, lfr_n=6, dither=0.0)
    minute = (np.random.default_rng(0).standard_normal(16000 * 60) * 0.05).astype(np.float32)
    pieces = [torch.from_numpy(minute[i * 320000:(i + 1) * 320000]) for i in range(3)]
    torch.manual_seed(0)
    sensevoice = tables.model_classes["SenseVoiceSmall"](
        encoder="SenseVoiceEncoderSmall", encoder_conf={**SANM, "tp_blocks": 20}, input_size=560,
        vocab_size=25055).eval()
    paraformer = tables.model_classes["Paraformer"](
        encoder="SANMEncoder", encoder_conf=SANM, decoder="ParaformerSANMDecoder",
        decoder_conf={"attention_heads": 4, "linear_units": 2048, "num_blocks": 16, "att_layer_num": 16,
                      "kernel_size": 11, "sanm_shfit": 0},
        predictor="CifPredictorV2", predictor_conf={"idim": 512, "threshold": 1.0, "l_order": 1, "r_order": 1,
                                                    "tail_threshold": 0.45},
        input_size=560, vocab_size=8404, ctc_weight=0.0).eval()
    sizes = [sum(p.numel() for p in m.parameters()) / 1e6 for m in (sensevoice, paraformer)]

    def features(piece: Any) -> tuple[Any, Any]:
        feats, lengths = frontend(piece[None], torch.tensor([len(piece)]))
        return feats, lengths

    def run_sensevoice() -> None:
        with torch.no_grad():
            for piece in pieces:
                feats, lengths = features(piece)
                query = sensevoice.embed(torch.tensor([[0, 1, 2, 14]]))  # language, event, emotion, text norm
                out, _ = sensevoice.encoder(torch.cat([query, feats], dim=1), lengths + 4)
                sensevoice.ctc.log_softmax(out).argmax(-1)

    def run_paraformer() -> None:
        with torch.no_grad():
            for piece in pieces:
                feats, lengths = features(piece)
                out, out_lengths = paraformer.encode(feats, lengths)
                acoustic, tokens, _, _ = paraformer.calc_predictor(out, out_lengths)
                paraformer.cal_decoder_with_predictor(out, out_lengths, acoustic, tokens.round().long())

    return [(f"asr SenseVoiceSmall network ({sizes[0]:.1f} M, random weights), 1 min audio", per_call(
                run_sensevoice, 2), 45),
            (f"asr Paraformer-large network ({sizes[1]:.1f} M, random weights), 1 min audio", per_call(
                run_paraformer, 2), 45)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--networks", action="store_true",
                        help="also time SenseVoiceSmall and Paraformer-large at their published sizes (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LESSONLENS_MODELS"] = tmp
        rows = automodel_rows(Path(tmp), args.repeat)
        if args.networks:
            rows += funasr_network_rows(Path(tmp))
    print(f"{'what':90} {'ms/call':>8} {'cpu ms':>7} {'calls':>6} {'45-min s':>9}")
    for what, ms, calls in rows:
        print(f"{what:90} {ms:8.1f} {CPU.get(ms, float('nan')):7.1f} {calls:6d} {ms * calls / 1000:9.1f}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures scale with it)")


if __name__ == "__main__":
    main()
