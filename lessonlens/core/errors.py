"""Errors users see: one readable line, in their language, naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

from lessonlens.core.i18n import Text, current_lang


class LessonlensError(Exception):
    """Base class of every error lessonlens reports to a user."""

    def __init__(self, text: Text, path: str | Path | None = None, **params: object) -> None:
        self.text = text
        self.path = str(path) if path is not None else None
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        """The one-line message in ``lang`` (the current language by default)."""
        lang = lang or current_lang()
        params = {k: v.get(lang) if isinstance(v, Text) else v for k, v in self.params.items()}
        body = self.text.format(lang, **params)
        line = f"{self.path}: {body}" if self.path else body
        return " ".join(line.split())


class InputError(LessonlensError):
    """Bad input from a user: a file, a value or an option (CLI exit code 2)."""


class SchemaVersionError(InputError):
    """A document whose schema name or major version this lessonlens does not know."""


class PluginError(LessonlensError):
    """A plugin that registered something unusable, or a name no plugin registered."""
