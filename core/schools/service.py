"""Schools: creating them, mapping workspaces, membership, roles, the CPD report and training.

Every rule about who may do what in a school lives here, so every platform gets the same answer.
A CPD lead's report is built from the facts of CPD activities only (who, when, hours, category):
the queries here never read an activity's notes, a journal entry or a mentoring note.
"""

from __future__ import annotations

import calendar
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from core.cpd.models import CpdActivity
from core.cpd.periods import Period
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _
from core.identity.models import Member
from core.identity.service import LINK_ALPHABET
from core.schools.models import (
    SCHOOL_ROLES,
    RoleName,
    School,
    SchoolMember,
    SchoolRole,
    SchoolTenant,
    Training,
    TrainingRecord,
)
from core.schools.reminders import ensure_training_reminders

JOIN_CODE_LENGTH = 8
RENEW_NOTICE = timedelta(days=30)
"""Training that must be done again counts as due this long before it expires."""


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def normalise_code(code: str) -> str:
    """A join code as typed (any case, with spaces or dashes) in the stored form."""
    return re.sub(r"[\s-]+", "", code).upper()


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if session.exec(select(School.id).where(School.join_code == code)).first() is None:
            return code


# Schools and workspaces -----------------------------------------------------------------------


def create_school(session: Session, name: str, now: datetime) -> School:
    """A new school with a fresh join code; names are unique whatever their case."""
    name = _clean_name(name)
    if sum(c.isalnum() for c in name) < 2:
        raise UserError(
            _('A school name needs at least two letters or digits, like "Hillside Primary".'),
            show_usage=True,
        )
    taken = session.exec(select(School).where(func.lower(School.name) == name.lower())).first()
    if taken is not None:
        raise UserError(
            _("There is already a school called {name}. Choose another name.", name=taken.name)
        )
    school = School(name=name, join_code=_new_code(session), created_at=now)
    session.add(school)
    session.flush()
    return school


def find_school(session: Session, name: str) -> School:
    """A school by its name, any case."""
    wanted = _clean_name(name).lower()
    found = session.exec(select(School).where(func.lower(School.name) == wanted)).first()
    if found is None:
        raise NotFound(
            _("There is no school called {name}. Check the spelling.", name=_clean_name(name)[:60])
        )
    return found


def school_by_code(session: Session, code: str) -> School:
    found = session.exec(select(School).where(School.join_code == normalise_code(code))).first()
    if found is None:
        raise NotFound(
            _("That join code is not right. Check it with your CPD lead and send it again.")
        )
    return found


def mapped_school(session: Session, platform: str, tenant: str) -> School | None:
    """The school a workspace (platform and tenant) is mapped to, if any."""
    return session.exec(
        select(School)
        .join(SchoolTenant, col(SchoolTenant.school_id) == col(School.id))
        .where(SchoolTenant.platform == platform, SchoolTenant.tenant == tenant)
    ).first()


def map_tenant(session: Session, school: School, platform: str, tenant: str) -> bool:
    """Map the workspace to the school; False if it already was. A workspace belongs to one
    school, so one mapped elsewhere is refused."""
    assert school.id is not None
    current = mapped_school(session, platform, tenant)
    if current is not None:
        if current.id == school.id:
            return False
        raise UserError(
            _(
                "This workspace already belongs to {other}. A workspace can belong to one "
                "school only.",
                other=current.name,
            )
        )
    session.add(SchoolTenant(school_id=school.id, platform=platform, tenant=tenant))
    session.flush()
    return True


def tenants_of(session: Session, school_id: int) -> list[SchoolTenant]:
    return list(
        session.exec(
            select(SchoolTenant)
            .where(SchoolTenant.school_id == school_id)
            .order_by(col(SchoolTenant.platform), col(SchoolTenant.tenant))
        )
    )


# Membership ----------------------------------------------------------------------------------


