"""YAML as users save it: a key given twice is an error at its line (never the last one silently
winning); UTF-8 with a BOM, UTF-16 and GB18030 (Notepad on a Chinese Windows) read alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonlens.core.errors import InputError
from lessonlens.diagnosis.pack import load_rules
from lessonlens.diagnosis.ruleset import RuleSetError
from lessonlens.rubric.schema_io import check_rubric_schema_file
from lessonlens.tables.yaml_files import load_yaml, read_yaml_file

SCHEMA = Path(__file__).parents[2] / "lessonlens" / "rubric_schemas" / "classroom-teaching.yaml"


def test_a_duplicate_key_is_an_error_at_its_line() -> None:
    with pytest.raises(InputError, match=r"duplicate key 'weight' \(line 3\)"):
        load_yaml("id: a\nweight: 0.3\nweight: 0.9\n", "rubric.yaml")
    with pytest.raises(InputError, match=r"duplicate key 'x' \(line 2\)"):
        load_yaml("- {x: 1,\n   x: 2}\n", "flow.yaml")
    # the same key in two mappings, merge keys and equal values under different keys are fine
    assert load_yaml("a: {x: 1}\nb: {x: 2}\nbase: &b {k: 1}\nc:\n  <<: *b\n  k: 2\n")["c"] == {"k": 2}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
def test_yaml_saved_in_other_encodings_reads_alike(tmp_path: Path, encoding: str) -> None:
    lesson = tmp_path / "lesson.yaml"
    lesson.write_bytes("teacher: 王丽\nsubject: 数学\n".encode(encoding))
    assert read_yaml_file(lesson) == {"teacher": "王丽", "subject": "数学"}
    rubric = tmp_path / "rubric.yaml"
    rubric.write_bytes(SCHEMA.read_text(encoding="utf-8").replace("id: classroom-teaching", "id: school-x")
                       .encode(encoding))
    schema, problems = check_rubric_schema_file(rubric)
    assert schema is not None and schema.id == "school-x" and not problems


def test_a_rubric_and_a_rule_pack_with_a_key_twice_are_refused(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.yaml"
    text = SCHEMA.read_text(encoding="utf-8")
    rubric.write_text(text.replace("    weight: 0.3\n", "    weight: 0.3\n    weight: 0.9\n", 1), encoding="utf-8")
    schema, problems = check_rubric_schema_file(rubric)
    assert schema is None and len(problems) == 1 and "duplicate key 'weight'" in problems[0].message("en")
    pack = tmp_path / "rules" / "pack.yaml"
    pack.parent.mkdir()
    pack.write_bytes("pack: school\nparams:\n  lecture_rt: 0.7\n  lecture_rt: 0.2\nrules: []\n".encode("gb18030"))
    with pytest.raises(RuleSetError, match=r"pack.yaml:4: .*duplicate key 'lecture_rt'"):
        load_rules([pack.parent])
