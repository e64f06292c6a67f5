"""The rule engine: rule packs (YAML) -> checked, compiled rules -> an engine -> findings.

- :mod:`.expr` parses the expression language, :mod:`.compile` checks and compiles it,
  :mod:`.functions` holds the names and functions it knows;
- :mod:`.pack` reads rule files (parameters, overrides, rules) into a :class:`RuleSet`;
- :mod:`.engine` is the engine interface; :mod:`.experta_engine` the default engine and
  :mod:`.simple_engine` a plain-Python one with the same semantics;
- :mod:`.diagnose` turns fired rules into findings and an explanation.
"""

from lessonlens.diagnosis.diagnose import Diagnoser, Diagnosis, ExplainStep, attach_findings, diagnose, rule_set
from lessonlens.diagnosis.engine import ENGINES, Firing, RuleEngine, make_engine
from lessonlens.diagnosis.pack import RuleIssue, RuleSet, RuleSetError, check_rules, load_rules

__all__ = [
    "ENGINES",
    "Diagnoser",
    "Diagnosis",
    "ExplainStep",
    "Firing",
    "RuleEngine",
    "RuleIssue",
    "RuleSet",
    "RuleSetError",
    "attach_findings",
    "check_rules",
    "diagnose",
    "load_rules",
    "make_engine",
    "rule_set",
]
