"""Resumable uploads in chunks (for multi-GB recordings over school networks).

The browser announces the lesson and its files (``POST /uploads``), then sends each file in order
as chunks (``PUT /uploads/<id>/<role>`` with ``Content-Range: bytes START-END/TOTAL``), asks where
each file stands after an interruption (``GET /uploads/<id>``) and carries on from there — after a
lost connection, a closed tab or a server restart alike, since everything lives on disk under
``MEDIA/uploads/<id>/``. ``POST /uploads/<id>/finish`` turns the complete files into a lesson and
queues its analysis. The same checks as a one-piece upload apply: the role's file type by name and
first bytes, the total size limit, the owner alone.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.web.catalog import create_lesson
from lessonlens.web.extras import NONE, Attachments, keep, lesson_of, moved
from lessonlens.web.jobs import lesson_folder
from lessonlens.web.media import ROLES, media_type, stored_name, suffix_ok
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account
from lessonlens.web.texts import TEXTS
from lessonlens.web.uploads import UploadMeta, form_fields, human_size, job_spec, new_lesson_id, parse_day

_T = {
    "offset": Text(zh="分块起点 {got} 与已收到的 {have} 字节不符", en="chunk starts at {got}, {have} bytes are here"),
    "range": Text(zh="Content-Range 应为 bytes 起点-终点/总长：{value}",
                  en="Content-Range must be bytes START-END/TOTAL: {value}"),
    "incomplete": Text(zh="{name} 尚未传完（{have}/{size} 字节）", en="{name} is not complete ({have}/{size} bytes)"),
    "role": Text(zh="未知的文件角色 {role}", en="unknown file role {role}"),
}


class Conflict(InputError):
    """A chunk that does not continue the file (answered 409 with where the file stands)."""


@attrs.frozen
class Announced:
    role: str
    name: str
    size: int


def _root(platform: Platform) -> Path:
    return platform.media / "uploads"


def _folder(platform: Platform, upload_id: str) -> Path:
    if not upload_id.isalnum():
        raise KeyError(upload_id)
    return _root(platform) / upload_id


def _manifest(platform: Platform, upload_id: str, owner: Account) -> dict[str, Any]:
    """The upload's manifest if it exists and belongs to ``owner`` (KeyError otherwise: a 404)."""
    path = _folder(platform, upload_id) / "manifest.json"
    if not path.is_file():
        raise KeyError(upload_id)
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest["owner"] != owner.id:
        raise KeyError(upload_id)
    return manifest


def start(platform: Platform, owner: Account, meta: UploadMeta, files: list[Announced],
          attachments: Attachments = NONE) -> str:
    """Check what will come and open an upload; return its id."""
    parse_day(meta.date)
    if not files:
        raise InputError(TEXTS["no_files"])
    for f in files:
        if f.role not in ROLES:
            raise InputError(_T["role"], role=f.role)
        # the name must say the right kind now; the first bytes are checked with the first chunk
        if not suffix_ok(f.role, f.name) or f.size <= 0:
            raise InputError(TEXTS["bad_file"], field=TEXTS[f"role_{f.role}"], name=f.name,
                             kind=TEXTS["kind_audio" if f.role == "audio" else "kind_video"])
    if sum(f.size for f in files) > platform.settings.max_upload:
        raise InputError(TEXTS["too_big"], limit=human_size(platform.settings.max_upload))
    upload_id = secrets.token_hex(12)
    folder = _folder(platform, upload_id)
    folder.mkdir(parents=True)
    try:
        keep(folder, attachments)  # lesson.yaml, room layout, score sheets: checked now, moved at the end
    except InputError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    manifest = {"owner": owner.id, "meta": attrs.asdict(meta),
                "files": [{"role": f.role, "name": f.name, "size": f.size} for f in files]}
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / "manifest.json")
    return upload_id


def _part(platform: Platform, upload_id: str, role: str) -> Path:
    return _folder(platform, upload_id) / f"{role}.part"


def status(platform: Platform, owner: Account, upload_id: str) -> dict[str, Any]:
    """Bytes received of each announced file."""
    manifest = _manifest(platform, upload_id, owner)
    received = {}
    for f in manifest["files"]:
        part = _part(platform, upload_id, f["role"])
        received[f["role"]] = part.stat().st_size if part.exists() else 0
    return {"id": upload_id, "files": manifest["files"], "received": received}


def parse_content_range(value: str | None) -> tuple[int, int, int]:
    try:
        unit, _, spec = (value or "").partition(" ")
        span, _, total = spec.partition("/")
        first, _, last = span.partition("-")
        start, end, size = int(first), int(last), int(total)
        if unit != "bytes" or start < 0 or end < start or end >= size:
            raise ValueError(value)
        return start, end, size
    except ValueError:
        raise InputError(_T["range"], value=value or "") from None


async def put_chunk(platform: Platform, owner: Account, upload_id: str, role: str, content_range: str | None,
                    body: AsyncIterator[bytes]) -> int:
    """Append one chunk to a file of the upload; return the bytes now received of it."""
    manifest = _manifest(platform, upload_id, owner)
    announced = next((f for f in manifest["files"] if f["role"] == role), None)
    if announced is None:
        raise KeyError(role)
    start, end, size = parse_content_range(content_range)
    part = _part(platform, upload_id, role)
    have = part.stat().st_size if part.exists() else 0
    if start != have or size != announced["size"]:
        raise Conflict(_T["offset"], got=start, have=have)
    written = 0
    with part.open("ab") as out:
        async for piece in body:
            if start == 0 and written == 0 and media_type(role, announced["name"], piece[:64]) is None:
                out.truncate(0)
                raise InputError(TEXTS["bad_file"], field=TEXTS[f"role_{role}"], name=announced["name"],
                                 kind=TEXTS["kind_audio" if role == "audio" else "kind_video"])
            written += len(piece)
            if written > end - start + 1:
                out.truncate(have)
                raise InputError(_T["range"], value=content_range or "")
            out.write(piece)
    # a chunk cut short keeps what came: the client asks where the file stands and goes on from there
    return have + written


def finish(platform: Platform, owner: Account, upload_id: str) -> str:
    """Make the complete upload a lesson of ``owner``, queue its analysis; return the lesson id."""
    manifest = _manifest(platform, upload_id, owner)
    folder = _folder(platform, upload_id)
    for f in manifest["files"]:
        part = _part(platform, upload_id, f["role"])
        have = part.stat().st_size if part.exists() else 0
        if have != f["size"]:
            raise InputError(_T["incomplete"], name=f["name"], have=have, size=f["size"])
    meta = UploadMeta(**manifest["meta"])
    lesson_id = new_lesson_id()
    target = lesson_folder(platform.media, lesson_id)
    target.mkdir(parents=True)
    media = []
    for f in manifest["files"]:
        part = _part(platform, upload_id, f["role"])
        with part.open("rb") as handle:
            kind = media_type(f["role"], f["name"], handle.read(64))
        name = stored_name(f["role"], f["name"])
        part.replace(target / name)
        media.append({"role": f["role"], "file": name, "size": f["size"], "type": kind})
    kept = moved(folder, target)
    lesson = lesson_of(lesson_id, form_fields(meta), kept, owner.label, owner.school, owner.region,
                       parse_day(meta.date))
    create_lesson(platform.engine, owner, lesson_id, title=lesson.title, teacher=lesson.teacher,
                  school=lesson.school, region=lesson.region, subject=lesson.subject, grade=lesson.grade,
                  date=lesson.date, media=media)
    shutil.rmtree(folder, ignore_errors=True)
    platform.runner.submit(job_spec(lesson, target, media, kept))
    return lesson_id
