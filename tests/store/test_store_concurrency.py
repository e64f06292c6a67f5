"""Several processes writing to one store at once lose nothing (SQLite WAL and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lessonlens.store import open_store
from lessonlens.store.models import analysis_table, finding_table, lesson_table, rubric_table, teacher_table
from lessonlens.store.synthetic import synthetic_district
from tests.support.store import BACKENDS, database_url

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from lessonlens.store import open_store
    from lessonlens.store.synthetic import synthetic_district

    url, seed, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    own = synthetic_district(40, seed=seed, n_schools=3, teachers_per_school=3)
    shared = synthetic_district(10, seed=99, n_schools=3, teachers_per_school=3)
    if seed % 2:
        shared.reverse()                   # the same lessons in another order must not deadlock
    with open_store(url) as store:
        while not go.exists():
            time.sleep(0.01)
        for i, analysis in enumerate(own):
            store.add([analysis])          # one transaction per lesson: many short writers
            if i % 4 == 0:
                store.add(shared)          # every writer re-imports the same ten lessons
""")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_writers_lose_nothing(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    with open_store(url):
        pass  # created before the writers start, as `lessonlens store init` would
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(seed), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in range(4)]
    time.sleep(1.0)
    go.touch()
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    expected = {a.lesson.id: a for seed in (*range(4), 99)
                for a in synthetic_district(40 if seed != 99 else 10, seed=seed, n_schools=3, teachers_per_school=3)}
    with open_store(url) as store, store.engine.connect() as conn:
        ids = list(conn.scalars(select(lesson_table.c.id)))
        assert sorted(ids) == sorted(expected)
        assert conn.scalar(select(func.count()).select_from(analysis_table)) == len(expected)
        assert conn.scalar(select(func.count()).select_from(finding_table)) == sum(
            len(a.findings) for a in expected.values())
        assert conn.scalar(select(func.count()).select_from(rubric_table)) == 6 * len(expected)
        # teachers are shared by all writers and exist once each
        assert conn.scalar(select(func.count()).select_from(teacher_table)) == len(
            {(a.lesson.school, a.lesson.teacher) for a in expected.values()})


OPENER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from lessonlens.store import open_store
    from lessonlens.store.synthetic import synthetic_district

    url, seed, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    analyses = synthetic_district(3, seed=seed)
    while not go.exists():
        time.sleep(0.005)
    with open_store(url) as store:     # every process finds an empty database and migrates it
        store.add(analyses)
""")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_processes_opening_a_new_store_at_once_migrate_it_once(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    go = tmp_path / "go"
    openers = [subprocess.Popen([sys.executable, "-c", OPENER, url, str(seed), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in range(4)]
    time.sleep(1.0)
    go.touch()
    for opener in openers:
        _, err = opener.communicate(timeout=300)
        assert opener.returncode == 0, err
    with open_store(url) as store:
        assert len(store.lessons()) == 12
