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
from lessonlens.core.lesson import LessonMeta, MediaRole, MediaSource
from lessonlens.jobs.spec import LessonSpec
from lessonlens.web.catalog import create_lesson
from lessonlens.web.extras import NONE, Attachments, Kept, keep, lesson_of
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


async def save_upload(platform: Platform, owner: Account, meta: UploadMeta,
                      files: Sequence[tuple[str, Readable]], attachments: Attachments = NONE) -> str:
    """Store an upload as a new lesson of ``owner`` and queue its analysis; return the lesson id.
    ``attachments``: its lesson.yaml, room layout and raters' score sheets (:mod:`lessonlens.web.extras`).

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
        kept = keep(folder, attachments)  # small files first: a bad one refuses the upload at once
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
        lesson = lesson_of(lesson_id, form_fields(meta), kept, owner.label, owner.school, owner.region, date)
        create_lesson(platform.engine, owner, lesson_id, title=lesson.title, teacher=lesson.teacher,
                      school=lesson.school, region=lesson.region, subject=lesson.subject, grade=lesson.grade,
                      date=lesson.date, media=media)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    platform.runner.submit(job_spec(lesson, folder, media, kept))
    return lesson_id


def form_fields(meta: UploadMeta) -> dict[str, str]:
    return {"title": meta.title, "subject": meta.subject, "grade": meta.grade, "teacher": meta.teacher}


def job_spec(lesson: LessonMeta, folder: Path, media: Sequence[dict[str, object]], kept: Kept) -> LessonSpec:
    """The analysis job of an uploaded lesson: its recordings (with the lesson.yaml's offsets), room
    layout and score sheets, all in its folder."""
    sources = tuple(MediaSource(str(folder / str(m["file"])), role, kept.offsets.get(role, 0.0))
                    for m in media for role in (ANALYSIS_ROLE[str(m["role"])],))
    return LessonSpec(lesson=lesson, media=sources, source=f"upload:{lesson.id}",
                      layout=str(kept.layout) if kept.layout else None, rubrics=kept.rubrics)
