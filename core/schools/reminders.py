"""The schedules the schools feature keeps: a daily training check per member, and the ask for
an impact note after approved CPD.

Training reminders go 30, 7 and 0 days before a training expires (or is first due), at 09:00 on
the member's clock. Rather than one once-schedule per deadline, which would have to be made,
moved and withdrawn whenever a training is required, renewed or removed, a member joins, or
their timezone changes, each member of a school gets one daily schedule; its producer looks at
that day (in the member's calendar) and sends only on reminder days. The delivery engine keeps
09:00 local across daylight-saving changes and moves the schedule with the member's timezone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.delivery.models import Schedule
from core.delivery.schedules import NewSchedule, add_schedules, cancel_schedule, create_schedule
from core.identity.models import Member

TRAINING_REMINDER = "school.training_reminder"
CPD_IMPACT = "school.cpd_impact"
REMINDER_TIME = time(9, 0)
"""Local time of both kinds of message."""
REMINDER_DAYS = (30, 7, 0)
"""Days before a training's deadline that its reminders go."""


def ensure_training_reminders(session: Session, member_ids: Iterable[int], now: datetime) -> None:
    """Give each member their daily training check, unless they have one (a paused one too:
    it was paused for a reason, such as a blocked bot)."""
    wanted = set(member_ids)
    if not wanted:
        return
    have = set(
        session.exec(
            select(Schedule.member_id).where(
                Schedule.kind == TRAINING_REMINDER, col(Schedule.member_id).in_(wanted)
            )
        )
    )
    zones = session.exec(
        select(Member.id, Member.timezone)
        .where(col(Member.id).in_(wanted - have))
        .order_by(col(Member.id))
    ).all()
    add_schedules(
        session,
        [
            NewSchedule(
                kind=TRAINING_REMINDER,
                now=now,
                recurrence={"type": "daily", "time": REMINDER_TIME.strftime("%H:%M")},
                timezone=zone,
                member_id=member_id,
            )
            for member_id, zone in zones
            if member_id is not None
        ],
    )


def ask_for_impact(
    session: Session, request_id: int, member: Member, day: date, now: datetime
) -> None:
    """Ask the member for an impact note at 09:00, their time, the day after the CPD (now, if
    the answer came later than that)."""
    local = datetime.combine(day + timedelta(days=1), REMINDER_TIME, ZoneInfo(member.timezone))
    at = max(local, now)
    create_schedule(
        session,
        kind=CPD_IMPACT,
        now=now,
        recurrence={"type": "once", "at": at.isoformat()},
        timezone=member.timezone,
        member_id=member.id,
        subject_id=request_id,
    )


def stop_asking_for_impact(session: Session, request_id: int) -> None:
    for schedule in session.exec(
        select(Schedule).where(
            Schedule.kind == CPD_IMPACT, Schedule.subject_id == request_id, col(Schedule.active)
        )
    ):
        cancel_schedule(session, schedule)
