"""The report font: Noto Sans SC from a Python package, cut down to the characters a report uses.

Reports must look the same on a machine with no Chinese font and open with no network, so the
font travels inside the HTML as a ``data:`` URL. The shipped font is a 17 MB variable font (weights
100-900); a report uses a few hundred characters, so we subset it to those and keep it variable:
one face serves regular and bold, ~80 KB for a lesson report, and it is twice as fast as cutting
two static weights with the instancer. For print (``static=True``) we do cut weights 400 and 700:
Chromium embeds a variable font in a PDF as Type 3 glyphs, static ones as real TrueType fonts.
WOFF (zlib) rather than WOFF2: brotli at fontTools' fixed top quality costs ~0.8 s for a 20 %
smaller file.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import io
from pathlib import Path
from typing import Any

import attrs

FAMILY = "LessonlensSans"

#: Where the font comes from, in order: the font package lessonlens depends on, then system fonts
#: (Debian's fonts-noto-cjk, fonts-wqy-microhei) for installs without it.
_PACKAGED = ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf")
_SYSTEM = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
#: Always in the subset: digits, Latin, punctuation, so numbers typed later (hover values) render.
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。：；、（）《》“”‘’—…·%‰±×÷≤≥−–→↑↓●○■□▲△"
#: OpenType features worth keeping: kerning, locale forms, tabular and proportional figures.
_FEATURES = ["kern", "locl", "tnum", "pnum", "ccmp", "mark", "mkmk"]


@attrs.frozen
class EmbeddedFont:
    """The ``@font-face`` rule of a report, and the file it came from ('' when none was found)."""

    css: str
    source: str
    size: int


def font_source() -> Path | None:
    """The CJK font file reports are set in, or ``None`` when neither the package nor a system font exists."""
    package, relative = _PACKAGED
    try:
        packaged = Path(str(importlib.resources.files(package).joinpath(relative)))
    except ModuleNotFoundError:
        packaged = None
    if packaged is not None and packaged.is_file():
        return packaged
    for candidate in _SYSTEM:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def embedded_font(text: str, static: bool = False) -> EmbeddedFont:
    """``@font-face`` rules whose font covers every character of ``text`` (plus digits and Latin);
    ``static``: separate regular and bold faces instead of one variable face."""
    source = font_source()
    if source is None:
        return EmbeddedFont(css="", source="", size=0)
    chars = "".join(sorted(set(text) | set(_ALWAYS)))
    faces = _faces(str(source), chars, static)
    css = "\n".join(f"@font-face{{font-family:'{FAMILY}';font-weight:{weight};font-style:normal;"
                    f"src:url(data:font/woff;base64,{data}) format('woff');}}" for weight, data in faces)
    return EmbeddedFont(css=css, source=str(source), size=sum(len(d) for _, d in faces))


def _woff(font: Any) -> str:
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@functools.lru_cache(maxsize=8)
def _faces(source: str, chars: str, static: bool) -> tuple[tuple[str, str], ...]:
    """(CSS weight, base64 WOFF) of the font cut down to ``chars``."""
    font = _subset(source, chars)
    if "fvar" not in font:
        return (("400", _woff(font)),)
    if not static:
        axis = next((a for a in font["fvar"].axes if a.axisTag == "wght"), None)
        return ((f"{axis.minValue:g} {axis.maxValue:g}" if axis else "400", _woff(font)),)
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    # each weight from a fresh parse of the small subset: far cheaper than the instancer's deep copy
    buffer = io.BytesIO()
    font.save(buffer)
    faces = []
    for weight in (400, 700):
        fresh = TTFont(io.BytesIO(buffer.getvalue()))
        # merging GPOS variations is two thirds of the instancer's time; printed CJK text needs no kerning
        if "GPOS" in fresh:
            del fresh["GPOS"]
        # updateFontNames: the PDF then names the faces Regular and Bold rather than the default "Thin"
        instancer.instantiateVariableFont(fresh, {"wght": weight}, inplace=True, updateFontNames="STAT" in fresh)
        faces.append((str(weight), _woff(fresh)))
    return tuple(faces)


def _subset(source: str, chars: str) -> Any:
    """The font cut down to ``chars`` (a fontTools ``TTFont``)."""
    # imported here: fontTools is only needed when a report is rendered
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = _FEATURES
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    collection = source.endswith((".ttc", ".otc"))
    # lazy: only the tables and glyphs the subset keeps are parsed
    font = TTFont(source, fontNumber=0 if collection else -1, lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    return font
