"""One synthetic lesson per test session, shared by the test modules that need real media."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest

from lessonlens.synth import SampleLesson


def needs_synth() -> None:
    pytest.importorskip("skimage", reason="the synth extra (scikit-image) is not installed")
    pytest.importorskip("PIL", reason="the synth extra (Pillow) is not installed")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")


@functools.cache
def short_lesson(minutes: float = 2.0, fps: int = 5) -> SampleLesson:
    """A short lesson (every phase of the 45-minute plan, scaled down), made once per session."""
    from lessonlens.synth import generate_lesson

    directory = Path(tempfile.mkdtemp(prefix="lessonlens-sample-"))
    return generate_lesson(directory, minutes=minutes, fps=fps)