def membership_of(session: Session, member_id: int) -> SchoolMember | None:
    return session.exec(select(SchoolMember).where(SchoolMember.member_id == member_id)).first()


def school_of(session: Session, member_id: int) -> School | None:
    """The member's school, if they are in one."""
    found = membership_of(session, member_id)
    return session.get(School, found.school_id) if found is not None else None


def in_school(session: Session, school_id: int, member_id: int) -> bool:
    found = membership_of(session, member_id)
    return found is not None and found.school_id == school_id


def join_school(session: Session, school: School, member_id: int, now: datetime) -> bool:
    """Put the member in the school; False if they already were. Someone in another school
    moves, and leaves their roles there behind."""
    assert school.id is not None
    found = membership_of(session, member_id)
    if found is not None and found.school_id == school.id:
        return False
    if found is not None:
        for role in session.exec(
            select(SchoolRole).where(
                SchoolRole.school_id == found.school_id, SchoolRole.member_id == member_id
            )
        ):
            session.delete(role)
        found.school_id, found.joined_at = school.id, now
        found.manager_id = None  # a line manager is someone at the school left behind
        session.add(found)
    else:
        session.add(SchoolMember(school_id=school.id, member_id=member_id, joined_at=now))
    session.flush()
    if session.exec(select(Training.id).where(Training.school_id == school.id)).first():
        ensure_training_reminders(session, [member_id], now)
    return True


def member_count(session: Session, school_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(SchoolMember).where(SchoolMember.school_id == school_id)
    ).one()


# Roles ---------------------------------------------------------------------------------------


def roles_of(session: Session, school_id: int, member_id: int) -> set[RoleName]:
    return {
        RoleName(r)
        for r in session.exec(
            select(SchoolRole.role).where(
                SchoolRole.school_id == school_id, SchoolRole.member_id == member_id
            )
        )
    }


LEADS = (RoleName.CPD_LEAD, RoleName.SCHOOL_ADMIN)
"""Who sees the school's CPD report and sets its training."""


def require_role(
    session: Session, school: School, member_id: int, allowed: tuple[RoleName, ...]
) -> None:
    """Refuse unless the member holds one of the ``allowed`` roles in the school."""
    assert school.id is not None
    if roles_of(session, school.id, member_id) & set(allowed):
        return
    if allowed == (RoleName.SCHOOL_ADMIN,):
        message = _("Only school admins of {school} can do that.", school=school.name)
    else:
        message = _("Only CPD leads and school admins of {school} can do that.", school=school.name)
    raise PermissionDenied(message)


def grant_role(
    session: Session, school: School, member_id: int, role: RoleName, *, by: int, now: datetime
) -> bool:
    """Give a member of the school a role; False if they already held it."""
    assert school.id is not None
    if role not in SCHOOL_ROLES:
        raise ValueError(f"{role} is held on a trust, not a school")
    if role in roles_of(session, school.id, member_id):
        return False
    session.add(
        SchoolRole(
            school_id=school.id, member_id=member_id, role=role, granted_by=by, granted_at=now
        )
    )
    session.flush()
    return True


def revoke_role(session: Session, school: School, member_id: int, role: RoleName) -> bool:
    """Take a role away; False if the member did not hold it."""
    found = session.exec(
        select(SchoolRole).where(
            SchoolRole.school_id == school.id,
            SchoolRole.member_id == member_id,
            SchoolRole.role == role,
        )
    ).first()
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


@dataclass(frozen=True, slots=True)
class RoleHolder:
    role: SchoolRole
    member: Member
    granted_by: Member | None


def role_holders(session: Session, school_id: int) -> list[RoleHolder]:
    """Everyone holding a role in the school: school admins first, then by name."""
    rows = session.exec(
        select(SchoolRole, Member)
        .join(Member, col(Member.id) == col(SchoolRole.member_id))
        .where(SchoolRole.school_id == school_id)
    ).all()
    holders = [
        RoleHolder(
            role,
            member,
            session.get(Member, role.granted_by) if role.granted_by is not None else None,
        )
        for role, member in rows
    ]
    order = {RoleName.SCHOOL_ADMIN: 0, RoleName.CPD_LEAD: 1}
    return sorted(
        holders,
        key=lambda h: (order[RoleName(h.role.role)], h.member.display_name.lower(), h.member.id),
    )


