"""CPD reminders as delivery schedules: a reminder before a goal is due, and a gentle nudge.

``cpd.goal_reminder``: one schedule per dated open goal, once, at 09:00 local time
``goal_reminder_days`` before the due date. ``cpd.nudge``: one weekly schedule per member, Friday
16:00 local time (the end of the teaching week, when there is something to log); it sends only when
nothing has been logged for ``nudge_after_weeks`` weeks, and then at most once per such quiet spell.
Settings are copied into each schedule's payload because producers run without the app's settings.

When a member changes timezone, the delivery engine moves the weekly nudge (it follows the member's
timezone). A goal reminder is a once-schedule at an instant, which the engine leaves alone, so
:func:`move_goal_reminders` moves those to 09:00 in the new zone; the two never touch the same row.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from core.cpd.models import CpdGoal, CpdPreference, GoalStatus
from core.cpd.replies import goal_reminder_reply, nudge_reply
from core.cpd.service import goal_progress, last_logged_at, preference_of
from core.cpd.settings import CpdSettings
from core.delivery.kinds import Occurrence, Outgoing
from core.delivery.models import Schedule
from core.delivery.schedules import create_schedule
from core.identity.models import Member

GOAL_REMINDER = "cpd.goal_reminder"
NUDGE = "cpd.nudge"
KINDS = (GOAL_REMINDER, NUDGE)
GOAL_REMINDER_TIME = time(9, 0)
NUDGE_WEEKDAY = 4  # Friday
NUDGE_TIME = time(16, 0)


def local_instant(day: date, at: time, zone: str) -> datetime:
    """``day`` at local time ``at`` in ``zone``, as an aware datetime (first of an ambiguous pair)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def next_weekly(now: datetime, weekday: int, at: time, zone: str) -> datetime:
    """The first ``weekday`` at local ``at`` strictly after ``now``."""
    local_today = now.astimezone(ZoneInfo(zone)).date()
    for offset in range(8):
        day = local_today + timedelta(days=offset)
        if day.weekday() == weekday:
            candidate = local_instant(day, at, zone)
            if candidate > now:
                return candidate
    raise AssertionError("a weekday recurs within eight days")


def _goal_reminder_at(goal: CpdGoal, days: int, zone: str) -> datetime | None:
    """09:00 local time ``days`` before the goal is due; None if it is undated or done."""
    if goal.due is None or goal.status != GoalStatus.OPEN or not days:
        return None
    return local_instant(goal.due - timedelta(days=days), GOAL_REMINDER_TIME, zone)


def _schedules(session: Session, member_id: int, kind: str) -> list[Schedule]:
    return list(
        session.exec(
            select(Schedule)
            .where(Schedule.member_id == member_id, Schedule.kind == kind)
            .order_by(col(Schedule.id))
        )
    )


def sync_goal_reminder(
    session: Session, goal: CpdGoal, *, zone: str, now: datetime, settings: CpdSettings
) -> Schedule | None:
    """Create, move or stop the reminder for ``goal`` to match its due date and status."""
    assert goal.id is not None
    existing = next(
        (s for s in _schedules(session, goal.member_id, GOAL_REMINDER) if s.subject_id == goal.id),
        None,
    )
    reminders_on = preference_of(session, goal.member_id, now).reminders
    at = _goal_reminder_at(goal, settings.goal_reminder_days, zone)
    if at is None or at <= now:
        # No reminder (undated, done, switched off in config), or its moment has passed: a goal
        # set three days before it is due needs no reminder that it is due.
        if existing is not None:
            existing.active = False
            session.add(existing)
        return existing
    recurrence = {"type": "once", "at": at.isoformat()}
    payload = {"goal_id": goal.id, "days": settings.goal_reminder_days}
    if existing is None:
        existing = create_schedule(
            session,
            kind=GOAL_REMINDER,
            now=now,
            recurrence=recurrence,
            timezone=zone,
            member_id=goal.member_id,
            subject_id=goal.id,
            payload=payload,
            follow_member_timezone=False,  # moved by move_goal_reminders
        )
    else:
        existing.recurrence = recurrence
        existing.payload = payload
        existing.timezone = zone
        existing.next_due_at = at
    existing.active = reminders_on
    session.add(existing)
    return existing


def _nudge_recurrence() -> dict[str, Any]:
    return {
        "type": "weekly",
        "weekdays": [NUDGE_WEEKDAY],
        "time": NUDGE_TIME.strftime("%H:%M"),
        "every_weeks": 1,
    }


def _nudge_payload(settings: CpdSettings) -> dict[str, Any]:
    return {"weeks": settings.nudge_after_weeks}


# The member's first nudge schedule with their reminder preference, in one read: what
# keep_nudge needs to tell whether anything would change.
_NUDGE_STATE = (
    select(Schedule, CpdPreference.reminders)
    .outerjoin(CpdPreference, col(CpdPreference.member_id) == col(Schedule.member_id))
    .where(Schedule.member_id == bindparam("member_id"), Schedule.kind == NUDGE)
    .order_by(col(Schedule.id))
    .limit(1)
)


