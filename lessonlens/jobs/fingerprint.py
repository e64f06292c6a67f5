"""What a lesson's stored result depends on, as two fingerprints (they decide what a re-run skips).

- the *inputs*: each recording's content fingerprint (size, first and last MiB; local files or
  fsspec URLs), role and offset, the layout and rubric sheets likewise, and the lesson's metadata;
- the *pipeline*: the detectors that will run (their own fingerprints: model, options), the coder
  and the sampling interval.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from lessonlens.core.documents import converter
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.plugins import PluginManager
from lessonlens.jobs.spec import LessonSpec
from lessonlens.media import file_fingerprint
from lessonlens.perception.run import default_detectors

_CHUNK = 1 << 20
_MISSING = Text(zh="文件不存在", en="file not found")
_UNREADABLE = Text(zh="无法读取：{error}", en="cannot read it: {error}")


def is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def content_fingerprint(path: str) -> str:
    """:func:`lessonlens.media.file_fingerprint` of a local path, a ``file://`` or any fsspec URL."""
    try:
        if not is_url(path):
            return file_fingerprint(path.removeprefix("file://"))
        import fsspec

        fs, inner = fsspec.core.url_to_fs(path)
        size = int(fs.size(inner))
        digest = hashlib.sha256(str(size).encode())
        with fs.open(inner, "rb") as handle:
            digest.update(handle.read(_CHUNK))
            if size > 2 * _CHUNK:
                handle.seek(size - _CHUNK)
                digest.update(handle.read(_CHUNK))
        return digest.hexdigest()[:32]
    except FileNotFoundError:
        raise InputError(_MISSING, path) from None
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(_UNREADABLE, path, error=str(exc).strip().splitlines()[0] if str(exc).strip()
                         else type(exc).__name__) from None


def inputs_fingerprint(spec: LessonSpec, known: dict[str, str] | None = None) -> str:
    """The fingerprint of everything a lesson reads; ``known`` caches file fingerprints by path
    (many lessons of a batch may share a file). InputError naming a missing or unreadable file."""
    known = {} if known is None else known

    def of(path: str) -> str:
        if path not in known:
            known[path] = content_fingerprint(path)
        return known[path]

    body = {
        "lesson": converter.unstructure(spec.lesson),
        "media": [(m.role.value, m.offset, of(m.path)) for m in spec.media],
        "layout": of(spec.layout) if spec.layout else None,
        "rubrics": [(r.rubric, [of(s) for s in r.sheets]) for r in spec.rubrics],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:40]


def chosen_detectors(spec: LessonSpec, detectors: Sequence[str] | None, manager: PluginManager) -> list[str]:
    """The detectors ``lessonlens.analyze`` will run on the lesson (the defaults for its media)."""
    return list(detectors) if detectors is not None else default_detectors(spec.media, manager)


def pipeline_fingerprint(spec: LessonSpec, detectors: Sequence[str] | None, coder: str, interval: float,
                         manager: PluginManager) -> str:
    """The fingerprint of the detectors (by their own fingerprints), the coder and the interval."""
    names = chosen_detectors(spec, detectors, manager)
    body = {"detectors": sorted((n, manager.detector(n).fingerprint()) for n in names),
            "coder": coder, "interval": interval, "layout": bool(spec.layout)}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:40]


def local_path(path: str) -> Path | None:
    """The local path of a plain path or ``file://`` URL; ``None`` for a remote URL."""
    return None if is_url(path) else Path(path.removeprefix("file://"))
