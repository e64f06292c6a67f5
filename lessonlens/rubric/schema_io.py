"""Rubric schemas as YAML (or JSON) files: reading, and validation with one line per problem.

A schema file holds ``id``, ``name`` / ``description`` (``{zh-CN: ..., en: ...}``), ``kind``,
optional ``subject``, ``version`` and ``weights_sum_to_one``, a list of ``bands`` and a tree of
``indicators`` (nested ``children``, or a flat list whose items name their ``parent``). See
docs/rubrics.md for a full example.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lessonlens.core.documents import from_dict
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import LANGS, Text, normalize_lang
from lessonlens.core.rubric import Band, Indicator, RubricSchema
from lessonlens.files.json_gate import load_json
from lessonlens.rubric.tree import OVERALL
from lessonlens.tables.problems import Problem, raise_errors
from lessonlens.tables.yaml_files import load_yaml, read_yaml_text

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
#: a rubric id is one segment of fact names (``rubric.<rubric_id>.<indicator_id>.share``): no dots
RUBRIC_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
COLOR_PATTERN = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_LEVELS = 3
TOLERANCE = 1e-6

_SCHEMA_KEYS = {"id", "name", "kind", "description", "subject", "version", "weights_sum_to_one", "bands",
                "indicators"}
_INDICATOR_KEYS = {"id", "name", "description", "max_score", "weight", "children", "parent"}
_BAND_KEYS = {"id", "name", "low", "high", "color"}
_LANG_NAMES = {"zh-CN": Text(zh="中文", en="Chinese"), "en": Text(zh="英文", en="English")}

# -- messages --------------------------------------------------------------------------------
NOT_FOUND = Text(zh="文件不存在", en="file not found")
NOT_YAML = Text(zh="不是有效的 YAML：{error}", en="not valid YAML: {error}")
NOT_MAPPING = Text(zh="量规文件的顶层应是键值对（id、name、bands、indicators …）",
                   en="the top of a rubric file must be a mapping (id, name, bands, indicators ...)")
UNKNOWN_KEY = Text(zh="未知字段 {key}（可用：{known}）", en="unknown field {key} (known: {known})")
REQUIRED = Text(zh="缺少必填字段 {key}", en="required field {key} is missing")
BAD_ID = Text(zh="编号 {id!r} 无效：只能用字母、数字、_ . -，且以字母或数字开头",
              en="id {id!r} is not valid: use letters, digits, _ . - and start with a letter or digit")
BAD_RUBRIC_ID = Text(zh="量规编号 {id!r} 无效：只能用字母、数字、_ -（不能有点号），且以字母或数字开头",
                     en="rubric id {id!r} is not valid: use letters, digits, _ - (no dots) and start with a letter "
                     "or digit")
RESERVED_ID = Text(zh="编号 {id} 保留给总分，请换一个", en="id {id} is reserved for the overall score; pick another")
NOT_A_LIST = Text(zh="{key} 应是列表", en="{key} must be a list")
NOT_AN_ITEM = Text(zh="{key} 的第 {n} 项应是键值对", en="item {n} of {key} must be a mapping")
NOT_A_NUMBER = Text(zh="{key} 应是数字，实际为 {value!r}", en="{key} must be a number, got {value!r}")
NOT_TEXTS = Text(zh="{key} 应写成 {{zh-CN: …, en: …}}", en="{key} must be written as {{zh-CN: ..., en: ...}}")
BAD_LANG = Text(zh="{key} 中的语言 {code!r} 不受支持（用 zh-CN 或 en）",
                en="{key}: language {code!r} is not supported (use zh-CN or en)")
MISSING_TRANSLATION = Text(zh="{key} 缺少{language}文本", en="{key} has no {language} text")
DUPLICATE_ID = Text(zh="指标编号重复（已在别处使用）", en="duplicate indicator id (already used)")
MISSING_PARENT = Text(zh="上级指标 {parent} 不存在", en="parent indicator {parent} does not exist")
PARENT_CONFLICT = Text(zh="写在 {nested} 之下，却声明上级为 {parent}",
                       en="nested under {nested} but names {parent} as its parent")
CYCLE = Text(zh="上级关系形成了循环", en="the parent links form a cycle")
TOO_DEEP = Text(zh="指标层级为 {level}，最多 {max} 级", en="indicator is at level {level}; at most {max} levels")
LEAF_WITHOUT_MAX = Text(zh="观察点（末级指标）缺少满分 max_score", en="observation point (leaf) has no max_score")
NOT_POSITIVE = Text(zh="{key} 应大于 0，实际为 {value}", en="{key} must be greater than 0, got {value}")
PARENT_MAX_MISMATCH = Text(zh="满分为 {declared}，但下级观察点满分之和为 {total}",
                           en="max_score is {declared} but its children's maxima add up to {total}")
PARTIAL_WEIGHTS = Text(zh="{group} 下的指标有的设了权重、有的没设：{missing} 缺少 weight",
                       en="under {group} some indicators have a weight and others do not: {missing} lack one")
WEIGHTS_REQUIRED = Text(zh="量规要求各组权重之和为 1，但 {group} 下的 {missing} 没有设权重 weight",
                        en="the rubric requires weights adding up to 1, but under {group} {missing} have no weight")
WEIGHTS_SUM = Text(zh="{group} 下各指标权重之和为 {total}，量规要求为 1",
                   en="the weights under {group} add up to {total}; the rubric requires 1")
TOP_LEVEL = Text(zh="一级指标", en="the level-1 indicators")
NO_INDICATORS = Text(zh="量规没有任何指标", en="the rubric has no indicators")
NO_BANDS = Text(zh="量规没有定义任何等级（bands）", en="the rubric defines no grade bands")
DUPLICATE_BAND = Text(zh="等级 {band}：编号重复", en="band {band}: duplicate id")
BAND_RANGE = Text(zh="等级 {band}：范围 {low}–{high} 无效，应满足 0 ≤ low < high ≤ 1（满分的比例）",
                  en="band {band}: range {low}-{high} is not valid; need 0 <= low < high <= 1 (share of the maximum)")
BAND_COLOR = Text(zh="等级 {band}：颜色 {color!r} 无效，应写成 #RRGGBB",
                  en="band {band}: colour {color!r} is not valid; write #RRGGBB")
BAND_OVERLAP = Text(zh="等级 {a} 与 {b} 的范围重叠（{a} 到 {high}，{b} 从 {low} 开始）",
                    en="bands {a} and {b} overlap ({a} ends at {high}, {b} starts at {low})")
BAND_GAP = Text(zh="等级 {a} 与 {b} 之间有空档（{high} 到 {low} 不属于任何等级）",
                en="bands {a} and {b} leave a gap ({high} to {low} belongs to no band)")
BAND_START = Text(zh="最低的等级 {band} 从 {low} 开始，低于它的得分不属于任何等级；应从 0 开始",
                  en="the lowest band {band} starts at {low}, so lower scores belong to no band; start at 0")
BAND_END = Text(zh="最高的等级 {band} 到 {high} 为止，应到 1（满分）",
                en="the highest band {band} ends at {high}; it must reach 1 (the maximum)")


def read_rubric_schema(path: str | Path) -> RubricSchema:
    """Read and validate a schema file; every problem is reported, one line each."""
    schema, problems = check_rubric_schema_file(path)
    raise_errors(problems)
    assert schema is not None
    return schema


def check_rubric_schema_file(path: str | Path) -> tuple[RubricSchema | None, list[Problem]]:
    """The schema of a file (``None`` if unreadable) and all its problems."""
    file = Path(path)
    source = str(file)
    try:  # through the input gate, within the YAML/JSON limits (alias bombs, depth, size)
        text = read_yaml_text(file)
        data = load_json(text, source) if file.suffix.lower() == ".json" else load_yaml(text, source)
    except InputError as exc:
        return None, [Problem(exc.text, source, params=exc.params)]
    if file.suffix.lower() == ".json" and isinstance(data, dict) and "schema" in data:
        try:
            schema = from_dict(data, RubricSchema, source)
        except InputError as exc:
            return None, [Problem(exc.text, exc.path, params=exc.params)]
        return schema, list(validate_rubric_schema(schema, source))
    return parse_rubric_schema(data, source)


def parse_rubric_schema(data: Any, source: str | None = None) -> tuple[RubricSchema | None, list[Problem]]:
    """Build a schema from parsed YAML/JSON data; returns it with every problem found."""
    if not isinstance(data, Mapping):
        return None, [Problem(NOT_MAPPING, source)]
    problems: list[Problem] = []

    def problem(text: Text, indicator: str | None = None, **params: Any) -> None:
        problems.append(Problem(text, source, indicator=indicator, params=params))

    _unknown_keys(data, _SCHEMA_KEYS, problem, None)
    for key in ("id", "name", "kind", "bands", "indicators"):
        if key not in data:
            problem(REQUIRED, key=key)
    indicators = _parse_indicators(data.get("indicators", []), problem)
    bands = _parse_bands(data.get("bands", []), problem)
    schema = RubricSchema(
        id=str(data.get("id", "")),
        name=_texts(data.get("name", {}), "name", problem, None),
        kind=str(data.get("kind", "")),
        indicators=tuple(indicators),
        bands=tuple(bands),
        description=_texts(data.get("description", {}), "description", problem, None),
        weights_sum_to_one=bool(data.get("weights_sum_to_one", False)),
        subject=str(data.get("subject", "") or ""),
        version=str(data.get("version", "1")),
    )
    # a list that is not a list was reported already; do not report it again as empty
    unlisted = {NO_INDICATORS: not isinstance(data.get("indicators", []), list),
                NO_BANDS: not isinstance(data.get("bands", []), list)}
    problems.extend(p for p in validate_rubric_schema(schema, source, parsed=True) if not unlisted.get(p.text))
    return schema, problems


def validate_rubric_schema(schema: RubricSchema, source: str | None = None, parsed: bool = False) -> Iterator[Problem]:
    """Every problem of a schema object. ``parsed``: texts were already checked while parsing."""

    def problem(text: Text, indicator: str | None = None, **params: Any) -> Problem:
        return Problem(text, source, indicator=indicator, params=params)

    if schema.id and not RUBRIC_ID_PATTERN.match(schema.id):
        yield problem(BAD_RUBRIC_ID, id=schema.id)
    if not parsed:
        yield from (problem(MISSING_TRANSLATION, key="name", language=_LANG_NAMES[lang])
                    for lang in LANGS if not schema.name.get(lang, "").strip())
    yield from _indicator_problems(schema, problem, parsed)
    yield from _band_problems(schema, problem, parsed)


# -- parsing ---------------------------------------------------------------------------------
def _unknown_keys(data: Mapping[str, Any], known: set[str], problem: Any, indicator: str | None,
                  prefix: str = "") -> None:
    for key in data:
        if key not in known:
            problem(UNKNOWN_KEY, indicator, key=f"{prefix}{key}", known=", ".join(sorted(known)))


def _texts(value: Any, key: str, problem: Any, indicator: str | None) -> dict[str, str]:
    """A ``{zh-CN: ..., en: ...}`` mapping; reports a plain string or a missing language."""
    if value in ({}, None, "") and key == "description":
        return {}
    if not isinstance(value, Mapping):
        problem(NOT_TEXTS, indicator, key=key)
        return {}
    texts: dict[str, str] = {}
    for lang, text in value.items():
        try:
            texts[normalize_lang(str(lang))] = "" if text is None else str(text).strip()
        except ValueError:
            problem(BAD_LANG, indicator, key=key, code=lang)
    for lang in LANGS:
        if not texts.get(lang):
            problem(MISSING_TRANSLATION, indicator, key=key, language=_LANG_NAMES[lang])
    return texts


def _number(value: Any, key: str, problem: Any, indicator: str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100.0
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problem(NOT_A_NUMBER, indicator, key=key, value=value)
        return math.nan  # given but unusable: reported here, not again as missing
    return float(value)


def _parse_indicators(items: Any, problem: Any, nested_under: str | None = None) -> list[Indicator]:
    key = "indicators" if nested_under is None else "children"
    if not isinstance(items, list):
        problem(NOT_A_LIST, nested_under, key=key)
        return []
    out: list[Indicator] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            problem(NOT_AN_ITEM, nested_under, key=key, n=n)
            continue
        ind_id = str(item.get("id", "") or "")
        where = ind_id or f"{nested_under or key}[{n}]"
        _unknown_keys(item, _INDICATOR_KEYS, problem, where)
        if not ind_id:
            problem(REQUIRED, where, key="id")
        parent = item.get("parent")
        if nested_under is not None:
            if parent is not None and str(parent) != nested_under:
                problem(PARENT_CONFLICT, where, nested=nested_under, parent=parent)
            parent = nested_under
        out.append(Indicator(
            id=ind_id,
            name=_texts(item.get("name"), "name", problem, where),
            parent=None if parent is None else str(parent),
            description=_texts(item.get("description"), "description", problem, where),
            max_score=_number(item.get("max_score"), "max_score", problem, where),
            weight=_number(item.get("weight"), "weight", problem, where),
        ))
        if "children" in item:
            out.extend(_parse_indicators(item["children"], problem, ind_id or where))
    return out


def _parse_bands(items: Any, problem: Any) -> list[Band]:
    if not isinstance(items, list):
        problem(NOT_A_LIST, key="bands")
        return []
    out = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            problem(NOT_AN_ITEM, key="bands", n=n)
            continue
        band_id = str(item.get("id", "") or f"bands[{n}]")
        _unknown_keys(item, _BAND_KEYS, problem, None, prefix=f"{band_id}.")
        for key in ("id", "name", "low", "high", "color"):
            if key not in item:
                problem(REQUIRED, key=f"bands[{n}].{key}")
        low = _number(item.get("low"), f"{band_id}.low", problem, None)
        high = _number(item.get("high"), f"{band_id}.high", problem, None)
        out.append(Band(
            id=band_id,
            name=_texts(item.get("name"), f"{band_id}.name", problem, None),
            low=math.nan if low is None else low,
            high=math.nan if high is None else high,
            color=str(item.get("color", "")),
        ))
    return out


# -- validation of the model -----------------------------------------------------------------
def _indicator_problems(schema: RubricSchema, problem: Any, parsed: bool) -> Iterator[Problem]:
    inds = schema.indicators
    if not inds:
        yield problem(NO_INDICATORS)
        return
    by_id: dict[str, Indicator] = {}
    for ind in inds:
        if not ind.id:
            continue
        if ind.id in by_id:
            yield problem(DUPLICATE_ID, ind.id)
        else:
            by_id[ind.id] = ind
        if ind.id == OVERALL:
            yield problem(RESERVED_ID, ind.id, id=ind.id)
        elif not ID_PATTERN.match(ind.id):
            yield problem(BAD_ID, ind.id, id=ind.id)
        if not parsed:
            for lang in LANGS:
                if not ind.name.get(lang, "").strip():
                    yield problem(MISSING_TRANSLATION, ind.id, key="name", language=_LANG_NAMES[lang])
                if ind.description and not ind.description.get(lang, "").strip():
                    yield problem(MISSING_TRANSLATION, ind.id, key="description", language=_LANG_NAMES[lang])
        if ind.max_score is not None and ind.max_score <= 0:
            yield problem(NOT_POSITIVE, ind.id, key="max_score", value=f"{ind.max_score:g}")
        if ind.weight is not None and ind.weight <= 0:
            yield problem(NOT_POSITIVE, ind.id, key="weight", value=f"{ind.weight:g}")

    children: dict[str | None, list[Indicator]] = {}
    for ind in by_id.values():
        if ind.parent is not None and ind.parent not in by_id:
            yield problem(MISSING_PARENT, ind.id, parent=ind.parent)
            continue
        children.setdefault(ind.parent, []).append(ind)

    levels: dict[str, int] = {}
    for ind in by_id.values():
        level, seen = 0, set()
        node: Indicator | None = ind
        while node is not None and node.id not in seen:
            seen.add(node.id)
            level += 1
            node = by_id.get(node.parent) if node.parent is not None else None
        if node is not None:
            yield problem(CYCLE, ind.id)
            continue
        levels[ind.id] = level
        if level == MAX_LEVELS + 1:  # deeper ones sit under this one: one message is enough
            yield problem(TOO_DEEP, ind.id, level=level, max=MAX_LEVELS)

    yield from _max_problems(by_id, children, levels, problem)
    yield from _weight_problems(schema, by_id, children, problem)


def _max_of(ind: Indicator, children: dict[str | None, list[Indicator]]) -> float | None:
    kids = children.get(ind.id, [])
    if not kids:
        return ind.max_score
    if ind.max_score:
        return ind.max_score
    maxima = [_max_of(k, children) for k in kids]
    return None if any(m is None for m in maxima) else sum(m for m in maxima if m is not None)


def _max_problems(by_id: dict[str, Indicator], children: dict[str | None, list[Indicator]],
                  levels: dict[str, int], problem: Any) -> Iterator[Problem]:
    for ind in by_id.values():
        if ind.id not in levels:
            continue  # in a cycle: already reported
        kids = children.get(ind.id, [])
        if not kids and ind.max_score is None:
            yield problem(LEAF_WITHOUT_MAX, ind.id)
        if kids and ind.max_score and all(k.weight is None for k in kids):
            maxima = [_max_of(k, children) for k in kids]
            if all(m is not None for m in maxima):
                total = sum(m for m in maxima if m is not None)
                if abs(total - ind.max_score) > TOLERANCE:
                    yield problem(PARENT_MAX_MISMATCH, ind.id, declared=f"{ind.max_score:g}", total=f"{total:g}")


def _weight_problems(schema: RubricSchema, by_id: dict[str, Indicator],
                     children: dict[str | None, list[Indicator]], problem: Any) -> Iterator[Problem]:
    for parent, kids in children.items():
        group: Text | str = TOP_LEVEL if parent is None else parent
        weighted = [k for k in kids if k.weight is not None]
        if weighted and len(weighted) < len(kids):
            missing = ", ".join(k.id for k in kids if k.weight is None)
            yield problem(PARTIAL_WEIGHTS, parent, group=group, missing=missing)
        elif schema.weights_sum_to_one:
            if not weighted:
                yield problem(WEIGHTS_REQUIRED, parent, group=group, missing=", ".join(k.id for k in kids))
                continue
            total = sum(k.weight for k in kids if k.weight is not None)
            if abs(total - 1.0) > 1e-3 and not math.isnan(total):
                yield problem(WEIGHTS_SUM, parent, group=group, total=f"{total:g}")


def _band_problems(schema: RubricSchema, problem: Any, parsed: bool) -> Iterator[Problem]:
    if not schema.bands:
        yield problem(NO_BANDS)
        return
    seen: set[str] = set()
    valid: list[Band] = []
    for band in schema.bands:
        if band.id in seen:
            yield problem(DUPLICATE_BAND, band=band.id)
        seen.add(band.id)
        if not parsed:
            for lang in LANGS:
                if not band.name.get(lang, "").strip():
                    yield problem(MISSING_TRANSLATION, key=f"{band.id}.name", language=_LANG_NAMES[lang])
        if not COLOR_PATTERN.match(band.color):
            yield problem(BAND_COLOR, band=band.id, color=band.color)
        if math.isnan(band.low) or math.isnan(band.high):
            continue  # already reported as not a number
        if not (0.0 <= band.low < band.high <= 1.0 + TOLERANCE):
            yield problem(BAND_RANGE, band=band.id, low=f"{band.low:g}", high=f"{band.high:g}")
            continue
        valid.append(band)
    if not valid or len(valid) < len(schema.bands):
        return  # coverage is only worth checking once every range is sound
    ordered = sorted(valid, key=lambda b: (b.low, b.high))
    if ordered[0].low > TOLERANCE:
        yield problem(BAND_START, band=ordered[0].id, low=f"{ordered[0].low:g}")
    for a, b in itertools.pairwise(ordered):
        if b.low < a.high - TOLERANCE:
            yield problem(BAND_OVERLAP, a=a.id, b=b.id, high=f"{a.high:g}", low=f"{b.low:g}")
        elif b.low > a.high + TOLERANCE:
            yield problem(BAND_GAP, a=a.id, b=b.id, high=f"{a.high:g}", low=f"{b.low:g}")
    top = max(ordered, key=lambda b: b.high)
    if top.high < 1.0 - TOLERANCE:
        yield problem(BAND_END, band=top.id, high=f"{top.high:g}")
