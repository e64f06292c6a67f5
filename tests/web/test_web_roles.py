"""Roles and lesson privacy, decided in ``lessonlens.web.roles``: the table of who may do what, and
the SQL filter of lists agreeing with it for every role and every way a lesson can be shared."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

pytest.importorskip("litestar", reason="the web extra is not installed")

from sqlalchemy import select

from lessonlens.store.platform_models import WebLesson, WebUser
from lessonlens.web.catalog import facts, revoke, share, shares
from lessonlens.web.roles import (
    Account,
    Action,
    Capability,
    Consent,
    LessonFacts,
    Role,
    Share,
    can,
    group_shown,
    may,
    may_follow_teacher,
    may_name_teacher,
    nameable_clause,
    visible_clause,
)

OWNER = Account(id=1, name="t1", role=Role.TEACHER, school="一小", region="海淀")
PEOPLE = {
    "owner": OWNER,
    "other_teacher": Account(id=2, name="t2", role=Role.TEACHER, school="一小", region="海淀"),
    "admin": Account(id=3, name="a", role=Role.ADMIN),
    "researcher": Account(id=4, name="r", role=Role.RESEARCHER, region="海淀", subjects=frozenset({"数学"})),
    "researcher_other_subject": Account(id=5, name="r2", role=Role.RESEARCHER, region="海淀",
                                        subjects=frozenset({"语文"})),
    "researcher_other_region": Account(id=6, name="r3", role=Role.RESEARCHER, region="朝阳",
                                       subjects=frozenset({"数学"})),
    "lead": Account(id=7, name="l", role=Role.SCHOOL_LEAD, school="一小"),
    "lead_other": Account(id=8, name="l2", role=Role.SCHOOL_LEAD, school="二小"),
    "observer": Account(id=9, name="o", role=Role.OBSERVER),
    "observer_other": Account(id=10, name="o2", role=Role.OBSERVER),
}
SHARINGS = {
    "private": (),
    "observer": (Share(user_id=9),),
    "school": (Share(scope="school"),),
    "region": (Share(scope="region"),),
}
#: who may view a lesson of OWNER (数学, 一小, 海淀) under each sharing
VIEWERS = {
    "private": {"owner"},
    "observer": {"owner", "observer"},
    "school": {"owner", "lead"},
    "region": {"owner", "researcher", "admin"},
}


def _lesson(sharing: str) -> LessonFacts:
    return LessonFacts(owner_id=OWNER.id, school="一小", region="海淀", subject="数学", shares=SHARINGS[sharing])


@pytest.mark.parametrize(("person", "sharing"), list(itertools.product(PEOPLE, SHARINGS)))
def test_who_may_see_and_change_a_lesson(person: str, sharing: str) -> None:
    account, lesson = PEOPLE[person], _lesson(sharing)
    expected = person in VIEWERS[sharing]
    assert may(account, Action.VIEW, lesson) is expected
    assert may(account, Action.DOWNLOAD, lesson) is expected
    for action in (Action.SHARE, Action.DELETE, Action.RETRY):  # the owner's alone, whatever is shared
        assert may(account, action, lesson) is (person == "owner")
    # a disabled account may do nothing, not even to its own lessons
    disabled = Account(id=account.id, name=account.name, role=account.role, school=account.school,
                       region=account.region, subjects=account.subjects, active=False)
    assert not any(may(disabled, action, lesson) for action in Action)


def test_capabilities_by_role() -> None:
    table = {role: {c for c in Capability if can(Account(id=1, name="x", role=role), c)} for role in Role}
    assert table == {
        Role.ADMIN: {Capability.MANAGE_USERS, Capability.AGGREGATES},
        Role.RESEARCHER: {Capability.AGGREGATES},
        Role.SCHOOL_LEAD: {Capability.AGGREGATES},
        Role.TEACHER: {Capability.UPLOAD},
        Role.OBSERVER: set(),
    }


def test_the_list_filter_agrees_with_the_rule_for_every_role(tmp_path: Path) -> None:
    """One lesson per sharing in a real store; for every person the lessons the SQL filter selects are
    exactly those ``may(VIEW)`` allows; revoking a share closes the lesson again."""
    from tests.support.web import make_world

    world = make_world(tmp_path)
    p, users = world.platform, world.users
    ids = {"private": world.lessons["private"], "shared": world.lessons["shared"]}
    with p.engine.connect() as conn:
        all_ids = list(conn.scalars(select(WebLesson.id)))
    for account in users.values():
        with p.engine.connect() as conn:
            listed = set(conn.scalars(select(WebLesson.id).where(visible_clause(account))))
            allowed = {i for i in all_ids if (f := facts(conn, i)) is not None and may(account, Action.VIEW, f)}
        assert listed == allowed, account.name
    with p.engine.connect() as conn:
        shared = facts(conn, ids["shared"])
        private = facts(conn, ids["private"])
    assert shared is not None and private is not None
    viewers = {name for name, a in users.items() if may(a, Action.VIEW, shared)}
    assert viewers == {"t1", "obs", "lead", "res", "admin"}
    assert {name for name, a in users.items() if may(a, Action.VIEW, private)} == {"t1"}
    # revoking: the observer's share goes, the others stay
    share_id = next(s.id for s in shares(p.engine, ids["shared"]) if s.user == "obs")
    assert revoke(p.engine, ids["shared"], share_id)
    assert not revoke(p.engine, ids["shared"], share_id)  # twice is nothing
    with p.engine.connect() as conn:
        after = facts(conn, ids["shared"])
    assert after is not None and not may(users["obs"], Action.VIEW, after) and may(users["lead"], Action.VIEW, after)
    # sharing again with the same user makes one active share, not two
    share(p.engine, ids["shared"], users["t1"], user="obs")
    share(p.engine, ids["shared"], users["t1"], user="obs")
    assert [s.user for s in shares(p.engine, ids["shared"])].count("obs") == 1
    p.close()


# -- teachers named in rankings: the teacher's consent -----------------------------------------
#: who sees OWNER (teacher of 一小, 海淀, who teaches 数学) named in a ranking, for each consent
#: (besides OWNER itself): researchers as for OWNER's lessons, by region and subject
NAMED_TO = {
    Consent.NONE: set(),
    Consent.SCHOOL: {"other_teacher", "lead"},
    Consent.REGION: {"other_teacher", "lead", "admin", "researcher"},
}


@pytest.mark.parametrize(("person", "consent"), list(itertools.product(PEOPLE, Consent)))
def test_who_sees_a_teacher_named_in_a_ranking(person: str, consent: Consent) -> None:
    import attrs

    teacher, viewer = attrs.evolve(OWNER, consent=consent), PEOPLE[person]
    teaches = {"数学"}  # the subject of OWNER's lessons (VIEWERS)
    expected = person == "owner" or person in NAMED_TO[consent]
    assert may_name_teacher(viewer, teacher, teaches) is expected
    # the same when the subject is the teacher account's own rather than their lessons'
    assert may_name_teacher(viewer, attrs.evolve(teacher, subjects=frozenset(teaches))) is expected
    # a researcher names only teachers of their subjects (as they see only those lessons)
    assert may_name_teacher(viewer, teacher, {"语文"}) is (
        person == "owner" or person in NAMED_TO[consent] - {"researcher"}
        or (person == "researcher_other_subject" and consent is Consent.REGION))
    # as for lessons, researchers see a region's teachers by region and subject (admins all of them)
    if consent is Consent.REGION and viewer.role is Role.RESEARCHER:
        assert may_name_teacher(viewer, teacher, teaches) is may(viewer, Action.VIEW, LessonFacts(
            owner_id=OWNER.id, school="一小", region="海淀", subject="数学", shares=(Share(scope="region"),)))
    # a disabled viewer sees nobody named; a disabled teacher is named to nobody but themselves
    assert not may_name_teacher(attrs.evolve(viewer, active=False), teacher, teaches)
    assert may_name_teacher(viewer, attrs.evolve(teacher, active=False), teaches) is (person == "owner")
    # consent is a teacher's: a lead or researcher is never named in a ranking of teachers
    assert may_name_teacher(viewer, attrs.evolve(teacher, role=Role.SCHOOL_LEAD), teaches) is (person == "owner")


#: who may open OWNER's growth page (besides OWNER, who has /growth): the researchers and school leads
#: OWNER is named to; never a colleague, an admin or an observer
FOLLOWED_BY = {
    Consent.NONE: set(),
    Consent.SCHOOL: {"lead"},
    Consent.REGION: {"lead", "researcher"},
}


@pytest.mark.parametrize(("person", "consent"), list(itertools.product(PEOPLE, Consent)))
def test_who_may_follow_a_teachers_growth(person: str, consent: Consent) -> None:
    import attrs

    teacher, viewer = attrs.evolve(OWNER, consent=consent), PEOPLE[person]
    assert may_follow_teacher(viewer, teacher, {"数学"}) is (person in FOLLOWED_BY[consent])
    # one rule: following needs naming
    assert not may_follow_teacher(viewer, teacher, {"数学"}) or may_name_teacher(viewer, teacher, {"数学"})
    assert not may_follow_teacher(attrs.evolve(viewer, active=False), teacher, {"数学"})
    assert not may_follow_teacher(viewer, attrs.evolve(teacher, active=False), {"数学"})


def test_group_size_floor() -> None:
    assert not group_shown(4) and group_shown(5) and group_shown(3, min_group=3) and not group_shown(0, min_group=0)


def test_the_naming_filter_agrees_with_the_rule(tmp_path: Path) -> None:
    """Every consent of a real store's teachers, for every viewer: the accounts the SQL filter selects
    are exactly those ``may_name_teacher`` allows (with the subjects of the lessons each teacher
    owns); researchers name the teachers of their region who teach their subjects (by their lessons
    or their account); withdrawing consent takes effect at once."""
    from lessonlens.core.errors import InputError
    from lessonlens.web.accounts import add_user, get_user, set_consent, taught_subjects, users
    from lessonlens.web.catalog import create_lesson
    from tests.support.web import make_world

    world = make_world(tmp_path)
    p = world.platform
    region = world.users["t1"].region  # t1 owns two 数学 lessons; t2 one of 英语; t3 teaches 数学 and 科学 (account)
    t3 = add_user(p.engine, "t3", Role.TEACHER, "correct horse battery", school="另一所学校", region=region,
                  subjects=["数学", "科学"])
    create_lesson(p.engine, world.users["t2"], "t2-english", title="Unit 3", subject="英语")
    for name, subjects in (("res_en", ["英语"]), ("res_part", ["学"]), ("res_pct", ["%"])):
        add_user(p.engine, name, Role.RESEARCHER, "correct horse battery", region=region, subjects=subjects)
    set_consent(p.engine, world.users["t1"], Consent.SCHOOL)
    set_consent(p.engine, world.users["t2"], "region")
    set_consent(p.engine, t3, Consent.REGION)
    everyone = users(p.engine)
    assert {a.name: a.consent for a in everyone if a.role is Role.TEACHER} == {
        "t1": Consent.SCHOOL, "t2": Consent.REGION, "t3": Consent.REGION}
    assert taught_subjects(p.engine)[world.users["t2"].id] == {"英语"}

    def named(viewer_name: str) -> set[str]:
        accounts = users(p.engine)
        taught = taught_subjects(p.engine)
        viewer = next(a for a in accounts if a.name == viewer_name)
        with p.engine.connect() as conn:
            listed = set(conn.scalars(select(WebUser.name).where(nameable_clause(viewer))))
        assert listed == {a.name for a in accounts if may_name_teacher(viewer, a, taught.get(a.id, frozenset()))}, (
            viewer_name)
        return listed

    table = {a.name: named(a.name) for a in everyone}
    assert table["t1"] == {"t1", "t2"}            # a colleague of the same school (t2 agreed)
    assert table["lead"] == {"lead", "t1", "t2"}  # the school's lead
    assert table["lead_other"] == {"lead_other", "t3"}
    assert table["res"] == {"res", "t3"}          # 数学: t3 (t1 agreed to the school only; t2 teaches 英语)
    assert table["res_en"] == {"res_en", "t2"}    # 英语: t2, by the lesson they own
    assert table["res_part"] == {"res_part"}      # "学" is not "数学" or "科学"
    assert table["res_pct"] == {"res_pct"}        # a LIKE wildcard in a subject matches only itself
    assert table["res_other"] == {"res_other"}    # another region
    assert table["admin"] == {"admin", "t2", "t3"}
    assert table["obs"] == {"obs"}
    set_consent(p.engine, world.users["t1"], "region")  # t1's 数学 lessons: now named to 数学's researcher
    assert named("res") == {"res", "t1", "t3"} and named("res_en") == {"res_en", "t2"}
    # withdrawing: at once, for every viewer
    set_consent(p.engine, world.users["t2"], "none")
    assert named("lead") == {"lead", "t1"} and named("res_en") == {"res_en"}
    account = get_user(p.engine, world.users["t2"].id)
    assert account is not None and account.consent is Consent.NONE
    with pytest.raises(InputError):
        set_consent(p.engine, world.users["t2"], "everyone")
    with pytest.raises(InputError):  # only teachers are ranked, so only they consent
        set_consent(p.engine, world.users["lead"], Consent.SCHOOL)
    p.close()
