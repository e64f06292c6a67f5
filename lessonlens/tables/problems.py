"""Problems found in a rubric schema or a score sheet: one line each, naming file, row and indicator.

Validation collects every problem instead of stopping at the first, so an author fixes a file in
one pass; :class:`RubricProblems` carries them all and prints one line per problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from lessonlens.core.errors import MAX_LINE, InputError, quoted, shorten
from lessonlens.core.i18n import Text, current_lang

_ROW = Text(zh="第 {row} 行", en="row {row}")
_COLUMN = Text(zh="列 {column}", en="column {column}")
_INDICATOR = Text(zh="指标 {indicator}", en="indicator {indicator}")
_SHEET = Text(zh="工作表 {sheet}", en="sheet {sheet}")


@attrs.frozen
class Problem:
    """One problem: what is wrong (bilingual text + its parameters) and where."""

    text: Text
    source: str | None = None
    row: int | None = None
    column: str | None = None
    indicator: str | None = None
    sheet: str | None = None
    params: dict[str, Any] = attrs.field(factory=dict)
    #: a warning (e.g. a leaf a rater left blank) is reported but does not stop the work
    warning: bool = False

    def message(self, lang: str | None = None) -> str:
        lang = lang or current_lang()
        params = {k: quoted(v.get(lang) if isinstance(v, Text) else v) for k, v in self.params.items()}
        where = []
        if self.sheet is not None:
            where.append(_SHEET.format(lang, sheet=self.sheet))
        if self.row is not None:
            where.append(_ROW.format(lang, row=self.row))
        if self.column is not None:
            where.append(_COLUMN.format(lang, column=self.column))
        if self.indicator is not None:
            where.append(_INDICATOR.format(lang, indicator=self.indicator))
        parts = [self.source] if self.source else []
        if where:
            parts.append(("，" if lang != "en" else ", ").join(where))
        parts.append(self.text.format(lang, **params))
        return shorten(": ".join(parts), MAX_LINE)


class RubricProblems(InputError):
    """Bad rubric input: every problem found, one line each (the first one is the headline)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("RubricProblems needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(first.text, first.source, **first.params)

    def message(self, lang: str | None = None) -> str:
        return "\n".join(p.message(lang) for p in self.problems)


def raise_errors(problems: Iterable[Problem]) -> None:
    """Raise :class:`RubricProblems` with the errors among ``problems`` (warnings pass)."""
    errors = [p for p in problems if not p.warning]
    if errors:
        raise RubricProblems(errors)
