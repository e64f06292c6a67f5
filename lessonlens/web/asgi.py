"""The platform for any ASGI server, configured by environment variables:

    LESSONLENS_DB=postgresql://… LESSONLENS_MEDIA=/srv/lessonlens/media \\
        uvicorn --factory lessonlens.web.asgi:app --host 127.0.0.1 --port 8000 --proxy-headers

``LESSONLENS_SECURE_COOKIES=1`` behind HTTPS; ``LESSONLENS_MIN_GROUP`` (default 5);
``LESSONLENS_RETENTION_DAYS=N`` deletes recordings N days after upload (analyses stay);
``LESSONLENS_JOBS=0`` in processes that should only serve pages (run the analysis jobs in one
process, or with ``lessonlens batch``); ``LESSONLENS_SCHEDULER=tcp://…`` runs them on a Dask cluster,
else on an embedded LocalCluster of ``LESSONLENS_WORKERS`` processes (0: in a thread).
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar

from lessonlens.store.db import default_path
from lessonlens.web.app import create_app
from lessonlens.web.roles import MIN_GROUP
from lessonlens.web.settings import DEFAULT_MAX_UPLOAD, WebSettings


def settings_from_env() -> WebSettings:
    env = os.environ
    return WebSettings(
        db=env.get("LESSONLENS_DB") or None,
        media=Path(env.get("LESSONLENS_MEDIA") or default_path().parent / "media"),
        max_upload=int(env.get("LESSONLENS_MAX_UPLOAD_MB", "0") or 0) * 1024 * 1024 or DEFAULT_MAX_UPLOAD,
        secure_cookies=env.get("LESSONLENS_SECURE_COOKIES", "") in ("1", "true", "yes"),
        run_jobs=env.get("LESSONLENS_JOBS", "1") not in ("0", "false", "no"),
        scheduler=env.get("LESSONLENS_SCHEDULER") or None,
        import_root=env.get("LESSONLENS_IMPORT_ROOT") or None,
        retention_days=float(env["LESSONLENS_RETENTION_DAYS"]) if env.get("LESSONLENS_RETENTION_DAYS") else None,
        min_group=int(env.get("LESSONLENS_MIN_GROUP") or MIN_GROUP),
        workers=int(env["LESSONLENS_WORKERS"]) if env.get("LESSONLENS_WORKERS") else None,
        job_grace_s=float(env.get("LESSONLENS_JOB_GRACE") or 60.0),
    )


def app() -> Litestar:
    """The application factory (``uvicorn --factory lessonlens.web.asgi:app``)."""
    return create_app(settings_from_env())
