"""Rule sets: what reading and compiling rule packs produce (:class:`RuleSet`, :class:`CompiledRule`),
the problems they report (:class:`RuleIssue`), and the state the two steps share."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from lessonlens.core.errors import MAX_LINE, InputError, quoted, shorten
from lessonlens.core.findings import Severity
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.lesson import LessonMeta
from lessonlens.diagnosis.compile import (
    Evaluator,
    Template,
)
from lessonlens.diagnosis.yamlfile import LineDict

RULE_KEYS = frozenset({"id", "severity", "title", "explanation", "suggestion", "when", "ranges", "asserts",
                       "finding", "tags"})
PACK_KEYS = frozenset({"pack", "name", "description", "params", "overrides", "rules", "disable", "metrics"})
MATCH_KEYS = ("school", "subject", "grade", "teacher", "region")
TEXT_FIELDS = ("title", "explanation", "suggestion")
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*(\.[a-z0-9_\-]+)*$")

MESSAGES = {
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
WHAT = {
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
        super().__init__(MESSAGES["invalid_set"], None, count=len(issues), first=first_text)


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


@attrs.define
class RawRule:
    data: LineDict
    path: str
    line: int
    origin: int  # index of the directory it came from


@attrs.define
class Collect:
    issues: list[RuleIssue] = attrs.field(factory=list)
    rules: dict[str, RawRule] = attrs.field(factory=dict)
    params: dict[str, Any] = attrs.field(factory=dict)
    param_where: dict[str, tuple[str, int]] = attrs.field(factory=dict)
    overrides: list[Override] = attrs.field(factory=list)
    disabled: list[tuple[str, str, int]] = attrs.field(factory=list)
    metrics: list[str] = attrs.field(factory=list)
    sources: list[str] = attrs.field(factory=list)

    def add(self, path: str, line: int, rule: str | None, message: str, **params: Any) -> None:
        self.issues.append(RuleIssue(path, line, rule, MESSAGES[message], params))


def type_of(value: Any) -> str:
    """A parameter value's type in rule expressions."""
    if isinstance(value, bool):
        return "bool"
    return "num" if isinstance(value, int | float) else "str"
