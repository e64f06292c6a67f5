"""The upload form: metadata and one file per camera/audio, checked, stored and queued for analysis."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import anyio.to_thread
from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from lessonlens.core.errors import InputError
from lessonlens.jobs.spec import DEFAULT_RUBRIC
from lessonlens.web import chunked, sheets
from lessonlens.web.auth import current
from lessonlens.web.catalog import audit
from lessonlens.web.extras import MAX_LAYOUT, MAX_LESSON_YAML, MAX_RUBRIC_SHEET, Attachments, rubric_ids
from lessonlens.web.media import ROLES
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.texts import TEXTS
from lessonlens.web.uploads import human_size, save_upload, upload_meta


def _form(request: Request[Any, Any, Any], error: str = "", values: dict[str, str] | None = None,
          status_code: int = 200) -> Template:
    p = platform(request)
    form = {k: (values or {}).get(k, "") for k in ("title", "subject", "grade", "date")}
    form["teacher"] = (values or {}).get("teacher_name", "")
    if not form["teacher"]:
        form["teacher"] = current(request).label
    return render(request, "upload.html.j2", status_code=status_code, roles=ROLES, form=form, error=error,
                  limit=human_size(p.settings.max_upload), schemes=_schemes(), rubrics=rubric_ids(),
                  rubric=(values or {}).get("rubric", DEFAULT_RUBRIC))


def _schemes() -> list[str]:
    from lessonlens.core.plugins import get_manager

    return sorted(get_manager().registry.coders)


def upload_page(request: Request[Any, Any, Any]) -> Template:
    return _form(request)


async def _small(form: Any, name: str, limit: int) -> tuple[str, bytes] | None:
    """A small attached file of the form (at most ``limit`` + 1 bytes are read: more is refused)."""
    upload = form.get(name)
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return upload.filename, await upload.read(limit + 1)
        finally:
            await upload.close()
    return None


async def read_attachments(form: Any) -> Attachments:
    """The form's lesson.yaml, room layout and raters' score sheets (``sheets``, of ``rubric``)."""
    sheets = []
    for upload in form.getall("sheets", []):
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                sheets.append((upload.filename, await upload.read(MAX_RUBRIC_SHEET + 1)))
            finally:
                await upload.close()
    rubric = form.get("rubric")
    return Attachments(lesson_yaml=await _small(form, "lesson_yaml", MAX_LESSON_YAML),
                       layout=await _small(form, "layout", MAX_LAYOUT), sheets=tuple(sheets),
                       rubric=rubric if isinstance(rubric, str) and rubric else DEFAULT_RUBRIC)


async def upload(request: Request[Any, Any, Any]) -> Template | Redirect:
    p, account = platform(request), current(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    files = [(role, f) for role in ROLES if isinstance(f := form.get(role), UploadFile)]
    meta = upload_meta(values)
    try:
        attachments = await read_attachments(form)
        lesson_id = await save_upload(p, account, meta, files, attachments)
    except InputError as exc:
        return _form(request, exc.message(lang_of(request)), values, status_code=400)
    finally:
        for _, f in files:
            await f.close()
    audit(p.engine, account, "uploaded", lesson_id, ", ".join(role for role, _ in files))
    return Redirect(f"/lessons/{lesson_id}", status_code=303)


async def upload_sheet(request: Request[Any, Any, Any]) -> Template | Redirect:
    """A hand-coded sheet: the lesson is measured, diagnosed and stored at once."""
    p, account = platform(request), current(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    sheet = form.get("sheet")
    try:
        if not isinstance(sheet, UploadFile) or not sheet.filename:
            raise InputError(TEXTS["no_files"])
        data = await sheet.read(sheets.MAX_SHEET + 1)
        lesson_id = await anyio.to_thread.run_sync(sheets.import_sheet, p, account, upload_meta(values),
                                                   sheet.filename, data, values.get("scheme") or None)
    except InputError as exc:
        return _form(request, exc.message(lang_of(request)), values, status_code=400)
    finally:
        if isinstance(sheet, UploadFile):
            await sheet.close()
    await anyio.to_thread.run_sync(lambda: audit(p.engine, account, "uploaded", lesson_id, "coded sheet"))
    return Redirect(f"/lessons/{lesson_id}", status_code=303)


# -- resumable uploads in chunks (the upload page's script; see lessonlens.web.chunked) ----------
def _chunk_error(exc: Exception, lang: str, status: int, **extra: Any) -> Response[Any]:
    detail = exc.message(lang) if isinstance(exc, InputError) else "not found"
    return Response({"detail": detail, **extra}, status_code=status)


async def start_upload(request: Request[Any, Any, Any]) -> Response[Any]:
    p, account = platform(request), current(request)
    body = await request.json()
    try:
        files = [chunked.Announced(role=str(f["role"]), name=str(f["name"]), size=int(f["size"]))
                 for f in body.get("files", [])]
        fields = {k: str(v) for k, v in body.items() if k not in ("files", "layout", "lesson_yaml", "sheets")}
        upload_id = await anyio.to_thread.run_sync(chunked.start, p, account, upload_meta(fields), files,
                                                   announced_attachments(body))
    except InputError as exc:
        return _chunk_error(exc, lang_of(request), 400)
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        return Response({"detail": "bad request"}, status_code=400)
    return Response({"id": upload_id, "chunk": p.settings.upload_chunk}, status_code=201)


def announced_attachments(body: dict[str, Any]) -> Attachments:
    """The attachments of a resumable upload's announcement: ``layout`` and ``lesson_yaml`` as
    ``{name, text}``, ``sheets`` as ``[{name, data}]`` (base64: XLSX is binary), ``rubric``."""

    def text_file(value: Any) -> tuple[str, bytes] | None:
        return (str(value["name"]), str(value["text"]).encode("utf-8")) if value else None

    sheets = tuple((str(s["name"]), base64.b64decode(str(s["data"]), validate=True))
                   for s in body.get("sheets") or [])
    return Attachments(lesson_yaml=text_file(body.get("lesson_yaml")), layout=text_file(body.get("layout")),
                       sheets=sheets, rubric=str(body.get("rubric") or DEFAULT_RUBRIC))


async def upload_status(request: Request[Any, Any, Any], upload_id: FromPath[str]) -> Response[Any]:
    try:
        found = await anyio.to_thread.run_sync(chunked.status, platform(request), current(request), upload_id)
    except KeyError as exc:
        return _chunk_error(exc, lang_of(request), 404)
    return Response(found)


async def put_chunk(request: Request[Any, Any, Any], upload_id: FromPath[str], role: FromPath[str]) -> Response[Any]:
    p, account = platform(request), current(request)
    try:
        received = await chunked.put_chunk(p, account, upload_id, role, request.headers.get("content-range"),
                                           request.stream())
    except KeyError as exc:
        return _chunk_error(exc, lang_of(request), 404)
    except chunked.Conflict as exc:
        found = await anyio.to_thread.run_sync(chunked.status, p, account, upload_id)
        return _chunk_error(exc, lang_of(request), 409, received=found["received"].get(role, 0))
    except InputError as exc:
        return _chunk_error(exc, lang_of(request), 400)
    return Response({"received": received})


async def finish_upload(request: Request[Any, Any, Any], upload_id: FromPath[str]) -> Response[Any]:
    p, account = platform(request), current(request)
    try:
        lesson_id = await anyio.to_thread.run_sync(chunked.finish, p, account, upload_id)
    except KeyError as exc:
        return _chunk_error(exc, lang_of(request), 404)
    except InputError as exc:
        return _chunk_error(exc, lang_of(request), 400)
    await anyio.to_thread.run_sync(lambda: audit(p.engine, account, "uploaded", lesson_id, "chunked"))
    return Response({"lesson": lesson_id, "url": f"/lessons/{lesson_id}"})
