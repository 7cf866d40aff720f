"""The trust admin's reports: each school of the trust in one row of totals, and the trust's
total, for CPD, training, mentoring and coffee.

Built from the school reports themselves (``training_report``, ``mentoring_report``,
``coffee_report``), or for CPD from the same activity facts ``cpd_report`` reads, grouped by
school in a few statements for the whole trust (school by school it took three statements
for each school and every member's row). Either way a trust sees exactly the facts a school's
lead sees, summed, and nothing more: no member of any school by name, and never a note, a journal
entry or a mentoring note (the school reports do not read them). The total counts a mentoring
pair whose two sides are in two schools of the trust once, not twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, distinct, func
from sqlmodel import Session, col, select

from core.cpd.models import CpdActivity
from core.cpd.periods import Period
from core.mentoring.models import MatchStatus
from core.schools.models import School, SchoolMember
from core.schools.programme import coffee_report, mentoring_report
from core.schools.service import Standing, training_report
from core.schools.trusts import schools_in


@dataclass(frozen=True, slots=True)
class SchoolCpdTotals:
    """One school's line in the trust's CPD report."""

    school_id: int
    school: str
    members: int
    hours: float
    activities: int
    quiet: int
    """Members with no activity in the period."""


@dataclass(frozen=True, slots=True)
class TrustCpdReport:
    period: Period
    schools: list[SchoolCpdTotals]
    """Every school of the trust, by name."""
    by_category: list[tuple[str, float]]
    """Hours by category over the whole trust, largest first."""

    @property
    def members(self) -> int:
        return sum(s.members for s in self.schools)

    @property
    def hours(self) -> float:
        return round(sum(s.hours for s in self.schools), 2)

    @property
    def activities(self) -> int:
        return sum(s.activities for s in self.schools)

    @property
    def quiet(self) -> int:
        return sum(s.quiet for s in self.schools)


def _ids(schools: list[School]) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in schools if s.id is not None]


def trust_cpd_report(session: Session, trust_id: int, period: Period) -> TrustCpdReport:
    """Each school's members, hours, activities and quiet members in ``period``.

    Set-based, whatever the trust's size: one statement counts each school's members, one
    sums each school's hours, activities and members who logged something (the others are
    quiet), one sums hours by category over the trust."""
    schools = _ids(schools_in(session, trust_id))
    ids = [school_id for school_id, _name in schools]
    if not ids:
        return TrustCpdReport(period, [], [])
    in_trust = col(SchoolMember.school_id).in_(ids)
    days: list[ColumnElement[bool]] = []
    if period.start is not None:
        days.append(col(CpdActivity.occurred_on) >= period.start)
    if period.end is not None:
        days.append(col(CpdActivity.occurred_on) <= period.end)
    joined = col(SchoolMember.member_id) == col(CpdActivity.member_id)
    members: dict[int, int] = {
        school_id: int(count)
        for school_id, count in session.exec(
            select(SchoolMember.school_id, func.count())
            .where(in_trust)
            .group_by(col(SchoolMember.school_id))
        )
    }
    logged: dict[int, tuple[float, int, int]] = {
        school_id: (float(hours), int(count), int(active))
        for school_id, hours, count, active in session.exec(
            select(
                SchoolMember.school_id,
                func.sum(CpdActivity.hours),
                func.count(),
                func.count(distinct(col(CpdActivity.member_id))),
            )
            .select_from(CpdActivity)
            .join(SchoolMember, joined)
            .where(in_trust, *days)
            .group_by(col(SchoolMember.school_id))
        )
    }
    rows = []
    for school_id, name in schools:
        hours, activities, active = logged.get(school_id, (0.0, 0, 0))
        count = members.get(school_id, 0)
        rows.append(
            SchoolCpdTotals(school_id, name, count, round(hours, 2), activities, count - active)
        )
    # The trust's members as a subquery, not a join: joined, SQLite reads the period's
    # activities by day from the table (7x slower at 5 schools); as here, each member's from
    # the covering index, as the school report does.
    in_schools = select(SchoolMember.member_id).where(in_trust)
    by_category = sorted(
        (
            (category, round(float(hours), 2))
            for category, hours in session.exec(
                select(CpdActivity.category, func.sum(CpdActivity.hours))
                .where(col(CpdActivity.member_id).in_(in_schools), *days)
                .group_by(col(CpdActivity.category))
            )
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return TrustCpdReport(period, rows, by_category)


@dataclass(frozen=True, slots=True)
class SchoolTrainingTotals:
    """One school's standing with its own required training: counts of member-requirements."""

    school_id: int
    school: str
    requirements: int
    expired: int
    expiring: int
    never_done: int
    done: int


def trust_training_report(
    session: Session, trust_id: int, today: date
) -> list[SchoolTrainingTotals]:
    """Each school's requirements, and how many member-requirements stand where."""
    rows = []
    for school_id, name in _ids(schools_in(session, trust_id)):
        report = training_report(session, school_id, today)
        counts = Counter(r.standing for r in report)
        rows.append(
            SchoolTrainingTotals(
                school_id,
                name,
                len({r.status.training.id for r in report}),
                counts[Standing.EXPIRED],
                counts[Standing.EXPIRING],
                counts[Standing.NEVER_DONE],
                counts[Standing.DONE],
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class SchoolMentoringTotals:
    """Mentoring pairs with a side in the school (``school`` empty: the trust's total)."""

    school_id: int | None
    school: str
    proposed: int
    active: int
    ended: int
    overdue: int
    waiting: int


def trust_mentoring_report(
    session: Session, trust_id: int, now: datetime, checkin_every_weeks: int
) -> tuple[list[SchoolMentoringTotals], SchoolMentoringTotals]:
    """Each school's pairs and members waiting for a mentor, and the trust's total."""
    rows = []
    statuses: dict[int, tuple[str, bool]] = {}
    waiting = 0
    for school_id, name in _ids(schools_in(session, trust_id)):
        report = mentoring_report(session, school_id, now, checkin_every_weeks)
        rows.append(
            SchoolMentoringTotals(
                school_id,
                name,
                report.count(MatchStatus.PROPOSED),
                report.count(MatchStatus.ACTIVE),
                report.count(MatchStatus.COMPLETED),
                len(report.overdue),
                len(report.unmatched),
            )
        )
        statuses.update((p.match_id, (p.status, p.overdue)) for p in report.pairs)
        waiting += len(report.unmatched)
    seen = Counter(status for status, _overdue in statuses.values())
    total = SchoolMentoringTotals(
        None,
        "",
        seen[MatchStatus.PROPOSED],
        seen[MatchStatus.ACTIVE],
        seen[MatchStatus.COMPLETED],
        sum(overdue for _status, overdue in statuses.values()),
        waiting,
    )
    return rows, total


@dataclass(frozen=True, slots=True)
class SchoolCoffeeTotals:
    """One school's members in coffee rounds."""

    school_id: int
    school: str
    taking_part: int
    seats: int
    answered: int
    met: int
    never_met: int
    left_out: int

    @property
    def met_rate(self) -> float | None:
        return self.met / self.answered if self.answered else None


def trust_coffee_report(session: Session, trust_id: int) -> list[SchoolCoffeeTotals]:
    """Each school's coffee figures: who takes part, answers, meetings, ghosts, left out."""
    rows = []
    for school_id, name in _ids(schools_in(session, trust_id)):
        report = coffee_report(session, school_id)
        rows.append(
            SchoolCoffeeTotals(
                school_id,
                name,
                len(report.members),
                report.seats,
                report.answered,
                sum(m.met for m in report.members),
                len(report.never_met),
                len(report.left_out),
            )
        )
    return rows
