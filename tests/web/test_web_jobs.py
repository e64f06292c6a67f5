"""Analysis jobs of the platform: a failing analysis shows its one-line reason and can be retried;
a server that stopped mid-job queues the job again (or fails it after its attempts); what a killed
upload left behind is removed; and a real server killed with SIGKILL during a job finishes it once
after a restart."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lessonlens.jobs import get_job
from lessonlens.jobs.table import mark_running
from lessonlens.store.models import job_table
from lessonlens.web.catalog import remove_abandoned_uploads, remove_orphans
from lessonlens.web.jobs import MAX_ATTEMPTS
from lessonlens.web.platform import Platform
from tests.support.web import client_for, csrf, make_world

BROKEN_MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12 + b"not really a movie" * 50


def test_a_failed_job_says_why_and_can_be_retried(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    p = world.platform
    with client_for(world, "t1") as c:
        made = c.post("/upload", data={"_csrf_token": csrf(c), "title": "坏文件"},
                      files={"teacher": ("t.mp4", BROKEN_MP4, "video/mp4")}, follow_redirects=False)
        lesson_id = made.headers["location"].rsplit("/", 1)[1]
        p.runner.run(lesson_id)  # the worker thread is off in these tests: run the job here
        job = get_job(p.store, lesson_id)
        assert job is not None and job.state.value == "failed" and job.attempts == 1
        assert "\n" not in job.error and job.error
        status = c.get(f"/lessons/{lesson_id}/status").text
        assert job.error.split(":")[0] in status and f'hx-post="/lessons/{lesson_id}/retry"' in status
        with client_for(world, "obs") as other:  # not the owner: no retry
            assert other.post(f"/lessons/{lesson_id}/retry", data={"_csrf_token": csrf(other)}).status_code == 404
        retried = c.post(f"/lessons/{lesson_id}/retry", data={"_csrf_token": csrf(c)})
        assert retried.status_code == 200 and "job queued" in retried.text.replace("排队中", "job queued")
    job = get_job(p.store, lesson_id)
    assert job is not None and job.state.value == "queued"
    p.close()


def test_a_restart_queues_interrupted_jobs_again_within_their_attempts(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    with client_for(world, "t1") as c:
        ids = []
        for n in range(2):
            made = c.post("/upload", data={"_csrf_token": csrf(c), "title": f"l{n}"},
                          files={"teacher": ("t.mp4", BROKEN_MP4, "video/mp4")}, follow_redirects=False)
            ids.append(made.headers["location"].rsplit("/", 1)[1])
    store = world.platform.store
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(30)  # a server process of this machine that is gone (its job's heartbeat is still fresh)
    dead_server = f"web:{socket.gethostname()}:{ended.pid}"
    mark_running(store, ids[0], worker=dead_server)  # the server died while this one ran ...
    for n in range(MAX_ATTEMPTS):  # ... and this one has died with it too often (queued again each time)
        if n:
            with store.engine.begin() as conn:
                conn.execute(job_table.update().where(job_table.c.lesson_id == ids[1]).values(state="queued"))
        assert mark_running(store, ids[1], worker=dead_server)
    world.platform.close()
    again = Platform.open(world.platform.settings)
    assert again.runner.recover() == [ids[0]]
    first, second = get_job(again.store, ids[0]), get_job(again.store, ids[1])
    assert first is not None and first.state.value == "queued" and first.attempts == 1
    assert second is not None and second.state.value == "failed" and "stopped" in second.error
    # a job another live server process of this machine runs (a sibling uvicorn worker) is left to it
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with again.store.engine.begin() as conn:
            conn.execute(job_table.update().where(job_table.c.lesson_id == ids[0]).values(
                state="running", worker=f"web:{socket.gethostname()}:{sibling.pid}"))
        assert again.runner.recover() == []
        still = get_job(again.store, ids[0])
        assert still is not None and still.state.value == "running"
    finally:
        sibling.kill()
        sibling.wait(10)
    assert again.runner.recover() == [ids[0]]  # once that process is gone, the job is queued again
    # an upload killed before its row was written left a folder: removed once it is old
    orphan = again.media / "lessons" / "L-cut-off"
    orphan.mkdir(parents=True)
    (orphan / ".teacher.mp4.part").write_bytes(b"half")
    assert remove_orphans(again.engine, again.media) == []  # young: maybe an upload in flight elsewhere
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    assert remove_orphans(again.engine, again.media) == ["L-cut-off"]
    assert sorted(p.name for p in (again.media / "lessons").iterdir()) == sorted(ids)
    # a resumable upload nobody fed for a week goes too; a recent one stays
    old, recent = again.media / "uploads" / "a1", again.media / "uploads" / "b2"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "teacher.part").write_bytes(b"x")
    week = time.time() - 8 * 86400
    for path in (old / "teacher.part", old):
        os.utime(path, (week, week))
    assert remove_abandoned_uploads(again.media) == ["a1"] and recent.exists()
    again.close()


def _serve(db: str, media: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # no --scheduler, no --workers: jobs run on the embedded LocalCluster (one worker on 2 cores)
    return subprocess.Popen([sys.executable, "-m", "lessonlens", "serve", "--db", db, "--media", str(media),
                             "--port", str(port), "--detectors", "speech,teacher-pose"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _workers_of(server: subprocess.Popen[bytes]) -> list[Any]:
    import psutil

    try:
        return [c for c in psutil.Process(server.pid).children(recursive=True)
                if any("spawn_main" in part for part in c.cmdline())]
    except psutil.NoSuchProcess:
        return []


def _gone(processes: list[Any]) -> bool:
    return not any(p.is_running() and p.status() != "zombie" for p in processes)


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_a_server_killed_during_a_job_finishes_it_once_after_restart(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from lessonlens.store import Store
    from lessonlens.store.models import analysis_table
    from tests.support.net import free_port
    from tests.support.synth import needs_synth, short_lesson
    from tests.support.web import PASSWORD, run_cli

    needs_synth()
    import httpx

    lesson = short_lesson(0.5, 2)  # the half-minute lesson the batch tests share (killed well before its end)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    db, media = str(tmp_path / "db.sqlite"), tmp_path / "media"
    run_cli("users", "add", "wang", "--role", "teacher", "--password", PASSWORD, "--db", db, env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(db, media, port, env)
    try:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as c:
            _wait(lambda: _up(c), 60, "the server")
            c.post("/login", data={"name": "wang", "password": PASSWORD, "_csrf_token": c.cookies["csrftoken"]})
            with open(lesson.teacher, "rb") as video, open(lesson.audio, "rb") as audio:
                made = c.post("/upload", data={"_csrf_token": c.cookies["csrftoken"], "title": "kill"},
                              files={"teacher": ("teacher.mp4", video, "video/mp4"),
                                     "audio": ("audio.m4a", audio, "audio/mp4")})
            lesson_id = str(made.url).rsplit("/", 1)[1]
        with Store.open(db) as store:
            _wait(lambda: (j := get_job(store, lesson_id)) is not None and j.state.value == "running", 60, "running")
            workers = _wait(lambda: _workers_of(server), 60, "the cluster's worker process")
            server.send_signal(signal.SIGKILL)
            server.wait(10)
            job = get_job(store, lesson_id)
            assert job is not None and job.state.value == "running"  # the table says where it stood
            with store.engine.connect() as conn:
                assert conn.scalar(select(func.count()).select_from(analysis_table)) == 0  # nothing half-stored
            _wait(lambda: _gone(workers), 30, "the killed server's worker processes to end")
        # restarted, the job runs again (attempt 2); a clean stop (SIGTERM) in the middle of it puts
        # it back in the queue without counting that attempt, and ends the cluster with the server
        server = _serve(db, media, port, env)
        with Store.open(db) as store:
            _wait(lambda: (j := get_job(store, lesson_id)) is not None and j.state.value == "running"
                  and j.attempts == 2, 60, "running again")
            workers = _wait(lambda: _workers_of(server), 60, "the cluster's worker process")
            server.send_signal(signal.SIGTERM)
            server.wait(30)  # uvicorn shuts down gracefully, then re-raises the signal (-15)
            job = get_job(store, lesson_id)
            assert job is not None and job.state.value == "queued" and job.attempts == 1, job
            assert _gone(workers)
        server = _serve(db, media, port, env)
        with Store.open(db) as store:
            done = _wait(lambda: (j := get_job(store, lesson_id)) is not None and j.state.value in ("done", "failed")
                         and j, 120, "the job after the restart")
            assert done.state.value == "done" and done.attempts == 2, done.error
            with store.engine.connect() as conn:
                assert conn.scalar(select(func.count()).select_from(analysis_table)) == 1
    finally:
        server.kill()
        server.wait(10)


def _up(c: Any) -> bool:
    import httpx

    try:
        return c.get("/login").status_code == 200
    except httpx.TransportError:
        return False


def test_retention_deletes_old_recordings_and_keeps_the_analysis(tmp_path: Path) -> None:
    import datetime as dt

    from sqlalchemy import update

    from lessonlens.store.platform_models import WebLesson
    from lessonlens.web.catalog import apply_retention, audit_events

    world = make_world(tmp_path)
    p = world.platform
    shared = world.lessons["shared"]
    folder = p.media / "lessons" / shared
    folder.mkdir(parents=True)
    (folder / "teacher.mp4").write_bytes(BROKEN_MP4)
    with p.engine.begin() as conn:
        conn.execute(update(WebLesson).where(WebLesson.id == shared).values(
            media='[{"role": "teacher", "file": "teacher.mp4", "size": 1, "type": "video/mp4"}]',
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)))
    assert apply_retention(p.engine, p.media, 90) == []
    assert apply_retention(p.engine, p.media, 30) == [shared]
    assert not (folder / "teacher.mp4").exists()
    with client_for(world, "t1") as c:
        assert c.get(f"/lessons/{shared}/media/teacher").status_code == 404
        page = c.get(f"/lessons/{shared}")
        assert page.status_code == 200 and "chart-timeline" in page.text  # the analysis stays
    assert p.store.get(shared) is not None
    assert "media_deleted" in {e.action for e in audit_events(p.engine, shared)}
    assert apply_retention(p.engine, p.media, 30) == []  # once
    p.close()


@pytest.mark.slow
def test_jobs_can_run_on_a_dask_cluster(tmp_path: Path) -> None:
    """``serve --scheduler``: the claimed job is analysed on the cluster by ``lessonlens.jobs``, which
    stores the lesson and marks the job; a broken recording fails there with its one line."""
    distributed = pytest.importorskip("distributed")
    from tests.support.reports import write_video

    video = write_video(tmp_path / "v.mp4", seconds=24).read_bytes()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        world = make_world(tmp_path / "w", scheduler=cluster.scheduler_address, detectors=("teacher-pose",))
        p = world.platform
        ids = []
        with client_for(world, "t1") as c:
            for data in (video, BROKEN_MP4):
                made = c.post("/upload", data={"_csrf_token": csrf(c), "title": "dask"},
                              files={"teacher": ("t.mp4", data, "video/mp4")}, follow_redirects=False)
                ids.append(made.headers["location"].rsplit("/", 1)[1])
            for lesson_id in ids:
                p.runner.run(lesson_id)
            good, bad = (get_job(p.store, i) for i in ids)
            assert good is not None and good.state.value == "done", good
            assert not good.worker.startswith("web:")  # a Dask worker analysed it
            assert p.store.get(ids[0]) is not None
            assert "chart-timeline" in c.get(f"/lessons/{ids[0]}").text
            assert bad is not None and bad.state.value == "failed" and bad.error and "\n" not in bad.error
        p.close()


def _cluster_processes() -> list[Any]:
    """This process's Dask worker processes (multiprocessing spawn children)."""
    import psutil

    return [c for c in psutil.Process().children(recursive=True)
            if any("spawn_main" in part for part in c.cmdline())]


