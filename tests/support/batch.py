"""Test support for batches: tiny real recordings, manifests, and a stand-in detector that Dask
workers load (a worker plugin for in-process clusters, ``--preload tests.support.batch`` for ``dask worker``)."""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lessonlens import Detector, DetectRequest, MediaRole, hookimpl
from lessonlens.core.observations import BehaviourCue, Observation
from lessonlens.core.plugins import get_manager
from lessonlens.media.encode import write_video

#: seconds the stand-in detector takes per lesson (read on the worker when it detects)
SECONDS_ENV = "LESSONLENS_TEST_STAND_IN_SECONDS"


class StandIn(Detector):
    """A cheap detector: the teacher lectures and the class listens, after a configurable pause."""

    name = "stand-in"
    roles = (MediaRole.MIXED,)
    emits = ("behaviour",)

    def detect(self, request: DetectRequest) -> Iterable[Observation]:
        time.sleep(float(os.environ.get(SECONDS_ENV, "0")))
        for t in request.instants:
            yield BehaviourCue(t=t, detector=self.name, actor="teacher", behaviour="lecturing", confidence=0.9)
            yield BehaviourCue(t=t, detector=self.name, actor="students", behaviour="listening", share=1.0)


class StandInPlugin:
    @hookimpl
    def register_detectors(self, register):  # type: ignore[no-untyped-def]
        register(StandIn())


def register_stand_in() -> None:
    manager = get_manager()
    if "stand-in" not in manager.registry.detectors:
        manager.register(StandInPlugin(), "stand-in")


def dask_setup(worker: Any) -> None:
    """``dask worker --preload tests.support.batch``: the worker knows the stand-in detector."""
    register_stand_in()


def stand_in_worker_plugin() -> Any:
    from distributed import WorkerPlugin

    class RegisterStandIn(WorkerPlugin):  # type: ignore[misc]
        name = "lessonlens-stand-in"

        def setup(self, worker: Any) -> None:
            register_stand_in()

    return RegisterStandIn()


def tiny_video(path: Path, seconds: int = 24) -> Path:
    """A real H.264 recording of ``seconds`` at 1 frame/s, 64×48 (kilobytes)."""
    frames = (np.full((48, 64, 3), 40 + 8 * i, np.uint8) for i in range(seconds))
    return write_video(path, frames, fps=1)


def corrupt(path: Path) -> Path:
    """A file named like a recording that is not one."""
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096))
    return path


def write_manifest(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    rows = list(rows)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def stored_now(db: str) -> int:
    """Lessons stored so far, read cheaply while a batch writes (0 before the store exists)."""
    if not Path(db).exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
            return int(conn.execute("SELECT count(*) FROM lesson").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is being created
        return 0
