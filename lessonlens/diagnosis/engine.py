"""The small interface every rule engine implements, and the registry of engines.

An engine is built once from a :class:`RuleSet` (rules parsed and compiled once) and then runs
lesson after lesson: it starts from an empty working memory, adds the lesson's facts, fires rules
to a fixpoint and reports which rules fired in which order and on which derived facts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.diagnosis.env import LessonEnv
from lessonlens.diagnosis.ruleset import CompiledRule, RuleSet

DEFAULT_ENGINE = "experta"
_UNKNOWN = Text(zh="没有名为 {name} 的规则引擎；可用：{known}", en="no rule engine named {name}; available: {known}")


@attrs.frozen
class Firing:
    """One rule that fired: its place in the chain and the derived facts it matched."""

    rule: CompiledRule
    order: int
    matched_facts: tuple[str, ...] = ()


class RuleEngine(Protocol):
    """Runs a fixed rule set over one lesson at a time."""

    name: str

    def run(self, env: LessonEnv) -> list[Firing]:
        """The rules that fire for this lesson, in firing order (each rule at most once)."""
        ...


EngineFactory = Callable[[RuleSet], RuleEngine]


def _experta(rules: RuleSet) -> RuleEngine:
    from lessonlens.diagnosis.experta_engine import ExpertaEngine

    return ExpertaEngine(rules)


def _simple(rules: RuleSet) -> RuleEngine:
    from lessonlens.diagnosis.simple_engine import SimpleEngine

    return SimpleEngine(rules)


ENGINES: dict[str, EngineFactory] = {"experta": _experta, "simple": _simple}


def make_engine(rules: RuleSet, kind: str = DEFAULT_ENGINE) -> RuleEngine:
    if kind not in ENGINES:
        raise InputError(_UNKNOWN, name=kind, known=", ".join(sorted(ENGINES)))
    return ENGINES[kind](rules)
