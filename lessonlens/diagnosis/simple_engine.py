"""A plain-Python forward chainer with the same semantics as the experta engine.

It evaluates rules stratum by stratum and repeats until nothing new fires. It exists to keep the
engine interface honest (two implementations) and to cross-check the experta engine in tests.
"""

from __future__ import annotations

from lessonlens.diagnosis.engine import Firing
from lessonlens.diagnosis.env import LessonEnv
from lessonlens.diagnosis.ruleset import RuleSet


class SimpleEngine:
    name = "simple"

    def __init__(self, rules: RuleSet) -> None:
        self._rules = sorted(rules.rules, key=lambda r: (r.stratum, r.order))

    def run(self, env: LessonEnv) -> list[Firing]:
        facts: set[str] = set()
        fired: list[Firing] = []
        done: set[str] = set()
        for stratum in sorted({r.stratum for r in self._rules}):
            rules = [r for r in self._rules if r.stratum == stratum]
            progress = True
            while progress:
                progress = False
                for rule in rules:
                    if rule.id in done:
                        continue
                    if not all(f in facts for f in rule.needs) or any(f in facts for f in rule.needs_absent):
                        continue
                    if rule.condition is not None and rule.condition(env) is not True:
                        continue
                    done.add(rule.id)
                    fired.append(Firing(rule, len(fired), rule.needs))
                    facts.update(rule.asserts)
                    progress = True
        return fired
