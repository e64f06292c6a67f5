"""Every report, in both languages and every format, from the bundled sample lessons and real score sheets."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import attrs
import pytest
from typer.testing import CliRunner

import lessonlens
from lessonlens.cli import app
from lessonlens.core.errors import InputError
from lessonlens.plugins.reports.fonts import FAMILY, font_source
from lessonlens.rubric.scoring import attach_rubric_result
from tests.support.reports import ATTACK, diagnosed_samples, lesson_sample, rubric_result

LANGS = ("zh-CN", "en")
TITLES = {
    ("lesson", "zh-CN"): "教师课堂教学行为分析报告", ("lesson", "en"): "Classroom Teaching Behaviour Report",
    ("compare", "zh-CN"): "不同教师的课堂教学行为对比分析报告", ("compare", "en"): "Comparison of Classroom",
    ("period", "zh-CN"): "教师周期课堂教学行为分析报告", ("period", "en"): "Periodic Classroom Teaching",
    ("rubric", "zh-CN"): "基于量规评分的课堂教学能力分析报告", ("rubric", "en"): "Rubric-based Classroom Teaching",
}


def _inputs(kind: str, tmp_path: Path) -> dict[str, object]:
    if kind == "lesson":
        return {"analyses": [lesson_sample()]}
    if kind == "compare":
        by_id = {a.lesson.id: a for a in diagnosed_samples()}
        return {"analyses": [by_id["wang-li-03"], by_id["li-qiang-01"], by_id["chen-jing-01"]]}
    if kind == "period":
        return {"analyses": [a for a in diagnosed_samples() if a.lesson.teacher == "王丽"]}
    return {"rubric_results": [rubric_result(tmp_path)]}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["lesson", "compare", "period", "rubric"])
def test_html_report_is_one_self_contained_file_in_its_language(kind: str, lang: str, tmp_path: Path) -> None:
    out = lessonlens.report(kind, tmp_path / "r.html", lang=lang, **_inputs(kind, tmp_path))  # type: ignore[arg-type]
    html = out.read_text(encoding="utf-8")
    assert TITLES[(kind, lang)] in html
    assert f'<html lang="{lang}">' in html
    # nothing is fetched: no external script, style, image or font
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html
    assert f"font-family:'{FAMILY}'" in html and "data:font/woff;base64," in html
    assert html.count("<svg") >= {"lesson": 7, "compare": 6, "period": 4, "rubric": 3}[kind]
    other = {"zh-CN": "关键指标", "en": "Key metrics"}
    if kind == "lesson":
        assert other[lang] in html and other["en" if lang == "zh-CN" else "zh-CN"] not in html
    assert len(html) < 900_000, "the embedded font must be a subset"


def test_lesson_report_shows_metrics_mode_and_findings_with_seek_links(tmp_path: Path) -> None:
    analysis = lesson_sample()
    html = lessonlens.report("lesson", tmp_path / "r.html", [analysis], lang="zh-CN").read_text(encoding="utf-8")
    assert "讲授型" in html  # li-qiang-01's mode
    assert "行为片段统计" in html  # episodes: how many times, how long in total, the longest
    assert f"{analysis.metrics.scalars['rt']:.2f}" in html  # type: ignore[union-attr]
    ranged = [f for f in analysis.findings if f.time_ranges]
    assert ranged, "the sample must have findings with time ranges"
    for finding in analysis.findings:
        assert finding.title["zh-CN"] in html
    first = ranged[0].time_ranges[0].start
    assert f'class="time" data-t="{first:g}"' in html
    # each 2-minute bin of each of the 9 behaviours is a point that seeks the video
    assert html.count('class="seek point"') >= 9 * 20


def test_lesson_report_methods_note_shows_the_agreement_measured_on_real_frames(tmp_path: Path) -> None:
    analysis = lesson_sample()
    measured = {"reading_writing": {"f1": 0.84}, "hand_raising": {"f1": 0.61}, "answering": {"f1": None}}
    analysis = attrs.evolve(analysis, provenance=attrs.evolve(analysis.provenance, reliability=measured))
    html = lessonlens.report("lesson", tmp_path / "r.html", [analysis], lang="en").read_text(encoding="utf-8")
    assert "evaluate-frames" in html and "F1 0.84" in html and "F1 0.61" in html
    assert "not measured on real frames" in html
    plain = lessonlens.report("lesson", tmp_path / "p.html", [lesson_sample()], lang="en").read_text(encoding="utf-8")
    assert "evaluate-frames" not in plain  # hand-coded or older analyses: no note


def test_rater_comment_with_markup_is_shown_as_text(tmp_path: Path) -> None:
    result = rubric_result(tmp_path, comment=ATTACK)
    html = lessonlens.report("rubric", tmp_path / "r.html", rubric_results=[result]).read_text(encoding="utf-8")
    assert ATTACK not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # the report's own script only


def test_user_text_in_lesson_metadata_is_escaped_in_charts_and_page(tmp_path: Path) -> None:
    analysis = lesson_sample()
    evil = attrs.evolve(analysis, lesson=attrs.evolve(analysis.lesson, title=ATTACK, teacher='"><img src=x>'))
    out = lessonlens.report("compare", tmp_path / "c.html", [evil, diagnosed_samples()[0]])
    html = out.read_text(encoding="utf-8")
    assert ATTACK not in html and "<img src=x>" not in html
    assert "&lt;img src=x&gt;" in html or "&#34;&gt;&lt;img src=x&gt;" in html


def test_rubric_report_has_matrix_radars_statistics_agreement_notes_and_rubric_findings(tmp_path: Path) -> None:
    result = rubric_result(tmp_path)
    analysis = attach_rubric_result(lesson_sample(), result)
    from lessonlens.diagnosis.diagnose import diagnose

    analysis = attrs.evolve(analysis, findings=diagnose(analysis).findings)
    out = lessonlens.report("rubric", tmp_path / "r.html", [analysis], [result], lang="en")
    html = out.read_text(encoding="utf-8")
    assert "Rubric-based Classroom Teaching Report" in html
    assert 'id="chart-matrix-classroom-teaching"' in html
    assert html.count("rubric-radar-classroom-teaching") >= 2  # one radar per level
    for head in ("Per-indicator statistics", "Agreement between raters", "ICC(2,k)", "Observation notes"):
        assert head in html
    assert 'data-t="300"' in html  # a note's time seeks the video
    rubric_titles = [f.title["en"] for f in analysis.findings if "rubric" in f.rule]
    for title in rubric_titles:
        assert title in html


def test_teaching_design_results_make_report_four(tmp_path: Path) -> None:
    result = rubric_result(tmp_path, "teaching-design", comment="目标表述清楚")
    html = lessonlens.report("rubric", tmp_path / "d.html", rubric_results=[result]).read_text(encoding="utf-8")
    assert "基于量规评分的教学设计能力分析报告" in html


@pytest.mark.parametrize("kind", ["lesson", "compare", "period", "rubric"])
def test_json_and_csv_exports_hold_every_chart_table(kind: str, tmp_path: Path) -> None:
    inputs = _inputs(kind, tmp_path)
    doc = json.loads(lessonlens.report(kind, tmp_path / "t.json", lang="en", **inputs)  # type: ignore[arg-type]
                     .read_text(encoding="utf-8"))
    assert doc["schema"] == "lessonlens.report_tables/1" and doc["report"] == kind
    ids = [t["id"] for t in doc["tables"]]
    expected = {"lesson": {"timeline", "rose", "participation", "consistency", "attention", "st_curve", "rtch"},
                "compare": {"shares", "overlay_participation", "st_curves", "rtch", "side_by_side"},
                "period": {"trend", "share_trend", "mean_rose", "rtch", "first_vs_latest"},
                "rubric": {"matrix-classroom-teaching", "indicators-classroom-teaching"}}[kind]
    assert expected <= set(ids)
    for table in doc["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    archive = tmp_path / "t.zip"
    lessonlens.report(kind, archive, lang="zh-CN", **inputs)  # type: ignore[arg-type]
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert len(names) == len(ids)
        first = z.read(names[0]).decode("utf-8")
    assert first.startswith("\ufeff")  # Excel opens UTF-8 Chinese only with a BOM


def test_lesson_timeline_table_matches_the_metrics(tmp_path: Path) -> None:
    analysis = lesson_sample()
    doc = json.loads(lessonlens.report("lesson", tmp_path / "t.json", [analysis]).read_text(encoding="utf-8"))
    timeline = next(t for t in doc["tables"] if t["id"] == "timeline")
    source = analysis.metrics.tables["timeline"]  # type: ignore[union-attr]
    assert timeline["columns"] == list(source.columns)
    assert [tuple(r) for r in timeline["rows"]] == [tuple(r) for r in source.rows]
    assert timeline["headers"][:2] == ["开始(秒)", "结束(秒)"] and "讲授" in timeline["headers"]


def test_missing_metrics_are_computed_from_the_timeline(tmp_path: Path) -> None:
    bare = attrs.evolve(lesson_sample(), metrics=None)
    doc = json.loads(lessonlens.report("lesson", tmp_path / "t.json", [bare]).read_text(encoding="utf-8"))
    assert {"timeline", "rtch"} <= {t["id"] for t in doc["tables"]}


def test_a_video_beside_the_report_is_found(tmp_path: Path) -> None:
    from lessonlens.core.lesson import MediaSource

    analysis = attrs.evolve(lesson_sample(), media=(MediaSource("/somewhere/else/课堂 录像.mp4", "mixed"),))
    (tmp_path / "课堂 录像.mp4").write_bytes(b"\0")
    html = lessonlens.report("lesson", tmp_path / "r.html", [analysis]).read_text(encoding="utf-8")
    assert 'src="%E8%AF%BE%E5%A0%82%20%E5%BD%95%E5%83%8F.mp4"' in html
    alone = lessonlens.report("lesson", tmp_path / "sub" / "r.html", [analysis]).read_text(encoding="utf-8")
    assert "<video" not in alone and "未附带视频" in alone


def test_bad_requests_fail_with_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.zip"):
        lessonlens.report("lesson", tmp_path / "r.csv", [lesson_sample()])
    with pytest.raises(InputError, match="format"):
        lessonlens.report("lesson", tmp_path / "r.docx", [lesson_sample()])
    with pytest.raises(InputError, match="exactly one"):
        lessonlens.report("lesson", tmp_path / "r.html", list(diagnosed_samples()[:2]))
    with pytest.raises(InputError, match="at least two"):
        lessonlens.report("compare", tmp_path / "r.html", [lesson_sample()])
    assert not list(tmp_path.iterdir()), "no half-written output"


def test_the_font_comes_from_the_python_package() -> None:
    source = font_source()
    assert source is not None and "justmytype_intl_cjk" in str(source)


def test_cli_makes_every_report(tmp_path: Path) -> None:
    runner = CliRunner()
    sample = tmp_path / "lesson.json"
    lessonlens.save(lesson_sample(), sample)
    ok = runner.invoke(app, ["report", "lesson", str(sample), "-o", str(tmp_path / "l.html"), "--lang", "en"])
    assert ok.exit_code == 0, ok.output
    assert "Classroom Teaching Behaviour Report" in (tmp_path / "l.html").read_text(encoding="utf-8")
    ok = runner.invoke(app, ["report", "lesson", "--sample", "-o", str(tmp_path / "s.json")])
    assert ok.exit_code == 0, ok.output
    ok = runner.invoke(app, ["report", "compare", "--samples", "-o", str(tmp_path / "c.html")])
    assert ok.exit_code == 0, ok.output
    ok = runner.invoke(app, ["report", "period", "--samples", "--teacher", "王丽", "-o", str(tmp_path / "p.zip")])
    assert ok.exit_code == 0, ok.output
    result = tmp_path / "result.json"
    lessonlens.save(rubric_result(tmp_path), result)
    ok = runner.invoke(app, ["report", "rubric", str(result), "-o", str(tmp_path / "r.html")])
    assert ok.exit_code == 0, ok.output
    assert "&lt;script&gt;" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_cli_period_and_compare_reports_from_the_store(tmp_path: Path) -> None:
    from lessonlens.store.api import open_store

    db = f"sqlite:///{tmp_path / 'lessons.db'}"
    with open_store(db) as store:
        store.add(diagnosed_samples())
    runner = CliRunner()
    ok = runner.invoke(app, ["report", "period", "--db", db, "--teacher", "王丽", "--from", "2026-10-01",
                             "-o", str(tmp_path / "p.json")])
    assert ok.exit_code == 0, ok.output
    doc = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    trend = next(t for t in doc["tables"] if t["id"] == "trend")
    assert [r[1] for r in trend["rows"]] == ["wang-li-02", "wang-li-03", "wang-li-04"]
    none = runner.invoke(app, ["report", "compare", "--db", db, "--teacher", "nobody", "-o", str(tmp_path / "c.html")])
    assert isinstance(none.exception, InputError)
    assert not (tmp_path / "c.html").exists()


def test_a_hand_coded_st_sheet_gets_a_report_with_its_own_codes(tmp_path: Path) -> None:
    codes = "TTTTSSTSTTTSSSSTTSTT" * 20
    sheet = tmp_path / "st.csv"
    sheet.write_text("t,code\n" + "".join(f"{3 * i},{c}\n" for i, c in enumerate(codes)), encoding="utf-8")
    out = tmp_path / "st.html"
    ok = CliRunner().invoke(app, ["report", "lesson", str(sheet), "--scheme", "st", "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    html = out.read_text(encoding="utf-8")
    assert "七种教学行为分析图" not in html and "教学行为分析图" in html
    assert "每 3 秒采样一次" in html
    assert html.count('class="seek point"') >= 2 * 10  # T and S rows, one dot per 2-minute bin
    assert 'id="chart-st"' in html and 'id="chart-rtch"' in html


def test_period_report_of_a_group_has_a_row_per_teacher(tmp_path: Path) -> None:
    lessons = diagnosed_samples()
    doc = json.loads(lessonlens.report("period", tmp_path / "g.json", lessons, lang="en").read_text(encoding="utf-8"))
    per_teacher = next(t for t in doc["tables"] if t["id"] == "per_teacher")
    assert {r[0] for r in per_teacher["rows"]} == {a.lesson.teacher for a in lessons}
    assert sum(r[1] for r in per_teacher["rows"]) == len(lessons)
    trend = next(t for t in doc["tables"] if t["id"] == "trend")  # a group's trend is by month, not by lesson
    assert trend["columns"][:2] == ["month", "count"] and sum(r[1] for r in trend["rows"]) == len(lessons)
    html = lessonlens.report("period", tmp_path / "g.html", lessons, lang="en").read_text(encoding="utf-8")
    assert "Per teacher" in html and "First vs. latest" in html
