"""Rule packs: YAML files of parameters and rules, checked and compiled into one :class:`RuleSet`.

Files are read in order (directories in the order given, files in a directory by name). A later
file may change a parameter's default, add overrides, replace a rule by reusing its id (in another
directory) or ``disable`` rules. Every problem becomes a :class:`RuleIssue` naming the file, the
rule and the line; :func:`load_rules` refuses a set with any issue, :func:`check_rules` lists them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lessonlens.diagnosis.functions import name_type
from lessonlens.diagnosis.pack_compile import compile_rules
from lessonlens.diagnosis.ruleset import (
    MATCH_KEYS,
    PACK_KEYS,
    RULE_ID,
    WHAT,
    Collect,
    CompiledRule,
    Override,
    RawRule,
    RuleIssue,
    RuleSet,
    RuleSetError,
    type_of,
)
from lessonlens.diagnosis.yamlfile import LineDict, LineList, YamlFileError, read_yaml

__all__ = [
    "CompiledRule", "Override", "RuleIssue", "RuleSet", "RuleSetError", "check_rules", "default_rule_paths",
    "load_rules", "rule_files",
]


def rule_files(paths: Iterable[Path]) -> list[tuple[int, Path]]:
    files: list[tuple[int, Path]] = []
    for origin, path in enumerate(paths):
        if path.is_dir():
            files.extend((origin, p) for p in sorted(path.glob("*.y*ml")) if p.suffix in (".yaml", ".yml"))
        else:
            files.append((origin, path))
    return files


def check_rules(paths: Sequence[Path | str]) -> list[RuleIssue]:
    """Every problem in the rule files under ``paths`` (empty when they are fine)."""
    return _build([Path(p) for p in paths])[1]


def load_rules(paths: Sequence[Path | str]) -> RuleSet:
    """The compiled rules under ``paths``; raises :class:`RuleSetError` listing every problem."""
    ruleset, issues = _build([Path(p) for p in paths])
    if issues:
        raise RuleSetError(issues)
    return ruleset


def _build(paths: list[Path]) -> tuple[RuleSet, list[RuleIssue]]:
    state = Collect()
    for path in paths:
        if not os.path.lexists(path):
            state.add(str(path), 0, None, "missing_path")
    files = rule_files(p for p in paths if os.path.lexists(p))  # a link loop is read, and refused, as a file
    if not files and not state.issues:
        state.add(", ".join(str(p) for p in paths), 0, None, "no_rules")
    for origin, file in files:
        _read_file(file, origin, state)
    for rule_id, where, line in state.disabled:
        if state.rules.pop(rule_id, None) is None:
            state.add(where, line, rule_id, "disable_unknown", id=rule_id)
    for override in state.overrides:
        _check_param_values(override.params, override.path, override.line, state)
    rules = compile_rules(state)
    ruleset = RuleSet(tuple(rules), dict(state.params), tuple(state.overrides), tuple(state.sources))
    return ruleset, state.issues


def _read_file(file: Path, origin: int, state: Collect) -> None:
    where = str(file)
    state.sources.append(where)
    try:
        doc = read_yaml(file)
    except YamlFileError as exc:
        state.add(where, exc.line, None, "yaml", problem=exc.problem)
        return
    except (OSError, UnicodeDecodeError) as exc:
        state.add(where, 0, None, "yaml", problem=str(exc))
        return
    if doc is None:
        return
    if not isinstance(doc, LineDict):
        state.add(where, 1, None, "not_mapping", what=WHAT["file"])
        return
    for key in doc:
        if key not in PACK_KEYS:
            state.add(where, doc.line_of(key), None, "unknown_key", key=key, known=", ".join(sorted(PACK_KEYS)))
    metrics = doc.get("metrics") or []
    if isinstance(metrics, list):
        state.metrics.extend(str(m) for m in metrics)
    _read_params(doc, where, state)
    _read_overrides(doc, where, state)
    disable = doc.get("disable") or LineList()
    if not isinstance(disable, LineList):
        state.add(where, doc.line_of("disable"), None, "not_list", what=WHAT["disable"])
    else:
        state.disabled.extend((str(rule_id), where, disable.line_of(i)) for i, rule_id in enumerate(disable))
    rules = doc.get("rules") or LineList()
    if not isinstance(rules, LineList):
        state.add(where, doc.line_of("rules"), None, "not_list", what=WHAT["rules"])
        return
    for index, data in enumerate(rules):
        line = rules.line_of(index)
        if not isinstance(data, LineDict):
            state.add(where, line, None, "not_mapping", what=WHAT["rule"])
            continue
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            if rule_id is None:
                state.add(where, line, None, "missing", key="id")
            else:
                state.add(where, data.line_of("id"), None, "bad_id", id=rule_id)
            continue
        previous = state.rules.get(rule_id)
        if previous is not None and previous.origin == origin:
            state.add(where, line, rule_id, "duplicate", id=rule_id, first=f"{previous.path}:{previous.line}")
            continue
        state.rules.pop(rule_id, None)  # a later directory replaces the rule (and moves it to the end)
        state.rules[rule_id] = RawRule(data, where, line, origin)


_PERCENT = re.compile(r"^\s*-?\d+(\.\d+)?\s*%\s*$")


def _param_value(value: Any) -> Any:
    """A parameter's value; ``{value: ..., description: ...}`` and ``"5%"`` (= 0.05) are accepted."""
    if isinstance(value, LineDict) and "value" in value:
        value = value["value"]
    if isinstance(value, str) and _PERCENT.match(value):
        return float(value.strip().rstrip("%")) / 100.0
    return value


