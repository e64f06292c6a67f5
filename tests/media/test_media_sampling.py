"""Sampling camera-like recordings (25 fps, keyframes every 2 or 10 s, with and without B-frames):
the frames are exactly those a full decode shows at each instant, for less decoding work."""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import av
import numpy as np
import pytest

from lessonlens import Detector, DetectRequest, MediaRole, hookimpl
from lessonlens.core.errors import InputError
from lessonlens.core.observations import BehaviourCue, Observation
from lessonlens.core.plugins import PluginManager
from lessonlens.media import DecodeStats, frames_at, probe
from lessonlens.media.encode import write_video
from lessonlens.media.stamp import camera_frames, read_stamp
from lessonlens.perception import analyze
from tests.support.media import remux

FPS = 25
SECONDS = 24
SIX_S = [i * 6.0 for i in range(4)]  # the default sampling grid
OFF_GRID = [i * 6.0 + 1.3 for i in range(4)]  # a camera whose clock is not on the keyframes


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """24 s at 25 fps, 320x180, every frame stamped with its number: 10-s and 2-s GOPs with I and P
    frames only (as most cameras write), a 10-s GOP with B-frames, and that one in MPEG-TS (no index)."""
    folder = tmp_path_factory.mktemp("gops")
    made = {}
    for name, gop, bframes in (("gop250", 10.0, 0), ("gop50", 2.0, 0), ("gop250b", 10.0, 2)):
        made[name] = write_video(folder / f"{name}.mp4", camera_frames(FPS * SECONDS, 320, 180), FPS,
                                 gop_seconds=gop, preset="veryfast", bframes=bframes)
    made["gop250b.ts"] = remux(made["gop250b"], folder / "gop250b.ts", "mpegts")
    return made


