"""Planning on real databases: DST weeks, catch-up after downtime, pauses, quiet hours, repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import (
    cancel_schedule,
    create_schedule,
    pause_schedule,
    plan_due,
    resume_schedule,
    schedules_for,
)
from core.delivery.models import OutboxMessage, Schedule
from core.params import BadValue
from tests.delivery.helpers import add_member, kind, note_producer, session_of
from tests.talk import say

NOTE = "test.note"


def plan(app: Staffroom, clock: FixedClock) -> int:
    with session_of(app) as session:
        added = plan_due(session, clock.now(), app.settings.delivery, app.producers)
        session.commit()
    return added


def outbox(app: Staffroom) -> list[OutboxMessage]:
    with session_of(app) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.due_at))))


def make_schedule(
    app: Staffroom, clock: FixedClock, recurrence: dict[str, object], **kw: object
) -> int:
    with session_of(app) as session:
        member = add_member(session, "ana", clock.now(), timezone=str(kw.pop("timezone", "UTC")))
        assert member.id is not None
        schedule = create_schedule(
            session,
            kind=NOTE,
            now=clock.now(),
            recurrence=dict(recurrence),
            timezone=member.timezone,
            member_id=member.id,
            **kw,  # type: ignore[arg-type]
        )
        session.commit()
        assert schedule.id is not None
        return schedule.id


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_weekly_nine_oclock_stays_local_across_both_2027_changes(
    app: Staffroom, clock: FixedClock, zone: str
) -> None:
    clock.set(datetime(2027, 2, 20, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        schedule_id = make_schedule(
            app, clock, {"type": "weekly", "weekdays": [0], "time": "09:00"}, timezone=zone
        )
        # Late February to late November 2027: the planner wakes a minute after each due time,
        # and once more an hour before it (which must plan nothing).
        while True:
            with session_of(app) as session:
                due = session.get(Schedule, schedule_id).next_due_at  # type: ignore[union-attr]
            assert due is not None
            if due >= datetime(2027, 11, 30, tzinfo=UTC):
                break
            clock.set(due - timedelta(hours=1))
            assert plan(app, clock) == 0
            clock.set(due + timedelta(minutes=1))
            assert plan(app, clock) == 1
    rows = outbox(app)
    local = [r.due_at.astimezone(ZoneInfo(zone)) for r in rows]
    assert len(rows) == 41  # Mondays 22 February to 29 November
    assert rows[-1].due_at.date().isoformat() == "2027-11-29"
    assert {(t.weekday(), t.hour, t.minute) for t in local} == {(0, 9, 0)}
    assert {t.utcoffset() for t in local} == {
        ZoneInfo(zone).utcoffset(datetime(2027, 1, 1)),
        ZoneInfo(zone).utcoffset(datetime(2027, 7, 1)),
    }
    assert len({r.key for r in rows}) == 41


def test_catch_up_after_three_days_sends_exactly_one(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))  # Monday 08:00
    with kind(app, NOTE, note_producer):
        make_schedule(app, clock, {"type": "daily", "time": "09:00"})
        assert plan(app, clock) == 0
        clock.set(datetime(2027, 5, 6, 9, 30, tzinfo=UTC))  # back on Thursday 09:30
        assert plan(app, clock) == 1
        assert plan(app, clock) == 0  # planning again adds nothing
    rows = outbox(app)
    assert [r.due_at for r in rows] == [datetime(2027, 5, 6, 9, 0, tzinfo=UTC)]


def test_outage_longer_than_grace_sends_nothing_until_the_next(
    app: Staffroom, clock: FixedClock
) -> None:
    clock.set(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        schedule_id = make_schedule(app, clock, {"type": "daily", "time": "09:00"})
        clock.set(datetime(2027, 5, 6, 15, 0, tzinfo=UTC))  # 6 hours late: beyond 2 h of grace
        assert plan(app, clock) == 0
        with session_of(app) as session:
            schedule = session.get(Schedule, schedule_id)
            assert schedule is not None
            assert schedule.next_due_at == datetime(2027, 5, 7, 9, 0, tzinfo=UTC)
        clock.set(datetime(2027, 5, 7, 9, 0, tzinfo=UTC))
        assert plan(app, clock) == 1


def test_paused_until_skips_then_resumes_by_itself(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        schedule_id = make_schedule(app, clock, {"type": "daily", "time": "09:00"})
        with session_of(app) as session:
            schedule = session.get(Schedule, schedule_id)
            assert schedule is not None
            pause_schedule(session, schedule, datetime(2027, 5, 5, tzinfo=UTC), "half term")
            session.commit()
        sent_days = []
        for day in range(3, 8):
            clock.set(datetime(2027, 5, day, 9, 5, tzinfo=UTC))
            if plan(app, clock):
                sent_days.append(day)
    assert sent_days == [5, 6, 7]


def test_paused_until_resumed_plans_nothing_and_resume_skips_missed(
    app: Staffroom, clock: FixedClock
) -> None:
    clock.set(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        schedule_id = make_schedule(app, clock, {"type": "daily", "time": "09:00"})
        with session_of(app) as session:
            schedule = session.get(Schedule, schedule_id)
            assert schedule is not None
            pause_schedule(session, schedule, None, "paused by the member")
            session.commit()
        clock.set(datetime(2027, 5, 3, 9, 30, tzinfo=UTC))
        assert plan(app, clock) == 0
        with session_of(app) as session:
            schedule = session.get(Schedule, schedule_id)
            assert schedule is not None
            resume_schedule(session, schedule, clock.now())
            session.commit()
            assert schedule.next_due_at == datetime(2027, 5, 4, 9, 0, tzinfo=UTC)
        assert plan(app, clock) == 0
        clock.set(datetime(2027, 5, 4, 9, 0, tzinfo=UTC))
        assert plan(app, clock) == 1


def test_quiet_hours_defer_the_message_not_the_occurrence(
    app: Staffroom, clock: FixedClock
) -> None:
    clock.set(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        make_schedule(
            app,
            clock,
            {"type": "daily", "time": "22:00"},
            quiet_hours={"start": "21:00", "end": "07:00"},
        )
        clock.set(datetime(2027, 1, 4, 22, 0, tzinfo=UTC))
        assert plan(app, clock) == 1
    (row,) = outbox(app)
    assert row.due_at == datetime(2027, 1, 5, 7, 0, tzinfo=UTC)
    assert row.key.split(":", 1)[1].startswith("2027-01-04T22:00:00+00:00")


def test_once_fires_then_goes_inactive_and_cancel_stops(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    at = datetime(2027, 1, 4, 13, 0, tzinfo=UTC)
    with kind(app, NOTE, note_producer):
        once_id = make_schedule(app, clock, {"type": "once", "at": at.isoformat()})
        with session_of(app) as session:
            member_id = session.get(Schedule, once_id).member_id  # type: ignore[union-attr]
            assert member_id is not None
            daily = create_schedule(
                session,
                kind=NOTE,
                now=clock.now(),
                recurrence={"type": "daily", "time": "13:00"},
                timezone="UTC",
                member_id=member_id,
            )
            cancel_schedule(session, daily)
            session.commit()
        clock.set(at)
        assert plan(app, clock) == 1
        clock.advance(timedelta(days=2))
        assert plan(app, clock) == 0
        with session_of(app) as session:
            mine = schedules_for(session, member_id, kind=NOTE)
            assert [s.active for s in mine] == [False, False]


def test_two_planners_at_once_add_each_message_once(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        make_schedule(app, clock, {"type": "daily", "time": "09:00"})
        clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
        # Two sessions read the same due schedule before either commits.
        first, second = session_of(app), session_of(app)
        try:
            a = plan_due(first, clock.now(), app.settings.delivery, app.producers)
            first.commit()
            b = plan_due(second, clock.now(), app.settings.delivery, app.producers)
            second.commit()
        finally:
            first.close()
            second.close()
    assert a + b == 1
    assert len(outbox(app)) == 1


def test_unknown_kind_pauses_with_the_reason(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    schedule_id = make_schedule(app, clock, {"type": "daily", "time": "09:00"})
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert plan(app, clock) == 0
    with session_of(app) as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        assert schedule.paused_reason == f"unknown schedule kind {NOTE}"


def test_bad_recurrence_is_refused(app: Staffroom, clock: FixedClock) -> None:
    with session_of(app) as session, pytest.raises(BadValue) as raised:
        create_schedule(
            session,
            kind=NOTE,
            now=clock.now(),
            recurrence={"type": "daily", "time": "25:00"},
            timezone="UTC",
        )
    assert "HH:MM" in raised.value.message
    with session_of(app) as session, pytest.raises(BadValue) as raised:
        create_schedule(
            session,
            kind=NOTE,
            now=clock.now(),
            recurrence={"type": "daily", "time": "09:00"},
            timezone="Mars/Olympus",
        )
    assert raised.value.param == "timezone"


def test_changing_timezone_moves_the_members_schedules(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    say(app, "settings timezone Europe/London")
    with session_of(app) as session:
        from core.identity.models import Account

        member_id = session.exec(select(Account.member_id)).one()
        following = create_schedule(
            session,
            kind=NOTE,
            now=clock.now(),
            recurrence={"type": "daily", "time": "09:00"},
            timezone="Europe/London",
            member_id=member_id,
        )
        fixed = create_schedule(
            session,
            kind=NOTE,
            now=clock.now(),
            recurrence={"type": "daily", "time": "09:00"},
            timezone="Europe/London",
            member_id=member_id,
            follow_member_timezone=False,
        )
        session.commit()
        ids = following.id, fixed.id
    assert following.next_due_at == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    say(app, "settings timezone America/New_York")
    with session_of(app) as session:
        moved, kept = (session.get(Schedule, i) for i in ids)
        assert moved is not None and kept is not None
        assert moved.timezone == "America/New_York"
        assert moved.next_due_at == datetime(2027, 1, 4, 14, 0, tzinfo=UTC)
        assert kept.timezone == "Europe/London"
        assert kept.next_due_at == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
