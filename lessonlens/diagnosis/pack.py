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

import attrs

from lessonlens.core.errors import MAX_LINE, InputError, quoted, shorten
from lessonlens.core.findings import Severity
from lessonlens.core.i18n import LANGS, Text, current_lang
from lessonlens.core.lesson import LessonMeta
from lessonlens.diagnosis.compile import (
    TYPE_NAMES,
    CompileError,
    Evaluator,
    Scope,
    Template,
    all_of,
    compile_node,
    compile_template,
    leaves,
    parse_expr,
)
from lessonlens.diagnosis.expr import BoolOp, Name, Node, Not, source_of
from lessonlens.diagnosis.functions import name_type
from lessonlens.diagnosis.yamlfile import LineDict, LineList, YamlFileError, read_yaml

RULE_KEYS = frozenset({"id", "severity", "title", "explanation", "suggestion", "when", "ranges", "asserts",
                       "finding", "tags"})
PACK_KEYS = frozenset({"pack", "name", "description", "params", "overrides", "rules", "disable", "metrics"})
MATCH_KEYS = ("school", "subject", "grade", "teacher", "region")
TEXT_FIELDS = ("title", "explanation", "suggestion")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*(\.[a-z0-9_\-]+)*$")

_M = {
    "yaml": Text(zh="YAML 无法解析：{problem}", en="not valid YAML: {problem}"),
    "not_mapping": Text(zh="{what}应为映射（键: 值）", en="{what} must be a mapping (key: value)"),
    "not_list": Text(zh="{what}应为列表", en="{what} must be a list"),
    "unknown_key": Text(zh="未知的键 `{key}`；可用：{known}", en="unknown key `{key}`; allowed: {known}"),
    "missing": Text(zh="缺少 `{key}`", en="`{key}` is missing"),
    "bad_id": Text(zh="规则 id `{id}` 无效：只能用小写字母、数字、_、- 和 .",
                   en="rule id `{id}` is invalid: use a-z, 0-9, _, - and ."),
    "duplicate": Text(zh="规则 id `{id}` 重复（首次出现在 {first}）", en="duplicate rule id `{id}` (first in {first})"),
    "severity": Text(zh="严重程度 `{value}` 无效；可用：{known}",
                     en="severity `{value}` is invalid; use one of {known}"),
    "translation": Text(zh="`{field}` 缺少 {language} 译文", en="`{field}` has no {language} translation"),
    "text": Text(zh="`{field}` 应为 {{zh-CN: ..., en: ...}}", en="`{field}` must be {{zh-CN: ..., en: ...}}"),
    "expr": Text(zh="`{field}` 中的表达式 `{source}` 有误：{problem}",
                 en="bad expression `{source}` in `{field}`: {problem}"),
    "not_bool": Text(zh="`{field}` 应为 true 或 false", en="`{field}` must be true or false"),
    "param_value": Text(zh="参数 `{name}` 的值 {value!r} 应为数字、文本或 true/false",
                        en="parameter `{name}` has value {value!r}; use a number, text or true/false"),
    "param_unknown": Text(zh="未声明的参数 `{name}`", en="parameter `{name}` is not declared in any pack"),
    "param_clash": Text(zh="参数 `{name}` 与指标同名", en="parameter `{name}` has the name of a metric"),
    "param_type": Text(zh="参数 `{name}` 应为{wanted}，实为 {value!r}",
                       en="parameter `{name}` must be a {wanted}, got {value!r}"),
    "fact_clash": Text(zh="事实 `{name}` 与指标或参数同名", en="fact `{name}` has the name of a metric or parameter"),
    "disable_unknown": Text(zh="要停用的规则 `{id}` 不存在", en="rule `{id}` to disable does not exist"),
    "cycle": Text(
        zh="规则 {chain} 构成经由 not 的循环：断言一个事实会推翻它自己所依赖的条件，推理永远无法稳定",
        en="rules {chain} form a cycle through `not`: asserting a fact undoes a condition it rests on, "
        "so the chain can never settle",
    ),
    "not_condition": Text(zh="条件应为真/假，实为{found}", en="a condition must be true/false, not a {found}"),
    "not_ranges": Text(zh="应为时间段，实为{found}", en="time ranges needed, not a {found}"),
    "no_rules": Text(zh="没有找到规则文件（*.yaml）", en="no rule files (*.yaml) found"),
    "missing_path": Text(zh="路径不存在", en="no such file or directory"),
    "invalid_set": Text(zh="规则有 {count} 处错误，第一处：{first}",
                        en="{count} problem(s) in the rules; first: {first}"),
}
_WHAT = {
    "file": Text(zh="规则文件", en="a rule file"),
    "rule": Text(zh="每条规则", en="each rule"),
    "rules": Text(zh="`rules`", en="`rules`"),
    "params": Text(zh="`params`", en="`params`"),
    "overrides": Text(zh="`overrides`", en="`overrides`"),
    "override": Text(zh="每个覆盖项", en="each override"),
    "asserts": Text(zh="`asserts`", en="`asserts`"),
    "when": Text(zh="`when`", en="`when`"),
    "disable": Text(zh="`disable`", en="`disable`"),
    "number": Text(zh="数字", en="number"),
    "text": Text(zh="文本", en="text"),
    "flag": Text(zh="true/false", en="true/false"),
}


