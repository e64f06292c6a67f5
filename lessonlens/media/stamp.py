"""Frame numbers stamped into pictures and read back: a frame's identity that survives lossy coding.

The sampling tests and benchmark write camera-like files (1080p, 25 fps, keyframes every 2–10 s)
whose frames carry their index as a row of black and white blocks, so a decoded frame says which
frame it is, however the encoder blurred it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
BITS = 20  # up to 1 048 575 frames: 11.6 hours at 25 fps


def _block(width: int) -> int:
    return max(4, width // (BITS + 4))


def stamp(image: Image, index: int) -> Image:
    """``image`` (RGB, modified in place) with ``index`` as a row of blocks along its top edge."""
    size = _block(image.shape[1])
    image[: size + 2 * size // 4, : (BITS + 2) * size] = 128
    for bit in range(BITS):
        x = (bit + 1) * size
        image[size // 4: size // 4 + size, x: x + size] = 255 if (index >> bit) & 1 else 0
    return image


def read_stamp(image: Image) -> int:
    """The frame index :func:`stamp` wrote into ``image``."""
    size = _block(image.shape[1])
    value = 0
    for bit in range(BITS):
        x = (bit + 1) * size
        cell = image[size // 4 + size // 4: size // 4 + 3 * size // 4, x + size // 4: x + 3 * size // 4]
        if float(cell.mean()) > 128:
            value |= 1 << bit
    return value


def camera_frames(count: int, width: int = 1920, height: int = 1080, seed: int = 0) -> Iterator[Image]:
    """``count`` frames of a still, textured room with a figure walking across it, each stamped.

    Texture and motion make P-frames cost what a classroom camera's do (a flat picture decodes
    several times faster than a real one); a fresh array per frame, as a camera delivers them.
    """
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    room = np.repeat(np.repeat(small, 8, axis=0), 8, axis=1)[:height, :width]
    room = ((room.astype(np.uint16) + np.roll(room, 3, axis=1)) // 2).astype(np.uint8)
    fig_w, fig_h = max(8, width // 12), max(8, height // 3)
    for index in range(count):
        image = room.copy()
        x = int((index * max(1, width // 250)) % max(1, width - fig_w))
        y = height // 2 + int(height // 10 * np.sin(index / 15))
        image[y: y + fig_h, x: x + fig_w] = (200, 60, 40)
        yield stamp(image, index)
