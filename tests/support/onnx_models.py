"""Small ONNX models with the exact input and output signatures of the model families lessonlens
plugs in (RTMO, YOLOX with NMS, RTMPose SimCC, Paraformer), built with ``onnx.helper``.

Their outputs are known functions of the input, so a test can run the real library's loading,
pre-processing and post-processing code and check the decoded result:

- RTMO: every keypoint is a constant plus the (column, row) of the brightest spot of the
  letterboxed 640x640 input, so decoding undoes the letterbox exactly;
- RTMPose: each keypoint's SimCC x (y) curve is the crop's brightness profile over columns (rows),
  so a bright vertical and horizontal stripe decode to where they are in the picture;
- YOLO pose: each anchor's box centre and keypoints are a constant plus the (column, row) of the
  reddest spot of the letterboxed input, and its score is scaled by the input's largest red value
  (1.0 only for RGB in 0..1), so decoding must undo the letterbox and feed RGB / 255;
- YOLOX: constant person boxes (the ``dets``/``labels`` form with NMS inside);
- Paraformer: constant token logits for ``N`` tokens (the text is known), ``token_num`` = N.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]
Floats = npt.NDArray[np.float32]


def _const(name: str, value: npt.NDArray[np.generic]) -> onnx.TensorProto:
    return numpy_helper.from_array(value, name)


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="lessonlens-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def rtmo(path: Path, keypoints: Floats, boxes: Floats) -> Path:
    """RTMO: ``input`` 1x3x640x640 -> ``dets`` 1xNx5, ``keypoints`` 1xNx17x3.

    ``keypoints`` (N, 17, 3) are in input pixels relative to the brightest spot; ``boxes`` (N, 5)."""
    n = len(keypoints)
    mask = np.zeros((1, n, 17, 3), np.float32)
    mask[..., :2] = 1
    nodes = [
        helper.make_node("ReduceSum", ["input", "axes_rows"], ["cols"], keepdims=0),  # (1, 640)
        helper.make_node("ReduceSum", ["input", "axes_cols"], ["rows"], keepdims=0),
        helper.make_node("ArgMax", ["cols"], ["ax"], axis=1, keepdims=0),
        helper.make_node("ArgMax", ["rows"], ["ay"], axis=1, keepdims=0),
        helper.make_node("Concat", ["ax", "ay", "zero"], ["offset_i"], axis=0),
        helper.make_node("Cast", ["offset_i"], ["offset"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["offset", "mask"], ["shift"]),
        helper.make_node("Add", ["base", "shift"], ["keypoints"]),
        helper.make_node("Identity", ["boxes"], ["dets"]),
    ]
    graph = helper.make_graph(
        nodes, "rtmo",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("dets", TensorProto.FLOAT, [1, n, 5]),
         helper.make_tensor_value_info("keypoints", TensorProto.FLOAT, [1, n, 17, 3])],
        [_const("axes_rows", np.array([1, 2], np.int64)), _const("axes_cols", np.array([1, 3], np.int64)),
         _const("zero", np.zeros(1, np.int64)), _const("mask", mask),
         _const("base", keypoints[None].astype(np.float32)), _const("boxes", boxes[None].astype(np.float32))])
    return _save(graph, path)


def yolo_pose(path: Path, anchors: Floats, size: int = 640) -> Path:
    """YOLOv8/YOLO11 pose (Ultralytics' raw export): ``images`` 1x3xSxS -> ``output0`` 1x56xN.

    ``anchors`` (N, 56): cx, cy, w, h, score, 17 x (x, y, visibility); the x and y values (box centre
    and keypoints) are relative to the reddest spot of the input, in input pixels."""
    n = len(anchors)
    rows_x = [0] + [5 + 3 * k for k in range(17)]
    mask_x, mask_y, mask_s = (np.zeros((1, 56, n), np.float32) for _ in range(3))
    mask_x[0, rows_x] = 1
    mask_y[0, [r + 1 for r in rows_x]] = 1
    mask_s[0, 4] = 1
    nodes = [
        helper.make_node("Slice", ["images", "c0", "c1", "c_axis"], ["red"]),  # (1, 1, S, S)
        helper.make_node("ReduceSum", ["red", "axes_rows"], ["cols"], keepdims=0),  # (1, S)
        helper.make_node("ReduceSum", ["red", "axes_cols"], ["rows"], keepdims=0),
        helper.make_node("ArgMax", ["cols"], ["ax_i"], axis=1, keepdims=0),
        helper.make_node("ArgMax", ["rows"], ["ay_i"], axis=1, keepdims=0),
        helper.make_node("Cast", ["ax_i"], ["ax"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["ay_i"], ["ay"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMax", ["red"], ["rmax"], keepdims=0),
        helper.make_node("Mul", ["ax", "mask_x"], ["sx"]),
        helper.make_node("Mul", ["ay", "mask_y"], ["sy"]),
        helper.make_node("Add", ["base", "sx"], ["b1"]),
        helper.make_node("Add", ["b1", "sy"], ["b2"]),
        helper.make_node("Sub", ["rmax", "one"], ["rm1"]),
        helper.make_node("Mul", ["rm1", "mask_s"], ["ds"]),
        helper.make_node("Add", ["ds", "one"], ["factor"]),
        helper.make_node("Mul", ["b2", "factor"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes, "yolo_pose",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 56, n])],
        [_const("c0", np.array([0], np.int64)), _const("c1", np.array([1], np.int64)),
         _const("c_axis", np.array([1], np.int64)),
         _const("axes_rows", np.array([1, 2], np.int64)), _const("axes_cols", np.array([1, 3], np.int64)),
         _const("mask_x", mask_x), _const("mask_y", mask_y), _const("mask_s", mask_s),
         _const("one", np.ones((), np.float32)), _const("base", anchors.T[None].astype(np.float32))])
    return _save(graph, path)


def yolox(path: Path, boxes: Floats) -> Path:
    """YOLOX exported with NMS: ``input`` 1x3x640x640 -> ``dets`` 1xNx5 (x0, y0, x1, y1, score), ``labels`` 1xN."""
    n = len(boxes)
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["m"], keepdims=0),
        helper.make_node("Mul", ["m", "zero"], ["nothing"]),
        helper.make_node("Add", ["boxes", "nothing"], ["dets"]),
        helper.make_node("Identity", ["classes"], ["labels"]),
    ]
    graph = helper.make_graph(
        nodes, "yolox",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("dets", TensorProto.FLOAT, [1, n, 5]),
         helper.make_tensor_value_info("labels", TensorProto.INT64, [1, n])],
        [_const("boxes", boxes[None].astype(np.float32)), _const("zero", np.zeros((), np.float32)),
         _const("classes", np.zeros((1, n), np.int64))])
    return _save(graph, path)


def _profile(nodes: list[onnx.NodeProto], axes: list[int], out: str, bins: int) -> None:
    """``out`` (1, 17, 2*bins): the input's mean over ``axes``, scaled to 0..1, each value twice."""
    nodes += [
        helper.make_node("ReduceMean", ["input"], [f"{out}_p"], axes=axes, keepdims=0),  # (1, bins)
        helper.make_node("ReduceMin", [f"{out}_p"], [f"{out}_lo"], axes=[1], keepdims=1),
        helper.make_node("ReduceMax", [f"{out}_p"], [f"{out}_hi"], axes=[1], keepdims=1),
        helper.make_node("Sub", [f"{out}_p", f"{out}_lo"], [f"{out}_a"]),
        helper.make_node("Sub", [f"{out}_hi", f"{out}_lo"], [f"{out}_r"]),
        helper.make_node("Div", [f"{out}_a", f"{out}_r"], [f"{out}_n"]),
        helper.make_node("Unsqueeze", [f"{out}_n", "last"], [f"{out}_u"]),  # (1, bins, 1)
        helper.make_node("Tile", [f"{out}_u", "twice"], [f"{out}_t"]),  # (1, bins, 2)
        helper.make_node("Reshape", [f"{out}_t", f"{out}_shape"], [f"{out}_1"]),  # (1, 1, 2*bins)
        helper.make_node("Tile", [f"{out}_1", "per_kp"], [out]),  # (1, 17, 2*bins)
    ]


def rtmpose(path: Path) -> Path:
    """RTMPose (SimCC, split ratio 2): ``input`` 1x3x256x192 -> ``simcc_x`` 1x17x384, ``simcc_y`` 1x17x512."""
    nodes: list[onnx.NodeProto] = []
    _profile(nodes, [1, 2], "simcc_x", 192)
    _profile(nodes, [1, 3], "simcc_y", 256)
    graph = helper.make_graph(
        nodes, "rtmpose",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 256, 192])],
        [helper.make_tensor_value_info("simcc_x", TensorProto.FLOAT, [1, 17, 384]),
         helper.make_tensor_value_info("simcc_y", TensorProto.FLOAT, [1, 17, 512])],
        [_const("last", np.array([2], np.int64)), _const("twice", np.array([1, 1, 2], np.int64)),
         _const("simcc_x_shape", np.array([1, 1, 384], np.int64)),
         _const("simcc_y_shape", np.array([1, 1, 512], np.int64)),
         _const("per_kp", np.array([1, 17, 1], np.int64))])
    return _save(graph, path)