@attrs.frozen
class RuleIssue:
    """One problem in a rule file: where it is and what is wrong, in both languages."""

    path: str
    line: int
    rule: str | None
    text: Text
    params: dict[str, Any] = attrs.field(factory=dict)

    def message(self, lang: str | None = None) -> str:
        lang = lang or current_lang()
        params = {k: quoted(v.get(lang) if isinstance(v, Text) else v) for k, v in self.params.items()}
        where = f"{self.path}:{self.line}" if self.line else self.path
        rule = f" [{self.rule}]" if self.rule else ""
        return shorten(f"{where}:{rule} {self.text.format(lang, **params)}", MAX_LINE)


class RuleSetError(InputError):
    """Rule files with problems; ``issues`` lists all of them."""

    def __init__(self, issues: Sequence[RuleIssue]) -> None:
        self.issues = tuple(issues)
        first = issues[0]
        first_text = Text(zh=first.message("zh-CN"), en=first.message("en"))
        super().__init__(_M["invalid_set"], None, count=len(issues), first=first_text)


@attrs.frozen
class Override:
    """Parameters for lessons whose metadata matches (each key: one value or a list of values)."""

    match: dict[str, tuple[str, ...]]
    params: dict[str, Any]
    path: str = ""
    line: int = 0

    def applies(self, lesson: LessonMeta) -> bool:
        return all(str(getattr(lesson, key, "") or "") in values for key, values in self.match.items())


@attrs.frozen
class CompiledRule:
    """A checked rule ready for an engine: conditions as closures, facts it needs and asserts."""

    id: str
    severity: Severity
    finding: bool
    texts: dict[str, dict[str, Template]]  # field -> lang -> template
    condition: Evaluator | None
    condition_source: str
    needs: tuple[str, ...]
    needs_absent: tuple[str, ...]
    asserts: tuple[str, ...]
    ranges: Evaluator | None
    explain: tuple[tuple[str, Evaluator], ...]
    path: str
    line: int
    order: int
    stratum: int = 0
    tags: tuple[str, ...] = ()


