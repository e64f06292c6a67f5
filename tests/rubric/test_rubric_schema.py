"""Rubric schema files: the shipped ones, every validation problem, formats and discovery."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lessonlens import hookimpl
from lessonlens.core.documents import to_dict
from lessonlens.core.errors import InputError
from lessonlens.core.plugins import get_manager
from lessonlens.rubric.catalog import find_rubric_schema, list_rubric_schemas
from lessonlens.rubric.schema_io import check_rubric_schema_file, parse_rubric_schema, read_rubric_schema
from lessonlens.rubric.tree import rubric_tree
from lessonlens.rubric_schemas import SCHEMAS_DIR
from lessonlens.tables.problems import RubricProblems

BAND_LIST = [
    {"id": "good", "name": {"zh-CN": "良好", "en": "Good"}, "low": 0.75, "high": 1.0, "color": "#1e88e5"},
    {"id": "pass", "name": {"zh-CN": "合格", "en": "Pass"}, "low": 0.6, "high": 0.75, "color": "#f9a825"},
    {"id": "low", "name": {"zh-CN": "待改进", "en": "Improve"}, "low": 0, "high": 0.6, "color": "#e53935"},
]
BASE: dict[str, Any] = {
    "id": "school-rubric",
    "kind": "classroom_teaching",
    "name": {"zh-CN": "校本量规", "en": "School rubric"},
    "bands": BAND_LIST,
    "indicators": [
        {"id": "A", "name": {"zh-CN": "目标", "en": "Objectives"}, "weight": 0.5, "children": [
            {"id": "A.1", "name": {"zh-CN": "目标达成", "en": "Achieved"}, "max_score": 5,
             "description": {"zh-CN": "多数学生达成目标", "en": "Most students reach the objectives"}},
            {"id": "A.2", "name": {"zh-CN": "目标表述", "en": "Wording"}, "max_score": 5},
        ]},
        {"id": "B", "name": {"zh-CN": "氛围", "en": "Climate"}, "weight": 0.5, "children": [
            {"id": "B.1", "name": {"zh-CN": "参与", "en": "Participation"}, "max_score": 5},
        ]},
    ],
}


def write(tmp_path: Path, data: Any, name: str = "rubric.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def first_leaf(d: dict[str, Any]) -> dict[str, Any]:
    leaf: dict[str, Any] = d["indicators"][0]["children"][0]
    return leaf


def test_base_is_valid(tmp_path: Path) -> None:
    schema, problems = check_rubric_schema_file(write(tmp_path, BASE))
    assert problems == [] and schema is not None
    assert [i.id for i in schema.indicators] == ["A", "A.1", "A.2", "B", "B.1"]
    assert schema.indicators[1].parent == "A" and schema.indicators[1].max_score == 5


@pytest.mark.parametrize("schema_file", sorted(SCHEMAS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_schemas_validate(schema_file: Path) -> None:
    schema, problems = check_rubric_schema_file(schema_file)
    assert [p.message("en") for p in problems] == []
    assert schema is not None and schema.id == schema_file.stem
    tree = rubric_tree(schema)
    for ind in schema.indicators:  # everything bilingual
        assert ind.name["zh-CN"] and ind.name["en"]
        if tree.is_leaf(tree.index[ind.id]):
            assert ind.description["zh-CN"] and ind.description["en"]


def test_shipped_schemas_have_the_structure_of_the_spec() -> None:
    design = rubric_tree(read_rubric_schema(SCHEMAS_DIR / "teaching-design.yaml"))
    assert design.schema.kind == "teaching_design"
    assert [design.ids[i] for i in design.children[design.root]] == [
        "objectives", "learners", "key-points", "process", "homework", "board"]
    assert design.max_scores[design.root] == 100
    teaching = rubric_tree(read_rubric_schema(SCHEMAS_DIR / "classroom-teaching.yaml"))
    assert teaching.schema.kind == "classroom_teaching" and teaching.schema.weights_sum_to_one
    assert [teaching.ids[i] for i in teaching.children[teaching.root]] == [
        "achievement", "questioning", "methods", "climate"]
    english = rubric_tree(read_rubric_schema(SCHEMAS_DIR / "primary-english.yaml"))
    assert max(english.levels) == 3 and english.schema.subject == "english"
    assert [english.ids[i] for i in english.children[english.root]] == ["skills", "literacy", "practice"]
    assert english.indicator(english.index["skills.viewing"]).name["zh-CN"] == "看"
    assert english.indicator(english.index["practice.feedback"]).name["zh-CN"] == "反馈方式和评价效果"


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        target = d
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return apply


def _weigh(d: dict[str, Any], top_a: float, a: tuple[float, float] | None) -> None:
    """A rubric that requires weights adding up to 1 in every group."""
    d["weights_sum_to_one"] = True
    d["indicators"][0]["weight"] = top_a
    if a is not None:
        for child, w in zip(d["indicators"][0]["children"], a, strict=True):
            child["weight"] = w
    d["indicators"][1]["children"][0]["weight"] = 1.0


_DELETE = object()
_LEAF = ["indicators", 0, "children", 0]

# (case id, mutation, expected fragments of the one problem line (English))
CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("duplicate id", _set([*_LEAF[:-1], 1, "id"], "A.1"), ["indicator A.1", "duplicate indicator id"]),
    ("leaf without max", _set([*_LEAF, "max_score"], _DELETE), ["indicator A.1", "has no max_score"]),
    ("max not a number", _set([*_LEAF, "max_score"], "ten"), ["indicator A.1", "max_score must be a number"]),
    ("max not positive", _set([*_LEAF, "max_score"], 0), ["indicator A.1", "max_score must be greater than 0"]),
    ("weight not positive", _set(["indicators", 0, "weight"], -1), ["indicator A", "weight must be greater"]),
    ("partial weights", _set(["indicators", 1, "weight"], _DELETE),
     ["level-1 indicators some indicators have a weight", "B lack one"]),
    ("weights do not add up", lambda d: _weigh(d, top_a=0.7, a=(0.5, 0.5)),
     ["the weights under the level-1 indicators add up to 1.2; the rubric requires 1"]),
    ("weights required", lambda d: _weigh(d, top_a=0.5, a=None),
     ["indicator A:", "requires weights adding up to 1", "under A A.1, A.2 have no weight"]),
    ("bands overlap", _set(["bands", 1, "high"], 0.8), ["bands pass and good overlap", "ends at 0.8"]),
    ("bands gap", _set(["bands", 1, "high"], 0.7), ["bands pass and good leave a gap", "0.7 to 0.75"]),
    ("bands start above 0", _set(["bands", 2, "low"], 0.1), ["lowest band low starts at 0.1"]),
    ("bands end below 1", _set(["bands", 0, "high"], 0.9), ["highest band good ends at 0.9"]),
    ("band range", _set(["bands", 2, "low"], 0.7), ["band low: range 0.7-0.6 is not valid"]),
    ("band colour", _set(["bands", 0, "color"], "green"), ["band good: colour 'green' is not valid"]),
    ("duplicate band", _set(["bands", 1, "id"], "good"), ["band good: duplicate id"]),
    ("missing english name", _set([*_LEAF, "name"], {"zh-CN": "目标达成"}), ["indicator A.1", "name has no English"]),
    ("missing chinese description", _set([*_LEAF, "description"], {"en": "x"}),
     ["indicator A.1", "description has no Chinese"]),
    ("missing rubric name", _set(["name", "en"], _DELETE), ["name has no English text"]),
    ("band name", _set(["bands", 0, "name"], {"en": "Good"}), ["good.name has no Chinese"]),
    ("name not bilingual", _set([*_LEAF, "name"], "目标达成"), ["indicator A.1", "name must be written as"]),
    ("unknown language", _set([*_LEAF, "name", "fr"], "Atteint"), ["indicator A.1", "language 'fr'"]),
    ("unknown field", _set([*_LEAF, "maxscore"], 5), ["indicator A.1", "unknown field maxscore"]),
    ("reserved id", _set([*_LEAF, "id"], "overall"), ["indicator overall", "reserved"]),
    ("bad id", _set([*_LEAF, "id"], "A 1"), ["indicator A 1", "'A 1' is not valid"]),
    ("rubric id with a dot", _set(["id"], "school.v2"), ["rubric id 'school.v2' is not valid", "no dots"]),
    ("parent max mismatch", _set(["indicators", 1, "max_score"], 10), ["indicator B", "max_score is 10",
                                                                        "add up to 5"]),
    ("parent conflict", _set([*_LEAF, "parent"], "B"), ["indicator A.1", "nested under A but names B"]),
    ("too deep", lambda d: first_leaf(d).update(max_score=None, children=[
        {"id": "x", "name": {"zh-CN": "x", "en": "x"}, "children": [
            {"id": "y", "name": {"zh-CN": "y", "en": "y"}, "max_score": 1}]}]), ["indicator y", "level 4"]),
    ("required kind", _set(["kind"], _DELETE), ["required field kind is missing"]),
    ("no bands", _set(["bands"], []), ["defines no grade bands"]),
    ("no indicators", _set(["indicators"], []), ["has no indicators"]),
    ("indicators not a list", _set(["indicators"], {"A": 1}), ["indicators must be a list"]),
]


@pytest.mark.parametrize(("mutate", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_validation_problem_is_one_clear_line(tmp_path: Path, mutate: Callable[[dict[str, Any]], None],
                                                    fragments: list[str]) -> None:
    data = copy.deepcopy(BASE)
    mutate(data)
    path = write(tmp_path, data)
    _, problems = check_rubric_schema_file(path)
    lines = [p.message("en") for p in problems]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in lines[0].replace("–", "-"), lines[0]
    assert "\n" not in lines[0]
    assert problems[0].message("zh-CN") != lines[0]  # and a Chinese line too


def test_flat_indicators_with_parents_missing_parent_and_cycle(tmp_path: Path) -> None:
    flat = copy.deepcopy(BASE)
    flat["indicators"] = [
        {"id": "A", "name": {"zh-CN": "甲", "en": "A"}},
        {"id": "A.1", "parent": "A", "name": {"zh-CN": "甲一", "en": "A1"}, "max_score": 4},
    ]
    schema, problems = check_rubric_schema_file(write(tmp_path, flat))
    assert problems == [] and schema is not None and schema.indicators[1].parent == "A"
    flat["indicators"].append({"id": "Z.1", "parent": "Z", "name": {"zh-CN": "z", "en": "z"}, "max_score": 1})
    _, problems = check_rubric_schema_file(write(tmp_path, flat))
    assert [p.message("en").split(": ", 1)[1] for p in problems] == [
        "indicator Z.1: parent indicator Z does not exist"]
    flat["indicators"][-1] = {"id": "C", "parent": "D", "name": {"zh-CN": "c", "en": "c"}}
    flat["indicators"].append({"id": "D", "parent": "C", "name": {"zh-CN": "d", "en": "d"}})
    _, problems = check_rubric_schema_file(write(tmp_path, flat))
    assert sorted(p.message("en").split(": ", 1)[1] for p in problems) == [
        "indicator C: the parent links form a cycle", "indicator D: the parent links form a cycle"]


def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    assert "not valid YAML" in check_rubric_schema_file(bad)[1][0].message("en")
    listed = write(tmp_path, ["a", "b"], "list.yaml")
    assert "must be a mapping" in check_rubric_schema_file(listed)[1][0].message("en")
    assert "file not found" in check_rubric_schema_file(tmp_path / "none.yaml")[1][0].message("en")


def test_several_problems_raise_together_one_line_each(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    first_leaf(data).pop("max_score")
    data["bands"][0]["color"] = "green"
    with pytest.raises(RubricProblems) as caught:
        read_rubric_schema(write(tmp_path, data))
    lines = caught.value.message("en").splitlines()
    assert len(lines) == 2 and all(line.startswith(str(tmp_path)) for line in lines)
    assert isinstance(caught.value, InputError)


def test_json_document_round_trip(tmp_path: Path) -> None:
    schema = read_rubric_schema(write(tmp_path, BASE))
    path = tmp_path / "rubric.json"
    path.write_text(json.dumps(to_dict(schema), ensure_ascii=False), encoding="utf-8")
    assert read_rubric_schema(path) == schema
    plain = tmp_path / "plain.json"  # a JSON file in the YAML layout works too
    plain.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    assert read_rubric_schema(plain) == schema


def test_discovery_user_path_env_and_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [e.id for e in list_rubric_schemas()]
    assert ids == ["classroom-teaching", "primary-english", "teaching-design"]
    assert all(e.origin == "lessonlens.rubric_schemas" for e in list_rubric_schemas())

    mine = tmp_path / "mine"
    mine.mkdir()
    write(mine, BASE, "school.yaml")
    assert find_rubric_schema("school-rubric", [mine]).name["en"] == "School rubric"
    with pytest.raises(InputError, match=r"no rubric school-rubric.*available: classroom-teaching"):
        find_rubric_schema("school-rubric")

    monkeypatch.setenv("LESSONLENS_RUBRIC_PATH", str(mine))
    assert find_rubric_schema("school-rubric").id == "school-rubric"
    monkeypatch.delenv("LESSONLENS_RUBRIC_PATH")

    plugged = tmp_path / "plugged"
    plugged.mkdir()
    write(plugged, {**BASE, "id": "district-rubric"}, "district.yaml")

    class DistrictPlugin:
        @hookimpl
        def register_rubric_schemas(self, register: Callable[[Path], None]) -> None:
            register(plugged)

    get_manager().register(DistrictPlugin(), name="district")
    entry = next(e for e in list_rubric_schemas() if e.id == "district-rubric")
    assert entry.origin == "district" and entry.problems == ()

    shadow = tmp_path / "shadow"
    shadow.mkdir()
    write(shadow, {**BASE, "id": "teaching-design"}, "td.yaml")
    assert find_rubric_schema("teaching-design", [shadow]).name["en"] == "School rubric"  # user path wins
    assert find_rubric_schema(str(SCHEMAS_DIR / "teaching-design.yaml")).name["en"] == "Teaching design rubric"


def test_broken_files_are_listed_with_their_problems(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    first_leaf(data).pop("max_score")
    write(tmp_path, data, "broken.yaml")
    entry = next(e for e in list_rubric_schemas([tmp_path]) if e.id == "school-rubric")
    assert len(entry.problems) == 1 and "max_score" in entry.problems[0].message("en")


def test_the_example_in_the_docs_is_valid() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "rubrics.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", docs, re.S)
    assert block is not None
    schema, problems = parse_rubric_schema(yaml.safe_load(block.group(1)), "docs/rubrics.md")
    assert [p.message("en") for p in problems] == []
    assert schema is not None
    tree = rubric_tree(schema)
    assert (len(tree.ids), len(tree.leaves), max(tree.levels), tree.max_scores[tree.root]) == (10, 6, 3, 50)
