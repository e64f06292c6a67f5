"""Serving one lesson recording over HTTP with byte ranges (the lesson page and the scoring page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.response import Response, Stream

from lessonlens.web.media import Unsatisfiable, byte_range, inside, read_range


def recording_path(entry: dict[str, Any], folder: Path, import_root: Path | None) -> Path:
    """The file a catalogue ``entry`` names: uploaded into ``folder``, or registered under
    ``import_root`` (a server path); :class:`NotFoundException` when it is anywhere else or gone."""
    if "path" in entry:  # a registered lesson: its recording stays in the server's import folder
        path = Path(str(entry["path"]))
        if import_root is None or not inside(import_root, path) or not path.is_file():
            raise NotFoundException()
        return path
    path = folder / str(entry.get("file", ""))
    if not entry.get("file") or not inside(folder, path) or not path.is_file():
        raise NotFoundException()
    return path


def serve_recording(request: Request[Any, Any, Any], entry: dict[str, Any], folder: Path,
                    import_root: Path | None) -> Response[Any] | Stream:
    """The recording ``entry`` names, whole or the byte range the request asks for."""
    path = recording_path(entry, folder, import_root)
    size = path.stat().st_size
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    try:
        chosen = byte_range(request.headers.get("range"), size)
    except Unsatisfiable:
        return Response(b"", status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    kind = str(entry.get("type") or "application/octet-stream")
    if chosen is None:
        return Stream(read_range(path, 0, size), media_type=kind, headers={**headers, "Content-Length": str(size)})
    return Stream(read_range(path, chosen.start, chosen.length), status_code=206, media_type=kind,
                  headers={**headers, "Content-Length": str(chosen.length),
                           "Content-Range": f"bytes {chosen.start}-{chosen.end}/{size}"})
