"""Test support for the store: a throwaway PostgreSQL cluster and database URLs for both backends.

The cluster is started once per test process with ``initdb``/``pg_ctl`` in a temporary folder on a
free localhost port, and stopped at exit. PostgreSQL refuses to run as root, so under root (as in
``.ci/run``) the server runs as the ``postgres`` user through ``runuser``. Set
``LESSONLENS_TEST_PG_URL`` to use an existing server instead, or ``LESSONLENS_TEST_POSTGRES=skip``
to skip the PostgreSQL variants where no server can be had (they fail otherwise, on purpose).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.net import free_port

_cluster: dict[str, str] = {}


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


def _start_cluster() -> str:
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("LESSONLENS_TEST_POSTGRES") == "skip":
            pytest.skip("PostgreSQL is not installed (LESSONLENS_TEST_POSTGRES=skip)")
        pytest.fail("PostgreSQL is not installed: apt-get install postgresql (see .ci/run)")
    root = Path(tempfile.mkdtemp(prefix="lessonlens-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "lessonlens", "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " \
              "-c full_page_writes=off -c max_connections=100"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
                    "-w", "-t", "60", "start"], check=True, capture_output=True)

    def stop() -> None:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://lessonlens@127.0.0.1:{port}"


def postgres_server() -> str:
    """``postgresql://user@host:port`` of the test server (no database part)."""
    if "url" not in _cluster:
        _cluster["url"] = os.environ.get("LESSONLENS_TEST_PG_URL") or _start_cluster()
    return _cluster["url"]


def new_postgres_database() -> str:
    """A URL of a new, empty database on the test server."""
    import psycopg

    server = postgres_server()
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def database_url(backend: str, tmp_path: Path) -> str:
    """A URL of a new, empty store database of ``backend`` (``sqlite`` or ``postgresql``)."""
    if backend == "sqlite":
        return str(tmp_path / "lessons.sqlite")
    return new_postgres_database()


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An open, empty lesson store, once on SQLite and once on PostgreSQL (a fixture of every folder:
    tests/conftest.py loads this module as a pytest plugin)."""
    from lessonlens.store import open_store

    with open_store(database_url(request.param, tmp_path)) as opened:
        yield opened
