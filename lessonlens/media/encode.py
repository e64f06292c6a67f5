"""Writing H.264 (+ AAC) files with PyAV: the synthetic lessons and the tests' fixtures.

Audio is interleaved with the video second by second so a reader never has to buffer far ahead.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from lessonlens.files.atomic import atomic_path


def write_video(
    path: str | Path,
    frames: Iterable[npt.NDArray[np.uint8]],
    fps: int,
    audio: npt.NDArray[np.float32] | None = None,
    audio_rate: int = 16000,
    gop_seconds: float = 2.0,
    crf: int = 28,
    preset: str = "ultrafast",
    bframes: int | None = None,
) -> Path:
    """Encode RGB frames (and optional audio, shape ``(n,)`` or ``(channels, n)``) to an MP4, atomically.

    ``gop_seconds`` is the keyframe distance: what seeking costs at most, as in a camera's recording.
    A frame that is the very same array object as the one before is converted only once: colour
    conversion costs more than encoding, and a classroom camera's picture rarely changes.
    ``bframes`` overrides the preset's number of B-frames (0: I and P frames only, as most cameras write).
    """
    target = Path(path)
    if audio is not None and audio.ndim == 1:
        audio = audio[np.newaxis, :]
    with atomic_path(target) as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        video = None
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=audio_rate)
            sound.layout = "mono" if audio.shape[0] == 1 else "stereo"
            sound.bit_rate = 48000 * audio.shape[0]
        written = 0  # audio samples muxed so far
        count = 0
        last: tuple[npt.NDArray[np.uint8], av.VideoFrame] | None = None
        for index, image in enumerate(frames):
            if video is None:
                video = container.add_stream("libx264", rate=fps)
                video.height, video.width = image.shape[:2]
                video.pix_fmt = "yuv420p"
                video.time_base = Fraction(1, fps)
                video.options = {"crf": str(crf), "preset": preset, "g": str(max(1, round(gop_seconds * fps))),
                                 "keyint_min": str(max(1, round(gop_seconds * fps))), "sc_threshold": "0"}
                if bframes is not None:
                    video.options = {**video.options, "bf": str(bframes)}
            if last is not None and last[0] is image:
                frame = last[1]
            else:
                frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
                last = (image, frame)
            frame.pts = index
            count = index + 1
            container.mux(video.encode(frame))
            if audio is not None and sound is not None:
                upto = min(audio.shape[1], round(count / fps * audio_rate))
                written = _mux_audio(container, sound, audio, written, upto, audio_rate)
        if video is not None:
            container.mux(video.encode(None))
        if audio is not None and sound is not None:
            _mux_audio(container, sound, audio, written, audio.shape[1], audio_rate)
            container.mux(sound.encode(None))
    return target


def write_audio(path: str | Path, audio: npt.NDArray[np.float32], rate: int = 16000) -> Path:
    """An audio-only file (AAC in .m4a, or PCM in .wav by the suffix), atomically."""
    target = Path(path)
    if audio.ndim == 1:
        audio = audio[np.newaxis, :]
    wav = target.suffix.lower() == ".wav"
    with atomic_path(target) as tmp, av.open(str(tmp), mode="w", format="wav" if wav else "mp4") as container:
        sound = container.add_stream("pcm_s16le" if wav else "aac", rate=rate)
        sound.layout = "mono" if audio.shape[0] == 1 else "stereo"
        if not wav:
            sound.bit_rate = 48000 * audio.shape[0]
        _mux_audio(container, sound, audio, 0, audio.shape[1], rate)
        container.mux(sound.encode(None))
    return target


def _mux_audio(container: av.container.OutputContainer, sound: av.AudioStream, audio: npt.NDArray[np.float32],
               start: int, end: int, rate: int, chunk: int = 1024) -> int:
    layout = "mono" if audio.shape[0] == 1 else "stereo"
    for lo in range(start, end, chunk):
        hi = min(end, lo + chunk)
        block = np.ascontiguousarray(np.clip(audio[:, lo:hi], -1.0, 1.0), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = lo
        container.mux(sound.encode(frame))
    return max(start, end)
