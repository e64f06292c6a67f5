"""The real-footage harness (``lessonlens evaluate-frames``): its figures on small labelled frames
drawn here, and on the real classroom sets of ``../shared/data/real-classroom`` when present."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lessonlens.cli import app
from lessonlens.core.errors import InputError
from lessonlens.core.readings import StudentReading
from lessonlens.perception.frame_eval import (
    ClassMap,
    evaluate_frames,
    guess_class_map,
    match,
    read_class_map,
    read_frames,
)

cv2 = pytest.importorskip("cv2")

#: head colours of the drawn frames (RGB) and the state each stands for
COLOURS = {"front": (0, 200, 0), "down": (200, 0, 0), "side": (0, 0, 200)}
MAP = ClassMap("head", {"0": "down", "1": "side", "2": None, "3": "front"}, ("down", "lookaround", "phone", "up"))
CLASS_OF = {"down": 0, "side": 1, "front": 3}
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real-classroom"


def colour_reader(image: np.ndarray) -> list[StudentReading]:
    """A reader of the drawn frames: each coloured square is a head, its colour its state."""
    found = []
    for state, colour in COLOURS.items():
        mask = (np.abs(image.astype(int) - colour).sum(axis=2) < 30).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        for x, y, w, h, area in stats[1:n]:
            if area >= 50:
                found.append(StudentReading((float(x), float(y), float(w), float(h)), state))
    return found


def write_set(folder: Path, frames: list[tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]]) -> None:
    """YOLO frames: per frame, the heads drawn (state, x, y) and the heads labelled (state, x, y)."""
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    for index, (drawn, labelled) in enumerate(frames):
        image = np.full((120, 200, 3), 90, np.uint8)
        for state, x, y in drawn:
            image[y:y + 20, x:x + 20] = COLOURS[state]
        cv2.imwrite(str(folder / "images" / f"f{index}.png"), image[:, :, ::-1])
        lines = [f"{CLASS_OF[s]} {(x + 10) / 200} {(y + 10) / 120} {20 / 200} {20 / 120}" for s, x, y in labelled]
        (folder / "labels" / f"f{index}.txt").write_text("\n".join(lines) + "\n")


def test_match_pairs_nearest_centres_one_to_one() -> None:
    truth = [(0.0, 0.0, 10.0, 10.0), (30.0, 0.0, 10.0, 10.0)]
    found = [(2.0, 1.0, 10.0, 10.0), (31.0, 0.0, 10.0, 10.0), (100.0, 100.0, 10.0, 10.0), (29.0, 0.0, 10.0, 10.0)]
    assert sorted(match(truth, found)) == [(0, 0), (1, 1)]
    assert match(truth, [(20.0, 20.0, 10.0, 10.0)]) == []


def test_figures_on_drawn_frames(tmp_path: Path) -> None:
    # frame 0: three heads drawn and labelled alike; frame 1: one labelled "down" drawn as "front"
    # (a wrong state), one labelled head not drawn (a miss), one drawn head not labelled (a false alarm)
    write_set(tmp_path / "set" / "train", [([], [("front", 10, 10), ("down", 60, 10)])] * 2
              + [([], [("front", 10, 10), ("front", 60, 10)])] * 2)
    frames = [
        ([("front", 10, 10), ("down", 60, 10), ("side", 110, 10)],
         [("front", 10, 10), ("down", 60, 10), ("side", 110, 10)]),
        ([("front", 10, 60), ("front", 60, 60), ("down", 150, 60)],
         [("front", 10, 60), ("down", 60, 60), ("down", 110, 60)]),
    ]
    write_set(tmp_path / "set" / "test", frames)
    result = evaluate_frames(tmp_path / "set" / "test", colour_reader, "colours", "yolo", MAP)
    assert (result.frames, result.labelled, result.found, result.matched) == (2, 6, 6, 5)
    assert result.detection["precision"] == pytest.approx(5 / 6, abs=1e-4)
    down = result.states["down"]
    assert (down["tp"], down["fp"], down["fn"]) == (1, 1, 2)  # the false alarm reads down; one wrong, one missed
    front = result.states["front"]
    assert (front["tp"], front["fp"], front["fn"]) == (2, 1, 0)
    assert front["matched"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert result.down_up_f1 == pytest.approx((0.4 + 0.8) / 2, abs=1e-4)
    # shares: frame 1 truth front 1/3, down 2/3; read front 2/3, down 1/3
    assert result.shares["front"]["mae"] == pytest.approx((0 + 1 / 3) / 2, abs=1e-4)
    # the prior comes from the train split beside test: front 0.75, down 0.25, side 0
    assert result.prior_frames == 4
    assert result.shares["front"]["prior"] == pytest.approx(0.75)
    assert result.shares["side"]["prior_mae"] == pytest.approx((1 / 3 + 0) / 2, abs=1e-4)
    assert result.any_hand is None
    assert result.seconds_per_frame >= 0


def test_hand_sets_measure_raised_hands_per_frame(tmp_path: Path) -> None:
    folder = tmp_path / "hands"
    write_set(folder, [([], [("down", 100, 20)]), ([], [("down", 20, 20)]), ([], [])])
    hands = ClassMap("hand", {"0": "raised"})

    def reader(image: np.ndarray) -> list[StudentReading]:  # a hand found at (100, 20) in every frame
        return [StudentReading((100.0, 50.0, 20.0, 20.0), "front", raised=True, hand=(101.0, 21.0, 18.0, 18.0))]

    result = evaluate_frames(folder, reader, "fixed", "yolo", hands)
    assert result.any_hand is not None
    assert (result.any_hand["tp"], result.any_hand["fp"], result.any_hand["fn"]) == (2, 1, 0)
    raised = result.states["raised"]
    assert (raised["tp"], raised["fp"], raised["fn"]) == (1, 2, 1)
    assert result.shares == {}


def test_coco_labels_and_class_names(tmp_path: Path) -> None:
    write_set(tmp_path, [([("front", 10, 10)], [])])
    coco = {"images": [{"id": 1, "file_name": "f0.png", "width": 200, "height": 120}],
            "categories": [{"id": 5, "name": "up"}, {"id": 6, "name": "hand"}],
            "annotations": [{"image_id": 1, "category_id": 5, "bbox": [10, 10, 20, 20]},
                            {"image_id": 1, "category_id": 6, "bbox": [50, 10, 20, 20]}]}
    (tmp_path / "images" / "_annotations.coco.json").write_text(json.dumps(coco))
    by_name = ClassMap("head", {"up": "front"})
    frames = read_frames(tmp_path / "images", "coco", by_name)
    assert [(o.state, o.box) for o in frames[0].objects] == [("front", (10.0, 10.0, 20.0, 20.0))]
    result = evaluate_frames(tmp_path / "images", colour_reader, "colours", "coco", by_name)
    assert result.states["front"]["f1"] == 1.0


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text("box: head\nclasses: {0: sleeping}\n")
    with pytest.raises(InputError, match="sleeping"):
        read_class_map(bad)
    assert read_class_map("cctv-heads").classes["3"] == "front"
    (tmp_path / "empty").mkdir()
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate-frames", str(tmp_path / "empty"), "--classes", "cctv-heads"])
    assert isinstance(result.exception, InputError) and "no labelled images" in str(result.exception)
    write_set(tmp_path / "one", [([], [("front", 10, 10)])])
    (tmp_path / "one" / "labels" / "f0.txt").write_text("3 0.5 oops\n")
    with pytest.raises(InputError, match="line 1"):
        read_frames(tmp_path / "one", "yolo", MAP)
    with pytest.raises(InputError, match="yolo or coco"):
        read_frames(tmp_path / "one", "voc", MAP)


@pytest.mark.skipif(not (REAL / "cctv-heads" / "test").is_dir(), reason="no ../shared/data/real-classroom")
def test_real_class_maps_are_guessed_and_labels_read() -> None:
    frames = read_frames(REAL / "cctv-heads" / "test", "yolo", read_class_map("cctv-heads"))
    assert len(frames) == 25 and sum(len(f.objects) for f in frames) == 620
    assert {o.state for f in frames for o in f.objects} == {"front", "down", "side", "phone"}
    assert guess_class_map(REAL / "cctv-heads" / "test").box == "head"
    hands = read_frames(REAL / "raised-hands" / "test", "yolo", guess_class_map(REAL / "raised-hands" / "test"))
    assert all(o.state == "raised" for f in hands for o in f.objects)
