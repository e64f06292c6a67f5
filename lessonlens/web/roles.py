"""Who may do what: the ONE place the platform's roles and lesson privacy are decided.

Roles: ``admin`` (district: accounts, district aggregates), ``researcher`` (教研员: lessons of their
region and subjects), ``school_lead`` (their school), ``teacher`` (their own lessons), ``observer``
(lessons shared with them). A lesson is private to its teacher (its owner) until shared: with one
user, or with a scope — ``school`` opens it to the school leads of its school, ``region`` to the
researchers of its region whose subjects include its subject (and to admins). Revoking a share
closes it again. :func:`may` answers for one lesson in Python; :func:`visible_clause` is the same
rule as SQL for lists; the tests check the two agree on every role.

Teachers in rankings and comparisons: a teacher is named to a viewer only as far as the teacher
agreed (:class:`Consent`, :func:`may_name_teacher`, :func:`nameable_clause`); otherwise only
aggregates are shown, and only for groups of at least the minimum size (:func:`group_shown`). A
researcher or school lead to whom a teacher is named may follow that teacher's growth page
(:func:`may_follow_teacher`), seeing lessons and goals only where the teacher shared them.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

import attrs
from sqlalchemy import ColumnElement, and_, exists, false, literal, or_, select

from lessonlens.store.platform_models import LessonShare, WebLesson, WebUser


class Role(StrEnum):
    ADMIN = "admin"
    RESEARCHER = "researcher"
    SCHOOL_LEAD = "school_lead"
    TEACHER = "teacher"
    OBSERVER = "observer"


class Action(StrEnum):
    """Things done to one lesson."""

    VIEW = "view"          # the lesson page, its video, charts and findings
    DOWNLOAD = "download"  # report HTML, analysis JSON
    SHARE = "share"        # share and revoke
    DELETE = "delete"
    RETRY = "retry"        # re-run a failed analysis


class Capability(StrEnum):
    """Things not tied to one lesson."""

    UPLOAD = "upload"
    MANAGE_USERS = "manage_users"
    AGGREGATES = "aggregates"  # group statistics of a scope (minimum group size applies)


class Consent(StrEnum):
    """Whom a teacher lets see them named in rankings and comparisons of teachers (the teacher's own
    setting on ``/account``; stored in ``web_user.ranking_consent``). Each level includes the one above."""

    NONE = "none"      # named to nobody: in rankings the teacher is an anonymous member of the aggregates
    SCHOOL = "school"  # named to the school leads and teachers of their own school
    REGION = "region"  # also to the researchers (教研员) of their region and to the district's admins


#: the default minimum group size: an aggregate of fewer lessons (or teachers) is not shown
MIN_GROUP = 5


SCOPES = ("school", "region")

_CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.UPLOAD: frozenset({Role.TEACHER}),
    Capability.MANAGE_USERS: frozenset({Role.ADMIN}),
    Capability.AGGREGATES: frozenset({Role.ADMIN, Role.RESEARCHER, Role.SCHOOL_LEAD}),
}
_OWNER_ONLY = frozenset({Action.SHARE, Action.DELETE, Action.RETRY})


@attrs.frozen
class Account:
    """A signed-in user as the permission rules see them."""

    id: int
    name: str
    role: Role
    display_name: str = ""
    region: str = ""
    school: str = ""
    subjects: frozenset[str] = frozenset()
    active: bool = True
    #: a teacher's consent to be named in rankings (:func:`may_name_teacher`)
    consent: Consent = Consent.NONE

    @property
    def label(self) -> str:
        return self.display_name or self.name


@attrs.frozen
class Share:
    """An active share of a lesson: with a user (``user_id``) or a scope (``school`` / ``region``)."""

    user_id: int | None = None
    scope: str = ""


@attrs.frozen
class LessonFacts:
    """What the rules need to know about one lesson."""

    owner_id: int | None
    school: str = ""
    region: str = ""
    subject: str = ""
    shares: tuple[Share, ...] = ()


def can(account: Account, capability: Capability) -> bool:
    return account.active and account.role in _CAPABILITIES[capability]


def _share_opens(account: Account, share: Share, lesson: LessonFacts) -> bool:
    if share.user_id is not None:
        return share.user_id == account.id
    if share.scope == "school":
        return account.role is Role.SCHOOL_LEAD and bool(account.school) and account.school == lesson.school
    if share.scope == "region":
        if account.role is Role.ADMIN:
            return True
        return (account.role is Role.RESEARCHER and bool(account.region) and account.region == lesson.region
                and lesson.subject in account.subjects)
    return False


def may(account: Account, action: Action, lesson: LessonFacts) -> bool:
    """Whether ``account`` may do ``action`` to ``lesson``."""
    if not account.active:
        return False
    if lesson.owner_id is not None and lesson.owner_id == account.id:
        return True
    if action in _OWNER_ONLY:
        return False
    return any(_share_opens(account, share, lesson) for share in lesson.shares)


def visible_clause(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on ``web_lesson`` selecting exactly the lessons ``may(account, VIEW, …)`` allows."""
    if not account.active:
        return false()
    share = LessonShare
    opens: list[ColumnElement[bool]] = [share.user_id == account.id]
    if account.role is Role.SCHOOL_LEAD and account.school:
        opens.append(and_(share.scope == "school", WebLesson.school == account.school))
    if account.role is Role.ADMIN:
        opens.append(share.scope == "region")
    elif account.role is Role.RESEARCHER and account.region and account.subjects:
        opens.append(and_(share.scope == "region", WebLesson.region == account.region,
                          WebLesson.subject.in_(sorted(account.subjects))))
    shared = exists(select(share.id).where(share.lesson_id == WebLesson.id, share.revoked_at.is_(None),
                                           or_(*opens)))
    return or_(WebLesson.owner_id == account.id, shared)


