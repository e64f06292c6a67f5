"""The room layout: named zones of the teacher camera's picture, used to place the teacher.

A zone is a rectangle in frame fractions (0..1, origin top-left). The teacher's anchor point (the
middle of the shoulders) is tested against the zones in order; the first that holds it names the
zone, and a point in none of them is ``aisle`` (among the desks). Every classroom differs, so the
layout is an option (``layout`` of the ``teacher-pose`` and ``board-ocr`` detectors); the default
fits a camera at the back of the room that frames the board across the top of the picture.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.observations import Box
from lessonlens.tables.yaml_files import read_yaml_file

AISLE = "aisle"

_NOT_LAYOUT = Text(zh="不是教室布局文件（区域名 → 画面比例框）：{error}",
                   en="not a room layout (zone name -> box in frame fractions): {error}")
_NO_ZONES = Text(zh="没有任何区域", en="no zones")
_BAD_ZONE = Text(
    zh="教室布局中的区域 {name} 无效：需要 {{x, y, w, h}} 或 [x0, y0, x1, y1]，"
       "均为 0 到 1 之间的画面比例，且不超出画面",
    en="room layout zone {name} is invalid: give {{x, y, w, h}} or [x0, y0, x1, y1] as fractions of the picture "
       "(0..1) inside the frame",
)


@attrs.frozen
class Zone:
    name: str
    box: Box

    def holds(self, x: float, y: float) -> bool:
        b = self.box
        return b.x <= x < b.x + b.w and b.y <= y < b.y + b.h


@attrs.frozen
class RoomLayout:
    """Zones of the teacher camera, tested in order; ``board`` also locates the board for OCR."""

    zones: tuple[Zone, ...]

    def zone_of(self, x: float, y: float) -> str:
        for zone in self.zones:
            if zone.holds(x, y):
                return zone.name
        return AISLE

    def box(self, name: str) -> Box | None:
        return next((z.box for z in self.zones if z.name == name), None)


DEFAULT_LAYOUT = RoomLayout(zones=(
    Zone("board", Box(0.10, 0.05, 0.80, 0.40)),
    Zone("podium", Box(0.0, 0.45, 1.0, 0.17)),
))


def layout_from_mapping(data: Mapping[str, Any], source: str | Path | None = None) -> RoomLayout:
    """A layout from ``{"board": {"x":..,"y":..,"w":..,"h":..}, "podium": [x0, y0, x1, y1]}`` (order
    kept); ``source`` names the file in errors."""
    zones = []
    for name, spec in data.items():
        try:
            if isinstance(spec, Mapping):
                box = Box(*(float(spec[k]) for k in ("x", "y", "w", "h")))
            else:
                x0, y0, x1, y1 = (float(v) for v in spec)
                box = Box(x0, y0, x1 - x0, y1 - y0)
        except (KeyError, TypeError, ValueError):
            raise InputError(_BAD_ZONE, source, name=name) from None
        if not (0 <= box.x < 1 and 0 <= box.y < 1 and box.w > 0 and box.h > 0
                and box.x + box.w <= 1.0 + 1e-9 and box.y + box.h <= 1.0 + 1e-9):
            raise InputError(_BAD_ZONE, source, name=name)
        zones.append(Zone(str(name), box))
    return RoomLayout(zones=tuple(zones))


def read_layout(path: str | Path) -> dict[str, Any]:
    """The zones of a room-layout file (YAML or JSON: zone name -> box, optionally under ``zones``),
    checked, as the mapping the ``layout`` option of the detectors takes."""
    file = Path(path)
    data = read_yaml_file(file)
    if isinstance(data, Mapping) and isinstance(data.get("zones"), Mapping):
        data = data["zones"]
    if not isinstance(data, Mapping) or not data:
        raise InputError(_NOT_LAYOUT, file, error=_NO_ZONES)
    zones = {str(name): spec for name, spec in data.items()}
    layout_from_mapping(zones, file)
    return zones