@attrs.frozen
class RuleSet:
    """The rules of all packs, their parameter defaults and the overrides that may change them."""

    rules: tuple[CompiledRule, ...]
    params: dict[str, Any]
    overrides: tuple[Override, ...]
    sources: tuple[str, ...]
    _cache: dict[tuple[str, ...], dict[str, Any]] = attrs.field(factory=dict, eq=False, repr=False)

    def params_for(self, lesson: LessonMeta, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The parameters for one lesson: defaults, then matching overrides in file order, then ``extra``."""
        key = tuple(str(getattr(lesson, k, "") or "") for k in MATCH_KEYS)
        params = self._cache.get(key)
        if params is None:
            params = dict(self.params)
            for override in self.overrides:
                if override.applies(lesson):
                    params.update(override.params)
            self._cache[key] = params
        return {**params, **extra} if extra else params


# -- reading ---------------------------------------------------------------------------------------
@attrs.define
class _RawRule:
    data: LineDict
    path: str
    line: int
    origin: int  # index of the directory it came from


@attrs.define
class _Collect:
    issues: list[RuleIssue] = attrs.field(factory=list)
    rules: dict[str, _RawRule] = attrs.field(factory=dict)
    params: dict[str, Any] = attrs.field(factory=dict)
    param_where: dict[str, tuple[str, int]] = attrs.field(factory=dict)
    overrides: list[Override] = attrs.field(factory=list)
    disabled: list[tuple[str, str, int]] = attrs.field(factory=list)
    metrics: list[str] = attrs.field(factory=list)
    sources: list[str] = attrs.field(factory=list)

    def add(self, path: str, line: int, rule: str | None, message: str, **params: Any) -> None:
        self.issues.append(RuleIssue(path, line, rule, _M[message], params))


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
    state = _Collect()
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
    rules = _compile_rules(state)
    ruleset = RuleSet(tuple(rules), dict(state.params), tuple(state.overrides), tuple(state.sources))
    return ruleset, state.issues


def _read_file(file: Path, origin: int, state: _Collect) -> None:
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
        state.add(where, 1, None, "not_mapping", what=_WHAT["file"])
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
        state.add(where, doc.line_of("disable"), None, "not_list", what=_WHAT["disable"])
    else:
        state.disabled.extend((str(rule_id), where, disable.line_of(i)) for i, rule_id in enumerate(disable))
    rules = doc.get("rules") or LineList()
    if not isinstance(rules, LineList):
        state.add(where, doc.line_of("rules"), None, "not_list", what=_WHAT["rules"])
        return
    for index, data in enumerate(rules):
        line = rules.line_of(index)
        if not isinstance(data, LineDict):
            state.add(where, line, None, "not_mapping", what=_WHAT["rule"])
            continue
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
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
        state.rules[rule_id] = _RawRule(data, where, line, origin)


_PERCENT = re.compile(r"^\s*-?\d+(\.\d+)?\s*%\s*$")


def _param_value(value: Any) -> Any:
    """A parameter's value; ``{value: ..., description: ...}`` and ``"5%"`` (= 0.05) are accepted."""
    if isinstance(value, LineDict) and "value" in value:
        value = value["value"]
    if isinstance(value, str) and _PERCENT.match(value):
        return float(value.strip().rstrip("%")) / 100.0
    return value


def _read_params(doc: LineDict, where: str, state: _Collect) -> None:
    params = doc.get("params")
    if params is None:
        return
    if not isinstance(params, LineDict):
        state.add(where, doc.line_of("params"), None, "not_mapping", what=_WHAT["params"])
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


def _read_overrides(doc: LineDict, where: str, state: _Collect) -> None:
    overrides = doc.get("overrides")
    if overrides is None:
        return
    if not isinstance(overrides, LineList):
        state.add(where, doc.line_of("overrides"), None, "not_list", what=_WHAT["overrides"])
        return
    for index, item in enumerate(overrides):
        line = overrides.line_of(index)
        if not isinstance(item, LineDict) or not isinstance(item.get("params"), LineDict):
            state.add(where, line, None, "not_mapping", what=_WHAT["override"])
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


def _check_param_values(params: Mapping[str, Any], where: str, line: int, state: _Collect) -> None:
    for name, value in params.items():
        if name not in state.params:
            state.add(where, line, None, "param_unknown", name=name)
            continue
        wanted = _type_of(state.params[name])
        if _type_of(value) != wanted:
            state.add(where, line, None, "param_type", name=name, value=value,
                      wanted=_WHAT[{"num": "number", "str": "text", "bool": "flag"}[wanted]])


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "num" if isinstance(value, int | float) else "str"


# -- compiling -------------------------------------------------------------------------------------
@attrs.define
class _Parsed:
    raw: _RawRule
    conditions: list[tuple[Node, int]]
    needs: list[str]
    needs_absent: list[str]
    asserts: list[str]
    ok: bool = True  # False: problems already reported; still compiled so that every problem shows


def _compile_rules(state: _Collect) -> list[CompiledRule]:
    facts: set[str] = set(state.rules)
    for raw in state.rules.values():
        asserts = raw.data.get("asserts") or []
        if isinstance(asserts, list):
            facts.update(str(a) for a in asserts)
    for fact in sorted(facts):
        if fact in state.params or name_type(fact, state.metrics) is not None:
            where = next((r for r in state.rules.values() if fact == r.data.get("id")
                          or fact in (r.data.get("asserts") or [])), None)
            state.add(where.path if where else "", where.line if where else 0, fact, "fact_clash", name=fact)
    scope = Scope(params={k: _type_of(v) for k, v in state.params.items()}, facts=frozenset(facts),
                  extra_metrics=tuple(state.metrics))
    parsed: list[_Parsed] = []
    for raw in state.rules.values():
        item = _parse_rule(raw, scope, state)
        if item is not None:
            parsed.append(item)
    strata = _strata(parsed, state)
    compiled: list[CompiledRule] = []
    for order, item in enumerate(parsed):
        rule = _compile_rule(item, order, strata.get(item.raw.data["id"], 0), scope, state)
        if rule is not None:
            compiled.append(rule)
    return compiled


def _parse_rule(raw: _RawRule, scope: Scope, state: _Collect) -> _Parsed | None:
    data, where = raw.data, raw.path
    rule_id = data["id"]
    ok = True
    for key in data:
        if key not in RULE_KEYS:
            state.add(where, data.line_of(key), rule_id, "unknown_key", key=key, known=", ".join(sorted(RULE_KEYS)))
            ok = False
    for key in ("severity", "title", "when"):
        if key not in data:
            state.add(where, raw.line, rule_id, "missing", key=key)
            ok = False
    if data.get("finding", True) is not False and "explanation" not in data:
        state.add(where, raw.line, rule_id, "missing", key="explanation")
        ok = False
    if "severity" in data and data["severity"] not in Severity.__members__.values():
        state.add(where, data.line_of("severity"), rule_id, "severity", value=data["severity"],
                  known=", ".join(s.value for s in Severity))
        ok = False
    if not isinstance(data.get("finding", True), bool):
        state.add(where, data.line_of("finding"), rule_id, "not_bool", field="finding")
        ok = False
    for field in TEXT_FIELDS:
        if field in data:
            ok = _check_texts(data, field, where, rule_id, state) and ok
    asserts = data.get("asserts") or []
    if not isinstance(asserts, list):
        state.add(where, data.line_of("asserts"), rule_id, "not_list", what=_WHAT["asserts"])
        ok = False
        asserts = []
    when = data.get("when")
    if when is None:
        return None
    items: list[tuple[str, int]]
    if isinstance(when, LineList):
        items = [(str(w), when.line_of(i)) for i, w in enumerate(when)]
    elif isinstance(when, str | int | float | bool):
        items = [(str(when).lower() if isinstance(when, bool) else str(when), data.line_of("when"))]
    else:
        state.add(where, data.line_of("when"), rule_id, "not_list", what=_WHAT["when"])
        return None
    conditions: list[tuple[Node, int]] = []
    needs: list[str] = []
    absent: list[str] = []
    for source, line in items:
        try:
            node = parse_expr(source)
        except CompileError as exc:
            state.add(where, line, rule_id, "expr", field="when", source=source, problem=_text(exc))
            ok = False
            continue
        for conjunct in node.operands if isinstance(node, BoolOp) and node.op == "and" else (node,):
            if isinstance(conjunct, Name) and conjunct.name in scope.facts:
                needs.append(conjunct.name)
            elif (isinstance(conjunct, Not) and isinstance(conjunct.operand, Name)
                  and conjunct.operand.name in scope.facts):
                absent.append(conjunct.operand.name)
            else:
                conditions.append((conjunct, line))
    return _Parsed(raw, conditions, needs, absent, [rule_id, *(str(a) for a in asserts)], ok)


def _check_texts(data: LineDict, field: str, where: str, rule_id: str, state: _Collect) -> bool:
    value = data[field]
    if not isinstance(value, dict):
        state.add(where, data.line_of(field), rule_id, "text", field=field)
        return False
    ok = True
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            line = value.line if isinstance(value, LineDict) else data.line_of(field)
            state.add(where, line, rule_id, "translation", field=field, language=lang)
            ok = False
    return ok


def _strata(parsed: list[_Parsed], state: _Collect) -> dict[str, int]:
    """Order rules so a rule testing ``not X`` runs after every rule that may assert ``X``.

    A cycle that passes through ``not`` has no such order: it is reported and its rules dropped.
    """
    asserted_by: dict[str, list[_Parsed]] = {}
    for item in parsed:
        for fact in item.asserts:
            asserted_by.setdefault(fact, []).append(item)
    # fact graph: needed fact -> asserted fact, marked negative for `not`
    edges: dict[str, list[tuple[str, bool, str]]] = {}
    for item in parsed:
        for fact in item.asserts:
            for need in item.needs:
                edges.setdefault(need, []).append((fact, False, item.raw.data["id"]))
            for need in item.needs_absent:
                edges.setdefault(need, []).append((fact, True, item.raw.data["id"]))
    bad: set[str] = set()
    for start, outs in edges.items():
        for target, negative, rule_id in outs:
            if not negative:
                continue
            chain = _path(edges, target, start)
            if chain is not None:
                rules = [rule_id, *chain]
                if rule_id in bad:
                    continue
                bad.update(rules)
                item = next(p for p in parsed if p.raw.data["id"] == rule_id)
                state.add(item.raw.path, item.raw.data.line_of("when"), rule_id, "cycle",
                          chain=" → ".join(dict.fromkeys(rules)))
    parsed[:] = [p for p in parsed if p.raw.data["id"] not in bad]
    stratum_of_fact: dict[str, int] = {}
    strata: dict[str, int] = {}
    for _ in range(len(parsed) + 1):  # relaxation; positive cycles cannot raise a stratum
        changed = False
        for item in parsed:
            level = max([stratum_of_fact.get(f, 0) for f in item.needs]
                        + [stratum_of_fact.get(f, 0) + 1 for f in item.needs_absent] + [0])
            if strata.get(item.raw.data["id"]) != level:
                strata[item.raw.data["id"]] = level
                changed = True
            for fact in item.asserts:
                if stratum_of_fact.get(fact, 0) < level:
                    stratum_of_fact[fact] = level
                    changed = True
        if not changed:
            break
    return strata


def _path(edges: dict[str, list[tuple[str, bool, str]]], start: str, goal: str) -> list[str] | None:
    """Rule ids along some path of fact edges from ``start`` to ``goal`` (``[]`` when equal)."""
    if start == goal:
        return []
    seen = {start}
    stack: list[tuple[str, list[str]]] = [(start, [])]
    while stack:
        node, rules = stack.pop()
        for target, _, rule_id in edges.get(node, []):
            if target == goal:
                return [*rules, rule_id]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*rules, rule_id]))
    return None


