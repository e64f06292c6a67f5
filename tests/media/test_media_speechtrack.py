"""The speech track read block by block equals the whole-track run: VAD probabilities, levels,
features and speaker turns, with utterances lying across the block seams."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pytest

from lessonlens.core.errors import PluginError
from lessonlens.media.audio import mono_and_levels
from lessonlens.media.encode import write_audio
from lessonlens.media.speakers import SpeakerSettings, Turn, speaker_turns
from lessonlens.media.vad import FRAME, PIECE, SileroVad, silero_model_path, speech_mask
from lessonlens.media.voicefeatures import frame_levels

pytest.importorskip("onnxruntime")
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed", allow_module_level=True)
try:
    silero_model_path()
except PluginError:
    pytest.skip("silero-vad is not installed (pip install --no-deps silero-vad)", allow_module_level=True)

from lessonlens.media.speechtrack import read_track, track_turns
from lessonlens.synth.plan import Utterance
from lessonlens.synth.voices import RATE, VoiceBank, mix_microphones

SEAM = PIECE * FRAME / RATE  # 60 s: a block of one piece ends here
TEACHER = "tong2 xue2 men5, jin1 tian1 wo3 men5 xue2 xi2 fen1 shu4 de5 jia1 fa3."
ANSWER = "deng3 yu2 san1 fen1 zhi1 er4."
CHORUS = "fen1 mu3 bu2 bian4, fen1 zi3 xiang1 jia1!"


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def seams(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """130 s on lapel and room microphones (AAC): the teacher speaks across the 60-s seam (it falls
    mid-utterance), a chorus across the 120-s seam, a student in between."""
    bank = VoiceBank()
    plan = [(2.0, "teacher", TEACHER, 0), (SEAM - 1.5, "teacher", TEACHER, 0), (75.0, "student", ANSWER, 3),
            (90.0, "teacher", TEACHER, 0), (2 * SEAM - 1.0, "chorus", CHORUS, 1)]
    timed = [Utterance(t, t + bank.length(text, who, v), who, text, v) for t, who, text, v in plan]
    return write_audio(tmp_path_factory.mktemp("track") / "seams.m4a", mix_microphones(timed, bank, 130.0), RATE)


class Whole(NamedTuple):
    mono: npt.NDArray[np.float32]
    probs: npt.NDArray[np.float32]
    lapel: npt.NDArray[np.float64] | None
    room: npt.NDArray[np.float64] | None
    turns: list[Turn]


def _whole(path: Path, vad: SileroVad, workers: int = 2) -> Whole:
    """The whole-track run, as the detector did it before reading block by block."""
    mono, lapel, room = mono_and_levels(path, 0, FRAME)
    probs = vad.probabilities(mono, workers=workers)
    return Whole(mono, probs, lapel, room, speaker_turns(mono, probs, lapel, room, SpeakerSettings()))


def test_blocks_give_the_whole_track_result_across_seams(seams: Path, vad: SileroVad) -> None:
    mono, probs, lapel, room, turns = _whole(seams, vad)
    track = read_track(seams, vad, 0, SpeakerSettings(), threads=2, block_pieces=1)
    assert track.samples == mono.size and len(track.probs) == len(probs) == -(-mono.size // FRAME)
    assert np.array_equal(track.probs, probs)  # bit for bit, not within a tolerance
    assert np.array_equal(track.levels, frame_levels(mono, len(probs)))
    assert track.lapel is not None and lapel is not None and np.array_equal(track.lapel, lapel)
    assert track.room is not None and room is not None and np.array_equal(track.room, room)
    mask = speech_mask(track.probs)
    assert np.array_equal(mask, speech_mask(probs))
    assert mask[PIECE - 5: PIECE + 5].all()  # the teacher speaks right across the first seam
    assert track_turns(track, SpeakerSettings(), threads=2) == turns
    assert track.refills == []
    seam_turn = next(t for t in turns if t.start < SEAM < t.end)
    assert seam_turn.speaker == "teacher"
    assert track.nbytes < 60 * len(track.probs)


@pytest.mark.parametrize("threads", [1, 3])
def test_each_thread_budget_gives_its_whole_track_result(seams: Path, vad: SileroVad, threads: int) -> None:
    """One thread: the VAD runs unbroken, its state carried across the blocks; three: blocks of three
    pieces, on three threads. Either way the probabilities and turns of the whole-track run."""
    whole = _whole(seams, vad, workers=threads)
    track = read_track(seams, vad, 0, threads=threads, block_pieces=1)
    assert np.array_equal(track.probs, whole.probs)
    assert track_turns(track, threads=threads) == whole.turns


def test_a_quieter_later_block_has_its_missing_features_read_again(tmp_path: Path, vad: SileroVad) -> None:
    """A first minute of room noise and speech, then digital silence: the lesson's noise floor falls
    to -100 dB after the first block was read, so its noise frames become 'loud' and their features,
    not kept, are decoded again; the turns still equal the whole-track run."""
    bank = VoiceBank()
    timed = [Utterance(5.0, 5.0 + bank.length(TEACHER, "teacher"), "teacher", TEACHER),
             (Utterance(30.0, 30.0 + bank.length(ANSWER, "student", 3), "student", ANSWER, 3))]
    room = mix_microphones(timed, bank, 150.0)[1]
    rng = np.random.default_rng(3)
    room[: int(SEAM * RATE)] += (rng.standard_normal(int(SEAM * RATE)) * 0.02).astype(np.float32)
    room[int(SEAM * RATE):] = 0.0
    path = write_audio(tmp_path / "quiet-end.wav", room, RATE)
    turns = _whole(path, vad).turns
    track = read_track(path, vad, 0, threads=2, block_pieces=1)
    assert track.lapel is None and track.room is None
    assert track_turns(track, threads=2) == turns
    assert track.refills and track.refills[0] > 0


def test_a_file_of_silence_and_an_empty_track(tmp_path: Path, vad: SileroVad) -> None:
    path = write_audio(tmp_path / "silent.wav", np.zeros(RATE * 3, dtype=np.float32), RATE)
    track = read_track(path, vad, 0)
    assert len(track.probs) == -(-3 * RATE // FRAME)
    assert track_turns(track) == []


def test_the_vad_and_the_stretches_of_a_file_read_block_by_block(seams: Path, vad: SileroVad) -> None:
    """What the asr detector's FunASR backends use: the VAD over the file and the samples of its
    speech stretches, equal to those of the whole ``read_audio`` track."""
    from lessonlens.media import read_audio
    from lessonlens.media.audioblocks import speech_probabilities, stretch_samples
    from lessonlens.plugins.detectors.asr_funasr import pieces, pieces_of_file

    audio = read_audio(seams)
    for threads in (1, 2):
        probs, samples = speech_probabilities(seams, vad, threads)
        assert samples == audio.size and np.array_equal(probs, vad.probabilities(audio, workers=threads))
    stretches = pieces_of_file(str(seams), vad, threads=2)
    assert stretches == pieces(audio, vad, threads=2) and len(stretches) >= 5
    assert any(a < SEAM < b for a, b in stretches)
    # overlapping stretches, one across the 120-s block seam, one running past the end
    asked = [*stretches, (110.0, 125.0), (111.0, 112.0), (129.0, 140.0)]
    asked.sort()
    got = list(stretch_samples(seams, asked))
    assert [(a, b) for a, b, _ in got] == asked
    for a, b, samples in got:
        assert np.array_equal(samples, audio[int(a * RATE):int(b * RATE)])


def test_chunks_are_cut_in_pauses_and_make_up_the_track(seams: Path) -> None:
    """Whisper gets ten-minute chunks; here 40-s chunks, each cut in the quietest half second of its last 15 s."""
    from lessonlens.media import read_audio
    from lessonlens.media.audioblocks import chunks_at_pauses

    audio = read_audio(seams)
    chunks = list(chunks_at_pauses(seams, seconds=40.0, search=15.0))
    assert len(chunks) == 4 and all(c.size <= 40 * RATE for _, c in chunks)
    assert np.array_equal(np.concatenate([c for _, c in chunks]), audio)
    assert [first for first, _ in chunks] == list(np.cumsum([0] + [c.size for _, c in chunks[:-1]]))
    level = float(np.sqrt(np.mean(audio**2)))
    for first, _ in chunks[1:]:
        around = audio[first - RATE // 8: first + RATE // 8]
        assert float(np.sqrt(np.mean(around**2))) < level / 4  # a pause, not a word
    assert len(list(chunks_at_pauses(seams))) == 1  # shorter than ten minutes: one chunk, as before


def test_decoding_ahead_hands_errors_over_and_stops_when_left() -> None:
    import itertools
    import threading

    from lessonlens.media.audioblocks import ahead

    def broken() -> Iterator[npt.NDArray[np.float32]]:
        yield np.zeros(4, dtype=np.float32)
        raise ValueError("damaged packet")

    got = ahead(broken())
    assert next(got).size == 4
    with pytest.raises(ValueError, match="damaged packet"):
        next(got)
    endless = ahead((np.full(4, k, dtype=np.float32) for k in itertools.count()), depth=2)
    assert [float(next(endless)[0]) for _ in range(3)] == [0.0, 1.0, 2.0]
    endless.close()  # the caller stops early (an error of its own): the decoding thread ends too
    assert not any(t.name == "lessonlens-decode" for t in threading.enumerate())
