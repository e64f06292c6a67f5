"""An upload becomes a lesson: metadata checked, each file checked by its first bytes and streamed
to disk under a temporary name (renamed when complete, removed on any failure), then a job queued.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.jobs.spec import LessonSpec
from lessonlens.web.catalog import create_lesson
from lessonlens.web.jobs import lesson_folder
from lessonlens.web.media import ROLES, media_type, stored_name
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account
from lessonlens.web.texts import TEXTS

_HEAD = 64
#: the upload form's fields as the analysis's media roles
ANALYSIS_ROLE = {"teacher": MediaRole.TEACHER, "students": MediaRole.STUDENTS, "board": MediaRole.BOARD,
                  "mixed": MediaRole.MIXED, "audio": MediaRole.AUDIO}


class Readable(Protocol):
    """An uploaded file as the web framework hands it over."""

    filename: str

    async def read(self, size: int = -1) -> bytes: ...


@attrs.frozen
class UploadMeta:
    title: str = ""
    subject: str = ""
    grade: str = ""
    date: str = ""
    teacher: str = ""


def upload_meta(fields: dict[str, str]) -> UploadMeta:
    """The lesson's metadata from the upload form (the teacher's name is ``teacher_name``: ``teacher``
    is the teacher camera's file field)."""
    return UploadMeta(title=fields.get("title", ""), subject=fields.get("subject", ""),
                      grade=fields.get("grade", ""), date=fields.get("date", ""),
                      teacher=fields.get("teacher_name", ""))


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def parse_day(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(TEXTS["bad_date"], value=value) from None


def new_lesson_id() -> str:
    return "L" + dt.date.today().strftime("%Y%m%d") + "-" + secrets.token_hex(4)


#: largest room-layout file (a few zones of YAML)
MAX_LAYOUT = 64 * 1024
_LAYOUT_BIG = Text(zh="{name} 超过 64 KB，不像教室布局文件", en="{name} is over 64 KB: not a room layout")


def save_layout(folder: Path, filename: str, data: bytes) -> Path:
    """Check a room-layout YAML (the zones of the teacher camera's picture) and keep it as
    ``layout.yaml`` in ``folder``; a bad one is an InputError naming the user's file."""
    from lessonlens.media.layout import read_layout

    if len(data) > MAX_LAYOUT:
        raise InputError(_LAYOUT_BIG, name=filename)
    path = folder / "layout.yaml"
    path.write_bytes(data)
    try:
        read_layout(path)
    except InputError as exc:
        path.unlink(missing_ok=True)
        raise InputError(Text(zh="{name}：{problem}", en="{name}: {problem}"), name=filename,
                         problem=exc.message().replace(str(path), filename).removeprefix(filename + ": ")) from None
    return path


async def save_upload(platform: Platform, owner: Account, meta: UploadMeta,
                      files: Sequence[tuple[str, Readable]], layout: tuple[str, bytes] | None = None) -> str:
    """Store an upload as a new lesson of ``owner`` and queue its analysis; return the lesson id.

    Raises InputError (one line, nothing kept) for a missing, wrong-type or oversized file.
    """
    date = parse_day(meta.date)
    chosen = [(role, f) for role, f in files if role in ROLES and f.filename]
    if not chosen:
        raise InputError(TEXTS["no_files"])
    lesson_id = new_lesson_id()
    folder = lesson_folder(platform.media, lesson_id)
    folder.mkdir(parents=True)
    limit = platform.settings.max_upload
    total = 0
    media = []
    try:
        for role, upload in chosen:
            head = await upload.read(_HEAD)
            kind = media_type(role, upload.filename, head)
            if kind is None:
                raise InputError(TEXTS["bad_file"], field=TEXTS[f"role_{role}"], name=upload.filename,
                                 kind=TEXTS["kind_audio" if role == "audio" else "kind_video"])
            name = stored_name(role, upload.filename)
            part = folder / f".{name}.part"
            size = 0
            with part.open("wb") as out:
                chunk = head
                while chunk:
                    size += len(chunk)
                    if total + size > limit:
                        raise InputError(TEXTS["too_big"], limit=human_size(limit))
                    out.write(chunk)
                    chunk = await upload.read(1024 * 1024)
            part.replace(folder / name)
            total += size
            media.append({"role": role, "file": name, "size": size, "type": kind})
        layout_path = save_layout(folder, *layout) if layout else None
        lesson = LessonMeta(id=lesson_id, title=meta.title.strip()[:500], subject=meta.subject.strip()[:100],
                            grade=meta.grade.strip()[:100], teacher=(meta.teacher.strip() or owner.label)[:200],
                            school=owner.school, region=owner.region, date=date)
        create_lesson(platform.engine, owner, lesson_id, title=lesson.title, teacher=lesson.teacher,
                      school=lesson.school, region=lesson.region, subject=lesson.subject, grade=lesson.grade,
                      date=date, media=media)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    sources = tuple(MediaSource(str(folder / str(m["file"])), ANALYSIS_ROLE[str(m["role"])]) for m in media)
    platform.runner.submit(LessonSpec(lesson=lesson, media=sources, source=f"upload:{lesson_id}",
                                      layout=str(layout_path) if layout_path else None))
    return lesson_id
