"""Classroom pictures for the vision tests, composed from real photos that scikit-image ships.

Students are ``lfw_subset`` faces on a head (hair) and shoulders; a head turned to a neighbour is
the cameraman's profile from ``camera()``; the teacher is ``astronaut()`` (facing the class) or the
cameraman (profile, arms raised, as at the board). Boards carry CJK and Latin text drawn with
Pillow in Noto Sans CJK (Debian ``fonts-noto-cjk``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont
from skimage import data

RGB = npt.NDArray[np.uint8]
W, H = 1280, 720
FACE = 44
COLS, ROWS = 8, 5
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


@cache
def faces() -> RGB:
    return (data.lfw_subset() * 255).astype(np.uint8)


@cache
def profile_head() -> RGB:
    """The cameraman's head in profile (looking right), a square crop."""
    return np.ascontiguousarray(data.camera()[55:195, 135:275])


def seat_origin(index: int) -> tuple[int, int]:
    """Top-left of the face of student ``index`` in the student frame."""
    row, col = divmod(index, COLS)
    return 70 + col * 150, 110 + row * 118


def _paste_grey(frame: RGB, image: npt.NDArray[np.uint8], x: int, y: int, size: int) -> None:
    small = cv2.resize(image, (size, size), interpolation=cv2.INTER_CUBIC)
    frame[y:y + size, x:x + size] = small[..., None]


def student_frame(states: Sequence[str], seed: int = 0) -> RGB:
    """A student camera frame; ``states[i]`` in front/down/side/raised/standing for student ``i``."""
    rng = np.random.default_rng(seed)
    frame = np.full((H, W, 3), (168, 160, 150), np.uint8)
    frame[:] = np.clip(frame.astype(np.int16) + rng.integers(-4, 5, frame.shape), 0, 255).astype(np.uint8)
    f = FACE
    for index, state in enumerate(states):
        x, y = seat_origin(index)
        if state == "standing":
            y -= int(1.1 * f)
        cx = x + f // 2
        cv2.rectangle(frame, (cx - int(0.95 * f), y + int(1.1 * f)), (cx + int(0.95 * f), y + int(2.3 * f)),
                      (40 + 20 * (index % 3), 60, 120), -1)  # shirt
        if state == "raised":
            arm_x = cx + int(0.75 * f)
            cv2.rectangle(frame, (arm_x - int(0.17 * f), y - int(1.05 * f)), (arm_x + int(0.17 * f), y + int(1.2 * f)),
                          (205, 160, 130), -1)
            cv2.ellipse(frame, (arm_x, y - int(1.1 * f)), (int(0.24 * f), int(0.3 * f)), 0, 0, 360, (215, 170, 140), -1)
        if state == "down":
            cv2.ellipse(frame, (cx, y + int(0.62 * f)), (int(0.6 * f), int(0.55 * f)), 0, 0, 360, (28, 24, 20), -1)
            continue
        cv2.ellipse(frame, (cx, y + int(0.45 * f)), (int(0.62 * f), int(0.66 * f)), 0, 0, 360, (28, 24, 20), -1)
        if state == "side":
            head = profile_head() if index % 2 else profile_head()[:, ::-1]
            _paste_grey(frame, np.ascontiguousarray(head), x - 4, y, f + 8)
        else:
            _paste_grey(frame, faces()[index % len(faces())], x, y, f)
    return frame


def teacher_frame(kind: str, x: float = 0.5) -> RGB:
    """A teacher camera frame: a board across the top and the teacher lecturing, writing or walking."""
    frame = np.full((H, W, 3), (150, 140, 120), np.uint8)
    frame[int(0.05 * H):int(0.45 * H), int(0.1 * W):int(0.9 * W)] = (40, 70, 50)
    if kind == "board":
        person, height, shoulders_y = np.stack([data.camera()] * 3, -1), 330, 0.33
        top = int(shoulders_y * H - 0.35 * height)
    else:
        person = data.astronaut()
        height, shoulders_y = (330, 0.53) if kind == "lecturing" else (560, 0.74)
        top = int(shoulders_y * H - 0.48 * height)
    sprite = cv2.resize(person, (height, height), interpolation=cv2.INTER_AREA)
    left = int(x * W - height / 2)
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(H, top + height), min(W, left + height)
    frame[y0:y1, x0:x1] = sprite[y0 - top:y1 - top, x0 - left:x1 - left]
    return frame


def cjk_font() -> Path:
    for path in CJK_FONTS:
        if Path(path).is_file():
            return Path(path)
    raise FileNotFoundError("no CJK font: apt-get install fonts-noto-cjk")


def board_frame(lines: Sequence[str], size: tuple[int, int] = (W, H), text_px: int = 46) -> RGB:
    """A board camera frame: a dark green board with ``lines`` of chalk text."""
    image = Image.new("RGB", size, (52, 78, 60))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(cjk_font()), text_px)
    for i, line in enumerate(lines):
        draw.text((90, 70 + i * int(text_px * 1.7)), line, fill=(236, 236, 228), font=font)
    return np.asarray(image, dtype=np.uint8).copy()


def write_video(path: Path, scenes: Sequence[RGB], hold: float = 6.0, fps: int = 2) -> Path:
    """An H.264 file showing each scene for ``hold`` seconds (scene ``i`` covers ``[i*hold, (i+1)*hold)``)."""
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = scenes[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18", "g": str(fps * 2)}
        for scene in scenes:
            for _ in range(int(hold * fps)):
                container.mux(stream.encode(av.VideoFrame.from_ndarray(scene, format="rgb24")))
        container.mux(stream.encode())
    return path
