"""The bundled sample lessons: metadata, loading as analyses, the intended styles, regeneration."""

from __future__ import annotations

from pathlib import Path

from lessonlens import Analysis, dumps, loads, measure, samples
from lessonlens.samples import _make


def test_six_lessons_with_full_metadata() -> None:
    metas = samples.list_samples()
    assert [m.id for m in metas] == ["wang-li-01", "wang-li-02", "wang-li-03", "wang-li-04", "li-qiang-01",
                                     "chen-jing-01"]
    for m in metas:
        assert m.teacher and m.school and m.region and m.subject and m.grade and m.title and m.date
        assert m.duration == 2400.0 and m.extra["teacher_en"] and m.extra["teacher_id"]
    assert {m.teacher for m in metas} == {"王丽", "李强", "陈静"}
    assert {m.school for m in metas} == {"明德实验小学", "育才小学"}


def test_showcase_lesson_is_a_mixed_40_minute_lesson_like_the_source_case() -> None:
    analysis = samples.load_sample()
    assert analysis.lesson.id == samples.default_sample() == "wang-li-03"
    assert analysis.timeline is not None and len(analysis.timeline.samples) == 400
    m = analysis.metrics
    assert m is not None and m.scalars["mode"] == "mixed"
    assert abs(float(m.scalars["rt"]) - 0.55) < 0.03 and abs(float(m.scalars["ch"]) - 0.23) < 0.03  # type: ignore[arg-type]
    # every behaviour occurs, and some answering is choral (answering share above hand raising)
    assert all(v > 0.03 for v in m.shares["teacher_shares"].values())
    assert all(v > 0.04 for v in m.shares["student_shares"].values())
    assert len(m.tables["timeline"].rows) == 20
    assert loads(dumps(analysis), Analysis) == analysis


def test_styles_and_growth_over_the_term() -> None:
    by_id = {a.lesson.id: a.metrics.scalars for a in samples.load_samples() if a.metrics}
    assert by_id["li-qiang-01"]["mode"] == "lecture"
    assert by_id["chen-jing-01"]["mode"] == "dialogue"
    wang = [a.metrics for a in samples.load_samples(teacher="王丽") if a.metrics]
    assert len(wang) == 4 and next(a.lesson.id for a in samples.load_samples(teacher="Wang Li")) == "wang-li-01"
    rts = [float(m.scalars["rt"]) for m in wang]  # type: ignore[arg-type]
    chs = [float(m.scalars["ch"]) for m in wang]  # type: ignore[arg-type]
    lectures = [float(m.scalars["longest_lecture"]) for m in wang]  # type: ignore[arg-type]
    peer = [m.shares["student_shares"]["peer_interaction"] for m in wang]
    assert rts == sorted(rts, reverse=True) and chs == sorted(chs)
    assert lectures == sorted(lectures, reverse=True) and peer[-1] > 5 * peer[0]


def test_sample_csv_is_a_plain_sheet_anyone_can_measure() -> None:
    path = samples.sample_path("li-qiang-01")
    assert path.suffix == ".csv" and path.stat().st_size < 50_000
    assert measure(path).scalars["mode"] == "lecture"


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    for written in _make.write_all(tmp_path):
        assert written.read_bytes() == (samples.HERE / written.name).read_bytes(), written.name
