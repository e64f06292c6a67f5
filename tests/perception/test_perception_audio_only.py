"""A lesson recorded as sound only, given as the single recording (``analyze lesson.m4a``), is the
lesson's audio, not a camera without a picture."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from lessonlens.core.errors import InputError
from lessonlens.core.lesson import MediaRole
from lessonlens.perception.run import media_sources, probed


def _sound(path: Path, seconds: int = 3) -> Path:
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        for k in range(0, seconds * 16000, 1024):
            block = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            block.sample_rate, block.pts = 16000, k
            for packet in stream.encode(block):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_a_single_sound_recording_is_the_lessons_audio(tmp_path: Path) -> None:
    sound = _sound(tmp_path / "第3课 录音.m4a")
    [source] = probed(media_sources(video=sound, offsets={"mixed": 1.5}))
    assert source.role is MediaRole.AUDIO and source.offset == 1.5
    assert source.duration == pytest.approx(3.0, abs=0.1)
    with pytest.raises(InputError, match="no video"):  # a camera's file must hold a picture
        probed(media_sources(students=sound))


def _clip(path: Path, video_seconds: int, audio_seconds: int) -> Path:
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=2)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        sound = out.add_stream("aac", rate=16000, layout="mono")
        for i in range(video_seconds * 2):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        for k in range(0, audio_seconds * 16000, 1024):
            block = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            block.sample_rate, block.pts = 16000, k
            for packet in sound.encode(block):
                out.mux(packet)
        for packet in sound.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize(("video", "sound", "gap"), [(20, 5, "mixed.audio@5-20"), (8, 20, "mixed.video@8-20"),
                                                     (20, 20, None)])
def test_a_track_that_stops_early_is_unobserved_not_silent(tmp_path: Path, video: int, sound: int,
                                                           gap: str | None) -> None:
    """A recorder whose sound gave out after 5 s of a 20-s lesson: the rest is not a silent class."""
    from lessonlens.perception.run import _track_coverage, probed_info

    infos = probed_info(media_sources(video=_clip(tmp_path / "lesson.mp4", video, sound)))
    warnings: list[str] = []
    gaps = _track_coverage(infos, 20.0, 6.0, warnings.append)
    assert gaps == ([gap] if gap else []) and len(warnings) == len(gaps)
    assert all(str(tmp_path / "lesson.mp4") in w for w in warnings)


def test_a_recording_with_cover_art_is_sound_only(tmp_path: Path) -> None:
    """A phone recorder's M4A (or an MP3) carries its cover picture as a video stream marked as an
    attached picture: that is not a camera (vision detectors ran on the cover, 'picture stops at 0 s')."""
    from lessonlens.media import MediaUnavailable, frames_at, probe, read_audio

    sound = _sound(tmp_path / "plain.m4a")
    covered = tmp_path / "录音 with cover.m4a"
    with av.open(str(sound)) as src, av.open(str(covered), "w", format="mp4") as out:
        audio = out.add_stream_from_template(src.streams.audio[0])
        cover = out.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 32, 32, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        for packet in [*cover.encode(picture.reformat(format="yuvj420p")), *cover.encode()]:
            out.mux(packet)
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = audio
                out.mux(packet)
    info = probe(covered)
    assert not info.has_video and info.has_audio and "video:mjpeg" in info.streams
    with pytest.raises(MediaUnavailable):
        list(frames_at(covered, [0.0]))
    assert len(read_audio(covered)) == pytest.approx(3 * 16000, abs=1100)
    [source] = probed(media_sources(video=covered))
    assert source.role is MediaRole.AUDIO
