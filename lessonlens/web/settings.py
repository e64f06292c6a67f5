"""The platform's settings: where the store and the media live, limits, and the CSRF secret."""

from __future__ import annotations

import secrets
from pathlib import Path

import attrs

#: 4 GiB: a 45-minute 1080p recording per camera fits
DEFAULT_MAX_UPLOAD = 4 * 1024**3


@attrs.frozen
class WebSettings:
    """How ``lessonlens serve`` runs; every field has an embedded default."""

    #: the store's database (URL or SQLite path; None: ``$LESSONLENS_DB`` or the default file)
    db: str | None = None
    #: uploaded recordings, analyses and the server's secret live here
    media: Path = attrs.field(factory=lambda: Path.home() / ".local" / "share" / "lessonlens" / "media",
                              converter=Path)
    #: largest upload, all files of one lesson together (bytes)
    max_upload: int = DEFAULT_MAX_UPLOAD
    #: bytes per chunk of a resumable upload (the page's script sends files in pieces this big)
    upload_chunk: int = 8 * 1024 * 1024
    #: failed logins per account name or client address before a pause
    login_attempts: int = 5
    login_window_s: float = 300.0
    session_days: float = 14.0
    #: mark cookies ``Secure`` (set when served over HTTPS, directly or behind a proxy)
    secure_cookies: bool = False
    #: group statistics of fewer lessons than this are not shown (``roles.MIN_GROUP``, ``roles.group_shown``)
    min_group: int = 5
    #: lessons per page in lists
    page_size: int = 20
    #: analysis detectors (None: every detector with media to read) and sampling interval (s)
    detectors: tuple[str, ...] | None = None
    interval: float = 6.0
    #: delete uploaded recordings this many days after upload, keeping the analysis (None: keep them)
    retention_days: float | None = None
    #: recordings already on the server that admins may register as lessons (None: registering is off)
    import_root: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    #: a Dask scheduler (``tcp://host:8786``): jobs run on that cluster instead of an embedded one
    scheduler: str | None = None
    #: worker processes of the embedded Dask LocalCluster jobs run on (one lesson each at a time;
    #: None: as many as the machine's cores and memory fit); 0: no cluster, jobs run one at a time
    #: in a thread of the server
    workers: int | None = None
    #: each lesson's thread budget, the cores its detectors use at once (None: as ``lessonlens batch
    #: --threads-per-lesson``: the cores / ``workers`` on the embedded cluster, else 2; a cluster worker's
    #: threads per lesson slot)
    lesson_threads: int | None = None
    #: run analysis jobs in a background thread of the server (False: only queue them)
    run_jobs: bool = True
    #: the grace period: seconds without a heartbeat before a job another machine ran counts as lost
    #: and is queued again (``lessonlens.jobs.table.STALE_AFTER``; the heartbeat comes every sixth of it)
    job_grace_s: float = 60.0

    def secret(self) -> str:
        """The CSRF signing secret, made once and kept in the media folder (so restarts keep forms valid)."""
        path = self.media / ".secret"
        if not path.exists():
            self.media.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(32), encoding="ascii")
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text(encoding="ascii").strip()
