"""School terms (学期): the autumn term runs from August to January, the spring term from February to
July. A teacher's growth is read term by term, and goals set in one term are shown in the next."""

from __future__ import annotations

import datetime as dt
import re

import attrs

from lessonlens.core.i18n import Text

_ID = re.compile(r"^(\d{4})-(spring|autumn)$")
_LABEL = {"autumn": Text(zh="{y}–{y2} 学年第一学期（秋季）", en="autumn term {y}/{y2}"),
          "spring": Text(zh="{y0}–{y} 学年第二学期（春季）", en="spring term {y}")}


@attrs.frozen(order=True)
class Term:
    """A term: ``2026-autumn`` is 2026-08-01 … 2027-01-31, ``2027-spring`` 2027-02-01 … 2027-07-31."""

    start: dt.date
    end: dt.date
    id: str

    def label(self, lang: str) -> str:
        year, season = self.id.split("-")
        y = int(year)
        return _LABEL[season].format(lang, y=y, y2=y + 1, y0=y - 1)

    def next(self) -> Term:
        return term_of(self.end + dt.timedelta(days=1))

    def previous(self) -> Term:
        return term_of(self.start - dt.timedelta(days=1))


def term_of(day: dt.date) -> Term:
    """The term ``day`` falls in."""
    if day.month >= 8:
        return Term(dt.date(day.year, 8, 1), dt.date(day.year + 1, 1, 31), f"{day.year}-autumn")
    if day.month == 1:
        return Term(dt.date(day.year - 1, 8, 1), dt.date(day.year, 1, 31), f"{day.year - 1}-autumn")
    return Term(dt.date(day.year, 2, 1), dt.date(day.year, 7, 31), f"{day.year}-spring")


def parse_term(value: str) -> Term | None:
    """A term from its id (``2026-autumn``); None when ``value`` is not one."""
    found = _ID.match(value.strip())
    if found is None:
        return None
    year = int(found.group(1))
    return term_of(dt.date(year, 9, 1) if found.group(2) == "autumn" else dt.date(year, 3, 1))
