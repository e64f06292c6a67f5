"""Errors users see: one readable line, in their language, naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

from lessonlens.core.i18n import Text, current_lang

#: the longest error line (a value quoted from the input is cut first, then the line itself)
MAX_LINE = 280
#: the longest value quoted from the input inside a message
MAX_QUOTED = 160


def shorten(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` on one line and at most ``limit`` characters (cut in the middle, marked with ``…``)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = (limit - 1) * 2 // 3
    return f"{flat[:head]}…{flat[len(flat) - (limit - 1 - head):]}"


class LessonlensError(Exception):
    """Base class of every error lessonlens reports to a user."""

    def __init__(self, text: Text, path: str | Path | None = None, **params: object) -> None:
        self.text = text
        self.path = str(path) if path is not None else None
        self.params = params
        super().__init__(self.message("en"))

    def detail(self) -> Text:
        """What is wrong, without the file, in both languages (to quote inside another message)."""
        def body(lang: str) -> str:
            params = {k: quoted(v.get(lang) if isinstance(v, Text) else v) for k, v in self.params.items()}
            return self.text.format(lang, **params)
        return Text(zh=body("zh-CN"), en=body("en"))

    def message(self, lang: str | None = None) -> str:
        """The one-line message in ``lang`` (the current language by default)."""
        lang = lang or current_lang()
        params = {k: quoted(v.get(lang) if isinstance(v, Text) else v) for k, v in self.params.items()}
        body = self.text.format(lang, **params)
        line = f"{shorten(self.path)}: {body}" if self.path else body
        return shorten(line, MAX_LINE)


def quoted(value: object) -> object:
    """A parameter as it goes into a message: long text (or anything that prints long) is shortened."""
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    return value if len(text) <= MAX_QUOTED and "\n" not in text else shorten(text)


class InputError(LessonlensError):
    """Bad input from a user: a file, a value or an option (CLI exit code 2)."""


class SchemaVersionError(InputError):
    """A document whose schema name or major version this lessonlens does not know."""


class PluginError(LessonlensError):
    """A plugin that registered something unusable, or a name no plugin registered."""


class UnknownName(PluginError, InputError):
    """A name no plugin registered (scheme, detector, coder, metric, report format): the user's to fix
    (exit code 2), and still a :class:`PluginError` for code that catches those."""
