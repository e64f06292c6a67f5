"""Train the ``student-states`` model: a tiny CenterNet-style network over a classroom frame.

It finds every student's head (a heatmap of head centres, with the head's size) and reads its state
(down / side (looking around) / phone / front (looking up)), and finds raised hands (a heatmap of
hand centres). Trained on the ``train`` splits of the two real sets in
``/work/shared/data/real-classroom`` (CC BY 4.0; see ``lessonlens/plugins/detectors/models/NOTICE.md``);
``valid`` is for choosing thresholds (``--tune``), ``test`` for reporting only (never read here).

    pip install torch==2.13.0   # CPU build; only needed to train, never to run lessonlens
    python scripts/train_student_states.py --data ../shared/data/real-classroom --steps 1500
    python scripts/train_student_states.py --data ../shared/data/real-classroom --tune
    python scripts/train_student_states.py --stage heads [--source --head-crop 48x60] [--context 1.5] [--balance 1]

The head-state classifier's variants (crops at source resolution, a wider region, class weights)
were tried in issue 13 and did not beat the shipped one on ``valid`` (docs/perception.md); a
classifier trained with ``--source`` or ``--context`` ships with ``source_crops`` / ``context`` set
in ``models/student_states.json``.

The network's input is the frame scaled to ``WIDTH`` px wide (RGB, 0..1); outputs at stride 4:
``heat`` (2 channels, sigmoid: head centre, raised-hand centre), ``state`` (4 logits at head centres),
``size`` (2: log of box width/height in input px). Exported to ONNX (opset 17) for onnxruntime.
No image or crop is written anywhere except the cache of scaled frames in ``--cache`` (a temp folder).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

WIDTH = 768  # the network's input width (frames are scaled to it)
STRIDE = 4
STATES = ("down", "side", "phone", "front")  # state logits order (cctv-heads classes 0, 1, 2, 3)
MODEL = Path(__file__).resolve().parents[1] / "lessonlens" / "plugins" / "detectors" / "models"


def load_split(root: Path, name: str, split: str, cache: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(image scaled to WIDTH, boxes (n, 5): cls, x, y, w, h in its pixels) per frame, cached as npz."""
    import cv2

    file = cache / f"{name}-{split}-{WIDTH}.npz"
    if file.is_file():
        data = np.load(file, allow_pickle=True)
        return list(zip(data["images"], data["boxes"], strict=True))
    frames = []
    for image_path in sorted((root / name / split / "images").iterdir()):
        image = cv2.imread(str(image_path))[:, :, ::-1]
        scale = WIDTH / image.shape[1]
        small = cv2.resize(image, (WIDTH, round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        h, w = small.shape[:2]
        rows = []
        label = root / name / split / "labels" / f"{image_path.stem}.txt"
        for line in label.read_text().split("\n"):
            if line.strip():
                c, xc, yc, bw, bh = (float(v) for v in line.split()[:5])
                rows.append((c, xc * w, yc * h, bw * w, bh * h))
        frames.append((np.ascontiguousarray(small), np.array(rows, np.float32).reshape(-1, 5)))
    cache.mkdir(parents=True, exist_ok=True)
    images = np.empty(len(frames), dtype=object)
    images[:] = [f[0] for f in frames]
    boxes = np.empty(len(frames), dtype=object)
    boxes[:] = [f[1] for f in frames]
    np.savez(file, images=images, boxes=boxes)
    return frames


def load_source(root: Path, name: str, split: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(image at its own size, boxes (n, 5): cls, x, y, w, h in its pixels) per frame, in memory only."""
    import cv2

    frames = []
    for image_path in sorted((root / name / split / "images").iterdir()):
        image = np.ascontiguousarray(cv2.imread(str(image_path))[:, :, ::-1])
        h, w = image.shape[:2]
        rows = []
        for line in (root / name / split / "labels" / f"{image_path.stem}.txt").read_text().split("\n"):
            if line.strip():
                c, xc, yc, bw, bh = (float(v) for v in line.split()[:5])
                rows.append((c, xc * w, yc * h, bw * w, bh * h))
        frames.append((image, np.array(rows, np.float32).reshape(-1, 5)))
    return frames


def synthetic_split(count: int, cache: Path, seed: int = 1, width: int = WIDTH) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frames of lessonlens's own synthetic student camera with random states, fully labelled:
    heads (class by state) and raised hands (class 4), so the model keeps reading the synthetic lessons."""
    import cv2

    from lessonlens.synth import scenes

    file = cache / f"synthetic-{count}-{seed}-{width}.npz"
    if width == WIDTH and file.is_file():
        data = np.load(file, allow_pickle=True)
        return list(zip(data["images"], data["boxes"], strict=True))
    rng = np.random.default_rng(seed)
    kinds = ("listening", "reading_writing", "peer_interaction", "hand_raising", "answering")
    frames = []
    for _ in range(count):
        frame = np.empty((scenes.H, scenes.W, 3), dtype=np.uint8)
        frame[:] = np.linspace(200, 225, scenes.H, dtype=np.uint8)[:, None, None] * np.array([0.92, 0.95, 1.0])
        weights = rng.dirichlet(np.ones(len(kinds)) * 0.7)
        rows = []
        for row in range(scenes.ROWS):
            for col in range(scenes.COLS):
                index = int(rng.integers(0, 100))
                state = kinds[int(rng.choice(len(kinds), p=weights))]
                scenes.StudentCamera._student(frame, index, row, col, state)
                size = 40 + 9 * row
                cx, desk = 80 + 160 * col, 200 + 118 * row
                top = desk - int(1.75 * size) - (int(0.9 * size) if state == "answering" else 0)
                if state == "reading_writing":
                    rows.append((0, cx, top + size // 3 + size / 2, size, size))
                else:
                    rows.append((1 if state == "peer_interaction" else 3, cx, top + size / 2, size, size))
                if state == "hand_raising":
                    x0, y0 = cx + 0.72 * size, top - 1.35 * size
                    rows.append((4, x0 + 0.2 * size, y0 + 0.45 * size, 0.42 * size, 0.9 * size))
        scale = width / frame.shape[1]
        small = frame if scale == 1 else cv2.resize(frame, (width, round(frame.shape[0] * scale)),
                                                    interpolation=cv2.INTER_AREA)
        boxes = np.array(rows, np.float32)
        boxes[:, 1:] *= scale
        frames.append((small, boxes))
    if width != WIDTH:
        return frames
    images = np.empty(len(frames), dtype=object)
    images[:] = [f[0] for f in frames]
    boxes_ = np.empty(len(frames), dtype=object)
    boxes_[:] = [f[1] for f in frames]
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(file, images=images, boxes=boxes_)
    return frames


def build_model():  # type: ignore[no-untyped-def]
    import torch
    from torch import nn

    def conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
                             nn.ReLU(inplace=True))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.s4 = nn.Sequential(conv(3, 16, 2), conv(16, 32, 2))
            self.s8 = nn.Sequential(conv(32, 48, 2), conv(48, 48))
            self.s16 = nn.Sequential(conv(48, 64, 2), conv(64, 64))
            self.s32 = nn.Sequential(conv(64, 96, 2), conv(96, 96))
            self.l16, self.l8, self.l4 = nn.Conv2d(96, 64, 1), nn.Conv2d(64, 48, 1), nn.Conv2d(48, 32, 1)
            self.m16, self.m8, self.m4 = conv(64, 64), conv(48, 48), conv(32, 24)
            self.head = conv(24, 24)
            self.out = nn.Conv2d(24, 8, 1)  # 2 heatmaps, 4 state logits, 2 log sizes
            self.out.bias.data[:2].fill_(-4.0)

        def forward(self, x):  # type: ignore[no-untyped-def]
            up = nn.functional.interpolate
            f4 = self.s4(x)
            f8 = self.s8(f4)
            f16 = self.s16(f8)
            f32 = self.s32(f16)
            p16 = self.m16(f16 + up(self.l16(f32), size=f16.shape[-2:], mode="nearest"))
            p8 = self.m8(f8 + up(self.l8(p16), size=f8.shape[-2:], mode="nearest"))
            p4 = self.m4(f4 + up(self.l4(p8), size=f4.shape[-2:], mode="nearest"))
            out = self.out(self.head(p4))
            return torch.sigmoid(out[:, :2]), out[:, 2:6], out[:, 6:]

    return Net()


def targets(boxes: np.ndarray, shape: tuple[int, int], kind: str) -> dict[str, np.ndarray]:
    """Heatmap (2, H/4, W/4) with Gaussians at centres; state/size targets and mask at centre cells."""
    h, w = shape[0] // STRIDE, shape[1] // STRIDE
    heat = np.zeros((2, h, w), np.float32)
    state = np.full((h, w), -1, np.int64)
    size = np.zeros((2, h, w), np.float32)
    ys, xs = np.mgrid[0:h, 0:w]
    for c, x, y, bw, bh in boxes:
        cx, cy = x / STRIDE, y / STRIDE
        if not (0 <= cx < w and 0 <= cy < h):
            continue
        sigma = max(0.6, 0.15 * min(bw, bh) / STRIDE + 0.3)
        hand = kind == "hand" or c == 4
        channel = 1 if hand else 0
        ix, iy = int(cx), int(cy)  # the peak (exactly 1: a positive of the focal loss) on the centre's cell
        g = np.exp(-((xs - ix) ** 2 + (ys - iy) ** 2) / (2 * sigma**2))
        heat[channel] = np.maximum(heat[channel], g)
        if not hand:
            state[iy, ix] = int(c)
        size[:, iy, ix] = (math.log(max(bw, 2.0)), math.log(max(bh, 2.0)))
    return {"heat": heat, "state": state, "size": size}


def sample(frames: list[tuple[np.ndarray, np.ndarray]], kind: str, crop: int, rng: np.random.Generator
           ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A random crop at a random scale, flipped half the time, with brightness/contrast jitter."""
    import cv2

    image, boxes = frames[int(rng.integers(len(frames)))]
    scale = float(np.exp(rng.uniform(np.log(0.6), np.log(1.4))))
    scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    b = boxes.copy()
    b[:, 1:] *= scale
    h, w = scaled.shape[:2]
    pad = np.zeros((max(h, crop), max(w, crop), 3), np.uint8)
    pad[:h, :w] = scaled
    if len(b) and rng.random() < 0.7:  # mostly crops around a labelled object (hands are rare)
        i = int(rng.integers(len(b)))
        x0 = int(np.clip(b[i, 1] - rng.uniform(0.15, 0.85) * crop, 0, pad.shape[1] - crop))
        y0 = int(np.clip(b[i, 2] - rng.uniform(0.15, 0.85) * crop, 0, pad.shape[0] - crop))
    else:
        x0 = int(rng.integers(0, pad.shape[1] - crop + 1))
        y0 = int(rng.integers(0, pad.shape[0] - crop + 1))
    out = pad[y0:y0 + crop, x0:x0 + crop].astype(np.float32) / 255.0
    b[:, 1] -= x0
    b[:, 2] -= y0
    if rng.random() < 0.5:
        out = out[:, ::-1]
        b[:, 1] = crop - b[:, 1]
    out = np.clip((out - 0.5) * rng.uniform(0.7, 1.3) + 0.5 + rng.uniform(-0.15, 0.15), 0, 1)
    return np.ascontiguousarray(out.transpose(2, 0, 1)), targets(b, (crop, crop), kind)


def focal(pred, gt, weight):  # type: ignore[no-untyped-def]
    """CenterNet's penalty-reduced focal loss, per-sample weighted."""
    import torch

    pred = pred.clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(pred) * (1 - pred) ** 2 * pos
    neg_loss = torch.log(1 - pred) * pred**2 * (1 - gt) ** 4 * neg
    w = weight.view(-1, 1, 1)
    n = (pos * w).sum().clamp(min=1.0)
    return -((pos_loss + neg_loss) * w).sum() / n


def train(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    heads = load_split(args.data, "cctv-heads", "train", args.cache)
    hands = load_split(args.data, "raised-hands", "train", args.cache)
    synthetic = synthetic_split(args.synthetic, args.cache)
    model = build_model()
    print(f"{sum(p.numel() for p in model.parameters())} parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    # class weights for the state logits: phone and lookaround are rare
    counts = np.bincount(np.concatenate([b[:, 0] for _, b in heads]).astype(int), minlength=4).astype(float)
    class_weight = torch.tensor((counts.sum() / (4 * counts)) ** 0.5, dtype=torch.float32)
    start = time.time()
    for step in range(args.steps):
        batch, kinds = [], []
        for i in range(args.batch):
            kind = "hand" if i < args.batch // 4 else "synthetic" if i < args.batch // 4 + args.batch // 6 else "head"
            source = {"hand": hands, "synthetic": synthetic, "head": heads}[kind]
            batch.append(sample(source, kind, args.crop, rng))
            kinds.append(kind)
        x = torch.from_numpy(np.stack([b[0] for b in batch]))
        heat_t = torch.from_numpy(np.stack([b[1]["heat"] for b in batch]))
        state_t = torch.from_numpy(np.stack([b[1]["state"] for b in batch]))
        size_t = torch.from_numpy(np.stack([b[1]["size"] for b in batch]))
        is_head = torch.tensor([k == "head" for k in kinds], dtype=torch.float32)
        is_hand = torch.tensor([k == "hand" for k in kinds], dtype=torch.float32)
        heat, state, size = model(x)
        # heads are labelled in cctv-heads and the synthetic frames; hands in raised-hands and the
        # synthetic frames (cctv frames, where a raised hand would be unlabelled: weak negatives)
        loss_head = focal(heat[:, 0], heat_t[:, 0], 1 - is_hand)
        loss_hand = focal(heat[:, 1], heat_t[:, 1], 1 - 0.7 * is_head)
        loss_state = torch.nn.functional.cross_entropy(state, state_t, weight=class_weight, ignore_index=-1)
        centres = (size_t[:, 0] > 0).float().unsqueeze(1)
        loss_size = (torch.abs(size - size_t) * centres).sum() / centres.sum().clamp(min=1)
        loss = loss_head + loss_hand + loss_state + 0.5 * loss_size
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 10 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} head {loss_head.item():.3f} hand {loss_hand.item():.3f} "
                  f"state {loss_state.item():.3f} size {loss_size.item():.3f} ({time.time() - start:.0f} s)",
                  flush=True)
        if (step + 1) % args.save_every == 0 or step == args.steps - 1:
            export(model, args.cache, args.out)
            model.train()


def export(model, cache: Path, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The weights to ``cache`` and the ONNX model into the package (BatchNorm folded in eval mode)."""
    import torch

    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), cache / f"{out.stem}.pt")
    dummy = torch.zeros(1, 3, 448, WIDTH)
    torch.onnx.export(model, (dummy,), str(out), input_names=["image"],
                      output_names=["heat", "state", "size"], opset_version=17, dynamo=False,
                      dynamic_axes={"image": {2: "height", 3: "width"}})
    print("wrote", out, out.stat().st_size, "bytes", flush=True)


CROP = (32, 40)  # width, height of a head crop for the state classifier


def head_crop(cv2, image: np.ndarray, x: float, y: float, w: float, h: float,  # type: ignore[no-untyped-def]
              size: tuple[int, int] = CROP, context: float = 1.0) -> np.ndarray:
    """The region of one head (centre x, y; box w, h) with room below for hands and a phone, as the
    classifier's input (``size``, RGB uint8). The same function runs in the detector."""
    from lessonlens.plugins.detectors.student_states import head_region

    return head_region(cv2, image, x, y, w, h, size, context)


def head_samples(frames: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, tuple[float, ...], int]]:
    return [(image, (x, y, w, h), int(c)) for image, boxes in frames for c, x, y, w, h in boxes if c < 4]


def build_classifier():  # type: ignore[no-untyped-def]
    from torch import nn

    def conv(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    return nn.Sequential(*conv(3, 16), nn.MaxPool2d(2), *conv(16, 32), nn.MaxPool2d(2), *conv(32, 48),
                         nn.MaxPool2d(2), *conv(48, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(64, 4))


def train_heads(args: argparse.Namespace) -> None:
    """The head-state classifier on head crops cut on the fly (kept in memory only, never written)."""
    import cv2
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    crop = tuple(int(v) for v in args.head_crop.split("x"))
    if args.source:  # heads cut from the frames at their own size (the detector's ``source_crops``)
        heads = head_samples(load_source(args.data, "cctv-heads", "train"))
        from lessonlens.synth import scenes

        heads += head_samples(synthetic_split(args.synthetic, args.cache, width=scenes.W))
    else:
        heads = head_samples(load_split(args.data, "cctv-heads", "train", args.cache))
        heads += head_samples(synthetic_split(args.synthetic, args.cache))
    labels = np.array([c for _, _, c in heads])
    counts = np.bincount(labels, minlength=4).astype(float)
    weight = torch.tensor((counts.sum() / (4 * counts)) ** args.balance, dtype=torch.float32)
    model = build_classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.steps, pct_start=0.1)
    start = time.time()
    for step in range(args.steps):
        batch, target = [], []
        for i in rng.integers(0, len(heads), args.batch):
            image, (x, y, w, h), c = heads[int(i)]
            j = rng.uniform(-0.12, 0.12, 2)
            k = float(np.exp(rng.uniform(-0.15, 0.15)))
            region = head_crop(cv2, image, x + j[0] * w, y + j[1] * h, w * k, h * k, crop,
                               args.context).astype(np.float32) / 255
            if rng.random() < 0.5:
                region = region[:, ::-1]
            region = np.clip((region - 0.5) * rng.uniform(0.7, 1.3) + 0.5 + rng.uniform(-0.12, 0.12), 0, 1)
            batch.append(region.transpose(2, 0, 1))
            target.append(c)
        x_ = torch.from_numpy(np.ascontiguousarray(np.stack(batch)))
        loss = torch.nn.functional.cross_entropy(model(x_), torch.tensor(target), weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    dummy = torch.zeros(1, 3, crop[1], crop[0])
    torch.onnx.export(model, (dummy,), str(args.out), input_names=["crops"], output_names=["state"],
                      opset_version=17, dynamo=False, dynamic_axes={"crops": {0: "n"}})
    print("wrote", args.out, args.out.stat().st_size, "bytes", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/real-classroom"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/lessonlens-train"))
    parser.add_argument("--steps", type=int, default=700)
    parser.add_argument("--batch", type=int, default=12)
    parser.add_argument("--crop", type=int, default=192)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--synthetic", type=int, default=40, help="synthetic frames to draw")
    parser.add_argument("--out", type=Path, default=MODEL / "student_states.onnx")
    parser.add_argument("--save-every", type=int, default=100, help="export the model every N steps")
    parser.add_argument("--threads", type=int, default=1, help="1: on a busy machine more threads spin and wait")
    parser.add_argument("--source", action="store_true",
                        help="heads: cut heads from the frames at their own size (ship with source_crops)")
    parser.add_argument("--head-crop", default="32x40", help="heads: the classifier's input, WxH")
    parser.add_argument("--seed", type=int, default=0, help="heads: the random seed of the run")
    parser.add_argument("--balance", type=float, default=0.5,
                        help="heads: class weights (count share)^-balance: 0 none, 1 fully balanced")
    parser.add_argument("--context", type=float, default=1.0,
                        help="heads: the region around a head, in multiples of the detector's (ship as context)")
    parser.add_argument("--stage", choices=("frame", "heads"), default="frame",
                        help="frame: the heatmap network; heads: the head-state classifier on head crops")
    args = parser.parse_args()
    if args.stage == "heads":
        if args.out == MODEL / "student_states.onnx":
            args.out = MODEL / "student_heads.onnx"
        train_heads(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