def _compile_rule(item: _Parsed, order: int, stratum: int, scope: Scope, state: _Collect) -> CompiledRule | None:
    data, where = item.raw.data, item.raw.path
    rule_id = data["id"]
    ok = item.ok
    conditions: list[Evaluator] = []
    explain: dict[str, Evaluator] = {}
    sources: list[str] = []
    for node, line in item.conditions:
        try:
            compiled = compile_node(node, scope)
            if compiled.type not in ("bool", "any"):
                raise CompileError(_M["not_condition"], found=TYPE_NAMES[compiled.type])
            conditions.append(compiled.fn)
            sources.append(compiled.source)
            for leaf in leaves(node):
                explain.setdefault(source_of(leaf), compile_node(leaf, scope).fn)
        except CompileError as exc:
            state.add(where, line, rule_id, "expr", field="when", source=source_of(node), problem=_text(exc))
            ok = False
    texts: dict[str, dict[str, Template]] = {}
    for field in TEXT_FIELDS:
        value = data.get(field)
        if not isinstance(value, dict):
            continue
        texts[field] = {}
        for lang in LANGS:
            if not isinstance(value.get(lang), str):
                continue  # reported as a missing translation
            try:
                texts[field][lang] = compile_template(str(value[lang]), scope)
            except CompileError as exc:
                line = value.line_of(lang) if isinstance(value, LineDict) else data.line_of(field)
                state.add(where, line, rule_id, "expr", field=f"{field}.{lang}", source=str(value[lang])[:60],
                          problem=_text(exc))
                ok = False
    ranges: Evaluator | None = None
    if data.get("ranges"):
        try:
            compiled = compile_node(parse_expr(str(data["ranges"])), scope)
            if compiled.type not in ("ranges", "any"):
                raise CompileError(_M["not_ranges"], found=TYPE_NAMES[compiled.type])
            ranges = compiled.fn
        except CompileError as exc:
            state.add(where, data.line_of("ranges"), rule_id, "expr", field="ranges", source=str(data["ranges"]),
                      problem=_text(exc))
            ok = False
    if not ok:
        return None
    condition = _conjunction(conditions)
    return CompiledRule(
        id=rule_id, severity=Severity(data["severity"]), finding=bool(data.get("finding", True)),
        texts=texts, condition=condition, condition_source=" and ".join(sources),
        needs=tuple(dict.fromkeys(item.needs)), needs_absent=tuple(dict.fromkeys(item.needs_absent)),
        asserts=tuple(dict.fromkeys(item.asserts)), ranges=ranges, explain=tuple(explain.items()),
        path=where, line=item.raw.line, order=order, stratum=stratum,
        tags=tuple(str(t) for t in data.get("tags") or ()),
    )


def _conjunction(conditions: list[Evaluator]) -> Evaluator | None:
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return all_of(conditions)


def _text(exc: CompileError) -> Text:
    return Text(zh=exc.message("zh-CN"), en=exc.message("en"))


def default_rule_paths() -> list[Path]:
    """The rule directories plugins registered (the default pack first)."""
    from lessonlens.core.plugins import get_manager

    return [reg.item for reg in get_manager().registry.rule_paths]

