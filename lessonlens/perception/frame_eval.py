"""Student detectors against labelled still frames: the real-footage evaluation harness.

``lessonlens evaluate-frames DIR`` reads frames with per-student boxes (YOLO txt or COCO json),
maps the dataset's classes onto lessonlens student states with a class map, runs a *frame reader*
(a student detector's per-frame part) on every frame, matches detected students to labelled ones
(greedy, nearest centres first, within ``tolerance`` box sizes) and reports:

- students found (precision / recall of the matching);
- per state (``front`` looking up, ``down`` head down, ``side`` turned/looking around, ``phone``,
  ``raised`` hand): precision / recall / F1 end to end (a missed student is a miss of its state, a
  detection of no labelled student a false alarm) and among matched students only;
- per state, the mean absolute error of the frame's share against the truth, next to the error of a
  constant prior (the mean share over a *train* split, never the frames measured);
- "any hand raised" per frame (precision / recall) where the labels mark raised hands;
- the reader's cost per frame (wall and CPU seconds).

A class map is YAML: ``box`` says what the labelled box covers (``head``: a student's head;
``hand``: only a raised hand/forearm) and ``classes`` maps dataset class ids (YOLO) or names (COCO)
to states; a class mapped to ``null`` is ignored. Maps for the two sets of
``/work/shared/data/real-classroom`` ship in ``lessonlens/perception/class_maps``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.readings import HEAD_STATES, FrameReader, Rect, StudentReading
from lessonlens.files.gates import MIB, read_input_bytes, read_input_text
from lessonlens.files.json_gate import load_json
from lessonlens.tables.yaml_files import read_yaml_file

#: Student states a frame reader reports and labels are mapped onto (head states, then a raised hand).
STATES: tuple[str, ...] = (*HEAD_STATES, "raised")
BOX_KINDS = ("head", "hand")
MAPS_DIR = Path(__file__).with_name("class_maps")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")

Image = npt.NDArray[np.uint8]

_T = {
    "no_frames": Text(zh="目录中没有带标注的图像", en="no labelled images in this folder"),
    "bad_map": Text(zh="类别映射无法读取：{why}", en="unreadable class map: {why}"),
    "bad_state": Text(zh="类别映射中的状态 {state} 未知（可用：{known}）",
                      en="unknown state {state} in the class map (known: {known})"),
    "no_map": Text(zh="无法判断该数据集的类别映射，请用 --classes 指定",
                   en="cannot tell this set's class map; give one with --classes"),
    "bad_label": Text(zh="第 {line} 行标注无法读取：{content}", en="unreadable label on line {line}: {content}"),
    "bad_image": Text(zh="图像无法读取", en="unreadable image"),
    "bad_coco": Text(zh="COCO 标注无法读取：{why}", en="unreadable COCO annotations: {why}"),
    "bad_format": Text(zh="标注格式应为 yolo 或 coco：{value}", en="labels must be yolo or coco: {value}"),
}


@attrs.frozen
class ClassMap:
    """Dataset classes -> lessonlens states; ``box`` is what a labelled box covers (head or hand)."""

    box: str
    classes: dict[str, str | None]
    names: tuple[str, ...] = ()

    def state(self, key: str | int) -> str | None:
        return self.classes.get(str(key))


#: a YOLO label file lists a frame's boxes: a few KB
MAX_LABEL_BYTES = MIB


def read_class_map(path: str | Path) -> ClassMap:
    """A class map from YAML (a file, or the name of a shipped map such as ``cctv-heads``)."""
    file = Path(path)
    if not file.is_file() and (MAPS_DIR / f"{path}.yaml").is_file():
        file = MAPS_DIR / f"{path}.yaml"
    data = read_yaml_file(file)  # through the input gate, within the YAML limits
    if not isinstance(data, dict) or not isinstance(data.get("classes"), dict):
        raise InputError(_T["bad_map"], path=file, why="classes: {id: state}")
    box = str(data.get("box", "head"))
    if box not in BOX_KINDS:
        raise InputError(_T["bad_map"], path=file, why=f"box: {box}")
    classes: dict[str, str | None] = {}
    for key, state in data["classes"].items():
        if state is not None and state not in STATES:
            raise InputError(_T["bad_state"], path=file, state=state, known=", ".join(STATES))
        classes[str(key)] = None if state is None else str(state)
    return ClassMap(box, classes, tuple(str(n) for n in data.get("names", ())))


def shipped_maps() -> dict[str, ClassMap]:
    return {p.stem: read_class_map(p) for p in sorted(MAPS_DIR.glob("*.yaml"))}


def guess_class_map(folder: Path) -> ClassMap:
    """The shipped map whose ``names`` equal the set's ``data.yaml`` names (in the folder or above)."""
    for candidate in (folder / "data.yaml", folder.parent / "data.yaml"):
        if candidate.is_file():
            try:
                names = tuple(str(n) for n in (read_yaml_file(candidate) or {}).get("names", ()))
            except (InputError, AttributeError):
                continue
            for shipped in shipped_maps().values():
                if shipped.names and shipped.names == names:
                    return shipped
    raise InputError(_T["no_map"], path=folder)


