"""Test support for the dashboards: the web world of :func:`tests.support.web.make_world` plus a
synthetic district in the researcher's region — schools S00, S01 and one named like a spreadsheet
formula, four teachers each — and three teacher accounts of S00 owning the lessons of T00-00 (who
consents to be named in the region), T00-01 (in the school) and T00-02 (to no one); a second
researcher of the region, ``res_yuwen``, covers 语文, the subject T00-00 teaches (``res`` covers 数学)."""

from __future__ import annotations

from pathlib import Path

import attrs

from lessonlens.store.synthetic import synthetic_district
from lessonlens.web.accounts import add_user, set_consent
from lessonlens.web.catalog import set_owner, sync_from_store
from lessonlens.web.roles import Role
from tests.support.web import PASSWORD, World, make_world

INJECTED = "=HYPERLINK(\"http://x\")"
CONSENTS = {"s00t0": "region", "s00t1": "school", "s00t2": "none"}


@attrs.frozen
class Dash:
    world: World
    region: str
    #: teacher account name -> the synthetic teacher whose lessons it owns
    owners: dict[str, str]


def make_dash(tmp: Path) -> Dash:
    world = make_world(tmp)
    p = world.platform
    region = world.users["res"].region
    analyses = synthetic_district(150, seed=5, n_schools=3, teachers_per_school=4, region=region)
    analyses = [attrs.evolve(a, lesson=attrs.evolve(a.lesson, school=INJECTED)) if a.lesson.school == "S02" else a
                for a in analyses]
    p.store.add(analyses)
    sync_from_store(p.engine)
    owners = {}
    for k, (name, consent) in enumerate(CONSENTS.items()):
        account = add_user(p.engine, name, Role.TEACHER, PASSWORD, display_name=f"教师甲{k}", school="S00",
                           region=region)
        set_consent(p.engine, account, consent)
        owners[name] = f"T00-0{k}"
        for a in analyses:
            if a.lesson.teacher == owners[name]:
                set_owner(p.engine, a.lesson.id, account)
    add_user(p.engine, "lead_s00", Role.SCHOOL_LEAD, PASSWORD, school="S00")
    add_user(p.engine, "res_yuwen", Role.RESEARCHER, PASSWORD, region=region, subjects=["语文"])
    return Dash(world, region, owners)
