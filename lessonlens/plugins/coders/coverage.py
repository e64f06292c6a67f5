"""Which signals were observed at each instant, from ``CodeRequest.unavailable``.

The analysis lists a recording that ends early or starts late as ``<role>@<from>-<to>`` and a track
that stops before its file as ``<role>.<track>@<from>-<to>`` (seconds on the lesson clock; an open
end runs to the lesson's end). A coder reads them per instant: inside such a range the recording's
signals are unknown, not absent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

import attrs
import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]

_RANGE = re.compile(r"^(?P<role>[a-z_]+)(?:\.(?P<track>audio|video))?"
                    r"@(?P<start>\d+(?:\.\d*)?)-(?P<end>\d+(?:\.\d*)?)?$")
#: roles whose recording carries the lesson's sound (the speech detector's sources)
AUDIO_ROLES = frozenset({"audio", "mixed"})
#: roles whose picture shows the teacher (teacher pose and position; a mixed recording stands in)
TEACHER_CAMERA_ROLES = frozenset({"teacher", "mixed"})
#: roles whose picture shows the board (board text; the teacher camera stands in)
BOARD_CAMERA_ROLES = frozenset({"board", "teacher", "mixed"})


@attrs.frozen
class Gap:
    """One unobserved range: ``role`` (``track`` ``audio``/``video``, or ``""`` for the whole file)."""

    role: str
    track: str
    start: float
    end: float


def gaps(unavailable: Sequence[str]) -> tuple[Gap, ...]:
    """The unobserved ranges among ``unavailable`` (signal names without ``@`` are not ranges)."""
    out = []
    for entry in unavailable:
        found = _RANGE.match(entry.strip().lower())
        if found is None:
            continue
        end = float(found["end"]) if found["end"] else math.inf
        out.append(Gap(found["role"], found["track"] or "", float(found["start"]), end))
    return tuple(out)


def observed(instants: Sequence[float], ranges: Sequence[Gap], roles: Collection[str], track: str) -> Mask:
    """Per instant, False inside a range of one of ``roles`` that covers ``track`` (the whole file or
    that track), True elsewhere."""
    t = np.asarray(instants, dtype=np.float64)
    seen: Mask = np.ones(len(t), dtype=bool)
    for gap in ranges:
        if gap.role in roles and gap.track in ("", track):
            seen &= ~((t >= gap.start) & (t <= gap.end))
    return seen


def sound_recorded(unavailable: Sequence[str], instants: Sequence[float]) -> Mask:
    """Per instant, whether the lesson's sound was recorded there: outside the ranges of ``audio`` and
    ``mixed`` (or their ``.audio`` track). Where it was not, silence is unknown, not a finding."""
    return observed(instants, gaps(unavailable), AUDIO_ROLES, "audio")