def _read_params(doc: LineDict, where: str, state: Collect) -> None:
    params = doc.get("params")
    if params is None:
        return
    if not isinstance(params, LineDict):
        state.add(where, doc.line_of("params"), None, "not_mapping", what=WHAT["params"])
        return
    for name, raw in params.items():
        value = _param_value(raw)
        line = params.line_of(name)
        if not isinstance(value, int | float | str | bool) or value is None:
            state.add(where, line, None, "param_value", name=name, value=value)
            continue
        if name_type(name) is not None:
            state.add(where, line, None, "param_clash", name=name)
            continue
        if name in state.params:
            _check_param_values({name: value}, where, line, state)
        state.params[name] = value
        state.param_where.setdefault(name, (where, line))


def _read_overrides(doc: LineDict, where: str, state: Collect) -> None:
    overrides = doc.get("overrides")
    if overrides is None:
        return
    if not isinstance(overrides, LineList):
        state.add(where, doc.line_of("overrides"), None, "not_list", what=WHAT["overrides"])
        return
    for index, item in enumerate(overrides):
        line = overrides.line_of(index)
        if not isinstance(item, LineDict) or not isinstance(item.get("params"), LineDict):
            state.add(where, line, None, "not_mapping", what=WHAT["override"])
            continue
        match: dict[str, tuple[str, ...]] = {}
        for key, value in item.items():
            if key == "params":
                continue
            if key not in MATCH_KEYS:
                state.add(where, item.line_of(key), None, "unknown_key", key=key,
                          known=", ".join((*MATCH_KEYS, "params")))
                continue
            values = value if isinstance(value, list) else [value]
            match[key] = tuple(str(v) for v in values)
        params = {name: _param_value(v) for name, v in item["params"].items()}
        state.overrides.append(Override(match, params, where, item.line_of("params")))


def _check_param_values(params: Mapping[str, Any], where: str, line: int, state: Collect) -> None:
    for name, value in params.items():
        if name not in state.params:
            state.add(where, line, None, "param_unknown", name=name)
            continue
        wanted = type_of(state.params[name])
        if type_of(value) != wanted:
            state.add(where, line, None, "param_type", name=name, value=value,
                      wanted=WHAT[{"num": "number", "str": "text", "bool": "flag"}[wanted]])


def default_rule_paths() -> list[Path]:
    """The rule directories plugins registered (the default pack first)."""
    from lessonlens.core.plugins import get_manager

    return [reg.item for reg in get_manager().registry.rule_paths]

