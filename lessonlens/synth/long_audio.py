"""Long audio-only lessons made cheaply, for memory and speed checks of the audio detectors.

A two-minute pattern (the teacher, a student, a chorus, pauses, room noise: espeak-ng voices on a
lapel and a room microphone, :func:`~lessonlens.synth.voices.mix_microphones`) is encoded once as
low-bitrate Opus, and its packets are written again and again with shifted timestamps: a 3-hour
file takes seconds, not the minutes of encoding it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from lessonlens.files.atomic import atomic_path
from lessonlens.synth.plan import Utterance
from lessonlens.synth.voices import RATE, VoiceBank, mix_microphones

PATTERN_SECONDS = 120.0
OPUS_RATE = 48000
#: (start s in the pattern, speaker, pinyin, voice); the rest of the pattern is room noise
SCRIPT = (
    (1.0, "teacher", "tong2 xue2 men5, jin1 tian1 wo3 men5 xue2 xi2 fen1 shu4 de5 jia1 fa3.", 0),
    (9.0, "teacher", "san1 fen1 zhi1 yi1 jia1 san1 fen1 zhi1 yi1 deng3 yu2 duo1 shao3 ne5?", 0),
    (16.0, "student", "deng3 yu2 san1 fen1 zhi1 er4.", 3),
    (21.0, "teacher", "hen3 hao3, hui2 da2 de5 hen3 dui4.", 0),
    (26.0, "chorus", "fen1 mu3 bu2 bian4, fen1 zi3 xiang1 jia1!", 1),
    (40.0, "teacher", "qing3 da4 jia1 kan4 hei1 ban3, wo3 men5 yi4 qi3 lai2 suan4 yi2 xia4.", 0),
    (55.0, "student", "lao3 shi1, wo3 you3 yi2 ge4 wen4 ti2.", 5),
    (61.0, "teacher", "hao3 de5, ni3 shuo1.", 0),
    (80.0, "teacher", "xian4 zai4 qing3 tong2 zhuo1 tao3 lun4 san1 fen1 zhong1.", 0),
    (100.0, "chorus", "zhi1 dao4 le5!", 2),
)


def pattern(bank: VoiceBank | None = None) -> npt.NDArray[np.float32]:
    """The two-minute pattern as (2, n) float32 samples at 16 kHz: lapel and room microphones."""
    bank = bank or VoiceBank()
    timed = [Utterance(start, start + bank.length(text, speaker, voice), speaker, text, voice)
             for start, speaker, text, voice in SCRIPT]
    return mix_microphones(timed, bank, PATTERN_SECONDS)


def long_audio_lesson(path: str | Path, minutes: float, bitrate: int = 24000, channels: int = 2) -> Path:
    """An Ogg Opus file of ``minutes`` (rounded up to whole patterns) at ``bitrate`` bit/s, atomically;
    ``channels`` 2 keeps the lapel microphone on channel 0, 1 is the room microphone alone."""
    mics = pattern()
    audio = mics if channels == 2 else mics[1:]
    target = Path(path)
    packets: list[tuple[bytes, int, int]] = []  # payload, pts, duration (in 1/48000 s)
    with av.open("/dev/null", "w", format="ogg") as scratch:
        packets = _encode(scratch, audio, bitrate)
    span = packets[-1][1] + packets[-1][2] - packets[0][1]
    repeats = max(1, int(np.ceil(minutes * 60 / PATTERN_SECONDS)))
    with atomic_path(target) as tmp, av.open(str(tmp), "w", format="ogg") as container:
        stream = _opus_stream(container, audio.shape[0], bitrate)
        stream.codec_context.open()  # the Ogg muxer needs the encoder's header (extradata)
        for r in range(repeats):
            for payload, pts, duration in packets:
                packet = av.Packet(payload)
                packet.stream = stream
                packet.pts = packet.dts = pts + r * span
                packet.duration = duration
                packet.time_base = Fraction(1, OPUS_RATE)
                container.mux(packet)
    return target


def _opus_stream(container: av.container.OutputContainer, channels: int, bitrate: int) -> av.AudioStream:
    stream = container.add_stream("libopus", rate=OPUS_RATE)
    stream.layout = "mono" if channels == 1 else "stereo"
    stream.bit_rate = bitrate
    return stream


def _encode(container: av.container.OutputContainer, audio: npt.NDArray[np.float32],
            bitrate: int) -> list[tuple[bytes, int, int]]:
    """The pattern encoded once: each packet's payload, pts and duration at 48 kHz."""
    stream = _opus_stream(container, audio.shape[0], bitrate)
    layout = "mono" if audio.shape[0] == 1 else "stereo"
    resampler = av.AudioResampler(format="s16", layout=layout, rate=OPUS_RATE)
    out: list[tuple[bytes, int, int]] = []

    def keep(encoded: list[Any]) -> None:
        for p in encoded:
            out.append((bytes(p), int(p.pts or 0), int(p.duration or 960)))

    made = 0  # samples at 48 kHz given to the encoder: the frames' timestamps

    def encode(resampled: av.AudioFrame | None) -> None:
        nonlocal made
        if resampled is not None:
            resampled.pts, resampled.time_base = made, Fraction(1, OPUS_RATE)
            made += resampled.samples
        keep(stream.encode(resampled))

    for lo in range(0, audio.shape[1], 4000):
        block = np.ascontiguousarray(np.clip(audio[:, lo: lo + 4000], -1.0, 1.0), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate = RATE
        for resampled in resampler.resample(frame):
            encode(resampled)
    for resampled in resampler.resample(None):
        encode(resampled)
    encode(None)
    return out
