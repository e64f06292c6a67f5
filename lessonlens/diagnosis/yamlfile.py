"""YAML reading that remembers line numbers, so every rule-file error can name its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.tables.yaml_files import LimitedSafeLoader, LimitError, read_yaml_text


class LineDict(dict[str, Any]):
    """A mapping from a YAML file, with the line of the mapping and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from a YAML file, with the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


class _Loader(LimitedSafeLoader):
    """The limited safe loader, building :class:`LineDict` and :class:`LineList`."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def _both(text: Text, params: dict[str, object]) -> Text:
    """``text`` filled in both languages (parameters that are texts themselves in the same language)."""
    def filled(lang: str) -> str:
        return text.format(lang, **{k: v.get(lang) if isinstance(v, Text) else v for k, v in params.items()})
    return Text(zh=filled("zh-CN"), en=filled("en"))


class YamlFileError(Exception):
    def __init__(self, line: int, problem: str | Text) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


def read_yaml(path: Path) -> Any:
    """The document in ``path``; mappings are :class:`LineDict`, sequences :class:`LineList`."""
    try:
        text = read_yaml_text(path)  # a regular file, within the size limit, UTF-8 or GB18030
    except InputError as exc:
        raise YamlFileError(0, _both(exc.text, exc.params)) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except LimitError as exc:
        raise YamlFileError(0, _both(exc.text, exc.params)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YamlFileError(line, " ".join(str(exc.problem or exc).split())) from None
    except yaml.YAMLError as exc:
        raise YamlFileError(0, " ".join(str(exc).split())) from None
