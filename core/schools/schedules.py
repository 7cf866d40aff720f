"""The schools feature's schedule kinds: training reminders, and the ask for an impact note
after approved CPD (see :mod:`core.schools.reminders` for when they run, and why so; the
messages themselves are built in :mod:`core.schools.replies`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.delivery.kinds import Occurrence, Outgoing
from core.i18n import language
from core.identity.models import Member
from core.schools.models import CpdRequest, RequestStatus
from core.schools.reminders import REMINDER_DAYS
from core.schools.replies import cpd_impact_reply, training_reminder_reply
from core.schools.service import days_left, school_of, training_statuses


def produce_training_reminder(occ: Occurrence) -> list[Outgoing]:
    """On a reminder day (in the member's calendar) of any of their school's trainings, one
    message listing them; nothing on other days, or for someone no longer in a school."""
    session, schedule = occ.session, occ.schedule
    member = session.get(Member, schedule.member_id) if schedule.member_id else None
    school = school_of(session, member.id) if member is not None and member.id else None
    if member is None or member.id is None or school is None or school.id is None:
        return []
    today = occ.at.astimezone(ZoneInfo(schedule.timezone)).date()
    due = [
        (status, days)
        for status in training_statuses(session, school.id, member.id, today)
        if (days := days_left(status, today)) in REMINDER_DAYS
    ]
    if not due:
        return []
    with language(member.language):
        reply = training_reminder_reply(school.name, due)
    return [Outgoing(reply=reply, member_id=member.id)]


def produce_cpd_impact(occ: Occurrence) -> list[Outgoing]:
    """After approved CPD: ask what difference it made, and how to log it in one step. Nothing
    if the request was cancelled or is already logged."""
    session, schedule = occ.session, occ.schedule
    request = session.get(CpdRequest, schedule.subject_id) if schedule.subject_id else None
    if request is None or request.status != RequestStatus.APPROVED:
        return []
    member = session.get(Member, request.member_id)
    with language(member.language if member is not None else None):
        reply = cpd_impact_reply(request)
    return [Outgoing(reply=reply, member_id=request.member_id)]
