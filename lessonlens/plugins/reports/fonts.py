"""The report font: Noto Sans SC from a Python package, cut down to the characters a report uses.

Reports must look the same on a machine with no Chinese font and open with no network, so the
font travels inside the HTML as a ``data:`` URL. The shipped font is a 17 MB variable font; a
report uses a few hundred characters, so we subset it to those and pin two static weights
(400 and 700), which keeps a report's font near 150 KB per weight. WOFF (zlib) rather than WOFF2:
brotli at fontTools' fixed top quality costs ~0.8 s a weight for 20 % smaller files.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import io
from pathlib import Path

import attrs

FAMILY = "LessonlensSans"
WEIGHTS: tuple[int, ...] = (400, 700)

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
    """The ``@font-face`` rules of a report, and the file they came from ('' when none was found)."""

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


def embedded_font(text: str) -> EmbeddedFont:
    """``@font-face`` rules whose fonts cover every character of ``text`` (plus digits and Latin)."""
    source = font_source()
    if source is None:
        return EmbeddedFont(css="", source="", size=0)
    chars = "".join(sorted(set(text) | set(_ALWAYS)))
    faces = _faces(str(source), chars)
    css = "\n".join(
        f"@font-face{{font-family:'{FAMILY}';font-weight:{weight};font-style:normal;"
        f"src:url(data:font/woff;base64,{data}) format('woff');}}"
        for weight, data in faces
    )
    return EmbeddedFont(css=css, source=str(source), size=sum(len(d) for _, d in faces))


@functools.lru_cache(maxsize=8)
def _faces(source: str, chars: str) -> tuple[tuple[int, str], ...]:
    # imported here: fontTools is only needed when a report is rendered
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = _FEATURES
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    font = TTFont(source, fontNumber=0) if source.endswith((".ttc", ".otc")) else TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    faces = []
    variable = "fvar" in font
    for weight in WEIGHTS:
        if variable:
            from fontTools.varLib import instancer

            axes = {a.axisTag: (a.minValue, a.maxValue) for a in font["fvar"].axes}
            low, high = axes.get("wght", (weight, weight))
            static = instancer.instantiateVariableFont(font, {"wght": min(max(weight, low), high)}, inplace=False)
        elif weight != WEIGHTS[0]:
            continue  # a static font has one weight; the browser synthesises bold from it
        else:
            static = font
        static.flavor = "woff"
        buffer = io.BytesIO()
        static.save(buffer)
        faces.append((weight, base64.b64encode(buffer.getvalue()).decode("ascii")))
    return tuple(faces)
