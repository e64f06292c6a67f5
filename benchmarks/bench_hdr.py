"""Benchmark of HDR frame conversion: the tone-mapped path against the plain rgb24 one.

    python benchmarks/bench_hdr.py [--width 1280 --height 720] [--repeat 20] [--threads 1]

A phone's HDR frame (HEVC 10-bit, BT.2020, HLG; a gradient with shapes) is encoded once with
libx265 in memory, decoded, and converted repeatedly: the plain ``rgb24`` conversion (what every
frame took before, and what SDR frames still take), and the HDR path (``rgb48le`` through swscale,
then the numpy tone mapping of ``lessonlens.media.hdr``), at full size and at a detector's 640-px
long side. Prints milliseconds per frame (wall, best of three runs of ``--repeat``).
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import av
import numpy as np

from lessonlens.media.frames import _rgb, frame_size
from lessonlens.media.hdr import HLG


def hdr_frame(width: int, height: int) -> Any:
    """One decoded 10-bit HLG BT.2020 frame."""
    ramp = np.linspace(0, 60000, width, dtype=np.float64)
    rgb = np.empty((height, width, 3), np.uint16)
    rgb[...] = ramp[None, :, None].astype(np.uint16)
    rgb[height // 4: height // 2, width // 8: width // 2] = (50000, 20000, 10000)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("libx265", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p10le"
        context = stream.codec_context
        context.color_trc, context.color_primaries, context.colorspace = HLG, 9, 9
        stream.options = {"x265-params": "log-level=error"}
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb48le").reformat(format="yuv420p10le")
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as container:
        return next(container.decode(video=0))


def per_frame(convert: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            convert()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    frame = hdr_frame(args.width, args.height)
    assert frame.color_trc == HLG
    print(f"HDR frame {frame.width}x{frame.height} {frame.format.name}, threads={args.threads}")
    for size in (None, 640):
        width, height = frame_size(frame.width, frame.height, size)
        plain = per_frame(partial(frame.to_ndarray, format="rgb24", width=width, height=height,
                                  threads=args.threads), args.repeat)
        hdr = per_frame(partial(_rgb, frame, width, height, args.threads), args.repeat)
        print(f"  to {width}x{height}: plain rgb24 {plain:.1f} ms/frame, tone mapped {hdr:.1f} ms/frame "
              f"({hdr / plain:.1f}x)")


if __name__ == "__main__":
    main()
