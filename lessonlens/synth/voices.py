"""Voices from Debian's espeak-ng (Mandarin via ``-v cmn-latn-pinyin``), mixed onto two microphones.

Channel 0 is the teacher's lapel microphone (the teacher loud, the class faint), channel 1 the room
microphone (everyone, the class nearer). A chorus is several child voices at different pitches and
speeds, each a little late, summed.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.synth.plan import Utterance

RATE = 16000
Clip = npt.NDArray[np.float32]

_NO_ESPEAK = Text(
    zh="生成示例课需要 espeak-ng 语音合成：请安装（Debian/Ubuntu：apt-get install espeak-ng）",
    en="the sample lesson needs the espeak-ng speech synthesiser: install it "
    "(Debian/Ubuntu: apt-get install espeak-ng)",
)
_ESPEAK_FAILED = Text(zh="espeak-ng 合成失败：{error}", en="espeak-ng failed: {error}")

#: (voice variant, pitch 0-99, words per minute): a low, steady teacher; children higher and varied
TEACHER_VOICE = ("m3", 30, 150)
STUDENT_VARIANTS = ("f1", "f2", "f3", "f4", "f5", "m1")
#: gains on (lapel, room) microphones
GAINS = {"teacher": (1.0, 0.45), "student": (0.1, 0.75), "chorus": (0.15, 1.0)}
CHORUS_VOICES = 8


def student_voice(index: int) -> tuple[str, int, int]:
    rng = random.Random(index)
    return STUDENT_VARIANTS[index % len(STUDENT_VARIANTS)], rng.randint(72, 95), rng.randint(145, 175)


def espeak(text: str, variant: str, pitch: int, speed: int) -> Clip:
    """``text`` (pinyin) spoken by espeak-ng at 16 kHz, normalised to RMS 0.1."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise InputError(_NO_ESPEAK)
    done = subprocess.run([exe, "-v", f"cmn-latn-pinyin+{variant}", "-p", str(pitch), "-s", str(speed), "--stdout",
                           text], capture_output=True, check=False)
    if done.returncode != 0 or len(done.stdout) < 100:
        raise InputError(_ESPEAK_FAILED, error=done.stderr.decode(errors="replace").strip() or done.returncode)
    wav = done.stdout
    data_at = wav.find(b"data") + 8  # espeak writes a plain 44-byte RIFF header (22050 Hz, s16)
    raw = np.frombuffer(wav[data_at: data_at + (len(wav) - data_at) // 2 * 2], dtype="<i2").astype(np.float32)
    clip = np.interp(np.arange(0, len(raw) * RATE / 22050) * 22050 / RATE, np.arange(len(raw)), raw)
    clip = clip.astype(np.float32)
    rms = float(np.sqrt(np.mean(clip**2))) or 1.0
    return (clip * (0.1 / rms)).astype(np.float32)


class VoiceBank:
    """Spoken clips by (text, speaker, voice), made once: a lesson repeats its phrases."""

    def __init__(self) -> None:
        self._clips: dict[tuple[str, str, int], Clip] = {}

    def clip(self, text: str, speaker: str, voice: int = 0) -> Clip:
        key = (text, speaker, voice)
        if key not in self._clips:
            if speaker == "teacher":
                self._clips[key] = espeak(text, *TEACHER_VOICE)
            elif speaker == "student":
                self._clips[key] = espeak(text, *student_voice(voice))
            else:
                self._clips[key] = self._chorus(text, voice)
        return self._clips[key]

    def length(self, text: str, speaker: str, voice: int = 0) -> float:
        return len(self.clip(text, speaker, voice)) / RATE

    def _chorus(self, text: str, seed: int) -> Clip:
        rng = random.Random(seed)
        parts = []
        for k in range(CHORUS_VOICES):
            variant, pitch, speed = student_voice(1000 + k)
            delay = np.zeros(int(rng.uniform(0, 0.3) * RATE), dtype=np.float32)
            parts.append(np.concatenate([delay, espeak(text, variant, pitch, speed - 15)]))
        mix = np.zeros(max(len(p) for p in parts), dtype=np.float32)
        for part in parts:
            mix[: len(part)] += part
        return (mix * (0.13 / float(np.sqrt(np.mean(mix**2))))).astype(np.float32)


def mix_microphones(utterances: Sequence[Utterance], bank: VoiceBank, duration: float, seed: int = 7) -> Clip:
    """The lesson's sound as (2, n): lapel and room microphones, with a little room noise."""
    n = int(duration * RATE)
    rng = np.random.default_rng(seed)
    mics = (rng.standard_normal((2, n)) * 0.002).astype(np.float32)
    for u in utterances:
        clip = bank.clip(u.text, u.speaker, u.voice)
        start = int(u.start * RATE)
        end = min(n, start + len(clip))
        if end <= start:
            continue
        lapel, room = GAINS[u.speaker]
        mics[0, start:end] += lapel * clip[: end - start]
        mics[1, start:end] += room * clip[: end - start]
    return mics
