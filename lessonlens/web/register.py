"""Register lessons whose recordings are already on the server: a batch manifest (CSV/YAML), a folder
of lesson folders or one lesson folder, as ``lessonlens batch`` reads them
(:func:`lessonlens.jobs.read_manifest`), under the import folder the server was started with
(``serve --import-root``). Each lesson gets a catalogue entry — owned by the teacher account of the
same name and school, else by no one (private until an admin assigns it) — and an analysis job (not
again for a lesson whose job is done or running: registering a manifest again only queues the new and
the failed). The recordings stay where they are; the player reads them there.
"""

from __future__ import annotations

from pathlib import Path

import attrs
from sqlalchemy import select

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.jobs.manifest import read_manifest
from lessonlens.store.platform_models import WebLesson
from lessonlens.web.accounts import users
from lessonlens.web.catalog import create_lesson
from lessonlens.web.media import inside
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account, Role

_T = {
    "off": Text(zh="服务器未设置导入目录（lessonlens serve --import-root DIR）",
                en="the server has no import folder (lessonlens serve --import-root DIR)"),
    "outside": Text(zh="{where} 不在导入目录 {root} 中", en="{where} is not inside the import folder {root}"),
    "media": Text(zh="课例 {lesson} 的文件 {where} 不在导入目录中",
                  en="lesson {lesson}: {where} is outside the import folder"),
}


@attrs.frozen
class Registered:
    lesson_id: str
    owner: str  # account name, '' when no teacher account matched
    new: bool
    #: queued for analysis now (False: its job is done, or running here or elsewhere, and is left)
    queued: bool = True


def register(platform: Platform, path: str) -> list[Registered]:
    """Catalogue and queue every lesson of the manifest or folder at ``path`` (relative to the import
    folder, or absolute inside it). All-or-nothing for the checks: any lesson whose files lie outside
    the import folder refuses the whole manifest."""
    root = platform.settings.import_root
    if root is None:
        raise InputError(_T["off"])
    target = Path(path) if Path(path).is_absolute() else root / path
    if not inside(root, target):
        raise InputError(_T["outside"], where=path, root=str(root))
    specs = read_manifest(target.resolve())
    for spec in specs:  # recordings, room layouts and score sheets alike: nothing outside the folder
        paths = [m.path for m in spec.media] + ([spec.layout] if spec.layout else []) + [
            sheet for r in spec.rubrics for sheet in r.sheets]
        for file in paths:
            if "://" in file or not inside(root, Path(file)):
                raise InputError(_T["media"], lesson=spec.lesson_id, where=file)
    teachers: dict[tuple[str, str], Account] = {}
    for account in users(platform.engine):
        if account.role is Role.TEACHER and account.active:
            teachers.setdefault((account.label, account.school), account)
    with platform.engine.connect() as conn:
        known = set(conn.scalars(select(WebLesson.id).where(WebLesson.id.in_([s.lesson_id for s in specs]))))
    done = []
    for spec in specs:
        lesson = spec.lesson
        owner = teachers.get((lesson.teacher, lesson.school)) or teachers.get((lesson.teacher, ""))
        if spec.lesson_id not in known:
            files = [{"role": m.role.value, "path": str(Path(m.path).resolve()), "file": Path(m.path).name,
                      "type": _type(m.path)} for m in spec.media]
            create_lesson(platform.engine, owner, spec.lesson_id, title=lesson.title, teacher=lesson.teacher,
                          school=lesson.school, region=lesson.region, subject=lesson.subject, grade=lesson.grade,
                          date=lesson.date, media=files)
        done.append(Registered(spec.lesson_id, owner.name if owner else "", spec.lesson_id not in known))
    # registering the manifest again keeps finished work and leaves running jobs to their runner
    queued = set(platform.runner.submit_new(specs))
    return [attrs.evolve(r, queued=r.lesson_id in queued) for r in done]


def _type(path: str) -> str:
    from lessonlens.web.media import media_type

    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return "application/octet-stream"
    for role in ("teacher", "audio"):
        found = media_type(role, path, head)
        if found:
            return found
    return "application/octet-stream"