# -- teachers named in rankings and comparisons -------------------------------------------------
_SCHOOL_PEERS = frozenset({Role.SCHOOL_LEAD, Role.TEACHER})


def may_name_teacher(viewer: Account, teacher: Account, teaches: Collection[str] = frozenset()) -> bool:
    """Whether ``viewer`` may see ``teacher`` named (name, display name, their own row) in a ranking
    or comparison of teachers. Everyone sees themselves; anyone else only as far as the teacher agreed
    (:class:`Consent`): ``school`` — the school leads and teachers of the teacher's school; ``region``
    — also the admins, and the researchers of the teacher's region who cover a subject the teacher
    teaches (as a researcher sees the region's lessons of their subjects only). What a teacher teaches:
    the subjects of their account and ``teaches``, those of the lessons they own
    (:func:`lessonlens.web.accounts.taught_subjects`). Observers, other schools and other regions never;
    nobody sees a disabled account or a non-teacher named. Without consent a view shows the teacher
    only inside aggregates (:func:`group_shown`). :func:`nameable_clause` is the same rule as SQL."""
    if not viewer.active:
        return False
    if viewer.id == teacher.id:
        return True
    if not teacher.active or teacher.role is not Role.TEACHER or teacher.consent is Consent.NONE:
        return False
    if viewer.role in _SCHOOL_PEERS and viewer.school and viewer.school == teacher.school:
        return True
    if teacher.consent is not Consent.REGION:
        return False
    if viewer.role is Role.ADMIN:
        return True
    return (viewer.role is Role.RESEARCHER and bool(viewer.region) and viewer.region == teacher.region
            and bool(viewer.subjects & (teacher.subjects | frozenset(teaches))))


def nameable_clause(viewer: Account) -> ColumnElement[bool]:
    """A WHERE clause on ``web_user`` selecting exactly the accounts ``may_name_teacher(viewer, …)``
    allows (with ``teaches`` the subjects of the lessons each owns)."""
    if not viewer.active:
        return false()
    teacher = and_(WebUser.active.is_(True), WebUser.role == Role.TEACHER.value)
    opens: list[ColumnElement[bool]] = [WebUser.id == viewer.id]
    if viewer.role in _SCHOOL_PEERS and viewer.school:
        opens.append(and_(teacher, WebUser.school == viewer.school,
                          WebUser.ranking_consent.in_([Consent.SCHOOL.value, Consent.REGION.value])))
    region = and_(teacher, WebUser.ranking_consent == Consent.REGION.value)
    if viewer.role is Role.ADMIN:
        opens.append(region)
    elif viewer.role is Role.RESEARCHER and viewer.region and viewer.subjects:
        subjects = sorted(viewer.subjects)
        # the account's own subjects are stored comma-separated: ",数学,语文," contains ",数学,"
        listed = literal(",") + WebUser.subjects + literal(",")
        teaches = or_(exists(select(WebLesson.id).where(WebLesson.owner_id == WebUser.id,
                                                        WebLesson.subject.in_(subjects))),
                      *[listed.contains(f",{subject},", autoescape=True) for subject in subjects])
        opens.append(and_(region, WebUser.region == viewer.region, teaches))
    return or_(*opens)


#: who may follow another teacher's growth page (their own, for themselves, is ``View.GROWTH``)
_FOLLOWERS = frozenset({Role.RESEARCHER, Role.SCHOOL_LEAD})


def may_follow_teacher(viewer: Account, teacher: Account, teaches: Collection[str] = frozenset()) -> bool:
    """Whether ``viewer`` may open ``teacher``'s growth page (``/teachers/ID/growth``): a researcher or a
    school lead to whom the teacher may be named (:func:`may_name_teacher`, the consent rule, unchanged).
    Teachers never open a colleague's page, nor observers, nor anyone the teacher is not named to. What
    the page shows beyond aggregates (lessons, reflections' goals) is limited by :func:`may` (``VIEW``):
    only what the teacher shared with the viewer."""
    return (viewer.active and viewer.id != teacher.id and viewer.role in _FOLLOWERS
            and may_name_teacher(viewer, teacher, teaches))


