"""The rule engine on experta (a Rete-based, CLIPS-like forward chainer).

This is the only module that imports experta, which lessonlens vendors in
``lessonlens/_vendor/experta`` (see the README there: experta 1.9.4 pins a frozendict that does
not import on Python >= 3.10, so it cannot be an ordinary dependency).

Fact design, for speed: one ``Lesson`` fact per lesson carries the lesson's values (as the
:class:`LessonEnv` the compiled conditions read), and each derived fact is a ``Derived(name=...)``
fact. A rule becomes ``Lesson`` + ``Derived`` patterns for the facts it needs, ``NOT(Derived)``
for the facts it must not see, and one ``TEST`` for its compiled condition. Salience puts every
rule that tests ``not X`` after all rules that may assert ``X`` (the strata of the rule set).
The knowledge-engine class is built once per rule set; each lesson only resets the facts.
"""

from __future__ import annotations

from typing import Any

from lessonlens._vendor.experta.conditionalelement import NOT, TEST
from lessonlens._vendor.experta.engine import KnowledgeEngine
from lessonlens._vendor.experta.fact import Fact
from lessonlens._vendor.experta.rule import Rule
from lessonlens._vendor.experta.shortcuts import AS
from lessonlens.diagnosis.engine import Firing
from lessonlens.diagnosis.env import LessonEnv
from lessonlens.diagnosis.ruleset import CompiledRule, RuleSet

_STRATUM_STEP = 1_000_000


class Lesson(Fact):  # type: ignore[misc]
    """The lesson: ``env`` holds its values; conditions read them through compiled closures."""


class Derived(Fact):  # type: ignore[misc]
    """A fact asserted by a rule (every fired rule asserts its own id, plus its ``asserts``)."""


class _Engine(KnowledgeEngine):  # type: ignore[misc]
    fired: list[CompiledRule]
    _deffacts: list[Any] | None = None

    def get_deffacts(self) -> Any:
        # experta looks the deffacts up with inspect.getmembers on every reset; they never change
        if self._deffacts is None:
            self._deffacts = list(super().get_deffacts())
        return self._deffacts


def _condition_test(rule: CompiledRule) -> Any:
    condition = rule.condition
    assert condition is not None

    def test(lesson: Any) -> bool:  # experta passes bound variables by parameter name
        return condition(lesson["env"]) is True

    return TEST(test)


def _action(rule: CompiledRule, needed: frozenset[str]) -> Any:
    # only facts some rule tests enter working memory: each declaration re-runs the Rete network
    asserts = tuple(fact for fact in rule.asserts if fact in needed)

    def action(engine: _Engine, **_: Any) -> None:
        engine.fired.append(rule)
        if asserts:
            engine.declare(*(Derived(name=fact) for fact in asserts))

    return action


def _experta_rule(rule: CompiledRule, top_stratum: int, count: int, needed: frozenset[str]) -> Any:
    patterns: list[Any] = [AS.lesson << Lesson()]
    patterns += [Derived(name=fact) for fact in rule.needs]
    patterns += [NOT(Derived(name=fact)) for fact in rule.needs_absent]
    if rule.condition is not None:
        patterns.append(_condition_test(rule))
    # higher salience fires first: lower strata first, then file order
    salience = (top_stratum - rule.stratum) * _STRATUM_STEP + (count - rule.order)
    return Rule(*patterns, salience=salience)(_action(rule, needed))


class ExpertaEngine:
    name = "experta"

    def __init__(self, rules: RuleSet) -> None:
        top = max((r.stratum for r in rules.rules), default=0)
        count = len(rules.rules)
        needed = frozenset(f for r in rules.rules for f in (*r.needs, *r.needs_absent))
        namespace = {f"rule_{i}": _experta_rule(rule, top, count, needed) for i, rule in enumerate(rules.rules)}
        engine_class = type("LessonRules", (_Engine,), namespace)
        self._engine: _Engine = engine_class()

    def run(self, env: LessonEnv) -> list[Firing]:
        engine = self._engine
        engine.reset()
        engine.fired = []
        engine.declare(Lesson(env=env))
        engine.run()
        return [Firing(rule, i, rule.needs) for i, rule in enumerate(engine.fired)]
