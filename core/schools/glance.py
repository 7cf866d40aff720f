"""A lead's school at a glance, for the Slack App Home and ``report glance``: this term's CPD
hours, how many members are quiet this term, and how much required training is due or expired.

Totals only, from the same reports a lead can ask for in full, so the glance never shows more
than they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from core.cpd.periods import Period
from core.schools.service import Standing, cpd_report, training_report

TERMS = ((9, 12), (1, 3), (4, 8))
"""The school terms as months, first to last: autumn, spring, summer. The English school year's
three terms, with the holidays between them counted in the term they follow; close enough for
"how is this term going"."""


def term_of(today: date) -> Period:
    """The school term ``today`` falls in, as a period of days."""
    first, last = next((f, t) for f, t in TERMS if f <= today.month <= t)
    start = date(today.year, first, 1)
    following = date(today.year + 1, 1, 1) if last == 12 else date(today.year, last + 1, 1)
    return Period("term", start, following - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Glance:
    """One school's term so far (or a trust's total, ``school_id`` None)."""

    school_id: int | None
    name: str
    hours: float
    members: int
    quiet: int
    """Members with no activity this term."""
    training_due: int
    """Member-requirements never done or expiring within the renewal notice."""
    training_expired: int


def school_glance(session: Session, school_id: int, name: str, today: date) -> Glance:
    """The school's term at a glance."""
    report = cpd_report(session, school_id, term_of(today))
    training = training_report(session, school_id, today)
    return Glance(
        school_id=school_id,
        name=name,
        hours=report.total_hours,
        members=len(report.members),
        quiet=len(report.quiet),
        training_due=sum(r.standing in (Standing.EXPIRING, Standing.NEVER_DONE) for r in training),
        training_expired=sum(r.standing is Standing.EXPIRED for r in training),
    )


def total_glance(name: str, glances: list[Glance]) -> Glance:
    """The schools' glances added up."""
    return Glance(
        school_id=None,
        name=name,
        hours=round(sum(g.hours for g in glances), 2),
        members=sum(g.members for g in glances),
        quiet=sum(g.quiet for g in glances),
        training_due=sum(g.training_due for g in glances),
        training_expired=sum(g.training_expired for g in glances),
    )