# The CPD report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberHours:
    member_id: int
    name: str
    hours: float
    activities: int


@dataclass(frozen=True, slots=True)
class SchoolReport:
    """The school's CPD in a period: per member and per category, from activity facts only."""

    period: Period
    members: list[MemberHours]
    """Every member of the school, by name, with what they logged (possibly nothing)."""
    by_category: list[tuple[str, float]]
    """Hours by category, largest first."""

    @property
    def total_hours(self) -> float:
        return round(sum(m.hours for m in self.members), 2)

    @property
    def total_activities(self) -> int:
        return sum(m.activities for m in self.members)

    @property
    def quiet(self) -> list[MemberHours]:
        """Members with no activity in the period."""
        return [m for m in self.members if m.activities == 0]


def cpd_report(session: Session, school_id: int, period: Period) -> SchoolReport:
    """Hours and activities of the school's members in ``period``, and hours by category."""
    members = select(SchoolMember.member_id).where(SchoolMember.school_id == school_id)
    conditions: list[ColumnElement[bool]] = [col(CpdActivity.member_id).in_(members)]
    if period.start is not None:
        conditions.append(col(CpdActivity.occurred_on) >= period.start)
    if period.end is not None:
        conditions.append(col(CpdActivity.occurred_on) <= period.end)
    # Two statements, each grouped the way it is read. One statement grouped by member and
    # category, summed both ways here, reads the rows once but returns a row per member and
    # category (eight times as many) after sorting them: 1.7x slower on SQLite and 1.6x on
    # PostgreSQL at 2,000 members and 100,000 activities (bench/reports.py's seed).
    per_member = {
        member_id: (float(hours), int(count))
        for member_id, hours, count in session.exec(
            select(CpdActivity.member_id, func.sum(CpdActivity.hours), func.count())
            .where(*conditions)
            .group_by(col(CpdActivity.member_id))
        )
    }
    by_category = [
        (category, round(float(hours), 2))
        for category, hours in session.exec(
            select(CpdActivity.category, func.sum(CpdActivity.hours))
            .where(*conditions)
            .group_by(col(CpdActivity.category))
        )
    ]
    people = session.exec(
        select(Member.id, Member.display_name)
        .join(SchoolMember, col(SchoolMember.member_id) == col(Member.id))
        .where(SchoolMember.school_id == school_id)
    ).all()
    rows = [
        MemberHours(
            member_id=member_id,
            name=name,
            hours=round(per_member.get(member_id, (0.0, 0))[0], 2),
            activities=per_member.get(member_id, (0.0, 0))[1],
        )
        for member_id, name in people
        if member_id is not None
    ]
    return SchoolReport(
        period=period,
        members=sorted(rows, key=lambda m: (m.name.lower(), m.member_id)),
        by_category=sorted(by_category, key=lambda item: (-item[1], item[0])),
    )


# Training ------------------------------------------------------------------------------------


