"""The detector cache: one ObservationSet document per (detector, media content, instants, options).

Models are the slow part of an analysis; coders, metrics and rule packs are fast. Keying each
detector's observations by what determines them (the detector's fingerprint, a content
fingerprint of each file it reads and its offset, the sampling instants and the options) lets a
re-run with another coder or rule pack skip the models, and never serves observations of a file
that changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lessonlens.core.documents import ObservationSet
from lessonlens.core.errors import InputError
from lessonlens.core.extensions import Detector
from lessonlens.core.lesson import MediaSource
from lessonlens.core.observations import Observation
from lessonlens.files.documents import load, save
from lessonlens.media import file_fingerprint
from lessonlens.media.models import model_identity

ENV_VAR = "LESSONLENS_CACHE"


def default_cache_dir() -> Path:
    """``$LESSONLENS_CACHE``, else ``$XDG_CACHE_HOME/lessonlens``, else ``~/.cache/lessonlens``."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lessonlens"


def cache_key(detector: Detector, media: Sequence[MediaSource], instants: Sequence[float],
              options: Mapping[str, Any]) -> str:
    body = {
        "detector": detector.fingerprint(),
        "media": [(m.role.value, file_fingerprint(m.path), m.offset) for m in media],
        "instants": [len(instants), instants[0] if instants else None, instants[-1] if instants else None,
                     hashlib.sha256(json.dumps(list(instants)).encode()).hexdigest()[:16]],
        "options": json.loads(json.dumps(dict(options), sort_keys=True, default=str)),
    }
    models = model_identity(detector, options)
    if models:  # detectors without swappable model files keep their keys
        body["models"] = models
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:40]


class ObservationCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / "observations"

    def path(self, detector: str, key: str) -> Path:
        return self.directory / f"{detector}-{key}.json"

    def get(self, detector: str, key: str) -> tuple[Observation, ...] | None:
        """The cached observations, or None (also when the file is unreadable: it is then made again)."""
        path = self.path(detector, key)
        if not path.is_file():
            return None
        try:
            doc = load(path, ObservationSet)
        except InputError:
            return None
        return doc.observations

    def put(self, detector: str, key: str, lesson: str, observations: Sequence[Observation]) -> None:
        save(ObservationSet(lesson=lesson, detector=detector, observations=tuple(observations)),
             self.path(detector, key))