@pytest.mark.slow
def test_jobs_run_on_the_embedded_local_cluster_by_default(tmp_path: Path) -> None:
    """No ``--scheduler``: the platform starts a LocalCluster of its own with the runner, jobs run on
    its worker processes, as many at once as it has lesson slots (here 2 workers: never 3 at once),
    results are stored by the server, a broken recording fails with its one line, the workers report
    progress, and closing the platform ends the worker processes."""
    pytest.importorskip("distributed")
    from lessonlens.web.settings import WebSettings
    from tests.support.reports import write_video

    assert WebSettings().workers is None and WebSettings().scheduler is None  # the default: embedded
    video = write_video(tmp_path / "v.mp4", seconds=24).read_bytes()
    world = make_world(tmp_path / "w", workers=2, detectors=("teacher-pose",))
    p = world.platform
    assert p.runner.cluster is not None and p.runner.cluster.embedded
    p.runner.start()
    ids = []
    with client_for(world, "t1") as c:
        for data in (video, video, BROKEN_MP4):
            made = c.post("/upload", data={"_csrf_token": csrf(c), "title": "cluster"},
                          files={"teacher": ("t.mp4", data, "video/mp4")}, follow_redirects=False)
            ids.append(made.headers["location"].rsplit("/", 1)[1])
        steps: set[str] = set()
        at_once = [0]

        def finished() -> list[Any] | None:
            view = p.runner.view(ids[0])
            if view is not None and view.state == "running" and view.step:
                steps.add(view.step)  # the worker reports the pipeline's stages as Dask events
            jobs = [get_job(p.store, i) for i in ids]
            at_once[0] = max(at_once[0], sum(j is not None and j.state.value == "running" for j in jobs))
            return jobs if all(j is not None and j.state.value in ("done", "failed") for j in jobs) else None

        first, second, bad = _wait(finished, 240, "the jobs")
        assert steps, "no progress heard from the worker"
        assert at_once[0] == 2, at_once  # two slots: two lessons at once, never three
        for good, lesson_id in ((first, ids[0]), (second, ids[1])):
            assert good.state.value == "done" and good.worker.startswith("tcp://"), good  # a worker process
            assert good.attempts == 1 and p.store.get(lesson_id) is not None
        assert "chart-timeline" in c.get(f"/lessons/{ids[0]}").text
        assert bad.state.value == "failed" and bad.error and "\n" not in bad.error
        assert len(_cluster_processes()) == 2  # --workers 2
    p.close()
    _wait(lambda: not _cluster_processes(), 30, "the worker processes to end")


