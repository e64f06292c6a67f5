"""A hand-coded sheet (S-T, platform-9, FIAS … as CSV or XLSX) uploaded from the browser becomes a
lesson at once: read by its coding scheme's plugin, measured, diagnosed and stored — no media, no
job. The sheet is read from a temporary file and not kept."""

from __future__ import annotations

import tempfile
from pathlib import Path

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta
from lessonlens.web.catalog import create_lesson
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account
from lessonlens.web.uploads import UploadMeta, new_lesson_id, parse_day

SUFFIXES = (".csv", ".xlsx")
#: largest sheet accepted (a 45-minute lesson coded every 3 s is ~30 KB)
MAX_SHEET = 5 * 1024 * 1024
_T = {
    "kind": Text(zh="{name} 不是编码表（CSV 或 XLSX）", en="{name} is not a coded sheet (CSV or XLSX)"),
    "big": Text(zh="{name} 超过 5 MB，不像一张编码表", en="{name} is over 5 MB: not a coded sheet"),
}


def import_sheet(platform: Platform, owner: Account, meta: UploadMeta, filename: str, data: bytes,
                 scheme: str | None = None) -> str:
    """Store the lesson a coded sheet describes, owned by ``owner``; return its id. A sheet its
    scheme cannot read is an InputError naming the file and the problem; nothing is stored then."""
    from lessonlens.diagnosis import Diagnoser
    from lessonlens.pipeline.measure import measure, read_coded_sheet

    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(_T["kind"], name=filename)
    if len(data) > MAX_SHEET:
        raise InputError(_T["big"], name=filename)
    with tempfile.TemporaryDirectory(prefix="lessonlens-sheet-") as tmp:
        path = Path(tmp) / f"sheet{suffix}"
        path.write_bytes(data)
        try:
            timeline = read_coded_sheet(path, scheme or None)
        except InputError as exc:  # the message names the temporary file: name the user's instead
            raise InputError(Text(zh="{name}：{problem}", en="{name}: {problem}"), name=filename,
                             problem=exc.message().replace(str(path), filename)) from None
    metrics = measure(timeline)
    duration = metrics.scalars.get("duration")
    lesson_id = new_lesson_id()
    lesson = LessonMeta(id=lesson_id, title=meta.title.strip()[:500], subject=meta.subject.strip()[:100],
                        grade=meta.grade.strip()[:100], teacher=(meta.teacher.strip() or owner.label)[:200],
                        school=owner.school, region=owner.region, date=parse_day(meta.date),
                        duration=float(duration) if isinstance(duration, int | float) else None)
    analysis = Analysis(lesson=lesson, timeline=timeline, metrics=metrics)
    analysis = attrs.evolve(analysis, findings=Diagnoser().diagnose(analysis).findings)
    create_lesson(platform.engine, owner, lesson_id, title=lesson.title, teacher=lesson.teacher,
                  school=lesson.school, region=lesson.region, subject=lesson.subject, grade=lesson.grade,
                  date=lesson.date, media=[])
    try:
        platform.store.add([analysis])
    except BaseException:
        from lessonlens.web.catalog import delete_lesson

        delete_lesson(platform.engine, platform.media, lesson_id)
        raise
    return lesson_id