def group_shown(size: int, min_group: int = MIN_GROUP) -> bool:
    """Whether an aggregate over ``size`` lessons or teachers may be shown (the minimum group size)."""
    return size >= max(1, min_group)


# -- online observation (观评课, issue 17) ------------------------------------------------------
class ObserveAction(StrEnum):
    """Things done to one observation event."""

    FOLLOW = "follow"          # the event page: lesson, rubrics, who was invited and who submitted
    SCORE = "score"            # write one's own scores, comments and notes (invited, before the deadline)
    SEE_SCORES = "see_scores"  # the others' scores, the aggregate, the exports


#: who may open an event on a lesson they can see (the lesson's own teacher always may)
_EVENT_OPENERS = frozenset({Role.RESEARCHER, Role.SCHOOL_LEAD})


@attrs.frozen
class EventFacts:
    """What the rules need to know about one observation event."""

    lesson: LessonFacts
    created_by: int | None
    invited: frozenset[int] = frozenset()
    submitted: frozenset[int] = frozenset()
    blind: bool = True
    #: before the deadline (or no deadline)
    open: bool = True


def may_open_event(account: Account, lesson: LessonFacts) -> bool:
    """A researcher or school lead who may see the lesson, or the lesson's teacher, may open an event on it."""
    if not may(account, Action.VIEW, lesson):
        return False
    return lesson.owner_id == account.id or account.role in _EVENT_OPENERS


def may_observe(account: Account, action: ObserveAction, event: EventFacts) -> bool:
    """Whether ``account`` may do ``action`` to ``event``. Only invited observers score; in blind mode
    an invited observer sees the others' scores only once they have submitted their own; whoever
    opened the event and the lesson's teacher (when not invited themselves) follow the results."""
    if not account.active:
        return False
    invited = account.id in event.invited
    organiser = account.id in (event.created_by, event.lesson.owner_id)
    if action is ObserveAction.FOLLOW:
        return invited or organiser
    if action is ObserveAction.SCORE:
        return invited and event.open
    if invited:
        return not event.blind or account.id in event.submitted
    return organiser


# -- teacher and district views (issue 17) --------------------------------------------------------
class View(StrEnum):
    """The dashboards: a teacher's own growth, portraits of a school or a region, named comparisons."""

    GROWTH = "growth"    # one's own lessons over a term (the period report, live), reflections' goals
    SCHOOL = "school"    # a school's portrait, norms by subject and grade, frequent findings (aggregates)
    REGION = "region"    # the same for a region (admins: any region, or the whole district)
    COMPARE = "compare"  # the teachers of one's school or region side by side, named only with their consent


_VIEWS: dict[View, frozenset[Role]] = {
    View.GROWTH: frozenset({Role.TEACHER}),
    View.SCHOOL: frozenset({Role.ADMIN, Role.RESEARCHER, Role.SCHOOL_LEAD}),
    View.REGION: frozenset({Role.ADMIN, Role.RESEARCHER}),
    View.COMPARE: frozenset({Role.ADMIN, Role.RESEARCHER, Role.SCHOOL_LEAD}),
}


@attrs.frozen
class Place:
    """Which lessons a district view aggregates: a region and/or a school ("" = any)."""

    region: str = ""
    school: str = ""


def may_see_view(account: Account, view: View, place: Place = Place()) -> bool:
    """Whether ``account`` may open ``view`` over ``place``. A school lead sees their own school; a
    researcher their region and its schools (the place must name that region, so a school of the same
    name elsewhere is not mixed in); an admin anything; a teacher only their own growth (``place``
    is ignored: the growth view reads the teacher's own lessons)."""
    if not account.active or account.role not in _VIEWS[view]:
        return False
    if view is View.GROWTH or account.role is Role.ADMIN:
        return True
    if account.role is Role.SCHOOL_LEAD:
        return bool(account.school) and place.school == account.school and place.region in ("", account.region)
    # a researcher: their region, as a whole or one of its schools
    return bool(account.region) and place.region == account.region


def home_place(account: Account) -> Place:
    """The place a district view opens on: the lead's school, the researcher's region, the district."""
    if account.role is Role.SCHOOL_LEAD:
        return Place(school=account.school)
    if account.role is Role.RESEARCHER:
        return Place(region=account.region)
    return Place()


def may_reflect(account: Account, lesson: LessonFacts) -> bool:
    """Only the lesson's own teacher writes its reflection and goals (readers: whoever may view it)."""
    return account.active and lesson.owner_id is not None and lesson.owner_id == account.id