@pytest.mark.slow
def test_a_server_killed_during_an_upload_resumes_it_after_restart(tmp_path: Path) -> None:
    """SIGKILL while a chunk streams in: after the restart the upload says how much arrived, the
    client sends the rest, and the lesson's file is byte for byte the original."""
    import threading

    import httpx

    from tests.support.net import free_port
    from tests.support.web import PASSWORD, run_cli

    # the server checks only the first bytes of an upload; the rest need not be a playable movie here
    video = b"\x00\x00\x00\x18ftypmp42" + os.urandom(400_000)
    size = len(video)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    db, media = str(tmp_path / "db.sqlite"), tmp_path / "media"
    run_cli("users", "add", "wang", "--role", "teacher", "--password", PASSWORD, "--db", db, env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def serve() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "lessonlens", "serve", "--db", db, "--media", str(media),
                                 "--port", str(port), "--no-jobs", "--upload-chunk-kb", "64"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def put(c: Any, upload_id: str, start: int, body: Any, end: int) -> Any:
        return c.put(f"/uploads/{upload_id}/teacher", content=body, headers={
            "x-csrftoken": c.cookies["csrftoken"], "Content-Range": f"bytes {start}-{end}/{size}"})

    server = serve()
    try:
        with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as c:
            _wait(lambda: _up(c), 60, "the server")
            c.post("/login", data={"name": "wang", "password": PASSWORD, "_csrf_token": c.cookies["csrftoken"]})
            upload_id = c.post("/uploads", headers={"x-csrftoken": c.cookies["csrftoken"]}, json={
                "title": "kill", "files": [{"role": "teacher", "name": "t.mp4", "size": size}]}).json()["id"]
            chunk = 60_000
            assert put(c, upload_id, 0, video[:chunk], chunk - 1).json() == {"received": chunk}
            sent, killed = threading.Event(), threading.Event()

            def slow() -> Any:
                yield video[chunk: chunk + 8000]
                sent.set()
                killed.wait(30)  # the server dies while it waits for the rest of this chunk
                yield video[chunk + 8000: 2 * chunk]

            def stream() -> None:
                with contextlib.suppress(httpx.HTTPError):
                    put(c, upload_id, chunk, slow(), 2 * chunk - 1)

            worker = threading.Thread(target=stream, daemon=True)
            worker.start()
            assert sent.wait(20)
            time.sleep(0.5)
            server.send_signal(signal.SIGKILL)
            server.wait(10)
            killed.set()  # the rest of the chunk meets a closed connection (and the client stops waiting)
            worker.join(30)
        server = serve()
        with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as c:
            _wait(lambda: _up(c), 60, "the restarted server")
            c.post("/login", data={"name": "wang", "password": PASSWORD, "_csrf_token": c.cookies["csrftoken"]})
            have = c.get(f"/uploads/{upload_id}").json()["received"]["teacher"]
            assert chunk <= have <= chunk + 8000  # what reached the disk, no more
            while have < size:
                end = min(have + 60_000, size) - 1
                have = put(c, upload_id, have, video[have: end + 1], end).json()["received"]
            made = c.post(f"/uploads/{upload_id}/finish", headers={"x-csrftoken": c.cookies["csrftoken"]}).json()
        assert (media / "lessons" / made["lesson"] / "teacher.mp4").read_bytes() == video
    finally:
        server.kill()
        server.wait(10)


def test_a_running_job_shows_its_stage_in_words(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    p = world.platform
    with client_for(world, "t1") as c:
        made = c.post("/upload", data={"_csrf_token": csrf(c), "title": "进度"},
                      files={"teacher": ("t.mp4", BROKEN_MP4, "video/mp4")}, follow_redirects=False)
        lesson_id = made.headers["location"].rsplit("/", 1)[1]
        mark_running(p.store, lesson_id)
        p.runner._set_progress(lesson_id, "detect:teacher-pose", 0.3)  # what a worker's event reports
        status = c.get(f"/lessons/{lesson_id}/status").text
        assert "进度 30%（检测：teacher-pose）" in status and "<progress" in status
        p.runner._set_progress(lesson_id, "metrics", 1.0)
        c.get("/lang/en")
        assert "progress 100% (measuring)" in c.get(f"/lessons/{lesson_id}/status").text
    p.close()