def hours_by_month(session: Session, school_id: int, period: Period) -> list[tuple[date, float]]:
    """The school's hours in each month of ``period`` (the first of the month, hours), from the
    days and hours of its members' activities only; months with nothing logged count 0. An
    open-ended period runs from the first month anything was logged to the last."""
    conditions: list[ColumnElement[bool]] = [
        col(CpdActivity.member_id).in_(
            select(SchoolMember.member_id).where(SchoolMember.school_id == school_id)
        )
    ]
    if period.start is not None:
        conditions.append(col(CpdActivity.occurred_on) >= period.start)
    if period.end is not None:
        conditions.append(col(CpdActivity.occurred_on) <= period.end)
    # Summed by day in SQL (at most a few hundred rows a year) and by month here: the same
    # statement on SQLite and PostgreSQL, which name months differently.
    months: dict[date, float] = {}
    for day, hours in session.exec(
        select(col(CpdActivity.occurred_on), func.sum(CpdActivity.hours))
        .where(*conditions)
        .group_by(col(CpdActivity.occurred_on))
    ):
        month = day.replace(day=1)
        months[month] = months.get(month, 0.0) + float(hours)
    first = period.start or min(months, default=None)
    last = period.end or max(months, default=None)
    if first is None or last is None:
        return []
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append((month, round(months.get(month, 0.0), 2)))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the last of the month when that month is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def require_training(
    session: Session,
    school: School,
    *,
    title: str,
    every_months: int | None,
    due: date | None,
    today: date,
    by: int,
    now: datetime,
) -> Training:
    """A new requirement for everyone in the school."""
    assert school.id is not None
    title = " ".join(title.split())
    if due is not None and due < today:
        raise UserError(
            _("{due} has already passed. Give a due date from today on.", due=due.isoformat())
        )
    taken = session.exec(
        select(Training).where(
            Training.school_id == school.id, func.lower(Training.title) == title.lower()
        )
    ).first()
    if taken is not None:
        raise UserError(
            _(
                "{school} already requires {title} (#{id}). Remove it first with "
                "training remove {id} to set it again.",
                school=school.name,
                title=taken.title,
                id=taken.id,
            )
        )
    training = Training(
        school_id=school.id,
        title=title,
        every_months=every_months,
        due=due,
        created_by=by,
        created_at=now,
    )
    session.add(training)
    session.flush()
    members = session.exec(
        select(SchoolMember.member_id).where(SchoolMember.school_id == school.id)
    )
    ensure_training_reminders(session, list(members), now)
    return training


def trainings_of(session: Session, school_id: int) -> list[Training]:
    """The school's requirements, in the order they were set."""
    return list(
        session.exec(
            select(Training).where(Training.school_id == school_id).order_by(col(Training.id))
        )
    )


def get_training(session: Session, school: School, training_id: int) -> Training:
    """One of the school's requirements; another school's is reported as not found."""
    found = session.get(Training, training_id)
    if found is None or found.school_id != school.id:
        raise NotFound(
            _(
                "{school} has no training #{id}. Send training list to see its numbers.",
                school=school.name,
                id=training_id,
            )
        )
    return found


