"""YAML from users, read within limits no input can bypass: only the safe tags; a document of at
most :data:`MAX_YAML_BYTES`, nested at most :data:`~lessonlens.files.json_gate.MAX_DEPTH` deep, whose
aliases expand to at most :data:`MAX_YAML_NODES` nodes (an alias bomb, "billion laughs", is refused
after composing and before anything is built from it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.files.gates import MIB, read_input_bytes
from lessonlens.files.json_gate import MAX_DEPTH, TOO_DEEP

#: rubric schemas, rule packs, layouts and lesson files are a few KB; 4 MB leaves room for big ones
MAX_YAML_BYTES = 4 * MIB
#: nodes a YAML document may have once its aliases are expanded (the shipped ones have < 3,000)
MAX_YAML_NODES = 200_000

NOT_TEXT = Text(zh="无法按 UTF-8、UTF-16 或 GB18030 编码读取该文本文件",
                en="cannot read this file as UTF-8, UTF-16 or GB18030 text")
NOT_YAML = Text(zh="不是有效的 YAML：{error}", en="not valid YAML: {error}")
TOO_MANY = Text(zh="别名展开后超过 {limit} 个节点（疑似别名炸弹）",
                en="expands to more than {limit} nodes through aliases (an alias bomb?)")


class LimitError(Exception):
    """A limit of this module was passed; ``text`` and ``params`` describe which."""

    def __init__(self, text: Text, **params: object) -> None:
        self.text = text
        self.params = params
        super().__init__(text.format("en", **params))


class LimitedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with a nesting limit while composing and an expansion limit before building."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise LimitError(TOO_DEEP, limit=MAX_DEPTH)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(node)
        return node

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            expanded_size(node)
        return node


def _no_duplicate_keys(node: yaml.MappingNode) -> None:
    """A key given twice in one mapping is an error at its second line (YAML 1.2 forbids it, and
    PyYAML would silently keep the last value: a rubric's second ``weight:`` would win unseen)."""
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        if (key.tag, key.value) in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"duplicate key '{key.value}'", key.start_mark)
        seen.add((key.tag, key.value))


def expanded_size(root: yaml.Node, limit: int = MAX_YAML_NODES) -> int:
    """How many nodes ``root`` stands for with every alias expanded; LimitError past ``limit``.

    Shared (aliased) nodes are counted once per use, but each is measured once, so this is linear
    in the composed document however much it would expand.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # post-order without recursion: children are measured before their parent
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[id(node)] > limit:
                raise LimitError(TOO_MANY, limit=limit)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml(text: str, source: str | Path | None = None, loader: type[LimitedSafeLoader] = LimitedSafeLoader) -> Any:
    """The YAML document in ``text`` within the limits; every problem is one InputError naming ``source``."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(Text(zh="YAML 文件过大（上限 {limit} 字符）", en="YAML too large (limit {limit} characters)"),
                         source, limit=MAX_YAML_BYTES)
    try:
        return yaml.load(text, Loader=loader)
    except LimitError as exc:
        raise InputError(exc.text, source, **exc.params) from None
    except yaml.YAMLError as exc:
        raise InputError(NOT_YAML, source, error=yaml_problem(exc)) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise InputError(TOO_DEEP, source, limit=MAX_DEPTH) from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """The short description of a YAML error: its problem and line, without the quoted snippet."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return f"{exc.problem or exc.context or 'error'}{where}"
    return " ".join(str(exc).split())


#: what a YAML file may be saved as: UTF-8 (with or without a BOM), UTF-16 with its BOM (Notepad's
#: "Unicode") or GB18030 (Notepad's "ANSI" on a Chinese Windows, as CSV files are read too)
YAML_ENCODINGS = ("utf-8-sig", "utf-16", "gb18030")


def read_yaml_text(path: str | Path) -> str:
    """The text of a YAML (or JSON) file, through the input gate, in the first of
    :data:`YAML_ENCODINGS` that decodes it (UTF-16 only with its byte-order mark)."""
    data = read_input_bytes(path, MAX_YAML_BYTES)
    encodings = YAML_ENCODINGS if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(NOT_TEXT, path)


def read_yaml_file(path: str | Path, loader: type[LimitedSafeLoader] = LimitedSafeLoader) -> Any:
    """The YAML document in the file ``path``, through the input gate and within the limits."""
    return load_yaml(read_yaml_text(path), path, loader)
