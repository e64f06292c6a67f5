"""``lessonlens serve --demo``: the bundled lessons in the store, owned by demo teachers, and one
account per role, so the platform can be tried at once."""

from __future__ import annotations

import secrets

import attrs

from lessonlens.web.accounts import add_user, user_by_name
from lessonlens.web.catalog import set_owner, share, sync_from_store
from lessonlens.web.platform import Platform
from lessonlens.web.roles import Account, Role


@attrs.frozen
class DemoLogin:
    name: str
    role: str
    password: str


def _account(p: Platform, name: str, role: Role, password: str, **scope: object) -> Account:
    found = user_by_name(p.engine, name)
    return found or add_user(p.engine, name, role, password, **scope)  # type: ignore[arg-type]


def preload(p: Platform, password: str | None = None) -> list[DemoLogin]:
    """Add the bundled lessons and the demo accounts (kept if they exist); return the logins."""
    from lessonlens import Diagnoser, samples

    diagnoser = Diagnoser()
    analyses = [attrs.evolve(a, findings=diagnoser.diagnose(a).findings) for a in samples.load_samples()]
    p.store.add(analyses)
    sync_from_store(p.engine)
    password = password or secrets.token_urlsafe(9)
    first = analyses[0].lesson
    region, school = first.region, first.school
    subjects = sorted({a.lesson.subject for a in analyses if a.lesson.subject})
    logins = [DemoLogin("admin", "admin", password), DemoLogin("researcher", "researcher", password),
              DemoLogin("lead", "school_lead", password), DemoLogin("observer", "observer", password)]
    _account(p, "admin", Role.ADMIN, password, display_name="管理员")
    _account(p, "researcher", Role.RESEARCHER, password, display_name="教研员", region=region, subjects=subjects)
    _account(p, "lead", Role.SCHOOL_LEAD, password, display_name="校长", school=school)
    observer = _account(p, "observer", Role.OBSERVER, password, display_name="观课教师")
    teachers: dict[str, Account] = {}
    for analysis in analyses:
        name = analysis.lesson.teacher
        if name not in teachers:
            login = f"teacher{len(teachers) + 1}"
            teachers[name] = _account(p, login, Role.TEACHER, password, display_name=name,
                                      school=analysis.lesson.school, region=analysis.lesson.region)
            logins.append(DemoLogin(login, f"teacher ({name})", password))
        owner = teachers[name]
        set_owner(p.engine, analysis.lesson.id, owner)
        # the demo opens its lessons to the region's researchers, the school's lead and the observer
        share(p.engine, analysis.lesson.id, owner, scope="region")
        share(p.engine, analysis.lesson.id, owner, scope="school")
        share(p.engine, analysis.lesson.id, owner, user=observer.name)
    return logins
