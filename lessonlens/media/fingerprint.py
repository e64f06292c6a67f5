"""A cheap content fingerprint of a media file: it keys the detector cache."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_CHUNK = 1 << 20


def file_fingerprint(path: str | Path) -> str:
    """sha256 of the size and the first and last MiB: changes when the recording does, reads 2 MiB."""
    file = Path(path)
    size = os.path.getsize(file)
    digest = hashlib.sha256(str(size).encode())
    with open(file, "rb") as handle:
        digest.update(handle.read(_CHUNK))
        if size > 2 * _CHUNK:
            handle.seek(size - _CHUNK)
            digest.update(handle.read(_CHUNK))
    return digest.hexdigest()[:32]
