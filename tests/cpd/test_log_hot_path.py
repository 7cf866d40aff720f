"""cpd log kept lean: the year's progress from one aggregate, the nudge schedule written only
when it has to change, and a bounded number of statements per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd.schedules import NUDGE
from tests.conftest import make_settings
from tests.cpd.helpers import schedules
from tests.talk import say, text_of


@contextmanager
def statements(app: Staffroom) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (first word upper-cased)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.engine, "before_cursor_execute", record)


def test_progress_counts_this_cpd_year_only_and_only_mine(app: Staffroom) -> None:
    say(app, 'cpd log 2 "Last year\'s course" category=course date=2026-08-31')
    say(app, 'cpd log 3 "Someone else\'s course" category=course', user="bo")
    say(app, 'cpd log 20m "A short article" category=reading date=2026-09-01')
    reply = say(app, 'cpd log 1.25 "Coaching session" category=coaching')
    assert reply.tone == "success", text_of(reply)
    assert "This CPD year: 1.58 of 35 hours." in text_of(reply)
    summary = text_of(say(app, "cpd summary"))
    assert "Hours: 1.58" in summary


def test_second_log_reads_the_nudge_and_writes_only_the_activity(app: Staffroom) -> None:
    say(app, 'cpd log 1 "First" category=course')
    [before] = schedules(app, NUDGE)
    with statements(app) as seen:
        reply = say(app, 'cpd log 1 "Second" category=course')
    assert reply.tone == "success", text_of(reply)
    # The member lock is a SELECT ... FOR UPDATE on PostgreSQL and a no-op UPDATE on SQLite.
    writes = [
        s for s in seen if not s.upper().startswith("SELECT") and not s.startswith("UPDATE member")
    ]
    assert [w.split()[0].upper() for w in writes] == ["INSERT", "INSERT"], writes
    # The shared per-member limit (one upsert, one read of the previous minute), then the
    # command: resolve the account with its member, lock the member, check for a double press,
    # insert, read the nudge schedule, add up the year. Eight statements.
    assert "rate_count" in writes[0] and "cpd_activity" in writes[1]
    assert len(seen) == 8, seen
    [after] = schedules(app, NUDGE)
    assert after.model_dump() == before.model_dump()


def test_log_turns_the_nudge_back_in_line_when_it_drifted(
    app: Staffroom, db_url: str, clock: FixedClock
) -> None:
    say(app, 'cpd log 1 "First" category=course')
    assert schedules(app, NUDGE)[0].payload == {"weeks": 4}

    # The organisation changes the quiet spell: the next log carries it into the schedule.
    other = Staffroom(make_settings(db_url, cpd={"nudge_after_weeks": 2}), clock=clock)
    try:
        clock.advance(timedelta(minutes=10))
        assert say(other, 'cpd log 1 "Second" category=course').tone == "success"
        [nudge] = schedules(other, NUDGE)
        assert nudge.payload == {"weeks": 2} and nudge.active
    finally:
        other.engine.dispose()

    # Nudges switched off in config: the next log switches the schedule off.
    silent = Staffroom(make_settings(db_url, cpd={"nudge_after_weeks": 0}), clock=clock)
    try:
        clock.advance(timedelta(minutes=10))
        assert say(silent, 'cpd log 1 "Third" category=course').tone == "success"
        assert not schedules(silent, NUDGE)[0].active
    finally:
        silent.engine.dispose()

    # Back to the default: on again, at the next Friday 16:00.
    clock.advance(timedelta(minutes=10))
    assert say(app, 'cpd log 1 "Fourth" category=course').tone == "success"
    [nudge] = schedules(app, NUDGE)
    assert nudge.active and nudge.payload == {"weeks": 4}
    assert nudge.next_due_at is not None and nudge.next_due_at > clock.now()


def test_reminders_off_then_logging_keeps_the_nudge_off(app: Staffroom) -> None:
    say(app, 'cpd log 1 "First" category=course')
    assert say(app, "cpd reminders off").tone == "success"
    assert not schedules(app, NUDGE)[0].active
    say(app, 'cpd log 1 "Second" category=course')
    assert not schedules(app, NUDGE)[0].active
    say(app, "cpd reminders on")
    say(app, 'cpd log 1 "Third" category=course')
    assert schedules(app, NUDGE)[0].active


def test_log_after_a_timezone_change_keeps_the_nudge_in_the_new_zone(app: Staffroom) -> None:
    say(app, 'cpd log 1 "First" category=course')
    assert say(app, "settings timezone America/New_York").tone == "success"
    say(app, 'cpd log 1 "Second" category=course')
    [nudge] = schedules(app, NUDGE)
    assert nudge.timezone == "America/New_York" and nudge.active
    assert nudge.next_due_at is not None
    local = nudge.next_due_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.weekday(), local.hour, local.minute) == (4, 16, 0)