@attrs.frozen
class Labelled:
    state: str
    box: Rect


@attrs.frozen
class LabelledFrame:
    path: Path
    width: int
    height: int
    objects: tuple[Labelled, ...]


def _image_size(path: Path) -> tuple[int, int]:
    """The picture's size as :func:`read_rgb` gives it: a phone photo's EXIF orientation applied
    (labelling tools show it upright, and the labels' fractions are of that picture)."""
    import cv2  # the vision extra: the harness runs vision detectors anyway

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(_T["bad_image"], path=path)
    return int(image.shape[1]), int(image.shape[0])


def read_rgb(path: Path) -> Image:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(_T["bad_image"], path=path)
    rgb: Image = np.ascontiguousarray(image[:, :, ::-1])
    return rgb


def read_yolo(folder: Path, classes: ClassMap) -> list[LabelledFrame]:
    """``folder/images/*.jpg`` with ``folder/labels/*.txt`` (or both side by side): ``cls xc yc w h``."""
    images_dir = folder / "images" if (folder / "images").is_dir() else folder
    labels_dir = folder / "labels" if (folder / "labels").is_dir() else images_dir
    frames = []
    for image in sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        label = labels_dir / f"{image.stem}.txt"
        if not label.is_file():
            continue
        width, height = _image_size(image)
        objects = []
        for number, line in enumerate(read_input_text(label, MAX_LABEL_BYTES).splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            try:
                cls, xc, yc, w, h = int(parts[0]), *(float(v) for v in parts[1:5])
            except (ValueError, IndexError):
                raise InputError(_T["bad_label"], path=label, line=number, content=line[:40]) from None
            state = classes.state(cls)
            if state is not None:
                objects.append(Labelled(state, ((xc - w / 2) * width, (yc - h / 2) * height, w * width, h * height)))
        frames.append(LabelledFrame(image, width, height, tuple(objects)))
    return frames


def read_coco(folder: Path, classes: ClassMap) -> list[LabelledFrame]:
    """A COCO json in ``folder`` (``_annotations.coco.json`` or the only ``*.json``); classes by name or id."""
    files = [folder / "_annotations.coco.json"] if (folder / "_annotations.coco.json").is_file() else sorted(
        folder.glob("*.json"))
    if len(files) != 1:
        raise InputError(_T["bad_coco"], path=folder, why=f"{len(files)} json files")
    try:
        data = load_json(read_input_bytes(files[0]), files[0])
        names = {c["id"]: str(c["name"]) for c in data.get("categories", [])}
        by_image: dict[Any, list[Labelled]] = {}
        for ann in data.get("annotations", []):
            cid = ann["category_id"]
            state = classes.state(names.get(cid, cid))
            if state is None:
                state = classes.state(cid)
            if state is not None:
                x, y, w, h = (float(v) for v in ann["bbox"])
                by_image.setdefault(ann["image_id"], []).append(Labelled(state, (x, y, w, h)))
        frames = []
        for image in data["images"]:
            path = folder / str(image["file_name"])
            if not path.is_file() and (folder / "images" / str(image["file_name"])).is_file():
                path = folder / "images" / str(image["file_name"])
            frames.append(LabelledFrame(path, int(image["width"]), int(image["height"]),
                                        tuple(by_image.get(image["id"], ()))))
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise InputError(_T["bad_coco"], path=files[0], why=type(exc).__name__) from None
    return frames


def read_frames(folder: str | Path, labels: str, classes: ClassMap) -> list[LabelledFrame]:
    folder = Path(folder)
    if labels not in ("yolo", "coco"):
        raise InputError(_T["bad_format"], value=labels)
    frames = read_yolo(folder, classes) if labels == "yolo" else read_coco(folder, classes)
    if not frames:
        raise InputError(_T["no_frames"], path=folder)
    return frames


def _centre(box: Rect) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def match(truth: Sequence[Rect], found: Sequence[Rect], tolerance: float = 0.6) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (truth index, found index), nearest centres first, each within
    ``tolerance`` times the larger of the two boxes' sides."""
    candidates = []
    for i, a in enumerate(truth):
        ax, ay = _centre(a)
        for j, b in enumerate(found):
            bx, by = _centre(b)
            distance = float(np.hypot(ax - bx, ay - by))
            if distance <= tolerance * max(a[2], a[3], b[2], b[3]):
                candidates.append((distance, i, j))
    pairs, used_t, used_f = [], set(), set()
    for _, i, j in sorted(candidates):
        if i not in used_t and j not in used_f:
            pairs.append((i, j))
            used_t.add(i)
            used_f.add(j)
    return pairs


@attrs.frozen
class Score:
    """Precision / recall / F1 from counts (None where undefined)."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        def r4(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": r4(self.precision),
                "recall": r4(self.recall), "f1": r4(self.f1)}


@attrs.frozen
class FrameResult:
    """What one frame's labels and readings gave (before adding up)."""

    truth: tuple[str, ...]  # labelled states
    found: tuple[str | None, ...]  # the readers' states (head sets) or raised flags as "raised"/None
    pairs: tuple[tuple[int, int], ...]
    seconds: float
    cpu: float


@attrs.frozen
class FrameEvaluation:
    """The harness's figures for one labelled set and one reader."""

    reader: str
    box: str
    frames: int
    labelled: int
    found: int
    matched: int
    detection: dict[str, float | int | None]
    states: dict[str, dict[str, Any]]
    down_up_f1: float | None
    shares: dict[str, dict[str, float | None]]
    any_hand: dict[str, float | int | None] | None
    seconds_per_frame: float
    cpu_per_frame: float
    prior_frames: int = 0


def frame_states(frame: LabelledFrame, readings: Sequence[StudentReading], box: str
                 ) -> tuple[tuple[str, ...], tuple[str | None, ...], list[tuple[int, int]]]:
    """The labelled and read states of one frame and their pairs (head boxes, or raised hands)."""
    truth_boxes = [o.box for o in frame.objects]
    truth = tuple(o.state for o in frame.objects)
    if box == "head":
        found: tuple[str | None, ...] = tuple(r.state for r in readings)
        return truth, found, match(truth_boxes, [r.box for r in readings])
    raised = [r for r in readings if r.raised]
    # a reader that did not locate the hand: its head stands in, with room for the forearm beside it
    boxes = [r.hand if r.hand is not None else _widen(r.box, 2.5) for r in raised]
    return truth, tuple("raised" for _ in raised), match(truth_boxes, boxes, tolerance=0.7)


def _widen(box: Rect, factor: float) -> Rect:
    cx, cy = _centre(box)
    return cx - box[2] * factor / 2, cy - box[3] * factor / 2, box[2] * factor, box[3] * factor


def _shares(states: Sequence[str | None], labels: Sequence[str]) -> dict[str, float] | None:
    known = [s for s in states if s is not None]
    if not known:
        return None
    return {s: known.count(s) / len(known) for s in labels}


def summarise(results: Sequence[FrameResult], box: str, reader: str, prior: dict[str, float] | None = None,
              prior_frames: int = 0) -> FrameEvaluation:
    """Add up per-frame results into the figures (``prior``: constant share per state from a train split)."""
    labels = [s for s in STATES if any(s in r.truth for r in results)]
    counts = {s: [0, 0, 0] for s in labels}
    matched_counts = {s: [0, 0, 0] for s in labels}
    for r in results:
        pair_of_found = {j: i for i, j in r.pairs}
        pair_of_truth = {i: j for i, j in r.pairs}
        for i, t in enumerate(r.truth):
            j = pair_of_truth.get(i)
            got = r.found[j] if j is not None else None
            if t in counts:
                if got == t:
                    counts[t][0] += 1
                    matched_counts[t][0] += 1
                else:
                    counts[t][2] += 1
                    if j is not None:
                        matched_counts[t][2] += 1
            if j is not None and got is not None and got != t and got in counts:
                counts[got][1] += 1
                matched_counts[got][1] += 1
        for j, got in enumerate(r.found):
            if j not in pair_of_found and got in counts:
                counts[got][1] += 1
    states = {s: {**Score(*counts[s]).as_dict(), "matched": Score(*matched_counts[s]).as_dict()} for s in labels}
    f1s = [Score(*counts[s]).f1 for s in ("down", "front") if s in counts]
    down_up = round(float(np.mean([f for f in f1s if f is not None])), 4) if len(f1s) == 2 and None not in f1s \
        else None
    labelled = sum(len(r.truth) for r in results)
    found = sum(len(r.found) for r in results)
    matched = sum(len(r.pairs) for r in results)
    detection = Score(matched, found - matched, labelled - matched).as_dict()
    shares: dict[str, dict[str, float | None]] = {}
    any_hand = None
    if box == "head":
        errors: dict[str, list[float]] = {s: [] for s in labels}
        prior_errors: dict[str, list[float]] = {s: [] for s in labels}
        for r in results:
            true_shares, read = _shares(r.truth, labels), _shares(r.found, labels) or {}
            if true_shares is None:
                continue
            for s in labels:
                errors[s].append(abs(read.get(s, 0.0) - true_shares[s]))
                if prior is not None:
                    prior_errors[s].append(abs(prior.get(s, 0.0) - true_shares[s]))
        for s in labels:
            shares[s] = {"mae": round(float(np.mean(errors[s])), 4) if errors[s] else None,
                         "prior": round(prior[s], 4) if prior is not None and s in prior else None,
                         "prior_mae": round(float(np.mean(prior_errors[s])), 4) if prior_errors[s] else None}
    if "raised" in labels:
        truth_any = np.array([bool(r.truth) for r in results])
        found_any = np.array([bool(r.found) for r in results])
        frames = Score(int((truth_any & found_any).sum()), int((~truth_any & found_any).sum()),
                       int((truth_any & ~found_any).sum())).as_dict()
        any_hand = {**frames, "frames_with_hands": int(truth_any.sum()), "frames": len(results)}
    seconds = float(np.mean([r.seconds for r in results])) if results else 0.0
    cpu = float(np.mean([r.cpu for r in results])) if results else 0.0
    return FrameEvaluation(reader=reader, box=box, frames=len(results), labelled=labelled, found=found,
                           matched=matched, detection=detection, states=states, down_up_f1=down_up, shares=shares,
                           any_hand=any_hand, seconds_per_frame=round(seconds, 4), cpu_per_frame=round(cpu, 4),
                           prior_frames=prior_frames)


def prior_shares(frames: Iterable[LabelledFrame]) -> tuple[dict[str, float], int]:
    """The constant prior: each state's mean share over labelled frames (of a train split)."""
    rows = [shares for f in frames if (shares := _shares([o.state for o in f.objects], STATES)) is not None]
    if not rows:
        return {}, 0
    return {s: float(np.mean([r[s] for r in rows])) for s in STATES}, len(rows)


def train_split_of(folder: Path) -> Path | None:
    """``<set>/train`` for a ``<set>/valid`` or ``<set>/test`` folder, when it exists."""
    if folder.name in ("valid", "val", "test") and (folder.parent / "train").is_dir():
        return folder.parent / "train"
    return None


def evaluate_frames(folder: str | Path, reader: FrameReader, reader_name: str, labels: str = "yolo",
                    classes: ClassMap | None = None, prior_from: str | Path | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    load: Callable[[Path], Image] = read_rgb) -> FrameEvaluation:
    """Run ``reader`` on every labelled frame in ``folder`` and measure it (see the module docstring).

    ``prior_from``: the labelled frames (a train split) the constant-prior baseline is fitted on;
    by default the set's ``train`` folder beside a ``valid``/``test`` folder, else no baseline.
    ``load`` reads a frame (RGB); a caller trying many settings can keep the frames in memory.
    """
    folder = Path(folder)
    classes = classes or guess_class_map(folder)
    frames = read_frames(folder, labels, classes)
    prior_dir = Path(prior_from) if prior_from is not None else train_split_of(folder)
    prior, prior_count = (prior_shares(read_frames(prior_dir, labels, classes)) if prior_dir is not None
                          and classes.box == "head" else ({}, 0))
    results = []
    for done, frame in enumerate(frames, start=1):
        image = load(frame.path)
        wall, cpu = time.perf_counter(), time.process_time()
        readings = reader(image)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        truth, found, pairs = frame_states(frame, readings, classes.box)
        results.append(FrameResult(truth, found, tuple(pairs), wall, cpu))
        if progress is not None:
            progress(done, len(frames))
    return summarise(results, classes.box, reader_name, prior or None, prior_count)
