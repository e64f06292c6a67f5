"""A phone's recording (a display matrix turning the picture) is read upright, as players show it."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from lessonlens.media.frames import frames_at
from lessonlens.media.probe import probe


def _landscape(width: int = 64, height: int = 48) -> np.ndarray:
    """A landscape picture with a red block in its top-left corner."""
    image = np.full((height, width, 3), 60, np.uint8)
    image[: height // 3, : width // 3] = (255, 0, 0)
    return image


def _phone_clip(path: Path, rotation: int, container: str) -> Path:
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.set_display_rotation(rotation)
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(_landscape(), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _red_corner(image: np.ndarray) -> str:
    h, w = image.shape[:2]
    corners = {"top-left": image[: h // 6, : w // 6], "top-right": image[: h // 6, -w // 6:],
               "bottom-left": image[-h // 6:, : w // 6], "bottom-right": image[-h // 6:, -w // 6:]}
    return max(corners, key=lambda k: float(corners[k][..., 0].mean()) - float(corners[k][..., 2].mean()))


# FFmpeg's display matrix angle is counter-clockwise; a phone held upright writes -90 (ffprobe:
# "rotation of -90.00 degrees"), which players show turned a quarter clockwise
@pytest.mark.parametrize(("rotation", "container", "corner"), [
    (-90, "mov", "top-right"), (90, "mp4", "bottom-left"), (180, "mp4", "bottom-right"), (0, "mp4", "top-left"),
])
def test_a_rotated_phone_video_is_read_upright(tmp_path: Path, rotation: int, container: str, corner: str) -> None:
    clip = _phone_clip(tmp_path / f"phone.{container}", rotation, container)
    info = probe(clip)
    portrait = rotation % 180 != 0
    assert (info.width, info.height) == ((48, 64) if portrait else (64, 48))
    frames = list(frames_at(clip, [0.0, 1.0]))
    assert len(frames) == 2
    for _, image in frames:
        assert image.shape == (info.height, info.width, 3) and image.flags.c_contiguous
        assert _red_corner(image) == corner
    # the size asked for is the shown picture's: the long side, or (w, h) as shown
    assert next(iter(frames_at(clip, [0.0], size=32)))[1].shape == ((32, 24, 3) if portrait else (24, 32, 3))
    assert next(iter(frames_at(clip, [0.0], size=(info.width // 2, info.height // 2))))[1].shape[:2] == (
        info.height // 2, info.width // 2)


def test_non_square_pixels_are_stretched_as_players_show_them(tmp_path: Path) -> None:
    """A 16:9 DV/broadcast picture stored as 720x576 samples of 64:45 is shown 1024x576."""
    from fractions import Fraction

    clip = tmp_path / "dv.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 72, 56, "yuv420p"
        stream.codec_context.sample_aspect_ratio = Fraction(64, 45)
        image = np.zeros((56, 72, 3), np.uint8)
        image[:, 18:54] = 255  # the middle half of the stored width
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    info = probe(clip)
    assert (info.width, info.height) == (102, 56)
    [(_, shown)] = list(frames_at(clip, [0.0]))
    assert shown.shape == (56, 102, 3)
    bright = np.flatnonzero(shown[28, :, 0] > 128)
    assert abs(len(bright) - 51) <= 3  # still the middle half, now of the shown width
    assert next(iter(frames_at(clip, [0.0], size=52)))[1].shape == (28, 52, 3)


def test_a_video_track_of_undecodable_packets_has_no_rotation(tmp_path: Path) -> None:
    """Finding the rotation decodes the first frame; a track of garbage (800 packets, past the
    600 read at most) gives none, and no error."""
    from lessonlens.media import rotation

    good = _phone_clip(tmp_path / "good.mkv", 0, "matroska")
    bad = tmp_path / "garbage.mkv"
    noise = np.random.default_rng(1)
    with av.open(str(good)) as src, av.open(str(bad), "w", format="matroska") as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is None:
                continue
            for _ in range(80):  # many packets of noise, keyframe flags kept
                junk = av.Packet(noise.integers(0, 256, 64, dtype=np.uint8).tobytes())
                junk.pts = junk.dts = packet.dts * 80 + _
                junk.time_base, junk.stream, junk.is_keyframe = packet.time_base, stream, packet.is_keyframe
                dst.mux(junk)
    with av.open(str(bad)) as container:
        assert rotation.first_frame_turns(container, container.streams.video[0]) == 0
