"""Real decoding of files written here with PyAV: probing, exact-instant frames, audio, bad media."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lessonlens.core.errors import InputError
from lessonlens.media import DecodeStats, MediaUnavailable, file_fingerprint, frames_at, probe, read_audio
from lessonlens.media.encode import write_audio, write_video
from tests.support.media import remux

FPS = 10
RATE = 16000


def _counter_frames(n: int, width: int = 160, height: int = 96):
    """Frame i is flat grey at level 2*i mod 250, so a frame's level tells which frame it is."""
    for i in range(n):
        yield np.full((height, width, 3), (2 * i) % 250, dtype=np.uint8)


def _level(image: np.ndarray) -> int:
    return round(float(image.mean()))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s at 10 fps, GOP 2 s, stereo audio: a 440 Hz tone loud on the left, faint on the right."""
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    t = np.arange(RATE * 20) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    write_video(path, _counter_frames(200), FPS, audio=np.stack([tone, tone * 0.1]), audio_rate=RATE)
    return path


def test_probe_reports_streams_duration_and_size(clip: Path) -> None:
    info = probe(clip)
    assert info.has_video and info.has_audio
    assert (info.width, info.height, info.fps) == (160, 96, 10.0)
    assert info.duration == pytest.approx(20.0, abs=0.15)
    assert info.audio_rate == RATE and info.audio_channels == 2
    assert info.video_codec == "h264" and info.file_size == clip.stat().st_size


def test_frames_at_returns_the_frame_on_screen_at_each_instant(clip: Path) -> None:
    instants = [0.0, 0.55, 3.0, 7.2, 12.0, 19.95]
    got = {t: _level(img) for t, img in frames_at(clip, instants)}
    expected = {t: (2 * int(t * FPS + 1e-6)) % 250 for t in instants}
    for t in instants:
        assert abs(got[t] - expected[t]) <= 2, (t, got[t], expected[t])


def test_frames_at_applies_the_offset_and_skips_uncovered_instants(clip: Path) -> None:
    # the camera started 5 s into the lesson: lesson 5 s is its first frame, lesson 26 s is past its end
    got = dict(frames_at(clip, [2.0, 5.0, 10.0, 26.0, 40.0], offset=5.0))
    assert sorted(got) == [5.0, 10.0]
    assert _level(got[5.0]) <= 2 and abs(_level(got[10.0]) - 100) <= 2


def test_frames_at_downscales(clip: Path) -> None:
    (_, img), = frames_at(clip, [1.0], size=80)
    assert img.shape == (48, 80, 3)
    (_, img), = frames_at(clip, [1.0], size=(64, 32))
    assert img.shape == (32, 64, 3)


def test_sparse_sampling_decodes_only_part_of_the_file(clip: Path) -> None:
    stats = DecodeStats()
    got = list(frames_at(clip, [i * 6.0 for i in range(4)], stats=stats))
    assert len(got) == 4 and stats.converted == 4
    # each instant costs at most one GOP (20 frames) after a seek, far below the 200 in the file
    assert stats.decoded <= 4 * 21 and stats.seeks >= 2


def test_dense_sampling_decodes_on_without_seeking(clip: Path) -> None:
    stats = DecodeStats()
    got = list(frames_at(clip, [i * 0.5 for i in range(40)], stats=stats))
    assert len(got) == 40 and stats.seeks <= 2 and stats.decoded <= 205


def test_read_audio_resamples_to_16k_mono_and_keeps_channels_on_request(clip: Path) -> None:
    mono = read_audio(clip)
    assert mono.dtype == np.float32 and mono.ndim == 1
    assert abs(len(mono) - 20 * RATE) < RATE // 10
    both = read_audio(clip, mono=False, rate=8000)
    assert both.shape[0] == 2 and abs(both.shape[1] - 20 * 8000) < 800
    rms = np.sqrt((both[:, 4000:-4000] ** 2).mean(axis=1))
    assert rms[0] == pytest.approx(0.3 / np.sqrt(2), rel=0.05)
    assert rms[1] == pytest.approx(0.03 / np.sqrt(2), rel=0.1)


def test_audio_only_wav_and_video_without_audio(tmp_path: Path) -> None:
    wav = write_audio(tmp_path / "mic.wav", np.zeros(RATE, dtype=np.float32))
    assert not probe(wav).has_video and len(read_audio(wav)) == RATE
    with pytest.raises(MediaUnavailable, match="no video stream"):
        list(frames_at(wav, [0.0]))
    silent = write_video(tmp_path / "silent.mp4", _counter_frames(20), FPS)
    assert not probe(silent).has_audio
    with pytest.raises(MediaUnavailable) as caught:
        read_audio(silent)
    assert "silent.mp4" in caught.value.message("en") and "no audio track" in caught.value.message("en")
    assert "没有音轨" in caught.value.message("zh-CN")


@pytest.mark.parametrize("content, problem", [
    (None, "not found"),
    (b"", "empty"),
    (b"\x00\x01garbage" * 500, "cannot be read as audio/video"),
    ("第一行,文本\n".encode() * 50, "cannot be read as audio/video"),
])
def test_bad_media_is_one_clear_input_error_naming_the_file(tmp_path: Path, content: bytes | None,
                                                           problem: str) -> None:
    path = tmp_path / "lesson.mp4"
    if content is not None:
        path.write_bytes(content)
    for call in (lambda: probe(path), lambda: list(frames_at(path, [0.0])), lambda: read_audio(path)):
        with pytest.raises(InputError) as caught:
            call()
        message = caught.value.message("en")
        assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_truncated_mp4_without_its_index_is_a_clear_error(clip: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])  # the index (moov) is at the end
    with pytest.raises(InputError) as caught:
        list(frames_at(cut, [1.0]))
    assert str(cut) in caught.value.message("en")


def test_truncated_stream_yields_what_it_holds_and_seeks_exactly(clip: Path, tmp_path: Path) -> None:
    # MPEG-TS has no index: seeking by time is approximate, and a cut file just ends early
    whole = remux(clip, tmp_path / "clip.ts", "mpegts")
    got = {t: _level(img) for t, img in frames_at(whole, [1.0, 5.0, 12.0, 19.5])}
    assert got == pytest.approx({1.0: 20, 5.0: 100, 12.0: 240, 19.5: (2 * 195) % 250}, abs=3)
    cut = tmp_path / "cut.ts"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    got = {t: _level(img) for t, img in frames_at(cut, [1.0, 5.0, 15.0, 19.5])}
    assert got == pytest.approx({1.0: 20, 5.0: 100}, abs=3)  # what is past the cut is skipped, not repeated
    assert len(read_audio(cut)) < 15 * RATE


def test_fingerprint_follows_content(clip: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(clip.read_bytes())
    assert file_fingerprint(copy) == file_fingerprint(clip)
    copy.write_bytes(clip.read_bytes() + b"\x00")
    assert file_fingerprint(copy) != file_fingerprint(clip)


def test_a_still_picture_is_not_a_recording(tmp_path: Path) -> None:
    """A photo given as a camera's recording is refused by name (it was analysed as a 0-s lesson)."""
    from PIL import Image

    for name in ("photo.jpg", "photo.png"):
        Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(tmp_path / name)
        with pytest.raises(InputError, match="still picture"):
            probe(tmp_path / name)
