"""``lessonlens store ...`` end to end, as a user runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lessonlens import save
from lessonlens.core.errors import InputError
from lessonlens.store import migrate, open_store
from lessonlens.store.norms_io import read_norms
from lessonlens.store.synthetic import synthetic_district
from tests.support.store import BACKENDS, database_url

LESSONLENS = Path(sys.executable).with_name("lessonlens")


def run(*args: str, db: str | None = None, lang: str = "en", python: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LESSONLENS_PLUGINS": "", "LESSONLENS_LANG": lang}
    env.pop("LESSONLENS_DB", None)
    if db:
        env["LESSONLENS_DB"] = db
    command = [sys.executable, "-c", python, *args] if python else [str(LESSONLENS), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = []
    for analysis in synthetic_district(12, seed=5, n_schools=2, teachers_per_school=2):
        paths.append(save(analysis, tmp_path / f"{analysis.lesson.id}.analysis.json"))
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_store_commands_end_to_end(backend: str, tmp_path: Path, files: list[Path]) -> None:
    url = database_url(backend, tmp_path)
    init = run("store", "init", "--db", url)
    assert init.returncode == 0 and f"revision {migrate.head_revision()}" in init.stdout
    added = run("store", "add", *map(str, files), "--db", url)
    assert added.returncode == 0 and "added 12 lessons, updated 0" in added.stdout, added.stderr
    again = run("store", "add", str(files[0]), db=url)  # $LESSONLENS_DB instead of --db
    assert "added 0 lessons, updated 1" in again.stdout

    listing = json.loads(run("store", "list", "--json", "--school", "S01", db=url).stdout)
    assert listing and {r["school"] for r in listing} == {"S01"}
    assert all(r["metrics"]["rt"] is not None for r in listing)
    first = listing[0]["lesson_id"]
    assert json.loads(run("store", "show", first, "--json", db=url).stdout)["lesson"]["id"] == first
    assert first in run("store", "show", first, db=url).stdout

    [group] = json.loads(run("store", "portrait", "--json", db=url).stdout)
    assert group["portrait"]["n_lessons"] == 12 and sum(group["portrait"]["modes"].values()) == 12
    by_school = json.loads(run("store", "portrait", "--by", "school", "--json", db=url).stdout)
    assert [g["group"]["school"] for g in by_school] == ["S00", "S01"]
    zh = run("store", "portrait", db=url, lang="zh")
    assert zh.returncode == 0 and "教学模式" in zh.stdout

    months = json.loads(run("store", "monthly", "--json", db=url).stdout)
    assert sum(m["n_lessons"] for m in months) == 12 and months[0]["month"].endswith("-01")
    assert "Rt" in run("store", "monthly", "--region", "示范区", db=url).stdout

    norms_file = tmp_path / "norms.json"
    assert run("store", "norms", "-o", str(norms_file), db=url).returncode == 0
    norms = read_norms(norms_file)
    assert sum(n.n_lessons for n in norms.norms) == 12
    assert norms.norms[0].facts()["norm.rt.p50"] == norms.norms[0].metrics["rt"].percentiles[50]
    assert json.loads(run("store", "norms", "--json", db=url).stdout) == json.loads(norms_file.read_text("utf-8"))

    csv_file = tmp_path / "lessons.csv"
    assert run("store", "export", str(csv_file), "--teacher", listing[0]["teacher"], db=url).returncode == 0
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8-sig")))
    assert rows and {r["teacher"] for r in rows} == {listing[0]["teacher"]} and float(rows[0]["rt"]) > 0
    parquet_file = tmp_path / "findings.parquet"
    assert run("store", "export", str(parquet_file), "--table", "findings", db=url).returncode == 0
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.read_table(parquet_file).column_names[:2] == ["lesson_id", "finding_id"]

    removed = run("store", "remove", first, db=url)
    assert removed.returncode == 0 and "removed 1" in removed.stdout
    assert run("store", "show", first, db=url).returncode == 2
    assert len(json.loads(run("store", "list", "--json", db=url).stdout)) == 11


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_bad_file_refuses_the_whole_batch(backend: str, tmp_path: Path, files: list[Path]) -> None:
    url = database_url(backend, tmp_path)
    bad = tmp_path / "bad.analysis.json"
    bad.write_text('{"schema": "lessonlens.analysis/1", "lesson": {"title": "no id"}}', encoding="utf-8")
    result = run("store", "add", str(files[0]), str(bad), str(files[1]), db=url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "lesson.id" in lines[0]
    assert json.loads(run("store", "list", "--json", db=url).stdout) == []
    not_json = tmp_path / "x.json"
    not_json.write_text("{", encoding="utf-8")
    result = run("store", "add", str(not_json), db=url, lang="zh")
    assert result.returncode == 2 and "不是有效的 JSON" in result.stderr


def test_init_upgrades_an_old_store_that_other_commands_refuse(tmp_path: Path, files: list[Path]) -> None:
    url = str(tmp_path / "old.sqlite")
    with open_store(url) as store:
        store.add_files(files[:3])
        migrate.downgrade(store.engine, "0001")
    refused = run("store", "list", db=url)
    assert refused.returncode == 2 and "lessonlens store init" in refused.stderr
    upgraded = run("store", "init", db=url)
    assert upgraded.returncode == 0 and f"revision {migrate.head_revision()}" in upgraded.stdout
    assert len(json.loads(run("store", "list", "--json", db=url).stdout)) == 3


def test_parquet_without_pyarrow_says_what_to_install(tmp_path: Path, files: list[Path]) -> None:
    url = str(tmp_path / "s.sqlite")
    assert run("store", "add", str(files[0]), db=url).returncode == 0
    without_pyarrow = "import sys; sys.modules['pyarrow'] = None; from lessonlens.cli import main; " \
                      "sys.argv[0] = 'lessonlens'; main()"
    out = tmp_path / "x.parquet"
    result = run("store", "export", str(out), db=url, python=without_pyarrow)
    assert result.returncode == 2 and "lessonlens[parquet]" in result.stderr and not out.exists()


def test_a_file_that_is_not_norms_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "n.json"
    bad.write_text('{"schema": "lessonlens.analysis/1"}', encoding="utf-8")
    with pytest.raises(InputError, match="norms"):
        read_norms(bad)


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    result = run("store", "list", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot open the lesson store" in result.stderr
