"""The upload form: metadata and one file per camera/audio, checked, stored and queued for analysis."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from lessonlens.core.errors import InputError
from lessonlens.web import chunked, sheets
from lessonlens.web.auth import current
from lessonlens.web.catalog import audit
from lessonlens.web.media import ROLES
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.texts import TEXTS
from lessonlens.web.uploads import MAX_LAYOUT, human_size, save_upload, upload_meta


def _form(request: Request[Any, Any, Any], error: str = "", values: dict[str, str] | None = None,
          status_code: int = 200) -> Template:
    p = platform(request)
    form = {k: (values or {}).get(k, "") for k in ("title", "subject", "grade", "date")}
    form["teacher"] = (values or {}).get("teacher_name", "")
    if not form["teacher"]:
        form["teacher"] = current(request).label
    return render(request, "upload.html.j2", status_code=status_code, roles=ROLES, form=form, error=error,
                  limit=human_size(p.settings.max_upload), schemes=_schemes())


def _schemes() -> list[str]:
    from lessonlens.core.plugins import get_manager

    return sorted(get_manager().registry.coders)


def upload_page(request: Request[Any, Any, Any]) -> Template:
    return _form(request)


async def upload(request: Request[Any, Any, Any]) -> Template | Redirect:
    p, account = platform(request), current(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    files = [(role, f) for role in ROLES if isinstance(f := form.get(role), UploadFile)]
    meta = upload_meta(values)
    layout_file = form.get("layout")
    try:
        layout = None
        if isinstance(layout_file, UploadFile) and layout_file.filename:
            layout = (layout_file.filename, await layout_file.read(MAX_LAYOUT + 1))
        lesson_id = await save_upload(p, account, meta, files, layout)
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
        fields = {k: str(v) for k, v in body.items() if k not in ("files", "layout")}
        layout = body.get("layout")
        layout_file = (str(layout["name"]), str(layout["text"]).encode("utf-8")) if layout else None
        upload_id = await anyio.to_thread.run_sync(chunked.start, p, account, upload_meta(fields), files,
                                                   layout_file)
    except InputError as exc:
        return _chunk_error(exc, lang_of(request), 400)
    except (KeyError, TypeError, ValueError, AttributeError):
        return Response({"detail": "bad request"}, status_code=400)
    return Response({"id": upload_id, "chunk": p.settings.upload_chunk}, status_code=201)


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
