"""Diagnosis: run a rule set over a lesson and turn the fired rules into findings and an explanation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError
from lessonlens.core.findings import Finding, Severity
from lessonlens.core.i18n import LANGS, Text
from lessonlens.core.metrics import TimeRange
from lessonlens.diagnosis.engine import DEFAULT_ENGINE, Firing, make_engine
from lessonlens.diagnosis.env import LessonEnv, lesson_values
from lessonlens.diagnosis.pack import default_rule_paths, load_rules
from lessonlens.diagnosis.ruleset import CompiledRule, RuleSet
from lessonlens.files.gates import resolved

RulesArg = RuleSet | Sequence[Path | str] | None


@attrs.frozen
class ExplainStep:
    """One fired rule: where it stands in the chain, what it matched and what it asserted."""

    order: int
    rule: str
    severity: Severity
    condition: str
    needs: tuple[str, ...]
    absent: tuple[str, ...]
    asserts: tuple[str, ...]
    values: dict[str, Any]
    source: str
    finding: bool


@attrs.frozen
class Diagnosis:
    """The findings of one lesson and the chain of rules that produced them."""

    lesson: str
    findings: tuple[Finding, ...]
    explanation: tuple[ExplainStep, ...]
    params: dict[str, Any]
    rule_files: tuple[str, ...]
    engine: str


def rule_set(rules: RulesArg = None) -> RuleSet:
    """``None``: the registered packs; paths: the registered packs then these (later ones override)."""
    if isinstance(rules, RuleSet):
        return rules
    paths = [*default_rule_paths(), *(Path(p) for p in rules or ())]
    unique = list(dict.fromkeys(resolved(p) for p in paths))  # the default pack named again is read once
    return load_rules(unique)


_UNKNOWN_PARAM = Text(zh="未知的参数 {name}（可用：{known}）", en="unknown parameter {name} (known: {known})")
_PARAM_TYPE = Text(zh="参数 {name} 应为{wanted}，收到 {value!r}", en="parameter {name} must be {wanted}, got {value!r}")
_PARAM_KINDS = {"num": Text(zh="有限的数", en="a finite number"), "bool": Text(zh="true 或 false", en="true or false"),
                "str": Text(zh="文本", en="text")}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "num" if isinstance(value, int | float) else "str"


def check_params(known: Mapping[str, Any], given: Mapping[str, Any]) -> None:
    """Refuse a parameter the rule packs do not define, or a value of the wrong kind (``x=abc`` for a number)."""
    for name, value in given.items():
        if name not in known:
            raise InputError(_UNKNOWN_PARAM, name=name, known=", ".join(sorted(known)))
        wanted = _kind(known[name])
        if _kind(value) != wanted or (wanted == "num" and not math.isfinite(value)):
            raise InputError(_PARAM_TYPE, name=name, wanted=_PARAM_KINDS[wanted], value=value)


class Diagnoser:
    """A rule set compiled into an engine once, to diagnose many lessons quickly."""

    def __init__(self, rules: RulesArg = None, engine: str = DEFAULT_ENGINE) -> None:
        self.rules = rule_set(rules)
        self.engine = make_engine(self.rules, engine)

    def env(self, analysis: Analysis, params: Mapping[str, Any] | None = None,
            facts: Mapping[str, Any] | None = None) -> LessonEnv:
        """What the rules see of ``analysis``; ``facts`` (e.g. a district norm's) add names, never replace.

        A name the lesson already has keeps the lesson's value, even when that value is ``None``
        (not measured): extra facts describe the context of a lesson, not the lesson.
        """
        if params:
            check_params(self.rules.params, params)
        values = lesson_values(analysis)
        if facts:
            values = {**facts, **values}
        return LessonEnv(
            lesson_id=analysis.lesson.id,
            values=values,
            params=self.rules.params_for(analysis.lesson, params),
            metrics=analysis.metrics,
            timeline=analysis.timeline,
            rubrics=analysis.rubric_results,
        )

    def firings(self, analysis: Analysis, params: Mapping[str, Any] | None = None,
                facts: Mapping[str, Any] | None = None) -> list[Firing]:
        """Only which rules fire (no messages): the fast path for batches and benchmarks."""
        return self.engine.run(self.env(analysis, params, facts))

    def diagnose(self, analysis: Analysis, params: Mapping[str, Any] | None = None,
                 facts: Mapping[str, Any] | None = None) -> Diagnosis:
        """The findings of ``analysis``; ``facts`` are extra named values for the rules (see :meth:`env`)."""
        env = self.env(analysis, params, facts)
        firings = self.engine.run(env)
        findings = tuple(finding_of(f.rule, env) for f in firings if f.rule.finding)
        steps = tuple(_step(f, env) for f in firings)
        return Diagnosis(analysis.lesson.id, findings, steps, dict(env.params), self.rules.sources, self.engine.name)


def diagnose(
    analysis: Analysis,
    rules: RulesArg = None,
    params: Mapping[str, Any] | None = None,
    engine: str = DEFAULT_ENGINE,
    facts: Mapping[str, Any] | None = None,
) -> Diagnosis:
    """The findings of one lesson under ``rules`` with parameters ``params`` overriding the packs'.

    ``facts`` adds named values the rules may read, such as a district norm's
    (``Norm.facts()`` of ``lessonlens.store``: ``norm.rt.p90`` ...); the lesson's own values win.
    For many lessons build a :class:`Diagnoser` once: this function compiles the rules every call.
    """
    return Diagnoser(rules, engine).diagnose(analysis, params, facts)


def attach_findings(analysis: Analysis, diagnosis: Diagnosis) -> Analysis:
    """``analysis`` with the diagnosis' findings, and the rule files recorded in its provenance."""
    provenance = attrs.evolve(analysis.provenance, rules=diagnosis.rule_files)
    return attrs.evolve(analysis, findings=diagnosis.findings, provenance=provenance)


def finding_of(rule: CompiledRule, env: LessonEnv) -> Finding:
    texts = {field: {lang: template.render(env) for lang, template in by_lang.items()}
             for field, by_lang in rule.texts.items()}
    ranges = rule.ranges(env) if rule.ranges is not None else None
    return Finding(
        id=rule.id,
        rule=rule.id,
        severity=rule.severity,
        title=texts.get("title", {lang: rule.id for lang in LANGS}),
        explanation=texts.get("explanation", {}),
        suggestion=texts.get("suggestion", {}),
        time_ranges=tuple(TimeRange(float(s), float(e)) for s, e in ranges or ()),
        facts=_values(rule, env),
    )


def _values(rule: CompiledRule, env: LessonEnv) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for label, fn in rule.explain:
        value = fn(env)
        if isinstance(value, tuple):
            value = [list(r) for r in value]
        values[label] = value
    return values


def _step(firing: Firing, env: LessonEnv) -> ExplainStep:
    rule = firing.rule
    return ExplainStep(
        order=firing.order, rule=rule.id, severity=rule.severity, condition=rule.condition_source,
        needs=rule.needs, absent=rule.needs_absent, asserts=rule.asserts[1:], values=_values(rule, env),
        source=f"{rule.path}:{rule.line}",
        finding=rule.finding,
    )
