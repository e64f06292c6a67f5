"""Resumable uploads in chunks: announced, sent in pieces, interrupted (a cut chunk, a server
restart), resumed from where each file stands, finished into a lesson; and refused when a chunk
does not continue the file, the bytes are not a recording, the total is too big, or it is not
the uploader asking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lessonlens.jobs import get_job
from tests.support.web import client_for, csrf, make_world


def _headers(c: Any, **extra: str) -> dict[str, str]:
    return {"x-csrftoken": csrf(c), **extra}


def _put(c: Any, upload_id: str, role: str, data: bytes, start: int, total: int) -> Any:
    return c.put(f"/uploads/{upload_id}/{role}", content=data,
                 headers=_headers(c, **{"Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}"}))


def test_a_chunked_upload_survives_interruptions_and_a_restart(tmp_path: Path) -> None:
    from tests.support.reports import write_video

    world = make_world(tmp_path / "w", upload_chunk=64 * 1024)
    video = write_video(tmp_path / "v.mp4", seconds=600).read_bytes()
    audio = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 40
    size = len(video)
    with client_for(world, "t1") as c:
        made = c.post("/uploads", json={"title": "分块上传", "subject": "数学", "files": [
            {"role": "teacher", "name": "课堂.mp4", "size": size},
            {"role": "audio", "name": "a.wav", "size": len(audio)}]},
            headers=_headers(c))
        assert made.status_code == 201, made.text
        upload_id = made.json()["id"]
        assert c.post("/uploads", json={"files": [{"role": "teacher", "name": "x.mp4", "size": 10}]}).status_code == 403
        third = size // 3
        assert _put(c, upload_id, "teacher", video[:third], 0, size).json() == {"received": third}
        # a chunk that skips ahead is refused with where the file stands
        skipped = _put(c, upload_id, "teacher", video[third + 10: third + 20], third + 10, size)
        assert skipped.status_code == 409 and skipped.json()["received"] == third
        # a chunk cut short by the network keeps what arrived
        cut = c.put(f"/uploads/{upload_id}/teacher", content=video[third: third + 100], headers=_headers(
            c, **{"Content-Range": f"bytes {third}-{2 * third - 1}/{size}"}))
        assert cut.json() == {"received": third + 100}
        assert c.post(f"/uploads/{upload_id}/finish", headers=_headers(c)).status_code == 400  # not complete
    # the server restarts: the upload is on disk, the client asks where it stands and goes on
    with client_for(world, "t1") as c:
        found = c.get(f"/uploads/{upload_id}").json()
        assert found["received"] == {"teacher": third + 100, "audio": 0}
        start = found["received"]["teacher"]
        for offset in range(start, size, 50_000):
            assert _put(c, upload_id, "teacher", video[offset: offset + 50_000], offset, size).status_code == 200
        assert _put(c, upload_id, "audio", audio, 0, len(audio)).json() == {"received": len(audio)}
        with client_for(world, "t2") as other:  # another teacher cannot see, feed or finish it
            assert other.get(f"/uploads/{upload_id}").status_code == 404
            assert _put(other, upload_id, "audio", b"x", 0, 1).status_code == 404
            assert other.post(f"/uploads/{upload_id}/finish", headers=_headers(other)).status_code == 404
        done = c.post(f"/uploads/{upload_id}/finish", headers=_headers(c))
        assert done.status_code == 201, done.text  # the lesson is created
        lesson_id = done.json()["lesson"]
        folder = world.platform.media / "lessons" / lesson_id
        assert (folder / "teacher.mp4").read_bytes() == video and (folder / "audio.wav").read_bytes() == audio
        assert not (world.platform.media / "uploads" / upload_id).exists()
        assert "分块上传" in c.get(f"/lessons/{lesson_id}").text
        assert c.get(f"/uploads/{upload_id}").status_code == 404  # finished: gone
    job = get_job(world.platform.store, lesson_id)
    assert job is not None and job.state.value == "queued" and len(job.spec.media) == 2
    world.platform.close()


def test_chunked_uploads_are_checked(tmp_path: Path) -> None:
    world = make_world(tmp_path / "w", max_upload=100_000)
    with client_for(world, "t1") as c:
        def start(files: list[dict[str, Any]], **meta: str) -> Any:
            return c.post("/uploads", json={"files": files, **meta}, headers=_headers(c))

        assert start([{"role": "teacher", "name": "notes.txt", "size": 10}]).status_code == 400
        assert start([{"role": "audio", "name": "a.mp4v", "size": 10}]).status_code == 400
        assert start([{"role": "teacher", "name": "big.mp4", "size": 200_000}]).status_code == 400
        assert start([]).status_code == 400
        assert start([{"role": "teacher", "name": "t.mp4", "size": 10}], date="not a date").status_code == 400
        assert start([{"role": "sideways", "name": "t.mp4", "size": 10}]).status_code == 400
        upload_id = start([{"role": "teacher", "name": "t.mp4", "size": 300}]).json()["id"]
        not_video = _put(c, upload_id, "teacher", b"%PDF-1.7" + b"x" * 292, 0, 300)
        assert not_video.status_code == 400 and "t.mp4" in not_video.json()["detail"]
        assert c.get(f"/uploads/{upload_id}").json()["received"] == {"teacher": 0}  # nothing kept
        assert _put(c, upload_id, "board", b"x", 0, 1).status_code == 404  # not announced
        bad_range = c.put(f"/uploads/{upload_id}/teacher", content=b"x",
                          headers=_headers(c, **{"Content-Range": "bytes 5-1/300"}))
        assert bad_range.status_code == 400
        for bad in ("..%2F..%2Fdb.sqlite", "abc-def", "%2e%2e"):
            assert c.get(f"/uploads/{bad}").status_code == 404
    with client_for(world, "obs") as c:
        assert c.post("/uploads", json={"files": []}, headers=_headers(c)).status_code == 403
    world.platform.close()


def test_a_hand_coded_sheet_becomes_a_lesson_at_once(tmp_path: Path) -> None:
    from lessonlens import samples

    world = make_world(tmp_path / "w")
    sheet = (Path(samples.__file__).parent / "li-qiang-01.csv").read_bytes()
    with client_for(world, "t1") as c:
        def send(name: str, data: bytes, **fields: str) -> Any:
            return c.post("/upload/sheet", data={"_csrf_token": csrf(c), **fields},
                          files={"sheet": (name, data, "text/csv")}, follow_redirects=False)

        made = send("李强.csv", sheet, title="三角形的面积", subject="数学", date="2026-10-08")
        assert made.status_code == 303, made.text
        lesson_id = made.headers["location"].rsplit("/", 1)[1]
        page = c.get(f"/lessons/{lesson_id}").text
        assert "三角形的面积" in page and "chart-timeline" in page and "lesson-video" not in page
        stored = world.platform.store.get(lesson_id)
        assert stored is not None and stored.metrics is not None and stored.lesson.teacher
        broken = send("坏表.csv", b"t,foo\n0,bar\n")
        assert broken.status_code == 400 and "坏表.csv" in broken.text and "lessonlens-sheet-" not in broken.text
        assert send("notes.txt", sheet).status_code == 400
        assert send("x.csv", sheet, scheme="no-such-scheme").status_code == 400
    with client_for(world, "obs") as c:
        assert c.post("/upload/sheet", data={"_csrf_token": csrf(c)},
                      files={"sheet": ("x.csv", sheet, "text/csv")}).status_code == 403
    world.platform.close()


def test_admins_register_recordings_already_on_the_server(tmp_path: Path) -> None:
    from tests.support.batch import write_manifest
    from tests.support.reports import write_video

    root = tmp_path / "recordings"
    (root / "a").mkdir(parents=True)
    video = write_video(root / "a" / "teacher.mp4", seconds=20)
    outside = write_video(tmp_path / "elsewhere.mp4", seconds=5)
    world = make_world(tmp_path / "w", import_root=root)
    t1 = world.users["t1"]
    write_manifest(root / "term.csv", [
        {"lesson_id": "reg-1", "teacher": t1.label, "school": t1.school, "subject": "数学",
         "teacher_video": "a/teacher.mp4"},
        {"lesson_id": "reg-2", "teacher": "未知老师", "school": "某校", "subject": "数学",
         "teacher_video": "a/teacher.mp4"},
    ])
    write_manifest(root / "bad.csv", [{"lesson_id": "reg-3", "teacher": "x", "teacher_video": str(outside)}])
    with client_for(world, "admin") as c:
        def send(path: str) -> Any:
            return c.post("/admin/register", data={"_csrf_token": csrf(c), "path": path})

        done = send("term.csv")
        assert done.status_code == 200 and "reg-1" in done.text and "reg-2" in done.text
        for bad in ("bad.csv", "../w/db.sqlite", str(tmp_path / "elsewhere.mp4"), "missing.csv"):
            refused = send(bad)
            assert refused.status_code == 400 and 'class="error"' in refused.text, bad
    with client_for(world, "t1") as c:  # the teacher of the same name and school owns it and can play it
        assert c.get("/lessons/reg-1").status_code == 200
        played = c.get("/lessons/reg-1/media/teacher", headers={"Range": "bytes=0-99"})
        assert played.status_code == 206 and played.content == video.read_bytes()[:100]
        assert c.get("/lessons/reg-2").status_code == 404  # no matching account: private to no one yet
    with client_for(world, "t2") as c:
        assert c.get("/admin/register").status_code == 403
        assert c.post("/admin/register", data={"_csrf_token": csrf(c), "path": "term.csv"}).status_code == 403
    with client_for(world, "admin") as c:  # the admin gives the unmatched lesson to a teacher (without opening it)
        page = c.get("/admin/register").text
        assert "reg-2" in page and "reg-1" not in page.split("reg-2")[0].split("<h2>")[-1]
        assert c.post("/admin/lessons/reg-2/owner", data={"_csrf_token": csrf(c), "teacher": "obs"}).status_code == 400
        assert c.post("/admin/lessons/reg-1/owner", data={"_csrf_token": csrf(c), "teacher": "t2"}).status_code == 400
        assert c.post("/admin/lessons/reg-2/owner", data={"_csrf_token": csrf(c), "teacher": "t2"}).status_code == 200
        assert c.get("/lessons/reg-2").status_code == 404
    with client_for(world, "t2") as c:
        assert c.get("/lessons/reg-2").status_code == 200
        assert c.post("/admin/lessons/reg-2/owner", data={"_csrf_token": csrf(c), "teacher": "t2"}).status_code == 403
    job = get_job(world.platform.store, "reg-1")
    assert job is not None and job.state.value == "queued" and job.spec.media[0].path == str(video.resolve())
    assert get_job(world.platform.store, "reg-3") is None  # the refused manifest queued nothing
    world.platform.close()


def test_admins_register_one_lesson_folder_with_its_layout_and_sheets(tmp_path: Path) -> None:
    """A lesson folder as a batch has it (lesson.yaml, the recording, layout.yaml, rubric/<id>/ sheets)
    is registered by its path; a lesson.yaml pointing its layout outside the import folder is refused."""
    from tests.support.reports import write_video

    root = tmp_path / "recordings"
    folder = root / "wang-2026-11-20"
    (folder / "rubric" / "classroom-teaching").mkdir(parents=True)
    write_video(folder / "teacher.mp4", seconds=10)
    world = make_world(tmp_path / "w", import_root=root, detectors=("teacher-pose",))
    t1 = world.users["t1"]
    (folder / "lesson.yaml").write_text(f"title: 分数\nteacher: {t1.label}\nschool: {t1.school}\nsubject: 数学\n",
                                        encoding="utf-8")
    (folder / "layout.yaml").write_text("zones:\n  board: [0.1, 0, 0.9, 0.4]\n", encoding="utf-8")
    (folder / "rubric" / "classroom-teaching" / "王.csv").write_bytes(_sheet("王", 0.8))
    other = root / "sneaky"
    other.mkdir()
    write_video(other / "teacher.mp4", seconds=5)
    (other / "lesson.yaml").write_text(f"title: x\nlayout: {tmp_path / 'w' / 'db.sqlite'}\n", encoding="utf-8")
    with client_for(world, "admin") as c:
        done = c.post("/admin/register", data={"_csrf_token": csrf(c), "path": "wang-2026-11-20"})
        assert done.status_code == 200 and "wang-2026-11-20" in done.text
        refused = c.post("/admin/register", data={"_csrf_token": csrf(c), "path": "sneaky"})
        assert refused.status_code == 400 and "db.sqlite" in refused.text
    job = get_job(world.platform.store, "wang-2026-11-20")
    assert job is not None and job.spec.layout == str((folder / "layout.yaml").absolute())
    assert [r.rubric for r in job.spec.rubrics] == ["classroom-teaching"]
    assert get_job(world.platform.store, "sneaky") is None
    world.platform.runner.run("wang-2026-11-20")
    done_job = get_job(world.platform.store, "wang-2026-11-20")
    assert done_job is not None and done_job.state.value == "done", done_job.error
    stored = world.platform.store.get("wang-2026-11-20")
    assert stored is not None and [r.rubric for r in stored.rubric_results] == ["classroom-teaching"]
    with client_for(world, "t1") as c:  # the teacher of that name and school owns it
        assert c.get("/lessons/wang-2026-11-20").status_code == 200
    world.platform.close()


def test_a_room_layout_goes_with_the_recordings_to_the_detectors(tmp_path: Path) -> None:
    from tests.support.reports import write_video

    world = make_world(tmp_path / "w", detectors=("teacher-pose",))
    video = write_video(tmp_path / "v.mp4", seconds=10).read_bytes()
    good = b"zones:\n  board: {x: 0.1, y: 0, w: 0.8, h: 0.4}\n  podium: [0, 0.4, 1, 0.7]\n"
    with client_for(world, "t1") as c:
        def send(layout: bytes) -> Any:
            return c.post("/upload", data={"_csrf_token": csrf(c)}, follow_redirects=False, files={
                "teacher": ("t.mp4", video, "video/mp4"), "layout": ("教室.yaml", layout, "application/yaml")})

        bad = send(b"zones: {")
        assert bad.status_code == 400 and "教室.yaml" in bad.text and "/tmp" not in bad.text.split("<main")[1]
        assert not (world.platform.media / "lessons").exists() or not any((world.platform.media / "lessons").iterdir())
        made = send(good)
        lesson_id = made.headers["location"].rsplit("/", 1)[1]
        job = get_job(world.platform.store, lesson_id)
        assert job is not None and job.spec.layout and Path(job.spec.layout).read_bytes() == good
        world.platform.runner.run(lesson_id)  # the pose detector reads the zones (a bad one would fail the job)
        done = get_job(world.platform.store, lesson_id)
        assert done is not None and done.state.value == "done", done.error
        # the same through a resumable upload: the layout's text travels with the announcement
        upload_id = c.post("/uploads", headers=_headers(c), json={
            "files": [{"role": "teacher", "name": "t.mp4", "size": len(video)}],
            "layout": {"name": "room.yaml", "text": good.decode()}}).json()["id"]
        assert _put(c, upload_id, "teacher", video, 0, len(video)).status_code == 200
        chunked_id = c.post(f"/uploads/{upload_id}/finish", headers=_headers(c)).json()["lesson"]
        chunked_job = get_job(world.platform.store, chunked_id)
        assert chunked_job is not None and chunked_job.spec.layout
        assert Path(chunked_job.spec.layout).parent.name == chunked_id
        refused = c.post("/uploads", headers=_headers(c), json={
            "files": [{"role": "teacher", "name": "t.mp4", "size": 10}], "layout": {"name": "x.yaml", "text": "[1, 2"}})
        assert refused.status_code == 400 and "x.yaml" in refused.json()["detail"]
    world.platform.close()


def _leaves(rubric: str) -> list[tuple[str, float]]:
    from lessonlens.rubric.catalog import find_rubric_schema

    schema = find_rubric_schema(rubric)
    parents = {i.parent for i in schema.indicators}
    return [(i.id, float(i.max_score or 0)) for i in schema.indicators if i.id not in parents]


def _sheet(rater: str, share: float, rubric: str = "classroom-teaching") -> bytes:
    rows = ["rater,indicator,score"] + [f"{rater},{ind},{round(top * share)}" for ind, top in _leaves(rubric)]
    return ("\n".join(rows) + "\n").encode("utf-8")


LESSON_YAML = ("title: 分数的意义\nsubject: 数学\ngrade: 五年级\ndate: 2026-11-20\nteacher: 王老师\n"
               "offsets: {teacher: 0.5}\n").encode()


def test_lesson_yaml_layout_and_score_sheets_go_with_the_recordings(tmp_path: Path) -> None:
    """The batch folder's files, uploaded with the recording (form, resumable upload, API): lesson.yaml
    fills what the form leaves empty and gives the offsets; raters' sheets are checked against the
    rubric and scored by the job; each bad file is one line naming it, and nothing is kept."""
    import base64

    from tests.support.reports import write_video

    world = make_world(tmp_path / "w", detectors=("teacher-pose",))
    p = world.platform
    video = write_video(tmp_path / "v.mp4", seconds=10).read_bytes()
    sheets = [("王老师.csv", _sheet("王老师", 0.8)), ("李老师.csv", _sheet("李老师", 0.6))]

    def lessons() -> list[str]:
        folder = p.media / "lessons"
        return sorted(x.name for x in folder.iterdir()) if folder.exists() else []

    with client_for(world, "t1") as c:
        def send(yaml: bytes = LESSON_YAML, named: str = "lesson.yaml", extra: Any = (), **fields: str) -> Any:
            files = [("teacher", ("t.mp4", video, "video/mp4")), ("lesson_yaml", (named, yaml, "application/yaml")),
                     *[("sheets", (n, d, "text/csv")) for n, d in sheets], *extra]
            return c.post("/upload", data={"_csrf_token": csrf(c), "title": "", "teacher_name": "",
                                           "rubric": "classroom-teaching", **fields},
                          files=files, follow_redirects=False)

        before = lessons()
        for response, culprit in (
            (send(b"title: x\nroom: 301\n"), "lesson.yaml"),                    # unknown field
            (send(b"date: 2026-13-45\n"), "lesson.yaml"),                       # not a date
            (send(b"offsets: {nose: 1}\n"), "lesson.yaml"),                     # not a recording role
            (send(b"title: [1, 2\n"), "lesson.yaml"),                            # not YAML
            (send(named="lesson.txt"), "lesson.txt"),                           # not a .yaml
            (send(extra=[("sheets", ("赵老师.csv", "rater,indicator,score\n赵,achievement.focus,99\n".encode(),
                                     "text/csv"))]), "赵老师.csv"),               # out of range
            (send(extra=[("sheets", ("a.pdf", b"%PDF-1.4", "application/pdf"))]), "a.pdf"),
            (send(rubric="../../etc/passwd"), "../../etc/passwd"),              # only registered rubrics
        ):
            assert response.status_code == 400, (culprit, response.status_code)
            message = response.text.split('role="alert">')[1].split("</p>")[0]
            assert culprit in message.replace("&#39;", "'") and "\n" not in message and "/tmp" not in message
            assert lessons() == before  # nothing kept
        made = send(subject="科学")
        assert made.status_code == 303, made.text[:300]
        lesson_id = made.headers["location"].rsplit("/", 1)[1]
        job = get_job(p.store, lesson_id)
        assert job is not None
        meta = job.spec.lesson
        # what the form says wins; lesson.yaml fills the rest; school and region are the teacher's
        assert (meta.title, meta.subject, meta.grade, meta.teacher, str(meta.date)) == (
            "分数的意义", "科学", "五年级", "王老师", "2026-11-20")
        assert meta.school == world.users["t1"].school
        assert [m.offset for m in job.spec.media] == [0.5]
        assert [r.rubric for r in job.spec.rubrics] == ["classroom-teaching"]
        assert [Path(s).parent for s in job.spec.rubrics[0].sheets] == [
            p.media / "lessons" / lesson_id / "rubric" / "classroom-teaching"] * 2
        p.runner.run(lesson_id)  # the job scores the sheets with the analysis and diagnoses with them
        done = get_job(p.store, lesson_id)
        assert done is not None and done.state.value == "done", done.error
        stored = p.store.get(lesson_id)
        assert stored is not None and [r.rubric for r in stored.rubric_results] == ["classroom-teaching"]
        assert stored.lesson.title == "分数的意义"
        # the same through a resumable upload (the small files travel with the announcement) ...
        upload_id = c.post("/uploads", headers=_headers(c), json={
            "files": [{"role": "teacher", "name": "t.mp4", "size": len(video)}], "title": "",
            "rubric": "classroom-teaching",
            "lesson_yaml": {"name": "lesson.yaml", "text": LESSON_YAML.decode()},
            "sheets": [{"name": n, "data": base64.b64encode(d).decode()} for n, d in sheets]}).json()["id"]
        assert _put(c, upload_id, "teacher", video, 0, len(video)).status_code == 200
        chunked_id = c.post(f"/uploads/{upload_id}/finish", headers=_headers(c)).json()["lesson"]
        chunked = get_job(p.store, chunked_id)
        assert chunked is not None and chunked.spec.lesson.title == "分数的意义"
        assert [m.offset for m in chunked.spec.media] == [0.5]
        assert all(Path(s).is_file() and chunked_id in s for s in chunked.spec.rubrics[0].sheets)
        refused = c.post("/uploads", headers=_headers(c), json={
            "files": [{"role": "teacher", "name": "t.mp4", "size": 10}],
            "sheets": [{"name": "x.csv", "data": base64.b64encode(b"rater,indicator,score\nx,nope,1\n").decode()}]})
        assert refused.status_code == 400 and "x.csv" in refused.json()["detail"]
        token = c.post("/account/tokens", data={"name": "s", "_csrf_token": csrf(c)}).text
        bearer = token.split('id="new-token">')[1].split("<")[0]
    # ... and through the API
    with client_for(world) as api:
        made_api = api.post("/api/lessons", headers={"Authorization": f"Bearer {bearer}"}, data={"title": "api"},
                            files=[("teacher", ("t.mp4", video, "video/mp4")),
                                   ("lesson_yaml", ("lesson.yaml", LESSON_YAML, "application/yaml")),
                                   *[("sheets", (n, d, "text/csv")) for n, d in sheets]])
        assert made_api.status_code == 201, made_api.text
        api_job = get_job(p.store, made_api.json()["id"])
        assert api_job is not None and api_job.spec.lesson.title == "api" and len(api_job.spec.rubrics[0].sheets) == 2
    p.close()
