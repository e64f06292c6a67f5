"""Compiling a rule pack's rules: expressions checked and turned into closures, rule texts checked,
strata ordered so that no chain of rules undoes itself through ``not``."""

from __future__ import annotations

import attrs

from lessonlens.core.findings import Severity
from lessonlens.core.i18n import LANGS, Text
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
from lessonlens.diagnosis.ruleset import (
    MESSAGES,
    RULE_KEYS,
    TEXT_FIELDS,
    WHAT,
    Collect,
    CompiledRule,
    RawRule,
    type_of,
)
from lessonlens.diagnosis.yamlfile import LineDict, LineList


@attrs.define
class _Parsed:
    raw: RawRule
    conditions: list[tuple[Node, int]]
    needs: list[str]
    needs_absent: list[str]
    asserts: list[str]
    ok: bool = True  # False: problems already reported; still compiled so that every problem shows


def compile_rules(state: Collect) -> list[CompiledRule]:
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
    scope = Scope(params={k: type_of(v) for k, v in state.params.items()}, facts=frozenset(facts),
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


def _parse_rule(raw: RawRule, scope: Scope, state: Collect) -> _Parsed | None:
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
        state.add(where, data.line_of("asserts"), rule_id, "not_list", what=WHAT["asserts"])
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
        state.add(where, data.line_of("when"), rule_id, "not_list", what=WHAT["when"])
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


def _check_texts(data: LineDict, field: str, where: str, rule_id: str, state: Collect) -> bool:
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


def _strata(parsed: list[_Parsed], state: Collect) -> dict[str, int]:
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


def _compile_rule(item: _Parsed, order: int, stratum: int, scope: Scope, state: Collect) -> CompiledRule | None:
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
                raise CompileError(MESSAGES["not_condition"], found=TYPE_NAMES[compiled.type])
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
                raise CompileError(MESSAGES["not_ranges"], found=TYPE_NAMES[compiled.type])
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


