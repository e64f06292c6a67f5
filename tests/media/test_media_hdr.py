"""HDR phone video (HEVC 10-bit, BT.2020, HLG or PQ) is read as the SDR picture a player shows, not
washed out; an SDR video is converted exactly as before. The fixture is an SDR drawing whose pixels
are encoded as HDR here (BT.1886 light, SDR white at 203 nit per BT.2408, BT.2020 primaries, then PQ
or HLG's inverse OOTF and OETF), written as 10-bit HEVC with libx265."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from av.video.reformatter import Colorspace

from lessonlens.media.frames import frames_at
from lessonlens.media.hdr import HLG, PQ, pq_inverse
from lessonlens.media.probe import probe

_TO_BT2020 = np.linalg.inv(np.array([[1.6605, -0.5876, -0.0728],
                                     [-0.1246, 1.1329, -0.0083],
                                     [-0.0182, -0.1006, 1.1187]]))
_HLG_A = 0.17883277


def _scene() -> npt.NDArray[np.uint8]:
    """A board line of dark 'text' on white, colour patches and a dark one, on mid grey."""
    image = np.full((96, 160, 3), 128, np.uint8)
    image[20:40, 20:140] = 235
    image[25:35, 30:130:8] = 20
    image[60:80, 20:60] = (200, 40, 40)
    image[60:80, 70:110] = (40, 160, 60)
    image[60:80, 120:150] = 30
    return image


def _hdr_signal(image: npt.NDArray[np.uint8], trc: int) -> npt.NDArray[np.float64]:
    """The SDR picture's HDR signal (0..1 per BT.2020 component)."""
    nits = np.clip(((image / 255.0) ** 2.4) @ _TO_BT2020.T, 0, None) * 203
    if trc == PQ:
        return pq_inverse(nits).astype(np.float64)
    display = nits / 1000  # inverse OOTF (1000-nit display, gamma 1.2), then the OETF
    luma = display @ np.array([0.2627, 0.6780, 0.0593])
    scene = display * np.maximum(luma, 1e-9)[..., None] ** (-0.2 / 1.2)
    b, c = 1 - 4 * _HLG_A, 0.5 - _HLG_A * np.log(4 * _HLG_A)
    log = _HLG_A * np.log(np.maximum(12 * scene - b, 1e-9)) + c
    return np.where(scene <= 1 / 12, np.sqrt(3 * scene), log)


def _write(path: Path, rgb48: npt.NDArray[np.uint16], trc: int, primaries: int, matrix: Colorspace) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx265", rate=5)
        stream.width, stream.height, stream.pix_fmt = rgb48.shape[1], rgb48.shape[0], "yuv420p10le"
        context = stream.codec_context
        context.color_trc, context.color_primaries, context.colorspace = trc, primaries, int(matrix)
        stream.options = {"x265-params": "log-level=error:crf=6"}
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(rgb48, format="rgb48le")
            frame = frame.reformat(format="yuv420p10le", dst_colorspace=matrix)
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _plain(path: Path) -> npt.NDArray[np.uint8]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        image: npt.NDArray[np.uint8] = frame.to_ndarray(format="rgb24")
        return image


@pytest.mark.parametrize("trc", [HLG, PQ], ids=["hlg", "pq"])
def test_hdr_video_is_tone_mapped_to_the_sdr_picture(tmp_path: Path, trc: int) -> None:
    picture = _scene()
    signal = np.round(_hdr_signal(picture, trc) * 65535).astype(np.uint16)
    clip = _write(tmp_path / "phone.mp4", signal, trc, 9, Colorspace.BT2020)
    with av.open(str(clip)) as container:
        frame = next(container.decode(video=0))
        assert (frame.color_trc, frame.color_primaries, frame.format.name) == (trc, 9, "yuv420p10le")
    assert probe(clip).hdr == ("HLG" if trc == HLG else "PQ")
    [(_, image)] = list(frames_at(clip, [0.0]))
    error = np.abs(image.astype(int) - picture).mean()
    old = np.abs(_plain(clip).astype(int) - picture).mean()
    assert error < 4 and old > 20  # a plain rgb24 conversion is washed out
    for pixels in (image, _plain(clip)):  # what stays: the background and the dark 'text'
        assert abs(int(pixels[10, 10, 1]) - 128) < 30
    assert abs(int(image[10, 10, 1]) - 128) <= 2 and abs(int(image[70, 130, 1]) - 30) <= 3
    board, text = image[20:40, 20:140].reshape(-1, 3), image[25:35, 30:130:8].reshape(-1, 3)
    assert board.mean() - text.mean() > 0.9 * (235 - 20) * (board.size - text.size) / board.size
    red = image[65:75, 25:55].reshape(-1, 3).mean(axis=0)
    assert np.abs(red - (200, 40, 40)).max() < 8  # colour kept, not paled
    small = next(iter(frames_at(clip, [0.4], size=80)))[1]
    assert small.shape == (48, 80, 3) and abs(int(small[5, 5, 1]) - 128) <= 2


def test_sdr_10_bit_video_is_converted_as_before(tmp_path: Path) -> None:
    signal = (_scene().astype(np.uint16) * 257).astype(np.uint16)
    clip = _write(tmp_path / "sdr.mp4", signal, 1, 1, Colorspace.ITU709)
    [(_, image)] = list(frames_at(clip, [0.0]))  # the first frame, as _plain decodes
    assert np.array_equal(image, _plain(clip))
    assert probe(clip).hdr is None
