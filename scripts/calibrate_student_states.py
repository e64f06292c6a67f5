"""Choose the ``student-states`` thresholds on the ``valid`` splits, then measure on ``test``.

    python scripts/calibrate_student_states.py --data ../shared/data/real-classroom

1. Runs the shipped ONNX model once per valid frame and keeps its maps in memory.
2. Tries a small grid of head / hand thresholds and state biases, decoding the kept maps, scored by
   ``lessonlens.perception.frame_eval`` (the harness of ``lessonlens evaluate-frames``): head down vs
   up F1 plus the share error gained over the constant prior (cctv-heads/valid), and per-hand F1
   (raised-hands/valid).
3. Writes the chosen settings and the figures measured with them on the ``test`` splits (never used
   for choosing) to ``lessonlens/plugins/detectors/models/student_states.json``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.perception.frame_eval import FrameEvaluation, evaluate_frames, read_class_map, read_rgb
from lessonlens.plugins.detectors import student_states as ss

LOWEST = 0.2  # the lowest head/hand threshold tried: heads and hands are found once at it, then filtered


def cached_reader(model: ss.StateModel, settings: ss.Settings, memo: dict[bytes, Any]) -> Any:
    """A reader that finds heads and hands once per frame (at the lowest thresholds, states unbiased)
    and then applies ``settings``: the head threshold, the state biases and the hand threshold."""
    def read(rgb: npt.NDArray[np.uint8]) -> list[Any]:
        key = rgb[::37, ::37].tobytes() + str(rgb.shape).encode()
        if key not in memo:
            model.settings = ss.Settings(head=LOWEST, hand=LOWEST, owner=0.15)
            memo[key] = model(rgb)
        heads, hands = memo[key]
        bias = np.asarray(settings.state_bias)
        kept = []
        for h in heads:
            logits = np.log(np.asarray(h.probs) + 1e-9) + bias
            p = np.exp(logits - logits.max())
            p /= p.sum()
            kept.append(attrs.evolve(h, probs=(float(p[0]), float(p[1]), float(p[2]), float(p[3]))))
        return ss.readings(kept, hands, settings)

    return read


@functools.cache
def load(path: Path) -> npt.NDArray[np.uint8]:
    return read_rgb(path)


def run(folder: Path, name: str, model: ss.StateModel, settings: ss.Settings, memo: dict[bytes, Any]
        ) -> FrameEvaluation:
    return evaluate_frames(folder, cached_reader(model, settings, memo), "student-states", "yolo",
                           read_class_map(name), load=load)


def head_score(result: FrameEvaluation) -> float:
    gain = [(s["prior_mae"] or 0.0) - (s["mae"] or 0.0) for s in result.shares.values()]
    return (result.down_up_f1 or 0.0) + 0.5 * float(np.mean(gain))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/real-classroom"))
    args = parser.parse_args()
    model = ss.StateModel(settings=ss.Settings())
    heads_memo: dict[bytes, Any] = {}
    hands_memo: dict[bytes, Any] = {}
    cctv, hands = args.data / "cctv-heads", args.data / "raised-hands"
    best: tuple[float, ss.Settings] | None = None
    for head, down, side, phone in itertools.product((0.25, 0.35, 0.45), (-0.5, -0.25, 0.0, 0.25, 0.5),
                                                     (-0.5, 0.0, 0.5), (-1.0, 0.0, 0.5)):
        settings = ss.Settings(head=head, state_bias=(down, side, phone, 0.0))
        score = head_score(run(cctv / "valid", "cctv-heads", model, settings, heads_memo))
        if best is None or score > best[0]:
            best = (score, settings)
    assert best is not None
    chosen = best[1]
    # hands: per-hand F1 on raised-hands/valid, ties broken by fewer raised hands called on cctv-heads/valid
    # (nobody there is labelled with a hand: mostly the strokes of the burnt-in date and camera name)
    hand_best: tuple[float, int, float, float] | None = None
    for hand, owner in itertools.product((0.2, 0.25, 0.3, 0.4, 0.5), (0.15, 0.25, 0.3, 0.35, 0.4, 0.45)):
        trial = attrs.evolve(chosen, hand=hand, owner=min(owner, chosen.head))
        result = run(hands / "valid", "raised-hands", model, trial, hands_memo)
        f1 = result.states["raised"]["f1"] or 0.0
        reader = cached_reader(model, trial, heads_memo)
        called = sum(r.raised for frame in sorted((cctv / "valid" / "images").iterdir())
                     for r in reader(load(frame)))
        if hand_best is None or (f1, -called) > (hand_best[0], hand_best[1]):
            hand_best = (f1, -called, hand, trial.owner)
    assert hand_best is not None
    chosen = attrs.evolve(chosen, hand=hand_best[2], owner=hand_best[3])
    print("raised hands called on cctv-heads/valid (unlabelled):", -hand_best[1])
    print("chosen on valid:", chosen)
    figures: dict[str, Any] = {}
    final = ss.StateModel(settings=chosen)
    for split in ("valid", "test"):  # timed as a user runs it: the shipped reader on each frame
        for name, folder in (("cctv-heads", cctv), ("raised-hands", hands)):
            figures[f"{name}/{split}"] = attrs.asdict(evaluate_frames(
                folder / split, lambda rgb: ss.readings(*final(rgb), chosen), "student-states", "yolo",
                read_class_map(name), load=load))
    test, hand_test = figures["cctv-heads/test"], figures["raised-hands/test"]

    def state(name: str) -> dict[str, float | None]:
        s, share = test["states"][name], test["shares"][name]
        return {"f1": s["f1"], "precision": s["precision"], "recall": s["recall"], "share_mae": share["mae"],
                "prior_mae": share["prior_mae"]}

    reliability = {
        "listening": state("front"), "reading_writing": state("down"), "peer_interaction": state("side"),
        "hand_raising": {"f1": hand_test["states"]["raised"]["f1"],
                         "precision": hand_test["states"]["raised"]["precision"],
                         "recall": hand_test["states"]["raised"]["recall"],
                         "frame_precision": hand_test["any_hand"]["precision"],
                         "frame_recall": hand_test["any_hand"]["recall"]},
        "answering": {"f1": None},
    }
    out = {"settings": attrs.asdict(chosen), "reliability": reliability,
           "measured_on": "cctv-heads/test (25 frames) and raised-hands/test (7 frames), "
                          "/work/shared/data/real-classroom, CC BY 4.0", "figures": figures}
    path = ss.SETTINGS_FILE
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(key, "down/up F1", value["down_up_f1"], "detection", value["detection"],
              {k: v["f1"] for k, v in value["states"].items()},
              {k: (v["mae"], v["prior_mae"]) for k, v in value["shares"].items()}, value["any_hand"],
              value["seconds_per_frame"], value["cpu_per_frame"])


if __name__ == "__main__":
    main()
