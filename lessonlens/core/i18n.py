"""Bilingual text (zh-CN first, en) and the choice of the user's language.

Every user-facing string is a :class:`Text` holding both languages side by side, so a module's
messages are read and reviewed in one place and no catalogue can drift out of step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

LANGS: tuple[str, ...] = ("zh-CN", "en")
DEFAULT_LANG = "zh-CN"

_ALIASES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh_cn": "zh-CN", "cn": "zh-CN", "en": "en", "en-us": "en"}


def normalize_lang(lang: str) -> str:
    """The canonical language id for ``lang`` (``zh``, ``zh_CN.UTF-8`` -> ``zh-CN``)."""
    key = lang.split(".")[0].strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("zh"):
        return "zh-CN"
    if key.startswith("en"):
        return "en"
    raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGS)}")


def current_lang() -> str:
    """The user's language: ``LESSONLENS_LANG``, else ``en`` for an English locale, else zh-CN."""
    chosen = os.environ.get("LESSONLENS_LANG")
    if chosen:
        try:
            return normalize_lang(chosen)
        except ValueError:
            return DEFAULT_LANG
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "en" if locale.lower().startswith("en") else DEFAULT_LANG


@attrs.frozen
class Text:
    """One user-facing text in Chinese and English; ``{name}`` fields are filled by :meth:`format`."""

    zh: str
    en: str

    def get(self, lang: str | None = None) -> str:
        return self.en if (lang or current_lang()) == "en" else self.zh

    def format(self, lang: str | None = None, **params: object) -> str:
        template = self.get(lang)
        return template.format(**params) if params else template

    def as_dict(self) -> dict[str, str]:
        return {"zh-CN": self.zh, "en": self.en}


def pick(texts: Mapping[str, str], lang: str | None = None) -> str:
    """The text of a ``{"zh-CN": ..., "en": ...}`` mapping in ``lang``, falling back to the other."""
    wanted = lang or current_lang()
    if texts.get(wanted):
        return texts[wanted]
    for other in LANGS:
        if texts.get(other):
            return texts[other]
    return next(iter(texts.values()), "")
