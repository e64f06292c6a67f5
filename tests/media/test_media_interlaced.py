"""Interlaced recordings (576i/1080i: two fields filmed 1/50 s apart in one frame) are read with their
fields blended: a moving box is one soft picture, not stripes of two places."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from lessonlens.media.frames import frames_at


def _combed(path: Path) -> Path:
    with av.open(str(path), "w", format="mpeg") as out:
        stream = out.add_stream("mpeg2video", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.options = {"flags": "+ildct+ilme", "b": "4M"}  # field-coded, as a 576i camera writes
        image = np.zeros((64, 96, 3), np.uint8)
        image[0::2, 16:40] = 255  # the top field sees the box here
        image[1::2, 56:80] = 255  # the bottom field, a field later, there
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_interlaced_fields_are_blended_not_combed(tmp_path: Path) -> None:
    clip = _combed(tmp_path / "camera.mpg")
    with av.open(str(clip)) as container:
        assert next(container.decode(video=0)).interlaced_frame  # the fixture is what it claims
    for size in (None, 48):
        [(_, image)] = list(frames_at(clip, [0.2], size=size))
        height, width = image.shape[:2]
        assert (width, height) == ((96, 64) if size is None else (48, 32))
        red = image[2:-2, :, 0].astype(int)
        assert np.abs(np.diff(red, axis=0)).mean() < 4  # no line-to-line stripes
        assert 100 < red[:, width * 28 // 96].mean() < 160 and 100 < red[:, width * 68 // 96].mean() < 160
