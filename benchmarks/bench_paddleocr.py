"""Cost of board-ocr's paddleocr backend per 1280x720 board frame (issue 19), in PaddleOCR's own environment:

    bash .ci/envs/paddleocr.sh   # builds .venv-paddleocr (once)
    .venv-paddleocr/bin/python benchmarks/bench_paddleocr.py [--repeat 5] [--networks]

PaddleOCR 3 cannot share .venv (numpy 2), so bench_detectors.py, which times the other backends,
cannot load it. No real PP-OCR weights are on this machine (no model hubs):

- the pipeline rows run PaddleOCR's whole pipeline (PaddleX resize/normalise, DB boxes, crops, rec
  resize, CTC decoding) on the tests' tiny models (tests/support/paddle_models.py), which find each
  drawn line as the real models would: they time everything but the networks;
- ``--networks`` builds PP-OCRv5's mobile and server detection and recognition networks at their
  published sizes from PaddleX's own model classes, with random weights (their cost does not depend
  on the weight values), saves them with ``paddle.jit.save`` and times PaddleX's paddle-static runner
  on the inputs the pipeline gives them for such a frame: det 3x544x960 (1280x720 at side 960) and
  one batch of 4 line crops, 3x48x320.

Each line: what runs, median wall ms per call, median CPU ms (all threads). Threads: --threads (2).
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
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

from benchmarks.timing import median_ms as per_call
from lessonlens.plugins.detectors import board_ocr
from lessonlens.plugins.detectors.board_paddle import paddleocr_reader
from tests.support import paddle_models
from tests.support.vision_scenes import board_frame

LINES = ("第二章 一元二次方程", "x² + 2x - 3 = 0", "因式分解 (x+3)(x-1)=0", "Answer: x = 1 or x = -3")




def pipeline_rows(folder: Path, repeat: int, threads: int) -> list[tuple[str, float, float]]:
    det = paddle_models.det_model(folder / "det")
    rec = paddle_models.rec_model(folder / "rec", "一元二次方程")
    read = paddleocr_reader({"paddle_det_model": str(det), "paddle_rec_model": str(rec)}, "board-ocr", threads)
    full, more = board_frame(LINES[:3]), board_frame(LINES)
    lines = len(read(more))
    onednn = "oneDNN" if read.onednn else "oneDNN off"
    rows = [(f"pipeline, whole 1280x720 board, {lines} lines (test-built models, {onednn})",
             *per_call(lambda: read(more), repeat))]

    def one_line() -> None:
        reader = board_ocr.BoardReader(lambda image: [])
        reader.update(full)
        reader.read = read
        reader.update(more)

    rows.append(("pipeline, a newly written line (changed region only, test-built)", *per_call(one_line, repeat)))
    import paddleocr

    rng = np.random.default_rng(0)
    for build, folder_, name, data in (
            (paddleocr.TextDetection, det, "det", rng.standard_normal((1, 3, 544, 960)).astype(np.float32)),
            (paddleocr.TextRecognition, rec, "rec", rng.standard_normal((lines, 3, 48, 320)).astype(np.float32))):
        runner = build(model_dir=str(folder_), model_name=f"PP-OCRv5_mobile_{name}", device="cpu",
                       cpu_threads=threads, enable_mkldnn=read.onednn).paddlex_predictor.runner
        rows.append((f"  of which the test-built {name} network alone", *per_call(lambda r=runner, d=data: r(x=[d]),
                                                                                   repeat)))
    return rows


class _Static:
    """A PaddleX model class's network as one static graph: ``x`` -> its head's output."""

    @staticmethod
    def save(net: Any, folder: Path, shape: list[int | None]) -> int:
        import paddle
        from paddle.static import InputSpec

        class Graph(paddle.nn.Layer):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, x: Any) -> Any:
                return self.net.head(self.net.model(x))

        net.eval()
        paddle.jit.save(Graph(), str(folder / "inference"), input_spec=[InputSpec(shape, "float32", "x")])
        return sum(int(p.numel()) for p in net.parameters())


def network_rows(folder: Path, repeat: int, threads: int) -> list[tuple[str, float, float]]:
    import paddleocr
    from paddlex.inference.models.text_detection.modeling import PPOCRV5MobileDet, PPOCRV5ServerDet
    from paddlex.inference.models.text_detection.modeling._config_pp_ocrv5_mobile import PPOCRV5MobileDetConfig
    from paddlex.inference.models.text_detection.modeling._config_pp_ocrv5_server import PPOCRV5ServerDetConfig
    from paddlex.inference.models.text_recognition.modeling import PPOCRV5MobileRec, PPOCRV5ServerRec
    from paddlex.inference.models.text_recognition.modeling._config_pp_ocrv5_mobile_rec import (
        PPOCRV5MobileRecConfig,
    )
    from paddlex.inference.models.text_recognition.modeling._config_pp_ocrv5_server_rec import (
        PPOCRV5ServerRecConfig,
    )

    rng = np.random.default_rng(0)
    frame = rng.standard_normal((1, 3, 544, 960)).astype(np.float32)
    crops = rng.standard_normal((4, 3, 48, 320)).astype(np.float32)
    rows = []
    for size, det_cls, det_cfg, rec_cls, rec_cfg in (
            ("mobile", PPOCRV5MobileDet, PPOCRV5MobileDetConfig, PPOCRV5MobileRec, PPOCRV5MobileRecConfig),
            ("server", PPOCRV5ServerDet, PPOCRV5ServerDetConfig, PPOCRV5ServerRec, PPOCRV5ServerRecConfig)):
        for kind, cls, cfg, shape, data in (("det", det_cls, det_cfg, [None, 3, None, None], frame),
                                            ("rec", rec_cls, rec_cfg, [None, 3, 48, None], crops)):
            name = f"PP-OCRv5_{size}_{kind}"
            target = folder / name
            target.mkdir()
            config = cfg()
            params = _Static.save(cls(config), target, shape)
            if kind == "det":
                paddle_models.write_config(target, paddle_models.det_config(name))
                build = paddleocr.TextDetection
            else:  # the published dictionary's size: head_out_channels = blank + characters + space
                chars = [chr(0x4E00 + i) for i in range(config.head_out_channels - 2)]
                paddle_models.write_config(target, paddle_models.rec_config(name, chars))
                build = paddleocr.TextRecognition
            what = "3x544x960 frame" if kind == "det" else "4 line crops 3x48x320"
            for onednn in (True, False):
                model = build(model_dir=str(target), model_name=name, device="cpu", cpu_threads=threads,
                              enable_mkldnn=onednn)
                runner = model.paddlex_predictor.runner  # PaddleX's paddle-static runner, as the pipeline calls it
                label = f"{name} network ({params / 1e6:.1f} M parameters, random weights), {what}, " + (
                    "oneDNN" if onednn else "oneDNN off")
                try:
                    rows.append((label, *per_call(lambda runner=runner, data=data: runner(x=[data]), repeat)))
                except (NotImplementedError, RuntimeError) as exc:
                    print(f"{label}: {type(exc).__name__}: {' '.join(str(exc).split())[:150]}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--networks", action="store_true",
                        help="also time PP-OCRv5's networks at their published sizes (random weights)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    rows = pipeline_rows(folder, args.repeat, args.threads)
    if args.networks:
        rows += network_rows(folder, args.repeat, args.threads)
    print(f"{'what':92} {'ms/call':>8} {'cpu ms':>7}")
    for what, wall, cpu in rows:
        print(f"{what:92} {wall:8.1f} {cpu:7.1f}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures scale with it)")


if __name__ == "__main__":
    main()
