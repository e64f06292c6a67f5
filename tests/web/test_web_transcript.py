"""The lesson page's transcript: every way into the store (a web job, ``store add``, ``batch``) keeps
the ASR segments (with the speaker of the speech they overlap) in the stored analysis and drops the
other raw observations; the page lists them in time order as buttons that seek the video, escaped, in
zh-CN and en; no section without a transcript."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest
from markupsafe import escape

pytest.importorskip("litestar", reason="the web extra is not installed")

from lessonlens import samples
from lessonlens.core.observations import PoseObservation, SpeechObservation
from lessonlens.jobs.spec import LessonSpec
from lessonlens.store import open_store
from lessonlens.store.transcript import transcript_only
from lessonlens.web.catalog import set_owner, sync_from_store
from lessonlens.web.jobs import JobRunner
from lessonlens.web.transcript import transcript
from tests.support.batch import tiny_video, write_manifest
from tests.support.web import ATTACK, PASSWORD, World, client_for, make_world, page_text_has_no_markup

#: what the speech detector heard (who, no words) and what ASR wrote (words, no speaker)
VOICES = (SpeechObservation(t=0, end=30, speaker="teacher", detector="speech"),
          SpeechObservation(t=30, end=42, speaker="student", detector="speech"),
          SpeechObservation(t=42, end=60, speaker="teacher", detector="speech"))
WORDS = (SpeechObservation(t=44.0, end=50.0, text="说得很好，请坐。", detector="asr"),
         SpeechObservation(t=3.0, end=9.5, text="  同学们好，\n今天我们学习分数。 ", detector="asr"),
         SpeechObservation(t=31.0, end=40.0, text=ATTACK, detector="asr"),
         SpeechObservation(t=28.0, end=33.0, text="", detector="asr"))


def _with_speech(lesson_id: str | None = None) -> Any:
    analysis = samples.load_samples()[0]
    if lesson_id is not None:
        analysis = attrs.evolve(analysis, lesson=attrs.evolve(analysis.lesson, id=lesson_id))
    pose = PoseObservation(t=5.0, person="t", detector="teacher-pose")
    return attrs.evolve(analysis, observations=(*VOICES, *WORDS, pose))


def test_the_transcript_keeps_words_and_names_who_spoke() -> None:
    kept = transcript_only(_with_speech()).observations
    assert all(isinstance(o, SpeechObservation) and o.text.strip() for o in kept)  # no pose, no wordless speech
    assert [(o.t, o.speaker) for o in kept] == [(44.0, "teacher"), (3.0, "teacher"), (31.0, "student")]
    lines = transcript(attrs.evolve(_with_speech(), observations=kept))
    assert [(line.clock, line.speaker) for line in lines] == [("00:03", "teacher"), ("00:31", "student"),
                                                              ("00:44", "teacher")]
    assert lines[0].text == "同学们好， 今天我们学习分数。"  # one line, whitespace folded
    assert transcript(None) == [] and transcript(samples.load_samples()[0]) == []


def test_store_add_keeps_the_transcript_and_drops_other_observations(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "s.sqlite")) as store:
        store.add([_with_speech("kept")])
        stored = store.get("kept")
        assert stored is not None and [(o.t, o.speaker) for o in stored.observations] == [
            (44.0, "teacher"), (3.0, "teacher"), (31.0, "student")]
        store.add([_with_speech("all")], keep_observations=True)  # --keep-observations keeps everything
        everything = store.get("all")
        assert everything is not None and len(everything.observations) == len(VOICES) + len(WORDS) + 1


def test_a_job_stores_the_transcript_and_the_lesson_page_shows_it(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    p = world.platform
    lesson_id = world.lessons["private"]
    stored = p.store.get(lesson_id)
    assert stored is not None and transcript(stored) == []
    with client_for(world, "t1") as c:
        assert 'id="transcript"' not in c.get(f"/lessons/{lesson_id}").text
    # the job of the server's thread: its analysis (a stand-in returning the lesson with speech) is
    # stored with the transcript and without the other observations, in the job's transaction
    runner = JobRunner(p.store, p.media, lambda spec, out, progress: _with_speech(spec.lesson_id))
    runner.submit(LessonSpec(lesson=stored.lesson, media=()))
    runner.run(lesson_id)
    again = p.store.get(lesson_id)
    assert again is not None and {o.kind for o in again.observations} == {"speech"}
    assert [line.t for line in transcript(again)] == [3.0, 31.0, 44.0]
    with client_for(world, "t1") as c:
        page = c.get(f"/lessons/{lesson_id}").text
        assert page.index('data-t="3.00"') < page.index('data-t="31.00"') < page.index('data-t="44.00"')
        assert "课堂实录" in page and "<time>00:31</time>" in page and '"speaker student">学生<' in page
        assert page_text_has_no_markup(page) and "&lt;script&gt;window.pwned" in page
        c.get("/lang/en", headers={"referer": f"/lessons/{lesson_id}"})
        english = c.get(f"/lessons/{lesson_id}").text
        assert "Transcript (speech recognition)" in english and '"speaker teacher">teacher<' in english
    with client_for(world, "t2") as other:  # the transcript is the lesson's: hidden like the rest
        assert other.get(f"/lessons/{lesson_id}").status_code == 404
    p.close()


@pytest.mark.slow
def test_a_lesson_analysed_with_asr_by_batch_shows_its_transcript(tmp_path: Path) -> None:
    """``lessonlens batch`` with ASR (Whisper base on a worker of the embedded cluster) on espeak-ng
    speech: the stored analysis keeps the transcript and the lesson page lists its lines."""
    pytest.importorskip("faster_whisper")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    import numpy as np

    import lessonlens
    from lessonlens.core.errors import PluginError
    from lessonlens.jobs import BatchOptions
    from lessonlens.media.encode import write_audio
    from lessonlens.plugins.detectors.asr import packaged_model_dir
    from lessonlens.synth.voices import VoiceBank
    from lessonlens.web.accounts import add_user
    from lessonlens.web.platform import Platform
    from lessonlens.web.roles import Role
    from lessonlens.web.settings import WebSettings

    try:
        packaged_model_dir()
    except PluginError:
        pytest.skip("the Whisper base packages are not installed")
    bank = VoiceBank()
    gap = np.zeros(8000, dtype=np.float32)
    audio = np.concatenate([gap, bank.clip("tong2 xue2 men5 hao3, jin1 tian1 wo3 men5 xue2 xi2 fen1 shu4.",
                                           "teacher"), gap, gap])
    manifest = write_manifest(tmp_path / "term.csv", [{
        "lesson_id": "asr-1", "teacher": "王老师", "school": "一中", "region": "东区", "subject": "数学",
        "teacher_video": str(tiny_video(tmp_path / "t.mp4", 12)),
        "audio": str(write_audio(tmp_path / "a.wav", audio))}])
    db = str(tmp_path / "lessons.sqlite")
    summary = lessonlens.batch(manifest, db=db, workers=1,
                               options=BatchOptions(detectors=("speech", "asr"), cache=False, threads_per_lesson=1))
    assert summary.analysed == ("asr-1",), summary.failures
    p = Platform.open(WebSettings(db=db, media=tmp_path / "media", run_jobs=False, workers=0))
    try:
        stored = p.store.get("asr-1")
        assert stored is not None and {o.kind for o in stored.observations} == {"speech"}
        lines = transcript(stored)
        assert lines and all(line.text for line in lines), stored.observations
        sync_from_store(p.engine)
        teacher = add_user(p.engine, "wang", Role.TEACHER, PASSWORD, display_name="王老师", school="一中",
                           region="东区")
        set_owner(p.engine, "asr-1", teacher)
        with client_for(World(platform=p, users={"wang": teacher}, lessons={}), "wang") as c:
            page = c.get("/lessons/asr-1").text
            assert 'id="transcript"' in page and "课堂实录" in page
            # the recognised text is whatever Whisper heard ("We're …" at times): the page holds it escaped
            assert f'data-t="{lines[0].t:.2f}"' in page and str(escape(lines[0].text)) in page
    finally:
        p.close()
