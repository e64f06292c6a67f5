"""JSON documents: the cattrs round trip, schema tags and versions (files: :mod:`lessonlens.files.documents`).

Every document carries ``"schema": "lessonlens.<kind>/<major>"``. A reader accepts its own major
version (any minor: unknown fields are ignored) and refuses others with one clear line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import InputError, SchemaVersionError
from lessonlens.core.findings import Finding
from lessonlens.core.i18n import Text
from lessonlens.core.metrics import Episodes, Metrics, Series, Table
from lessonlens.core.observations import OBSERVATION_KINDS, GenericObservation, Observation
from lessonlens.core.rubric import RubricResult, RubricSchema, ScoreSheet
from lessonlens.core.timeline import CodedSample, CodedTimeline

T = TypeVar("T")

SCHEMA_PREFIX = "lessonlens."


@attrs.frozen
class FindingSet:
    """Findings of one lesson as a document of their own (what ``diagnose`` writes)."""

    lesson: str
    findings: tuple[Finding, ...]


@attrs.frozen
class ObservationSet:
    """A detector's observations of one lesson (what the detector cache holds)."""

    lesson: str
    detector: str
    observations: tuple[Observation, ...]


#: kind -> (class, major version). Adding a field is a minor change; renaming one is a major.
DOCUMENT_KINDS: dict[str, tuple[type, int]] = {
    "analysis": (Analysis, 1),
    "timeline": (CodedTimeline, 1),
    "metrics": (Metrics, 1),
    "findings": (FindingSet, 1),
    "observations": (ObservationSet, 1),
    "rubric_schema": (RubricSchema, 1),
    "score_sheet": (ScoreSheet, 1),
    "rubric_result": (RubricResult, 1),
}
_KIND_OF: dict[type, str] = {cls: kind for kind, (cls, _) in DOCUMENT_KINDS.items()}

_NO_SCHEMA = Text(
    zh="缺少 \"schema\" 字段，无法识别文档类型（应为 \"lessonlens.<类型>/<版本>\"）",
    en='no "schema" field, so the document type is unknown (expected "lessonlens.<kind>/<version>")',
)
_WRONG_KIND = Text(zh="文档类型是 {found}，这里需要 {wanted}", en="document is a {found}, expected a {wanted}")
_UNKNOWN_KIND = Text(zh="未知的文档类型 {schema}", en="unknown document type {schema}")
_UNKNOWN_MAJOR = Text(
    zh="{schema} 的主版本 {major} 不受支持（本版 lessonlens 读取 {kind}/{supported}），请升级 lessonlens",
    en="{schema}: major version {major} is not supported (this lessonlens reads {kind}/{supported}); "
    "upgrade lessonlens",
)
_INVALID = Text(zh="内容不符合 {kind} 格式：{problems}", en="does not match the {kind} format: {problems}")


def _make_converter() -> cattrs.Converter:
    conv = make_converter(forbid_extra_keys=False)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: v if isinstance(v, dt.date) else dt.date.fromisoformat(v))
    conv.register_unstructure_hook(dt.datetime, lambda d: d.isoformat())
    conv.register_structure_hook(
        dt.datetime, lambda v, _: v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v)
    )
    unstructurers: dict[type, Callable[[Any], dict[str, Any]]] = {}

    def unstructure_observation(obs: Observation) -> dict[str, Any]:
        cls = type(obs)
        if cls not in unstructurers:
            unstructurers[cls] = make_dict_unstructure_fn(cls, conv)
        data = unstructurers[cls](obs)
        if isinstance(obs, GenericObservation):
            data["kind"] = data.pop("kind_name")
        else:
            data["kind"] = cls.kind
        return data

    def structure_observation(value: Any, _: type) -> Observation:
        if isinstance(value, Observation):
            return value
        data = dict(value)
        kind = data.pop("kind", "generic")
        cls = OBSERVATION_KINDS.get(kind)
        if cls is None:
            base = {f.name for f in attrs.fields(Observation)}
            known = {k: data.pop(k) for k in list(data) if k in base}
            extra = data.pop("data", {})
            return GenericObservation(kind_name=kind, data={**extra, **data}, **known)
        return conv.structure(data, cls)

    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, Observation), unstructure_observation
    )
    # the long sequences of a metrics document (per-sample curves, episode ranges, tables) hold plain
    # numbers and strings: turned into lists at once, not element by element
    conv.register_unstructure_hook(Series, lambda s: {"t": list(s.t), "values": list(s.values)})
    conv.register_unstructure_hook(Table, lambda t: {"columns": list(t.columns), "rows": [list(r) for r in t.rows]})
    conv.register_unstructure_hook(Episodes, lambda e: {
        "count": e.count, "total": e.total, "longest": e.longest,
        "ranges": [{"start": r.start, "end": r.end} for r in e.ranges],
    })
    # only multi-code schemes (COPUS) tick codes: other timelines save as they always did
    conv.register_unstructure_hook(CodedSample, make_dict_unstructure_fn(
        CodedSample, conv, ticks=override(omit_if_default=True)))
    # singledispatch would also catch the subclasses, so match the base class exactly
    conv.register_structure_hook_func(lambda t: t is Observation, structure_observation)
    return conv


converter = _make_converter()


def schema_tag(cls: type) -> str:
    kind = _KIND_OF[cls]
    return f"{SCHEMA_PREFIX}{kind}/{DOCUMENT_KINDS[kind][1]}"


