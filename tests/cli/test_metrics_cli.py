"""``lessonlens metrics``: JSON document, bilingual tables, options, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lessonlens import samples, save

LESSONLENS = Path(sys.executable).with_name("lessonlens")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LESSONLENS_PLUGINS": ""}
    env.pop("LESSONLENS_LANG", None)
    return subprocess.run([str(LESSONLENS), *args], capture_output=True, text=True, env=env, check=False)


def test_json_document_of_a_sample_sheet() -> None:
    result = run("metrics", str(samples.sample_path()), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "lessonlens.metrics/1" and doc["scheme"] == "platform-9"
    assert doc["scalars"]["mode"] == "mixed" and 0 < doc["scalars"]["rt"] < 1
    assert set(doc["shares"]["teacher_shares"]) == {"lecturing", "board_writing", "patrolling",
                                                   "teacher_student_interaction"}
    assert len(doc["tables"]["timeline"]["rows"]) == 20
    assert doc["summaries"]["attention"]["max"]["t"] >= 0


def test_bilingual_table_and_options(tmp_path: Path) -> None:
    sheet = tmp_path / "st.csv"
    sheet.write_text("T\nT\nS\nT\nS\nS\n")
    result = run("metrics", str(sheet), "--scheme", "st", "--interval", "30", "--bins", "60")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "教师行为占有率 Rt" in out and "Teacher occupancy Rt" in out and "对话型 dialogue" in out
    assert "0.500" in out  # Rt = 3/6


def test_analysis_json_is_accepted(tmp_path: Path) -> None:
    path = save(samples.load_sample("chen-jing-01"), tmp_path / "analysis.json")
    doc = json.loads(run("metrics", str(path), "--json").stdout)
    assert doc["scalars"]["mode"] == "dialogue"


def test_bad_sheet_is_one_line_with_exit_code_2(tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("t,code\n0,5\n3,12\n")
    result = run("--lang", "en", "metrics", str(sheet))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"lessonlens: {sheet}: line 3, column 2 (code): unknown code '12' (known: " \
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10)"


def test_several_lessons_side_by_side_as_json_lines_and_as_a_table(tmp_path: Path) -> None:
    import csv

    from lessonlens import measure

    sheets = [samples.sample_path(name) for name in ("wang-li-01", "chen-jing-01")]
    st_sheet = tmp_path / "st-lesson.csv"
    st_sheet.write_text("T\nT\nS\nT\nS\nS\n")
    table = run("--lang", "en", "metrics", *map(str, sheets))
    assert table.returncode == 0, table.stderr
    assert "wang-li-01" in table.stdout and "chen-jing-01" in table.stdout and "dialogue" in table.stdout

    lines = run("metrics", *map(str, sheets), "--json").stdout.splitlines()
    assert [json.loads(line)["scalars"]["rt"] for line in lines] == [measure(s).scalars["rt"] for s in sheets]

    out = tmp_path / "term.csv"
    wrote = run("--lang", "en", "metrics", *map(str, sheets), str(st_sheet), "--table", str(out), "--interval", "30")
    assert wrote.returncode == 0, wrote.stderr
    assert wrote.stdout.strip() == f"wrote the metrics of 3 lessons to {out}"
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["lesson"] for r in rows] == ["wang-li-01", "chen-jing-01", "st-lesson"]
    assert [r["scheme"] for r in rows] == ["platform-9", "platform-9", "st"]
    assert float(rows[1]["rt"]) == measure(sheets[1], interval=30).scalars["rt"]
    assert rows[2]["rt"] == "0.5" and rows[2]["teacher_shares.lecturing"] == ""  # an S-T lesson has no teacher shares
    assert rows[2]["code_shares.T"] == "0.5"


def test_a_bad_sheet_among_many_writes_no_table(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("t,code\n0,5\n3,12\n")
    out = tmp_path / "term.csv"
    result = run("--lang", "en", "metrics", str(samples.sample_path()), str(bad), "--table", str(out))
    assert result.returncode == 2 and str(bad) in result.stderr and "unknown code '12'" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]
