"""Reports as one self-contained HTML page: jinja2 templates (autoescaped), inline CSS, script and font.

The same page serves the screen (video player, click-to-seek) and print (``for_print``: no player, no
script), which the PDF renderer hands to a browser engine.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import jinja2
from markupsafe import Markup

from lessonlens.plugins.reports import svg
from lessonlens.plugins.reports.common import generated_line, ui
from lessonlens.plugins.reports.fonts import FAMILY, embedded_font
from lessonlens.plugins.reports.model import Report

_FONT_SLOT = "/*lessonlens-font-face*/"
_TEMPLATES = "lessonlens.plugins.reports"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(_TEMPLATES, "templates"),
        autoescape=True,  # lesson titles, teacher names, comments and notes are user text
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["clock"] = svg.clock
    env.filters["percent"] = svg.percent
    return env


@functools.lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return importlib.resources.files(_TEMPLATES).joinpath("templates", name).read_text(encoding="utf-8")


def render_page(report: Report, for_print: bool = False) -> str:
    """The whole report as one HTML document in the report's language, its font embedded."""
    lang = report.lang

    def t(key: str, **params: object) -> str:
        return ui(key, lang, **params)

    context: dict[str, Any] = {
        **report.context,
        "report": report,
        "lang": lang,
        "title": report.title,
        "charts": {c.id: c for c in report.charts},
        "chart_list": report.charts,
        "t": t,
        "for_print": for_print,
        "video": "" if for_print else report.video,
        "css": Markup(_FONT_SLOT + _asset("report.css").replace("__FAMILY__", FAMILY)),
        "script": Markup(_asset("report.js")) if not for_print else Markup(""),
        "generated": generated_line(lang),
        "seek_label": ui("seek_to", lang, t="{t}"),
    }
    html = environment().get_template(report.template).render(context)
    font = embedded_font(html, static=for_print)
    return html.replace(_FONT_SLOT, font.css + "\n", 1)