def keep_nudge(
    session: Session, member_id: int, *, zone: str, now: datetime, settings: CpdSettings
) -> None:
    """:func:`sync_nudge` for every ``cpd log``: one read, and no write unless the schedule
    actually has to change (first log, reminders or zone changed, nudge settings changed)."""
    found = session.exec(_NUDGE_STATE, params={"member_id": member_id}).first()
    if found is not None and found[1] is not None:
        schedule, reminders_on = found
        wanted = settings.nudge_after_weeks > 0 and reminders_on
        if not wanted and not schedule.active:
            return
        if (
            wanted
            and schedule.active
            and schedule.timezone == zone
            and schedule.next_due_at is not None
            and schedule.recurrence == _nudge_recurrence()
            and schedule.payload == _nudge_payload(settings)
        ):
            return
    sync_nudge(session, member_id, zone=zone, now=now, settings=settings)


def sync_nudge(
    session: Session, member_id: int, *, zone: str, now: datetime, settings: CpdSettings
) -> Schedule | None:
    """Make sure the member's weekly nudge check exists and is on exactly when it should be."""
    existing = next(iter(_schedules(session, member_id, NUDGE)), None)
    wanted = settings.nudge_after_weeks > 0 and preference_of(session, member_id, now).reminders
    if not wanted:
        if existing is not None:
            existing.active = False
            session.add(existing)
        return existing
    recurrence = _nudge_recurrence()
    payload = _nudge_payload(settings)
    if existing is None:
        return create_schedule(
            session,
            kind=NUDGE,
            now=now,
            recurrence=recurrence,
            timezone=zone,
            member_id=member_id,
            payload=payload,
        )
    if not existing.active or existing.timezone != zone or existing.next_due_at is None:
        existing.next_due_at = next_weekly(now, NUDGE_WEEKDAY, NUDGE_TIME, zone)
    existing.recurrence = recurrence
    existing.payload = payload
    existing.timezone = zone
    existing.active = True
    session.add(existing)
    return existing


def set_reminders(
    session: Session, member_id: int, on: bool, *, zone: str, now: datetime, settings: CpdSettings
) -> None:
    """Turn the member's CPD reminders on or off, with every schedule that carries them."""
    preference = preference_of(session, member_id, now)
    preference.reminders = on
    session.add(preference)
    session.flush()
    resync_member(session, member_id, zone=zone, now=now, settings=settings)


def resync_member(
    session: Session, member_id: int, *, zone: str, now: datetime, settings: CpdSettings
) -> None:
    """Bring every CPD schedule of the member in line with their goals, zone and preference."""
    for goal in session.exec(select(CpdGoal).where(CpdGoal.member_id == member_id)):
        sync_goal_reminder(session, goal, zone=zone, now=now, settings=settings)
    if _schedules(session, member_id, NUDGE) or last_logged_at(session, member_id) is not None:
        sync_nudge(session, member_id, zone=zone, now=now, settings=settings)


# Producers ------------------------------------------------------------------------------------


def _reminders_on(session: Session, member_id: int, occurrence: datetime) -> bool:
    return session.get(Member, member_id) is not None and (
        preference_of(session, member_id, occurrence).reminders
    )


def goal_reminder(occ: Occurrence) -> list[Outgoing]:
    """The reminder for one goal, unless it is done, deleted or reminders are off."""
    session, schedule, occurrence = occ.session, occ.schedule, occ.at
    goal = session.get(CpdGoal, schedule.subject_id) if schedule.subject_id else None
    if (
        goal is None
        or goal.status != GoalStatus.OPEN
        or goal.due is None
        or goal.member_id != schedule.member_id
        or not _reminders_on(session, goal.member_id, occurrence)
    ):
        return []
    local_day = occurrence.astimezone(ZoneInfo(schedule.timezone)).date()
    hours = goal_progress(session, goal) if goal.target_hours else 0.0
    reply = goal_reminder_reply(goal, (goal.due - local_day).days, hours)
    return [Outgoing(reply=reply, member_id=goal.member_id)]


def nudge(occ: Occurrence) -> list[Outgoing]:
    """A gentle nudge after ``weeks`` quiet weeks; once per quiet spell."""
    session, schedule, occurrence = occ.session, occ.schedule, occ.at
    member_id = schedule.member_id
    if member_id is None or not _reminders_on(session, member_id, occurrence):
        return []
    weeks = int(schedule.payload.get("weeks", 0))
    if weeks <= 0:
        return []
    quiet_since = occurrence - timedelta(weeks=weeks)
    preference = preference_of(session, member_id, occurrence)
    last = last_logged_at(session, member_id) or preference.created_at
    if last > quiet_since:
        return []
    if preference.last_nudged_at is not None and preference.last_nudged_at > quiet_since:
        return []
    preference.last_nudged_at = occurrence
    session.add(preference)
    reply = nudge_reply(weeks)
    return [Outgoing(reply=reply, member_id=member_id)]


def move_goal_reminders(session: Session, member_id: int) -> None:
    """Keep goal reminders still to come at 09:00 local time after the member changes timezone
    (the feature's ``on_timezone_change``). Reminders already sent, switched off or of finished goals stay as they
    are; an occurrence the move puts in the past is the planner's to send or skip (grace window).
    """
    member = session.get(Member, member_id)
    if member is None:
        return
    for schedule in _schedules(session, member_id, GOAL_REMINDER):
        goal = session.get(CpdGoal, schedule.subject_id) if schedule.subject_id else None
        if not schedule.active or goal is None:
            continue
        at = _goal_reminder_at(goal, int(schedule.payload.get("days", 0)), member.timezone)
        if at is None:
            continue
        schedule.recurrence = {"type": "once", "at": at.isoformat()}
        schedule.next_due_at = at
        schedule.timezone = member.timezone
        session.add(schedule)