def record_training(
    session: Session,
    training: Training,
    member_id: int,
    *,
    done_on: date,
    evidence_url: str | None,
    cpd_activity_id: int | None,
    now: datetime,
) -> tuple[TrainingRecord, bool]:
    """Record that the member did the training on ``done_on``; the same day twice updates the
    first record (True when it is new)."""
    assert training.id is not None
    found = session.exec(
        select(TrainingRecord).where(
            TrainingRecord.training_id == training.id,
            TrainingRecord.member_id == member_id,
            TrainingRecord.done_on == done_on,
        )
    ).first()
    if found is not None:
        found.evidence_url = evidence_url or found.evidence_url
        found.cpd_activity_id = cpd_activity_id or found.cpd_activity_id
        session.add(found)
        session.flush()
        return found, False
    record = TrainingRecord(
        training_id=training.id,
        member_id=member_id,
        done_on=done_on,
        evidence_url=evidence_url,
        cpd_activity_id=cpd_activity_id,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record, True


class TrainingState(StrEnum):
    DONE = "done"
    DUE = "due"
    """Not done yet, or to be done again soon."""
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class TrainingStatus:
    training: Training
    state: TrainingState
    last_done: date | None
    until: date | None
    """DONE: valid until (None: for good); DUE: due by (None: no deadline); EXPIRED: since."""


def status_of(training: Training, last_done: date | None, today: date) -> TrainingStatus:
    """Where a member stands with one requirement, from the latest day they did it."""
    if last_done is None:
        return TrainingStatus(training, TrainingState.DUE, None, training.due)
    if training.every_months is None:
        return TrainingStatus(training, TrainingState.DONE, last_done, None)
    expires = add_months(last_done, training.every_months)
    if today > expires:
        return TrainingStatus(training, TrainingState.EXPIRED, last_done, expires)
    if expires - today <= RENEW_NOTICE:
        return TrainingStatus(training, TrainingState.DUE, last_done, expires)
    return TrainingStatus(training, TrainingState.DONE, last_done, expires)


def training_statuses(
    session: Session, school_id: int, member_id: int, today: date
) -> list[TrainingStatus]:
    """The member's standing with each of the school's requirements."""
    trainings = trainings_of(session, school_id)
    latest: dict[int, date] = {}
    for record in session.exec(
        select(TrainingRecord).where(
            TrainingRecord.member_id == member_id,
            col(TrainingRecord.training_id).in_([t.id for t in trainings]),
        )
    ):
        if record.training_id not in latest or record.done_on > latest[record.training_id]:
            latest[record.training_id] = record.done_on
    return [status_of(t, latest.get(t.id or 0), today) for t in trainings]


def days_left(status: TrainingStatus, today: date) -> int | None:
    """Days from ``today`` to the date the training expires or is first due (negative once it
    has passed); None when there is no such date (done for good, or no deadline)."""
    if status.state is TrainingState.DONE and status.until is None:
        return None
    return (status.until - today).days if status.until is not None else None


class Standing(StrEnum):
    """How a member stands with one requirement, in the words of the training report."""

    EXPIRED = "expired"
    EXPIRING = "expiring"
    """Done, and expiring within :data:`RENEW_NOTICE`."""
    NEVER_DONE = "never done"
    DONE = "done"


def standing_of(status: TrainingStatus) -> Standing:
    if status.state is TrainingState.EXPIRED:
        return Standing.EXPIRED
    if status.state is TrainingState.DONE:
        return Standing.DONE
    return Standing.EXPIRING if status.last_done is not None else Standing.NEVER_DONE


@dataclass(frozen=True, slots=True)
class TrainingRow:
    """One member's standing with one of the school's requirements."""

    member_id: int
    name: str
    status: TrainingStatus

    @property
    def standing(self) -> Standing:
        return standing_of(self.status)


_STANDING_ORDER = {s: n for n, s in enumerate(Standing)}


def training_report(session: Session, school_id: int, today: date) -> list[TrainingRow]:
    """Every member of the school against every requirement, requirement by requirement, those
    who need to act first (expired, expiring, never done), then by name. Three queries, whatever
    the size of the school."""
    trainings = trainings_of(session, school_id)
    people = sorted(
        (
            (member_id, name)
            for member_id, name in session.exec(
                select(Member.id, Member.display_name)
                .join(SchoolMember, col(SchoolMember.member_id) == col(Member.id))
                .where(SchoolMember.school_id == school_id)
            )
            if member_id is not None
        ),
        key=lambda p: (p[1].lower(), p[0]),
    )
    latest: dict[tuple[int, int], date] = {
        (training_id, member_id): done_on
        for training_id, member_id, done_on in session.exec(
            select(
                TrainingRecord.training_id,
                TrainingRecord.member_id,
                func.max(TrainingRecord.done_on),
            )
            .where(col(TrainingRecord.training_id).in_([t.id for t in trainings]))
            .group_by(col(TrainingRecord.training_id), col(TrainingRecord.member_id))
        )
    }
    rows: list[TrainingRow] = []
    for training in trainings:
        assert training.id is not None
        mine = [
            TrainingRow(
                member_id,
                name,
                status_of(training, latest.get((training.id, member_id)), today),
            )
            for member_id, name in people
        ]
        rows.extend(sorted(mine, key=lambda r: _STANDING_ORDER[r.standing]))
    return rows