def paraformer(path: Path, token_ids: list[int], vocab: int, dim: int = 560) -> Path:
    """Paraformer: ``speech`` BxTx560, ``speech_lengths`` B (int32) -> ``logits`` BxNxV, ``token_num`` B (int32).

    The logits pick ``token_ids`` (N of them) whatever the audio; the features still flow through
    (a zero-weighted mean), so the session checks their shape."""
    n = len(token_ids)
    logits = np.full((1, n, vocab), -5.0, np.float32)
    for i, token in enumerate(token_ids):
        logits[0, i, token] = 5.0
    nodes = [
        helper.make_node("ReduceMean", ["speech"], ["m"], keepdims=0),
        helper.make_node("Mul", ["m", "zero"], ["nothing"]),
        helper.make_node("Add", ["table", "nothing"], ["logits"]),
        helper.make_node("Cast", ["speech_lengths"], ["len_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["len_f", "zero"], ["len0"]),
        helper.make_node("Add", ["len0", "count"], ["count_f"]),
        helper.make_node("Cast", ["count_f"], ["token_num"], to=TensorProto.INT32),
    ]
    graph = helper.make_graph(
        nodes, "paraformer",
        [helper.make_tensor_value_info("speech", TensorProto.FLOAT, ["batch", "frames", dim]),
         helper.make_tensor_value_info("speech_lengths", TensorProto.INT32, ["batch"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", n, vocab]),
         helper.make_tensor_value_info("token_num", TensorProto.INT32, ["batch"])],
        [_const("table", logits), _const("zero", np.zeros((), np.float32)),
         _const("count", np.array([float(n)], np.float32))])
    return _save(graph, path)


PARAFORMER_TOKENS = ["<blank>", "<s>", "</s>", "懂", "了", "吗", "同", "学", "好", "<unk>"]
PARAFORMER_CONFIG = """\
frontend_conf:
  fs: 16000
  window: hamming
  n_mels: 80
  frame_length: 25
  frame_shift: 10
  lfr_m: 7
  lfr_n: 6
  dither: 0.0
model_conf:
  predictor_bias: 0
"""


def paraformer_dir(folder: Path, said: list[str]) -> Path:
    """A funasr-onnx Paraformer model directory (model.onnx, config.yaml, am.mvn CMVN in Kaldi's nnet
    text form, tokens.json) whose model always says ``said`` (tokens of :data:`PARAFORMER_TOKENS`)."""
    folder.mkdir(parents=True)
    paraformer(folder / "model.onnx", [PARAFORMER_TOKENS.index(t) for t in said], len(PARAFORMER_TOKENS))
    (folder / "config.yaml").write_text(PARAFORMER_CONFIG, encoding="utf-8")
    (folder / "tokens.json").write_text(json.dumps(PARAFORMER_TOKENS, ensure_ascii=False), encoding="utf-8")
    shift = " ".join(["-8.0"] * 560)
    scale = " ".join(["0.25"] * 560)
    (folder / "am.mvn").write_text(
        "<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n"
        f"<LearnRateCoef> 0 [ {shift} ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet>\n",
        encoding="utf-8")
    return folder


def action_head(path: Path, classes: int, frames: int = 8, height: int = 256, width: int = 448) -> Path:
    """An AVA-style action detector head: ``input`` 1x3xTxHxW, ``rois`` Nx5 -> ``scores`` NxC, where each
    box's class is the C-th of the picture its left edge falls in (0.95; the others 0.05)."""
    nodes = [
        helper.make_node("Gather", ["rois", "col"], ["x0"], axis=1),  # (N,)
        helper.make_node("Mul", ["x0", "per_px"], ["pos"]),
        helper.make_node("Floor", ["pos"], ["cell"]),
        helper.make_node("Cast", ["cell"], ["index"], to=TensorProto.INT64),
        helper.make_node("OneHot", ["index", "depth", "values"], ["hot"], axis=-1),
        helper.make_node("ReduceMean", ["input"], ["m"], keepdims=0),
        helper.make_node("Mul", ["m", "zero"], ["nothing"]),
        helper.make_node("Add", ["hot", "nothing"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes, "action_head",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, frames, height, width]),
         helper.make_tensor_value_info("rois", TensorProto.FLOAT, ["boxes", 5])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["boxes", classes])],
        [_const("col", np.array(1, np.int64)), _const("per_px", np.array(classes / width, np.float32)),
         _const("depth", np.array(classes, np.int64)), _const("values", np.array([0.05, 0.95], np.float32)),
         _const("zero", np.zeros((), np.float32))])
    return _save(graph, path)


def sensevoice_dir(folder: Path, said: str) -> Path:
    """A funasr-onnx SenseVoiceSmall directory: a character SentencePiece model trained here (with
    SenseVoice's ``<|zh|>``-style tags as symbols), ``config.yaml``, ``am.mvn`` and a model.onnx with
    SenseVoice's signature (``speech``, ``speech_lengths``, ``language``, ``textnorm`` ->
    ``ctc_logits`` BxTxV, ``encoder_out_lens``) whose CTC path spells the tags and ``said``."""
    import io

    import sentencepiece as spm

    folder.mkdir(parents=True)
    tags = ["<|zh|>", "<|NEUTRAL|>", "<|Speech|>", "<|withitn|>"]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter([said, "同学们好", "懂了吗", "今天学习分数"] * 5),
                                   model_writer=model, vocab_size=24, model_type="char", character_coverage=1.0,
                                   user_defined_symbols=tags, bos_id=-1, eos_id=-1, unk_id=1, pad_id=0)
    (folder / "chn_jpn_yue_eng_ko_spectok.bpe.model").write_bytes(model.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    ids = [sp.piece_to_id(t) for t in tags] + [i for i in sp.encode(said) if sp.id_to_piece(i) != "▁"]
    vocab = sp.get_piece_size()
    steps = 2 * len(ids)  # each token, then a blank (id 0), so repeats survive CTC's merging
    logits = np.full((1, steps, vocab), -5.0, np.float32)
    for i, token in enumerate(ids):
        logits[0, 2 * i, token] = 5.0
        logits[0, 2 * i + 1, 0] = 5.0
    nodes = [
        helper.make_node("ReduceMean", ["speech"], ["m"], keepdims=0),
        helper.make_node("Cast", ["language"], ["lang_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["textnorm"], ["norm_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["lang_f"], ["l"], keepdims=0),
        helper.make_node("ReduceSum", ["norm_f"], ["n"], keepdims=0),
        helper.make_node("Add", ["m", "l"], ["ml"]),
        helper.make_node("Add", ["ml", "n"], ["mln"]),
        helper.make_node("Mul", ["mln", "zero"], ["nothing"]),
        helper.make_node("Add", ["table", "nothing"], ["ctc_logits"]),
        helper.make_node("Cast", ["speech_lengths"], ["len_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["len_f", "zero"], ["len0"]),
        helper.make_node("Add", ["len0", "count"], ["count_f"]),
        helper.make_node("Cast", ["count_f"], ["encoder_out_lens"], to=TensorProto.INT32),
    ]
    graph = helper.make_graph(
        nodes, "sensevoice",
        [helper.make_tensor_value_info("speech", TensorProto.FLOAT, ["batch", "frames", 560]),
         helper.make_tensor_value_info("speech_lengths", TensorProto.INT32, ["batch"]),
         helper.make_tensor_value_info("language", TensorProto.INT32, ["batch"]),
         helper.make_tensor_value_info("textnorm", TensorProto.INT32, ["batch"])],
        [helper.make_tensor_value_info("ctc_logits", TensorProto.FLOAT, ["batch", steps, vocab]),
         helper.make_tensor_value_info("encoder_out_lens", TensorProto.INT32, ["batch"])],
        [_const("table", logits), _const("zero", np.zeros((), np.float32)),
         _const("count", np.array([float(steps)], np.float32))])
    _save(graph, folder / "model.onnx")
    (folder / "config.yaml").write_text(PARAFORMER_CONFIG, encoding="utf-8")
    shift, scale = " ".join(["-8.0"] * 560), " ".join(["0.25"] * 560)
    (folder / "am.mvn").write_text(
        "<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n"
        f"<LearnRateCoef> 0 [ {shift} ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet>\n",
        encoding="utf-8")
    return folder
