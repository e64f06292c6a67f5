"""A long recording's 16-kHz mono audio a block at a time: never the whole track in memory.

- :func:`blocks`: consecutive frame ranges with the samples around them that the VAD (warm-up,
  context) and the voice features (half a window) need; the speech track is built from them
  (:mod:`lessonlens.media.speechtrack`).
- :func:`speech_probabilities`: Silero VAD over a file, as ``SileroVad.probabilities`` of the
  whole track gives it (:class:`~lessonlens.media.vad.VadStream`).
- :func:`stretch_samples`: the samples of given stretches (speech to transcribe), in one pass.
- :func:`chunks_at_pauses`: the track in chunks of about ten minutes, each cut at the quietest
  half second near its end (a recogniser that wants long audio, such as Whisper, gets those).

The samples are those :func:`~lessonlens.media.audio.read_audio` returns (FFmpeg's mono mix), or,
for :func:`blocks`, whatever chunks the caller gives.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from queue import Empty, Full, Queue

import numpy as np
import numpy.typing as npt

from lessonlens.media.audio import SPEECH_RATE, Samples, iter_audio
from lessonlens.media.threads import available_cores
from lessonlens.media.vad import CONTEXT, FRAME, WARM_UP, SileroVad, VadStream
from lessonlens.media.voicefeatures import WINDOW

AHEAD = (WINDOW - FRAME) // 2  # samples after a frame its feature window reads
CHUNK_SECONDS = 600.0
PAUSE_SEARCH_SECONDS = 60.0
PAUSE_FRAMES = 16  # half a second


def mono(path: str | Path, threads: int | None = None) -> Iterator[Samples]:
    """The mono samples of ``read_audio(path)`` as consecutive chunks."""
    for block in iter_audio(path, SPEECH_RATE, mono=True, threads=threads):
        yield block[0]


def ahead(chunks: Iterator[Samples], depth: int = 32) -> Iterator[Samples]:
    """``chunks`` decoded on a thread of their own, at most ``depth`` ahead of the caller (PyAV and
    FFmpeg release the GIL while decoding: the VAD and features of one block run while the next is
    decoded). An error of the decoding is raised here, in the caller's thread."""
    queue: Queue[tuple[Samples | None, BaseException | None]] = Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        queue.put((chunk, None), timeout=0.2)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((None, None))
        except BaseException as exc:  # handed to the caller
            queue.put((None, exc))

    worker = threading.Thread(target=produce, name="lessonlens-decode", daemon=True)
    worker.start()
    try:
        while True:
            chunk, error = queue.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.05)
        worker.join()


def blocks(chunks: Iterable[Samples], total: list[int], block: int) -> Iterator[tuple[Samples, int, int, int]]:
    """``(audio, offset, first, last)``: frames ``[first, last)`` (``block`` at a time) of the track
    that ``chunks`` make up, ``audio`` holding its samples from ``offset`` on: the VAD's warm-up and
    context before ``first`` and half a feature window after ``last`` (or up to the track's ends).
    ``total[0]`` ends as the track's sample count. At most about two blocks are held at once."""
    buffer: Samples = np.zeros(0, dtype=np.float32)
    offset = first = have = 0
    pending: list[Samples] = []
    for chunk in chunks:
        pending.append(chunk)
        have += chunk.size
        if have < (first + block) * FRAME + AHEAD:
            continue
        buffer = np.concatenate([buffer, *pending])
        pending.clear()
        while have >= (first + block) * FRAME + AHEAD:
            yield buffer, offset, first, first + block
            first += block
            keep = max(0, (first - WARM_UP) * FRAME - CONTEXT)  # before AHEAD samples before first, too
            buffer, offset = buffer[keep - offset:], keep
    buffer = np.concatenate([buffer, *pending])
    total[0] = have
    count = (have + FRAME - 1) // FRAME
    if count > first:
        yield buffer, offset, first, count


def speech_probabilities(path: str | Path, vad: SileroVad, threads: int | None = None,
                         ) -> tuple[npt.NDArray[np.float32], int]:
    """Silero VAD's probability per 32-ms frame of ``read_audio(path)``, read block by block (the
    same as ``vad.probabilities(read_audio(path), workers=threads)``), and the track's sample count."""
    budget = threads or min(4, available_cores())
    # with two threads or more, one decodes the next block while the others run the VAD on this one
    stream = VadStream(vad, budget, pool=max(1, budget - 1))
    chunks = ahead(mono(path, threads)) if budget > 1 else mono(path, threads)
    total = [0]
    probs = [stream.run(*window) for window in blocks(chunks, total, stream.block_frames())]
    return (np.concatenate(probs) if probs else np.zeros(0, dtype=np.float32)), total[0]


def stretch_samples(path: str | Path, stretches: Sequence[tuple[float, float]], threads: int | None = None,
                    ) -> Iterator[tuple[float, float, Samples]]:
    """``(start, end, samples)`` of each stretch (seconds, sorted by start): the samples
    ``read_audio(path)[int(start * 16000):int(end * 16000)]``, reading the file once."""
    chunks = mono(path, threads)
    buffer: Samples = np.zeros(0, dtype=np.float32)
    offset = 0  # the track's sample at buffer[0]
    ended = False
    for start, end in stretches:
        lo, hi = int(start * SPEECH_RATE), int(end * SPEECH_RATE)
        drop = min(max(0, lo - offset), buffer.size)  # the stretches start in order: nothing before lo is needed
        buffer, offset = buffer[drop:], offset + drop
        parts, have = [buffer], offset + buffer.size
        while have < hi and not ended:
            chunk = next(chunks, None)
            if chunk is None:
                ended = True
            elif have + chunk.size <= lo:  # wholly before the stretch (then nothing is held)
                have += chunk.size
                offset = have
            else:
                parts.append(chunk)
                have += chunk.size
        buffer = np.concatenate(parts) if len(parts) > 1 else buffer
        yield start, end, buffer[max(0, lo - offset): max(0, hi - offset)].copy()


def chunks_at_pauses(path: str | Path, threads: int | None = None, seconds: float = CHUNK_SECONDS,
                     search: float = PAUSE_SEARCH_SECONDS) -> Iterator[tuple[int, Samples]]:
    """``(first sample, samples)``: ``read_audio(path)`` in consecutive chunks of at most ``seconds``,
    each cut in the middle of the quietest half second of its last ``search`` seconds (a pause
    between sentences, not a word). A recording no longer than ``seconds`` is one chunk."""
    size, reach = int(seconds * SPEECH_RATE), int(search * SPEECH_RATE)
    pending: list[Samples] = []
    have = start = 0
    for chunk in mono(path, threads):
        pending.append(chunk)
        have += chunk.size
        if have <= size:
            continue
        buffer = np.concatenate(pending)
        while buffer.size > size:
            cut = _quietest(buffer[size - reach: size]) + size - reach
            yield start, buffer[:cut]
            start += cut
            buffer = buffer[cut:]
        pending, have = [buffer], buffer.size
    if have:
        yield start, np.concatenate(pending)


def _quietest(audio: Samples) -> int:
    """The sample in the middle of the quietest :data:`PAUSE_FRAMES` frames of ``audio``."""
    frames = audio[: audio.size // FRAME * FRAME].reshape(-1, FRAME)
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64)
    if len(power) <= PAUSE_FRAMES:
        return audio.size
    window = np.convolve(power, np.ones(PAUSE_FRAMES), mode="valid")
    return (int(np.argmin(window)) + PAUSE_FRAMES // 2) * FRAME