def to_dict(doc: Any) -> dict[str, Any]:
    """The JSON-ready dict of a document, its ``schema`` tag first."""
    body = converter.unstructure(doc)
    return {"schema": schema_tag(type(doc)), **body}


def dumps(doc: Any, indent: int | None = 2) -> str:
    """A document as JSON: compact with ``indent=None``, else objects indented, a list of plain
    values (a per-sample curve) on one line and a table row or time range per line."""
    data = to_dict(doc)
    if indent is None:
        return _encode(data)
    return _pretty(data, indent, 0)


_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _leaf(value: Any) -> bool:
    """Whether ``value`` is written on one line: a scalar or a list of scalars (judged by the first
    item: the lists of a document are homogeneous). A list of lists (table rows) gets a line per row."""
    if isinstance(value, dict):
        return False
    return not isinstance(value, list) or not value or not isinstance(value[0], dict | list)


def _small(value: Any, depth: int = 2) -> bool:
    """Whether a list item fits on one line: a record of scalars, or of scalars and records or lists
    of scalars (a coded sample with its student shares), ``depth`` levels deep at most."""
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return True
    return depth > 0 and all(_small(item, depth - 1) for item in items)


def _pretty(value: Any, indent: int, level: int, in_list: bool = False) -> str:
    """Indented JSON whose leaves (scalars, lists of scalars such as a per-sample curve, and the rows
    and small records of a list such as time ranges or coded samples, one per line) are encoded in
    one go by the C encoder: as readable as ``indent=2`` for the structure, shorter and faster for
    the data."""
    if _leaf(value) or (in_list and isinstance(value, dict) and _small(value)):
        return _encode(value)
    inner, outer = " " * (indent * (level + 1)), " " * (indent * level)
    if isinstance(value, dict):
        items = [f"{inner}{_encode(str(k))}: {_pretty(v, indent, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + outer + "}"
    items = [inner + _pretty(v, indent, level + 1, in_list=True) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + outer + "]"


def _parse_tag(tag: Any, source: str | None) -> tuple[str, int]:
    if not isinstance(tag, str) or not tag.startswith(SCHEMA_PREFIX) or "/" not in tag:
        raise SchemaVersionError(_NO_SCHEMA if tag is None else _UNKNOWN_KIND, source, schema=tag)
    kind, _, version = tag[len(SCHEMA_PREFIX):].partition("/")
    if kind not in DOCUMENT_KINDS:
        raise SchemaVersionError(_UNKNOWN_KIND, source, schema=tag)
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise SchemaVersionError(_UNKNOWN_MAJOR, source, schema=tag, major=version, kind=kind,
                                 supported=DOCUMENT_KINDS[kind][1]) from None
    if major != DOCUMENT_KINDS[kind][1]:
        raise SchemaVersionError(_UNKNOWN_MAJOR, source, schema=tag, major=major, kind=kind,
                                 supported=DOCUMENT_KINDS[kind][1])
    return kind, major


def from_dict(data: Any, cls: type[T] | None = None, source: str | Path | None = None) -> T:
    """Structure a JSON dict into its document class, checking the schema tag (and ``cls`` if given)."""
    where = str(source) if source is not None else None
    if not isinstance(data, dict):
        raise SchemaVersionError(_NO_SCHEMA, where)
    kind, _ = _parse_tag(data.get("schema"), where)
    found = DOCUMENT_KINDS[kind][0]
    if cls is not None and found is not cls:
        raise InputError(_WRONG_KIND, where, found=kind, wanted=_KIND_OF.get(cls, cls.__name__))
    body = {k: v for k, v in data.items() if k != "schema"}
    try:
        doc: Any = converter.structure(body, found)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, RecursionError) as exc:
        problems = "; ".join(cattrs.transform_error(exc)[:3]) if isinstance(
            exc, cattrs.BaseValidationError) else str(exc)
        raise InputError(_INVALID, where, kind=kind, problems=problems) from None
    problem = _timing_problem(doc)
    if problem:
        raise InputError(_INVALID, where, kind=kind, problems=problem)
    return doc  # type: ignore[no-any-return]


#: the longest sampling interval a document may declare (one sample an hour)
MAX_INTERVAL = 3600.0
#: the largest time of a sample either way (11.6 days: anything later is a typing error, and 1e300
#: would make the timeline's bins endless)
MAX_TIME = 1e6


def _timing_problem(doc: Any) -> str:
    """What is wrong with the sampling interval or sample times of a loaded document ("" when nothing is)."""
    parts = [("timeline", doc.timeline), ("metrics", doc.metrics)] if isinstance(doc, Analysis) else [("", doc)]
    for name, part in parts:
        if isinstance(part, CodedTimeline | Metrics):
            interval = part.interval
            if not (isinstance(interval, int | float) and 0 < interval <= MAX_INTERVAL):
                where = f"{name}.interval" if name else "interval"
                return f"{where} must be a positive number of seconds up to {MAX_INTERVAL:g}, not {interval!r}"
        if isinstance(part, CodedTimeline) and part.samples:
            late = next((s.t for s in part.samples if not -MAX_TIME <= s.t <= MAX_TIME), None)
            if late is not None:
                where = f"{name}.samples" if name else "samples"
                return f"{where}: time {late!r} is not within ±{MAX_TIME:g} seconds"
    return ""
