"""COPUS and ITIAS lessons through diagnosis (rules with evidence intervals), reports, the store and export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lessonlens.cli import app
from lessonlens.pipeline.inputs import analysis_from_file

LECTURE_HEAD = "interval,S.L,S.Ind,S.CG,S.WG,S.OG,S.AnQ,I.Lec,I.RtW,I.PQ,I.MG"


def _lecture(path: Path) -> Path:
    # 12 intervals (24 min): Lec in every interval but the 7th, group work never, AnQ in intervals 4 and 8
    rows = [f"{i},1,0,0,0,0,{int(i in (4, 8))},{int(i != 7)},{i % 2},{int(i in (4, 8))},0" for i in range(1, 13)]
    path.write_text(LECTURE_HEAD + "\n" + "\n".join(rows) + "\n")
    return path


def _itias(path: Path) -> Path:
    # per block of 20 (1 min): lecture (6) x 8, closed questions (5) x 4 each answered (9), one open
    # question (4) answered (9), a video (18) x 2: open/closed 1/4, student talk 25 %, none initiated
    block = "6 6 6 5 9 6 6 5 9 6 4 9 6 5 9 6 5 9 18 18"
    path.write_text("\n".join([block] * 5) + "\n")
    return path


@pytest.fixture
def lessons(tmp_path: Path) -> tuple[Path, Path]:
    return _lecture(tmp_path / "lecture.csv"), _itias(tmp_path / "itias.txt")


def _findings(path: Path, scheme: str) -> dict[str, dict[str, object]]:
    out = CliRunner().invoke(app, ["diagnose", str(path), "--scheme", scheme, "--json", "--lang", "en"])
    assert out.exit_code == 0, out.output
    return {f["rule"]: f for f in json.loads(out.output)["findings"]}


def test_copus_didactic_lecture_fires_with_the_lecture_intervals(lessons: tuple[Path, Path]) -> None:
    found = _findings(lessons[0], "copus")
    lecture = found["copus.didactic_lecture"]
    # Lec in 11 of 12 intervals (92 % >= 90 %), GW 0: evidence = the intervals with Lec ticked
    ranges = [(r["start"], r["end"]) for r in lecture["time_ranges"]]  # type: ignore[union-attr]
    assert ranges == [(0.0, 720.0), (840.0, 1440.0)]
    assert "copus.active_learning" not in found
    assert "copus.students_silent" not in found  # AnQ in 2 of 12 intervals: 17 % is not below 10 %


def test_itias_rules_fire_with_the_coded_samples(lessons: tuple[Path, Path]) -> None:
    found = _findings(lessons[1], "itias")
    closed = found["itias.closed_questions"]  # open/closed = 5/20 = 0.25 <= 0.33
    starts = [r["start"] for r in closed["time_ranges"]]  # type: ignore[union-attr]
    assert starts[:4] == [9.0, 21.0, 39.0, 48.0] and len(starts) == 20  # every sample coded 5
    assert "itias.little_initiative" in found  # student talk 25 %, none of it initiated
    assert "itias.technology_dominates" not in found and "itias.teacher_dominated" not in found


def test_lesson_compare_reports_and_store_export(lessons: tuple[Path, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    saved = []
    for path, scheme in ((lessons[0], "copus"), (lessons[1], "itias")):
        out = tmp_path / f"{path.stem}.json"
        ok = runner.invoke(app, ["diagnose", str(path), "--scheme", scheme, "--save", str(out)])
        assert ok.exit_code == 0, ok.output
        saved.append(out)
        html = tmp_path / f"{path.stem}.html"
        ok = runner.invoke(app, ["report", "lesson", str(out), "-o", str(html)])
        assert ok.exit_code == 0, ok.output
        text = html.read_text(encoding="utf-8")
        wanted = (("copus_instructor", "copus_students", "copus_pie_instructor", "copus_pie_students")
                  if scheme == "copus" else ("itias_matrix", "itias_curves"))
        assert all(f'id="chart-{c}"' in text for c in wanted), scheme
    ok = runner.invoke(app, ["report", "compare", *map(str, saved), "-o", str(tmp_path / "c.json")])
    assert ok.exit_code == 0, ok.output
    tables = {t["id"]: t for t in json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["tables"]}
    copus = {r[0]: r[1:] for r in tables["copus_compare"]["rows"]}
    assert copus["copus_i_lec"] == [round(11 / 12, 6), None]
    db = f"sqlite:///{tmp_path / 'lessons.db'}"
    assert runner.invoke(app, ["store", "add", *map(str, saved), "--db", db]).exit_code == 0
    ok = runner.invoke(app, ["store", "export", str(tmp_path / "m.csv"), "--table", "metrics", "--db", db])
    assert ok.exit_code == 0, ok.output
    with (tmp_path / "m.csv").open(encoding="utf-8-sig") as f:
        rows = {(r["lesson_id"], r["metric"]): float(r["value"]) for r in csv.DictReader(f)}
    assert rows[("lecture", "copus_s_gw")] == 0.0 and rows[("itias", "itias_open_closed")] == 0.25
    ok = runner.invoke(app, ["report", "period", "--db", db, "-o", str(tmp_path / "p.html")])
    assert ok.exit_code == 0, ok.output
    assert 'id="chart-itias_compare"' in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_sheets_become_analyses_with_their_scheme(lessons: tuple[Path, Path]) -> None:
    analysis = analysis_from_file(lessons[0], "copus")
    assert analysis.metrics is not None and analysis.metrics.scheme == "copus"
    assert analysis.timeline is not None and analysis.timeline.samples[6].ticks["I.Lec"] is False
