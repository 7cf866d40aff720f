"""Logging one's part in an inquiry as CPD: once per member and inquiry, in the category of
collaborative enquiry (or action research) that the CPD settings offer."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from core.communities.models import Community
from core.cpd import schedules
from core.cpd.models import CpdActivity
from core.cpd.service import ActivityInput, check_hours, log_activity
from core.cpd.settings import CpdSettings
from core.i18n import _
from core.identity.models import Member
from core.identity.service import lock_member
from core.inquiry.models import Inquiry, InquiryMember

PREFERRED_CATEGORIES = ("collaborative enquiry", "action research")
"""The shipped CPD categories an inquiry fits, best first (a group enquiring together)."""
TITLE_LIMIT = 200


def inquiry_category(settings: CpdSettings) -> str:
    """The configured category for an inquiry: collaborative enquiry, else action research,
    else the first one (an organisation may have renamed them all)."""
    by_lower = {c.lower(): c for c in settings.categories}
    for wanted in PREFERRED_CATEGORIES:
        if wanted in by_lower:
            return by_lower[wanted]
    return settings.categories[0]


def logged_activity(session: Session, row: InquiryMember) -> CpdActivity | None:
    """The member's CPD activity for the inquiry, if they logged it and still have it."""
    if row.cpd_activity_id is None:
        return None
    activity = session.get(CpdActivity, row.cpd_activity_id)
    return activity if activity is not None and activity.member_id == row.member_id else None


def log_inquiry(
    session: Session,
    row: InquiryMember,
    inquiry: Inquiry,
    community: Community,
    member: Member,
    *,
    hours: float,
    today: date,
    now: datetime,
    settings: CpdSettings,
) -> tuple[CpdActivity, bool]:
    """Log the member's hours on the inquiry; returns the activity and whether it is new (a
    second press finds the first)."""
    assert member.id is not None
    lock_member(session, member.id)  # two presses at once: the second sees the first
    session.refresh(row)
    found = logged_activity(session, row)
    if found is not None:
        return found, False
    title = _("Collaborative inquiry: {question}", question=inquiry.question)
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1].rstrip() + "…"
    link = inquiry.findings_link
    entry = ActivityInput(
        hours=check_hours(hours, settings),
        title=title,
        category=inquiry_category(settings),
        day=today,
        provider=community.name,
        evidence_url=link if link and link.startswith(("http://", "https://")) else None,
    )
    activity = log_activity(session, member.id, entry, now=now, today=today)
    row.cpd_activity_id = activity.id
    session.add(row)
    schedules.keep_nudge(session, member.id, zone=member.timezone, now=now, settings=settings)
    session.flush()
    return activity, True
