"""What the store keeps of a lesson's raw observations by default: its transcript.

Raw detector observations can run to megabytes per lesson and the coded timeline keeps its evidence,
so the store drops them; the transcript (speech with text, from ASR) is small and read by people on the
lesson page, so every way into the store keeps it: ``lessonlens store add``, ``lessonlens batch`` (its
workers prepare the rows) and the web's jobs all prepare rows through
:func:`lessonlens.store.ingest.prepare_lesson`, which calls :func:`transcript_only`.
"""

from __future__ import annotations

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.observations import SpeechObservation


def transcript_only(analysis: Analysis) -> Analysis:
    """The analysis with only its transcript among the observations: speech with text (ASR segments),
    each given the speaker (teacher, student, chorus) of the speech it overlaps most, when it has none."""
    speech = [o for o in analysis.observations if isinstance(o, SpeechObservation)]
    voiced = [o for o in speech if o.speaker and not o.text.strip()]

    def speaker(line: SpeechObservation) -> str:
        overlaps: dict[str, float] = {}
        for o in voiced:
            shared = min(line.end, o.end) - max(line.t, o.t)
            if shared > 0:
                overlaps[o.speaker] = overlaps.get(o.speaker, 0.0) + shared
        return max(overlaps, key=lambda k: overlaps[k]) if overlaps else ""

    lines = tuple(o if o.speaker else attrs.evolve(o, speaker=speaker(o)) for o in speech if o.text.strip())
    return attrs.evolve(analysis, observations=lines)
