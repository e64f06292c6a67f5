"""The lesson's transcript for its page: the ASR segments kept with the stored analysis (the job keeps
speech observations with text, :func:`lessonlens.store.transcript.transcript_only`), in time order, each a
button that seeks the video (the report's script seeks any element with ``data-t``)."""

from __future__ import annotations

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.observations import SpeechObservation

#: speakers the page names (others are shown without a label)
SPEAKERS = ("teacher", "student", "chorus")


@attrs.frozen
class Line:
    t: float
    end: float
    text: str
    speaker: str = ""

    @property
    def clock(self) -> str:
        seconds = max(0, round(self.t))
        return f"{seconds // 60:02d}:{seconds % 60:02d}"


def transcript(analysis: Analysis | None) -> list[Line]:
    """The transcript lines of ``analysis`` (none when ASR did not run or the lesson was stored without)."""
    if analysis is None:
        return []
    lines = [Line(t=o.t, end=max(o.end, o.t), text=" ".join(o.text.split()),
                  speaker=o.speaker if o.speaker in SPEAKERS else "")
             for o in analysis.observations if isinstance(o, SpeechObservation) and o.text.strip()]
    return sorted(lines, key=lambda line: (line.t, line.end))