def _every_frame(path: Path) -> tuple[list[float], list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start, base = stream.start_time or 0, float(stream.time_base)
        frames = [((f.pts - start) * base, f.to_ndarray(format="rgb24")) for f in container.decode(stream)]
    return [t for t, _ in frames], [image for _, image in frames]


def _on_screen(times: list[float], t: float) -> int:
    """Index of the frame on screen at ``t``: the last one shown by then (a quarter frame of slack)."""
    return bisect.bisect_right(times, t + 0.25 / FPS) - 1


@pytest.mark.parametrize("name", ["gop250", "gop50", "gop250b", "gop250b.ts"])
@pytest.mark.parametrize("instants", [SIX_S, OFF_GRID, [0.02 + i * 0.37 for i in range(60)],
                                      [0.5, 3.97, 4.03, 9.99, 10.0, 10.01, 17.3, 23.9]])
def test_exact_sampling_returns_the_frames_a_full_decode_shows(files: dict[str, Path], name: str,
                                                               instants: list[float]) -> None:
    times, images = _every_frame(files[name])
    got = dict(frames_at(files[name], instants))
    assert sorted(got) == sorted(instants)
    for t in instants:
        index = _on_screen(times, t)
        assert read_stamp(got[t]) == index, t
        assert np.array_equal(got[t], images[index]), t  # bit for bit, though most frames were never decoded


def _floor(path: Path, instants: list[float]) -> int:
    """Frames an exact sampler must decode without skipping non-reference frames: from each
    instant's keyframe up to it, each frame once."""
    times, images = _every_frame(path)
    keys = [i for i, image in enumerate(images) if read_stamp(image) % 250 == 0] if "250" in path.name else \
        list(range(0, len(images), 50))
    needed: set[int] = set()
    for t in instants:
        shown = _on_screen(times, t)
        key = max(k for k in keys if k <= shown)
        needed.update(range(key, shown + 1))
    return len(needed)


def test_long_gop_is_one_forward_pass_decoding_only_what_the_instants_need(files: dict[str, Path]) -> None:
    stats = DecodeStats()
    assert len(list(frames_at(files["gop250"], OFF_GRID, stats=stats))) == 4
    # forward, never back: one jump, from 7.3 s over to the keyframe at 10 s (frames no instant needs)
    assert stats.seeks == 1 and stats.keyframe_spacing == pytest.approx(10.0)
    # frames 32, 182, 332 and 482 with keyframes at 0 and 250: frames 0-182 and 250-482 are needed, once
    floor = _floor(files["gop250"], OFF_GRID)
    assert floor == 183 + 233
    assert floor <= stats.decoded <= floor + 4 * 3  # plus the decoder's few frames of delay per instant
    assert stats.decoded < 32 + 182 + 82 + 232  # seeking to each instant's keyframe decodes 0-182 twice


def test_short_gop_seeks_to_each_instant_and_reads_little(files: dict[str, Path]) -> None:
    stats = DecodeStats()
    assert len(list(frames_at(files["gop50"], OFF_GRID, stats=stats))) == 4
    assert stats.seeks == 3 and stats.keyframe_spacing == pytest.approx(2.0)
    assert stats.decoded <= 4 * (round(1.3 * FPS) + 1)  # 1.3 s of GOP before each instant
    assert stats.packets <= 4 * (round(1.3 * FPS) + 2)  # the rest of the file is never read


def test_non_reference_frames_far_from_the_instant_are_skipped(files: dict[str, Path]) -> None:
    stats = DecodeStats()
    assert len(list(frames_at(files["gop250b"], OFF_GRID, stats=stats))) == 4
    assert stats.decoded < 0.75 * _floor(files["gop250b"], OFF_GRID)  # a third of the frames are B-frames


def test_without_an_index_the_keyframe_spacing_is_learnt_from_the_first_gops(files: dict[str, Path]) -> None:
    stats = DecodeStats()
    got = dict(frames_at(files["gop250b.ts"], [1.0, 23.0], stats=stats))
    assert read_stamp(got[23.0]) == 575 and stats.keyframe_spacing == pytest.approx(10.0)
    assert stats.seeks == 1  # jumped from 10 s to the keyframe at 20 s once the 10-s spacing was seen


@pytest.mark.parametrize("name", ["gop250", "gop250b.ts"])
def test_keyframe_sampling_takes_the_nearest_keyframe(files: dict[str, Path], name: str) -> None:
    stats = DecodeStats()
    got = {t: read_stamp(image) for t, image in frames_at(files[name], [*SIX_S, 23.9], stats=stats,
                                                          sampling="keyframe")}
    assert got == {0.0: 0, 6.0: 250, 12.0: 250, 18.0: 500, 23.9: 500}
    assert stats.decoded == 3


def test_unknown_sampling_is_refused(files: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="keyframe"):
        list(frames_at(files["gop50"], [0.0], sampling="nearest"))  # type: ignore[arg-type]


def _claim(source: Path, target: Path, seconds: float) -> Path:
    """``source`` in Matroska with a header (Segment Info's Duration) that claims ``seconds``."""
    remux(source, target, "matroska")
    data = bytearray(target.read_bytes())
    at = data.find(b"\x44\x89\x88")  # Duration, an 8-byte float in milliseconds
    assert at > 0
    data[at + 3: at + 11] = struct.pack(">d", seconds * 1000.0)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("claimed", [40_000.0, 1.0])
def test_a_header_lying_about_the_duration_is_not_believed(files: dict[str, Path], tmp_path: Path,
                                                           claimed: float) -> None:
    liar = _claim(files["gop50"], tmp_path / "liar.mkv", claimed)
    with av.open(str(liar)) as container:
        assert container.duration is not None and abs(container.duration / 1e6 - claimed) < 1  # the lie took
    info = probe(liar)
    assert info.duration == pytest.approx(SECONDS, abs=0.1)
    assert info.claimed_duration == pytest.approx(claimed, abs=1)
    stats = DecodeStats()
    got = dict(frames_at(liar, [i * 6.0 for i in range(6000)], stats=stats))  # a 10-hour grid
    assert sorted(got) == [*SIX_S, 24.0] and stats.packets <= FPS * SECONDS + 10  # 24 s: the last frame


@pytest.mark.parametrize("fmt, options", [("matroska", {}), ("mp4", {"movflags": "faststart"})])
def test_a_recording_cut_short_ends_where_its_packets_end(files: dict[str, Path], tmp_path: Path, fmt: str,
                                                          options: dict[str, str]) -> None:
    # the header (and an MP4's index, written first) still says 24 s
    whole = remux(files["gop50"], tmp_path / f"whole.{fmt}", fmt, options)
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    info = probe(cut)
    assert info.claimed_duration == pytest.approx(SECONDS, abs=0.1)
    assert info.duration is not None and 8 < info.duration < 16
    got = {t: read_stamp(image) for t, image in frames_at(cut, [i * 2.0 for i in range(12)])}
    assert max(got) <= info.duration and got == {t: round(t * FPS) for t in got}


class _Camera(Detector):
    """Reads its camera at the instants with the ``sampling`` it is given, and reports the frames."""

    name = "frame-counter"
    roles = (MediaRole.STUDENTS,)
    emits = ("behaviour",)
    seen: ClassVar[dict[float, int]] = {}
    options: ClassVar[list[dict[str, Any]]] = []

    def detect(self, request: DetectRequest) -> Iterable[Observation]:
        _Camera.options.append(dict(request.options))
        media = request.media[0]
        for t, image in frames_at(media.path, request.instants, media.offset,
                                  sampling=request.options.get("sampling", "exact")):
            _Camera.seen[t] = read_stamp(image)
            yield BehaviourCue(t=t, detector=self.name, actor="students", behaviour="listening", share=1.0)


class _Microphone(_Camera):
    name = "sound-level"
    roles = (MediaRole.AUDIO,)

    def detect(self, request: DetectRequest) -> Iterable[Observation]:
        _Camera.options.append({"audio": True, **request.options})
        return []


class _Plugin:
    @hookimpl
    def register_detectors(self, register):  # type: ignore[no-untyped-def]
        register(_Camera())
        register(_Microphone())


def test_analyze_passes_keyframe_sampling_to_camera_detectors_only(files: dict[str, Path]) -> None:
    manager = PluginManager()
    manager.register(_Plugin(), "sampling-plugin")
    kwargs: dict[str, Any] = {"students": files["gop250"], "audio": files["gop250"], "cache": False,
                              "diagnose": False, "detectors": ["frame-counter", "sound-level"], "manager": manager}
    _Camera.options.clear()
    analysis = analyze(**kwargs, sampling="keyframe")
    assert {"sampling": "keyframe"} in _Camera.options and {"audio": True} in _Camera.options
    assert _Camera.seen == {0.0: 0, 6.0: 250, 12.0: 250, 18.0: 500}
    assert analysis.provenance.options["sampling"] == "keyframe"
    analyze(**kwargs)
    assert _Camera.seen == {0.0: 0, 6.0: 150, 12.0: 300, 18.0: 450}
    with pytest.raises(InputError, match="unknown sampling nearest"):
        analyze(**kwargs, sampling="nearest")  # type: ignore[arg-type]


def _encode(path: Path, codec: str, options: dict[str, str]) -> Path:
    """10 s of stamped frames at 25 fps with another encoder (a keyframe every 5 s)."""
    from fractions import Fraction

    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 192, "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.options = options
        for i, image in enumerate(camera_frames(FPS * 10, 320, 192)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("codec, suffix, options", [
    # H.265 with B-frames and open GOPs (frames after a keyframe that refer to the GOP before it)
    ("libx265", "mp4", {"x265-params": "keyint=125:min-keyint=125:scenecut=0:bframes=4:open-gop=1:log-level=error"}),
    # AV1 (decoded by libdav1d, which fixes skip_frame when it opens: nothing is skipped there)
    ("libsvtav1", "mkv", {"preset": "12", "svtav1-params": "keyint=125"}),
])
def test_exact_sampling_with_other_codecs(tmp_path: Path, codec: str, suffix: str, options: dict[str, str]) -> None:
    try:
        av.codec.Codec(codec, "w")
    except av.FFmpegError:
        pytest.skip(f"this FFmpeg has no {codec}")
    path = _encode(tmp_path / f"clip.{suffix}", codec, options)
    times, images = _every_frame(path)
    instants = [0.5, 1.3, 2.37, 4.9, 5.04, 6.61, 7.3, 9.5]
    got = dict(frames_at(path, instants))
    for t in instants:
        assert np.array_equal(got[t], images[_on_screen(times, t)]), t


def test_held_packets_beyond_the_memory_bound_are_decoded_early_and_stay_exact(
        files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from lessonlens.media import frames

    monkeypatch.setattr(frames, "HOLD_BYTES", 20_000)  # a few frames' worth: flushes within every GOP
    for name in ("gop250", "gop250b"):
        times, images = _every_frame(files[name])
        got = dict(frames_at(files[name], OFF_GRID))
        for t in OFF_GRID:
            assert np.array_equal(got[t], images[_on_screen(times, t)]), (name, t)
