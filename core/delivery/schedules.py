"""Schedules as data: what features call to make, pause, resume and cancel recurring messages.

A schedule is paused in one of two ways: *until a date* (``paused_until`` set: occurrences before
it are skipped, then it resumes by itself) or *until resumed* (``paused_reason`` set and
``paused_until`` empty: nothing is planned until :func:`resume_schedule`). A permanent delivery
failure (bot blocked, channel gone) pauses the second way, with the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from core.delivery.models import Schedule
from core.delivery.recurrence import (
    next_occurrence,
    validate_quiet_hours,
    validate_recurrence,
    zone_of,
)
from core.identity.models import Member

log = logging.getLogger("staffroom.delivery")

_TINY = timedelta(microseconds=1)


def create_schedule(
    session: Session,
    *,
    kind: str,
    now: datetime,
    recurrence: dict[str, Any],
    timezone: str,
    member_id: int | None = None,
    community_id: int | None = None,
    subject_id: int | None = None,
    payload: dict[str, Any] | None = None,
    follow_member_timezone: bool = True,
    quiet_hours: dict[str, Any] | None = None,
) -> Schedule:
    """Add a schedule and work out its first occurrence after ``now``.

    ``recurrence`` is ``{"type": "weekly", "weekdays": [0..6], "time": "HH:MM", "every_weeks": N}``,
    ``{"type": "daily", "time": "HH:MM"}`` or ``{"type": "once", "at": ISO instant}``; ``timezone``
    is an IANA name; ``quiet_hours`` is ``{"start": "21:00", "end": "07:00"}`` in that timezone.
    Raises :class:`core.params.BadValue` naming what is wrong. A once-schedule whose instant has
    passed is stored inactive (it will never fire).
    """
    spec = NewSchedule(
        kind=kind,
        now=now,
        recurrence=recurrence,
        timezone=timezone,
        member_id=member_id,
        community_id=community_id,
        subject_id=subject_id,
        payload=dict(payload or {}),
        follow_member_timezone=follow_member_timezone,
        quiet_hours=quiet_hours,
    )
    schedule = Schedule(**_values(spec, *_timing(spec)))
    session.add(schedule)
    session.flush()
    return schedule


@dataclass(frozen=True, slots=True)
class NewSchedule:
    """What :func:`create_schedule` takes, as a value: one row for :func:`add_schedules`."""

    kind: str
    now: datetime
    recurrence: dict[str, Any]
    timezone: str
    member_id: int | None = None
    community_id: int | None = None
    subject_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    follow_member_timezone: bool = True
    quiet_hours: dict[str, Any] | None = None


_Timing = tuple[dict[str, Any], dict[str, Any] | None, datetime | None]
"""A schedule's normalised recurrence, quiet hours and first occurrence."""


def _timing(spec: NewSchedule) -> _Timing:
    zone = zone_of(spec.timezone)
    normal = validate_recurrence(spec.recurrence, spec.now, zone)
    quiet = validate_quiet_hours(spec.quiet_hours)
    return normal, quiet, next_occurrence(normal, zone, spec.now - _TINY)


def _values(
    spec: NewSchedule,
    normal: dict[str, Any],
    quiet: dict[str, Any] | None,
    first: datetime | None,
) -> dict[str, Any]:
    """Every column of the new schedule (a bulk insert fills no model defaults)."""
    return {
        "kind": spec.kind,
        "member_id": spec.member_id,
        "community_id": spec.community_id,
        "subject_id": spec.subject_id,
        "recurrence": normal,
        "timezone": spec.timezone,
        "follow_member_timezone": spec.follow_member_timezone and spec.member_id is not None,
        "quiet_hours": quiet,
        "paused_until": None,
        "active": first is not None,
        "payload": dict(spec.payload),
        "next_due_at": first,
        "last_planned_at": None,
        "paused_reason": None,
        "created_at": spec.now,
    }


