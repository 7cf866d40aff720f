"""Goals, goal reminders and nudges: schedules at the member's local time, through producers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.kinds import Occurrence
from core.delivery.models import OutboxMessage
from core.reply import Reply
from tests.cpd.helpers import goals, member_id, run_due, schedules
from tests.talk import say, text_of


def test_goal_add_list_done(app: Staffroom) -> None:
    reply = say(
        app, 'cpd goal add "Ten hours on assessment" hours=10 due=2027-03-31 category=course'
    )
    assert reply.tone == "success", text_of(reply)
    assert "I will remind you 7 days before it is due." in text_of(reply)
    say(app, 'cpd goal add "Observe a colleague"')
    say(app, 'cpd log 4 "Assessment course" category=course date=2026-10-01')
    say(app, 'cpd log 2 "Reading" category=reading')
    [first, second] = goals(app)
    assert (first.target_hours, first.category, first.due, first.starts_on) == (
        10,
        "course",
        date(2027, 3, 31),
        date(2026, 9, 1),
    )
    shown = text_of(say(app, "cpd goal list"))
    assert f"#{first.id} Ten hours on assessment · 4 of 10 h · course · due 2027-03-31" in shown
    assert f"#{second.id} Observe a colleague" in shown
    done = say(app, f"cpd goal done {second.id}")
    assert done.tone == "success" and "Well done" in text_of(done)
    assert goals(app)[1].status == "done"
    assert "already marked done" in text_of(say(app, f"cpd goal done {second.id}"))
    assert shown.index("Ten hours") < shown.index("Observe")


BAD_GOALS = [
    ('cpd goal add "Old" due=2026-11-01', "has already passed"),
    ('cpd goal add "Big" hours=5000', "at most 1000"),
    ('cpd goal add "Odd" category=juggling', "not a CPD category"),
    ("cpd goal add", "needs title"),
    ("cpd goal done 999", "no CPD goal #999"),
    ("cpd reminders maybe", "on"),
]


def test_goal_bad_input(app: Staffroom) -> None:
    for line, needle in BAD_GOALS:
        reply = say(app, line)
        assert reply.tone == "error", line
        assert needle in text_of(reply), line
    assert goals(app) == []


def test_someone_elses_goal_cannot_be_marked_done(app: Staffroom) -> None:
    say(app, 'cpd goal add "Mine"')
    goal_id = goals(app)[0].id
    reply = say(app, f"cpd goal done {goal_id}", user="bob")
    assert reply.tone == "error" and goals(app)[0].status == "open"


def _payload(row: OutboxMessage) -> Reply:
    return Reply.model_validate(row.payload)


GOAL_ONLY = ("cpd.goal_reminder",)
ZONES = [
    ("ana", "Europe/London", "2026-12-10", datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),
    # 13 March 2027 is the day before New York moves its clocks: still EST (UTC-5).
    ("bob", "America/New_York", "2027-03-20", datetime(2027, 3, 13, 14, 0, tzinfo=UTC)),
    ("chen", "Asia/Kolkata", "2027-01-08", datetime(2027, 1, 1, 3, 30, tzinfo=UTC)),
]


def test_goal_reminder_at_9_local_a_week_before(app: Staffroom, clock: FixedClock) -> None:
    start = clock.now()
    for user, zone, due, _at in ZONES:
        say(app, f"settings timezone {zone}", user=user)
        say(app, f'cpd goal add "Finish the NPQ module" hours=3 due={due}', user=user)
        say(app, 'cpd log 1 "NPQ reading" category=reading', user=user)
    reminders = schedules(app, "cpd.goal_reminder")
    assert [(s.next_due_at, s.timezone) for s in reminders] == [(at, z) for _u, z, _d, at in ZONES]
    for user, _zone, due, at in sorted(ZONES, key=lambda z: z[3]):
        assert run_due(app, at - timedelta(minutes=1), GOAL_ONLY) == []
        clock.set(at)
        [row] = run_due(app, at, GOAL_ONLY)
        assert row.member_id == member_id(app, user)
        assert row.due_at == at
        reply = _payload(row)
        shown = reply.plain_text()
        goal = goals(app, user)[0]
        assert "A CPD goal is due in 7 days" in shown
        assert f"Finish the NPQ module (#{goal.id}), due {due}." in shown
        assert "So far: 1 of 3 hours." in shown
        assert reply.actions[0].command == f"cpd goal done {goal.id}"
        assert run_due(app, at + timedelta(hours=1), GOAL_ONLY) == []  # once only
    assert start < clock.now()


def test_no_reminder_once_done_or_when_switched_off(app: Staffroom, clock: FixedClock) -> None:
    say(app, 'cpd goal add "Done early" due=2026-12-31')
    say(app, 'cpd goal add "Quiet one" due=2026-12-30')
    first, second = goals(app)
    say(app, f"cpd goal done {first.id}")
    assert [s.active for s in schedules(app, "cpd.goal_reminder")] == [False, True]
    assert "reminders are off" in text_of(say(app, "cpd reminders off"))
    assert "Your CPD reminders are off." in text_of(say(app, "cpd reminders"))
    assert [s.active for s in schedules(app, "cpd.goal_reminder")] == [False, False]
    # Even a schedule planned before the switch produces nothing.
    with app.session() as session:
        from core.cpd.schedules import goal_reminder

        schedule = schedules(app, "cpd.goal_reminder")[1]
        assert schedule.next_due_at is not None
        assert goal_reminder(Occurrence(session, schedule, schedule.next_due_at)) == []
    say(app, "cpd reminders on")
    assert [s.active for s in schedules(app, "cpd.goal_reminder")] == [False, True]
    assert schedules(app, "cpd.goal_reminder")[1].subject_id == second.id


def test_a_goal_due_within_the_reminder_window_gets_no_reminder(app: Staffroom) -> None:
    reply = say(app, 'cpd goal add "Soon" due=2026-11-26')
    assert "remind" not in text_of(reply)
    assert all(not s.active for s in schedules(app, "cpd.goal_reminder"))


def test_reminder_moves_with_the_members_timezone(app: Staffroom) -> None:
    say(app, 'cpd goal add "Moving" due=2026-12-10')
    say(app, "settings timezone Asia/Tokyo")
    [schedule] = schedules(app, "cpd.goal_reminder")
    assert schedule.next_due_at == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def test_a_timezone_move_touches_each_reminder_once_and_only_those_to_come(
    app: Staffroom,
) -> None:
    say(app, "settings timezone Europe/London")
    say(app, 'cpd goal add "Moving" due=2026-12-10')
    say(app, 'cpd goal add "Finished" due=2026-12-11')
    say(app, 'cpd log 1 "Reading"')  # starts the weekly nudge
    moving, finished = goals(app)
    say(app, f"cpd goal done {finished.id}")
    before = {s.subject_id: s for s in schedules(app, "cpd.goal_reminder")}
    say(app, "settings timezone Asia/Tokyo")
    after = {s.subject_id: s for s in schedules(app, "cpd.goal_reminder")}
    assert (after[moving.id].next_due_at, after[moving.id].timezone, after[moving.id].active) == (
        datetime(2026, 12, 3, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo
        "Asia/Tokyo",
        True,
    )
    # The finished goal's reminder is left as it was.
    assert after[finished.id].model_dump() == before[finished.id].model_dump()
    # The nudge moves with the delivery engine: Friday 16:00 in Tokyo.
    [nudge] = schedules(app, "cpd.nudge")
    assert (nudge.next_due_at, nudge.timezone) == (
        datetime(2026, 11, 27, 7, 0, tzinfo=UTC),
        "Asia/Tokyo",
    )


def test_nudge_after_four_quiet_weeks_once_per_quiet_spell(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "settings timezone Europe/London")
    say(app, 'cpd log 1 "Reading"')  # Monday 23 November 2026, 10:00
    [schedule] = schedules(app, "cpd.nudge")
    assert schedule.next_due_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # Friday 16:00
    sent: list[tuple[date, OutboxMessage]] = []
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    for week in range(10):
        now = friday + timedelta(weeks=week)
        clock.set(now)
        sent += [(now.date(), row) for row in run_due(app, now)]
    assert [day for day, _row in sent] == [date(2026, 12, 25), date(2027, 1, 22)]
    text = _payload(sent[0][1]).plain_text()
    assert "Nothing new in your CPD record for 4 weeks." in text
    assert sent[0][1].member_id == member_id(app)


def test_logging_resets_the_quiet_spell(app: Staffroom, clock: FixedClock) -> None:
    say(app, 'cpd log 1 "Reading"')
    clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=UTC))
    say(app, 'cpd log 1 "Webinar"')
    clock.set(datetime(2026, 12, 25, 16, 0, tzinfo=UTC))
    with Session(app.engine) as session:
        from core.cpd.schedules import nudge

        [schedule] = schedules(app, "cpd.nudge")
        assert nudge(Occurrence(session, schedule, clock.now())) == []
        assert (
            len(nudge(Occurrence(session, schedule, datetime(2027, 1, 15, 16, 0, tzinfo=UTC)))) == 1
        )


def test_reminders_off_stops_the_nudge(app: Staffroom) -> None:
    say(app, 'cpd log 1 "Reading"')
    say(app, "cpd reminders off")
    assert [s.active for s in schedules(app, "cpd.nudge")] == [False]
    say(app, "cpd reminders on")
    [schedule] = schedules(app, "cpd.nudge")
    assert schedule.active and schedule.next_due_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def test_a_weekday_due_date_means_the_coming_one(app: Staffroom) -> None:
    # The clock stands on Monday 2026-11-23: "friday" for a due date is 2026-11-27.
    reply = say(app, 'cpd goal add "Read Rosenshine" due=friday')
    assert reply.tone == "success", text_of(reply)
    assert [goal.due for goal in goals(app)] == [date(2026, 11, 27)]


def test_goals_can_be_corrected_reopened_and_deleted(app: Staffroom) -> None:
    say(app, 'cpd goal add "Ten hours on assessment" hours=10 due=2027-03-31')
    [goal] = goals(app)
    edited = say(app, f"cpd goal edit {goal.id} due=2027-06-30 hours=12")
    assert (
        edited.tone == "success" and "12 h" in text_of(edited) and "2027-06-30" in text_of(edited)
    )
    assert say(app, f"cpd goal edit {goal.id} title=-").tone == "error"
    assert say(app, f"cpd goal edit {goal.id} due=2020-01-01").tone == "error"
    say(app, f"cpd goal done {goal.id}")
    assert "open again" in text_of(say(app, f"cpd goal reopen {goal.id}"))
    assert [g.status for g in goals(app)] == ["open"]
    asked = say(app, f"cpd goal delete {goal.id}")
    assert "Delete this goal?" in text_of(asked) and goals(app)
    assert say(app, asked.actions[0].command).tone == "success"
    assert goals(app) == []
    assert [s.active for s in schedules(app, "cpd.goal_reminder")] == [False]
