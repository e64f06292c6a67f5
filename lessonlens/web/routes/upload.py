"""The upload form: metadata and one file per camera/audio, checked, stored and queued for analysis."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from lessonlens.core.errors import InputError
from lessonlens.web.auth import current
from lessonlens.web.catalog import audit
from lessonlens.web.media import ROLES
from lessonlens.web.pages import lang_of, platform, render
from lessonlens.web.uploads import human_size, save_upload, upload_meta


def _form(request: Request[Any, Any, Any], error: str = "", values: dict[str, str] | None = None,
          status_code: int = 200) -> Template:
    p = platform(request)
    form = {k: (values or {}).get(k, "") for k in ("title", "subject", "grade", "date")}
    form["teacher"] = (values or {}).get("teacher_name", "")
    if not form["teacher"]:
        form["teacher"] = current(request).label
    return render(request, "upload.html.j2", status_code=status_code, roles=ROLES, form=form, error=error,
                  limit=human_size(p.settings.max_upload))


def upload_page(request: Request[Any, Any, Any]) -> Template:
    return _form(request)


async def upload(request: Request[Any, Any, Any]) -> Template | Redirect:
    p, account = platform(request), current(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    files = [(role, f) for role in ROLES if isinstance(f := form.get(role), UploadFile)]
    meta = upload_meta(values)
    try:
        lesson_id = await save_upload(p, account, meta, files)
    except InputError as exc:
        return _form(request, exc.message(lang_of(request)), values, status_code=400)
    finally:
        for _, f in files:
            await f.close()
    audit(p.engine, account, "uploaded", lesson_id, ", ".join(role for role, _ in files))
    return Redirect(f"/lessons/{lesson_id}", status_code=303)