def add_schedules(session: Session, specs: Sequence[NewSchedule]) -> None:
    """Add many schedules in one statement: the rows :func:`create_schedule` would add for
    each spec, in order (so their ids come in order too), without loading them as objects.

    For planners and other bulk writers; raises BadValue as :func:`create_schedule` does, before
    anything is written.
    """
    if not specs:
        return
    # A burst makes many schedules of a few shapes (one follow-up per prompt, all an hour after
    # the same instant): validate each shape once.
    timings: dict[str, _Timing] = {}
    rows = []
    for spec in specs:
        shape = json.dumps(
            [spec.recurrence, spec.quiet_hours, spec.timezone, spec.now.isoformat()],
            sort_keys=True,
            default=str,
        )
        timing = timings.get(shape)
        if timing is None:
            timing = timings[shape] = _timing(spec)
        rows.append(_values(spec, *timing))
    session.flush()  # anything the session still holds (a row these refer to) goes first
    table: Table = Schedule.__table__  # type: ignore[attr-defined]
    session.connection().execute(insert(table), rows)


def cancel_schedule(session: Session, schedule: Schedule) -> None:
    """Stop the schedule for good. Messages already in the outbox still go out."""
    schedule.active = False
    schedule.next_due_at = None
    session.add(schedule)
    session.flush()


def pause_schedule(
    session: Session, schedule: Schedule, until: datetime | None, reason: str
) -> None:
    """Skip occurrences before ``until``; with ``until=None``, until :func:`resume_schedule`."""
    schedule.paused_until = until
    schedule.paused_reason = reason[:200]
    session.add(schedule)
    session.flush()


def resume_schedule(session: Session, schedule: Schedule, now: datetime) -> None:
    """End a pause; the next occurrence is the first one after ``now`` (missed ones stay missed)."""
    schedule.paused_until = None
    schedule.paused_reason = None
    if schedule.active or schedule.recurrence.get("type") != "once":
        schedule.next_due_at = next_occurrence(
            schedule.recurrence, zone_of(schedule.timezone), now - _TINY
        )
        schedule.active = schedule.next_due_at is not None
    session.add(schedule)
    session.flush()


def schedules_for(session: Session, member_id: int, kind: str | None = None) -> list[Schedule]:
    """A member's schedules (active or not), oldest first, optionally of one kind."""
    query = select(Schedule).where(Schedule.member_id == member_id)
    if kind is not None:
        query = query.where(Schedule.kind == kind)
    return list(session.exec(query.order_by(col(Schedule.id))))


def is_paused(schedule: Schedule, at: datetime) -> bool:
    """Whether an occurrence at ``at`` is skipped because the schedule is paused."""
    return paused_at(schedule.paused_until, schedule.paused_reason, at)


def paused_at(paused_until: datetime | None, paused_reason: str | None, at: datetime) -> bool:
    """:func:`is_paused` from the two pause columns (the planner works on rows, not objects)."""
    if paused_until is not None:
        return at < paused_until
    return paused_reason is not None


def next_sent(schedule: Schedule) -> datetime | None:
    """The next occurrence that will really be sent: the first one not skipped by a pause
    (None while paused until resumed, or when nothing more is due)."""
    occurrence = schedule.next_due_at if schedule.active else None
    if schedule.paused_until is None and schedule.paused_reason is not None:
        return None
    zone = zone_of(schedule.timezone)
    for _step in range(1000):  # a pause is at most months; daily schedules take that many steps
        if occurrence is None or not is_paused(schedule, occurrence):
            return occurrence
        occurrence = next_occurrence(schedule.recurrence, zone, occurrence)
    return None


def follow_member_timezone(session: Session, member_id: int) -> None:
    """Move a member's following schedules to their new timezone (the feature's ``on_timezone_change``).

    Each keeps its local time in the new zone; its next occurrence is recomputed after the last
    one planned (or its creation), so nothing already planned is planned again and the planner's
    grace window drops any occurrence the move put in the past.
    """
    member = session.get(Member, member_id)
    if member is None:
        return
    for schedule in schedules_for(session, member_id):
        if not schedule.follow_member_timezone or schedule.timezone == member.timezone:
            continue
        schedule.timezone = member.timezone
        if schedule.active and schedule.recurrence.get("type") != "once":
            base = schedule.last_planned_at or (schedule.created_at - _TINY)
            schedule.next_due_at = next_occurrence(
                schedule.recurrence, zone_of(member.timezone), base
            )
            schedule.active = schedule.next_due_at is not None
        session.add(schedule)
    session.flush()
