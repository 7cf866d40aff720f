"""Events: create, list in local time, RSVP, calendar file, cancel, reminders, privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import icalendar
from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.kinds import Outgoing
from core.delivery.models import Schedule
from core.events.models import Event, Rsvp
from core.reply import Reply
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.core.test_privacy import rows_mentioning
from tests.talk import say, text_of

CREATE = (
    'event create maths "Exit tickets teachmeet" "2026-12-01 16:00" 90m https://meet.example.org/x'
)


def remind(
    app: Staffroom, session: Session, schedule: Schedule, at: datetime | None
) -> list[Outgoing]:
    """The app's event reminder producer, run for one occurrence."""
    assert at is not None
    return app.producers.kinds["event.reminder"](app.producers.occurrence(session, schedule, at))


def _setup(app: Staffroom) -> None:
    ok(app, "settings timezone Europe/London")
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, "community bind maths", channel="C-maths", direct=False)
    ok(app, "community join maths", user="bob")
    ok(app, "settings timezone America/New_York", user="bob")


def _event(app: Staffroom) -> Event:
    with Session(app.engine) as session:
        return session.exec(select(Event)).one()


def test_create_checks_and_stores_nothing_on_bad_input(app: Staffroom) -> None:
    _setup(app)
    ok(app, 'community create "Heads" "Leaders" approval=yes', user="carol")
    assert "Only members" in refused(app, 'event create heads "Mine" "2026-12-01 16:00"')
    assert "Only members" in refused(app, CREATE, user="eve")
    assert "must be a date and time" in refused(app, 'event create maths "X" "someday soon-ish"')
    assert "in the past" in refused(app, 'event create maths "X" "2026-11-01 16:00"')
    assert "two years" in refused(app, 'event create maths "X" "2030-01-01 16:00"')
    assert "at most 12 hours" in refused(app, 'event create maths "X" "2026-12-01 16:00" 13h')
    assert "too long" in refused(app, f'event create maths "{"x" * 201}" "2026-12-01 16:00"')
    assert "http" in refused(app, 'event create maths "X" "2026-12-01 16:00" 1h ftp://x')
    assert "no community called" in refused(app, 'event create math "X" "2026-12-01 16:00"')
    assert count(app, Event) == 0 and count(app, Schedule) == 0

    made = text_of(ok(app, CREATE, user="bob"))
    # Bob is in New York: 16:00 there is 21:00 UTC, shown back on his clock.
    assert "Tue 01 Dec 2026, 16:00 (America/New_York)" in made and "90 minutes" in made
    event = _event(app)
    assert event.starts_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    with Session(app.engine) as session:
        schedules = session.exec(select(Schedule).order_by(Schedule.next_due_at)).all()  # type: ignore[arg-type]
        assert [(s.kind, s.subject_id, s.next_due_at) for s in schedules] == [
            ("event.reminder", event.id, datetime(2026, 11, 30, 21, 0, tzinfo=UTC)),
            ("event.reminder", event.id, datetime(2026, 12, 1, 20, 0, tzinfo=UTC)),
            # 15 minutes after its 90 minutes: the offer to log it as CPD.
            ("event.reminder", event.id, datetime(2026, 12, 1, 22, 45, tzinfo=UTC)),
        ]
        assert session.exec(select(Rsvp)).one().answer == "yes"  # the organiser is coming
    notices = outbox(app, "event.created:")
    assert [(n.channel_id, n.payload["actions"][0]["command"]) for n in notices] == [
        ("C-maths", f"event rsvp {event.id} yes")
    ]


def test_list_rsvp_export_in_local_time(app: Staffroom) -> None:
    _setup(app)
    ok(app, CREATE)
    event = _event(app)
    assert "No upcoming events" in text_of(ok(app, "event list", user="carol"))
    listed = text_of(ok(app, "event list", user="bob"))
    assert (
        "Exit tickets teachmeet" in listed and "Tue 01 Dec 2026, 11:00 (America/New_York)" in listed
    )
    assert "1 going" in listed
    assert "16:00 (Europe/London)" in text_of(ok(app, "event list maths"))

    going = ok(app, f"event rsvp {event.id} yes", user="bob")
    assert "remind you" in text_of(going)
    commands = [a.command for a in going.actions]
    # Not before the event: cpd log refuses a date in the future. The follow-up offers it.
    assert not [c for c in commands if c.startswith("cpd log")]
    assert "log it as CPD afterwards" in text_of(going)
    assert "2 going" in text_of(ok(app, "event list maths", user="carol"))  # open community
    ok(app, f"event rsvp {event.id} maybe", user="bob")
    assert "you: maybe" in text_of(ok(app, "event list", user="bob"))
    assert "must be one of" in refused(app, f"event rsvp {event.id} perhaps")
    assert "no event 999" in refused(app, "event rsvp 999 yes")

    ics = ok(app, f"event export {event.id}", user="bob").attachments[0]
    assert ics.content_type == "text/calendar" and ics.filename.endswith(".ics")
    parsed = icalendar.Calendar.from_ical(ics.data)
    item = parsed.walk("VEVENT")[0]
    assert str(item["summary"]) == "Exit tickets teachmeet"
    assert item.decoded("dtstart") == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert item.decoded("dtend") - item.decoded("dtstart") == timedelta(minutes=90)
    assert str(item["url"]) == "https://meet.example.org/x"


def test_approval_only_events_are_for_members(app: Staffroom) -> None:
    ok(app, 'community create "Heads" "Leaders" approval=yes')
    ok(app, 'event create heads "Budget clinic" "2026-12-02 09:00"')
    event = _event(app)
    assert "approval-only" in refused(app, "event list heads", user="bob")
    assert "no event" in refused(app, f"event rsvp {event.id} yes", user="bob")
    assert "no event" in refused(app, f"event export {event.id}", user="bob")
    assert count(app, Rsvp) == 1


def test_reminders_only_reach_those_who_can_still_see_the_event(app: Staffroom) -> None:
    ok(app, 'community create "Heads" "Leaders" approval=yes')
    ok(app, 'event create heads "Budget clinic" "2026-12-02 09:00" 1h https://meet.example.org/b')
    event = _event(app)
    for user in ("bob", "carol"):
        ok(app, "community join heads", user=user)
        ok(app, f"community approve heads {member_id(app, user)}")
        ok(app, f"event rsvp {event.id} yes", user=user)
    ok(app, "community leave heads", user="bob")  # the link is for members only now
    with Session(app.engine) as session:
        schedules = session.exec(select(Schedule).order_by(Schedule.next_due_at)).all()  # type: ignore[arg-type]
        for schedule in schedules:
            reminders = remind(app, session, schedule, schedule.next_due_at)
            assert {o.member_id for o in reminders} == {
                member_id(app, "ana"),
                member_id(app, "carol"),
            }
    # In an open community anyone may come, members or not: a yes is reminded.
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, 'event create maths "Teachmeet" "2026-12-03 16:00"')
    teachmeet = max(e.id or 0 for e in _events(app))
    ok(app, f"event rsvp {teachmeet} yes", user="bob")
    with Session(app.engine) as session:
        [day_before, _hour, _after] = session.exec(
            select(Schedule).where(Schedule.subject_id == teachmeet).order_by(Schedule.next_due_at)  # type: ignore[arg-type]
        ).all()
        reminders = remind(app, session, day_before, day_before.next_due_at)
        assert {o.member_id for o in reminders} == {member_id(app, "ana"), member_id(app, "bob")}


def _events(app: Staffroom) -> list[Event]:
    with Session(app.engine) as session:
        return list(session.exec(select(Event)))


def test_cancel_and_reminders(app: Staffroom, clock: FixedClock) -> None:
    _setup(app)
    ok(app, "community join maths", user="carol")
    ok(app, CREATE)
    event = _event(app)
    ok(app, f"event rsvp {event.id} yes", user="bob")
    ok(app, f"event rsvp {event.id} no", user="carol")

    with Session(app.engine) as session:
        schedules = session.exec(select(Schedule).order_by(Schedule.next_due_at)).all()  # type: ignore[arg-type]
        day_before = remind(app, session, schedules[0], schedules[0].next_due_at)
        by_member = {o.member_id: o for o in day_before}
        assert set(by_member) == {member_id(app, "ana"), member_id(app, "bob")}
        bob_reminder = text_of(by_member[member_id(app, "bob")].reply)
        assert "Tomorrow: Exit tickets teachmeet" in bob_reminder
        assert "11:00 (America/New_York)" in bob_reminder
        # Before the event, no "Log as CPD": cpd log would refuse a date in the future.
        assert [a.command for a in by_member[member_id(app, "bob")].reply.actions] == [
            f"event rsvp {event.id} no"
        ]
        hour_before = remind(app, session, schedules[1], schedules[1].next_due_at)
        assert "Starting soon" in text_of(hour_before[0].reply)
        follow_up = remind(app, session, schedules[2], schedules[2].next_due_at)
        bob_after = next(o for o in follow_up if o.member_id == member_id(app, "bob")).reply
        assert "How was Exit tickets teachmeet?" in text_of(bob_after)
        log = bob_after.actions[0].command
        assert log.startswith("cpd log 1.5") and "date=2026-12-01" in log
    # After the event the button works: the day is no longer in the future.
    clock.set(datetime(2026, 12, 1, 22, 45, tzinfo=UTC))
    assert "Logged" in text_of(ok(app, log, user="bob"))
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))

    assert "Only the organiser" in refused(app, f"event cancel {event.id}", user="bob")
    assert "the 1 person who planned to come" in text_of(ok(app, f"event cancel {event.id}"))
    assert [r.member_id for r in outbox(app, "event.cancelled:")] == [member_id(app, "bob")]
    assert "already cancelled" in refused(app, f"event cancel {event.id}")
    assert "cancelled" in refused(app, f"event rsvp {event.id} yes", user="carol")
    assert "no upcoming events" in text_of(ok(app, "event list maths"))
    with Session(app.engine) as session:
        schedules = session.exec(select(Schedule).where(Schedule.kind == "event.reminder")).all()
        assert all(not s.active and s.next_due_at is None for s in schedules)
        assert remind(app, session, schedules[0], clock.now()) == []

    # A moderator may cancel a member's event; a started event cannot be cancelled.
    ok(app, 'event create maths "Book club" "2026-11-24 18:00"', user="bob")
    ok(app, 'event create maths "Lesson study" "2026-11-23 05:30"', user="bob")
    with Session(app.engine) as session:
        ids = {e.title: e.id for e in session.exec(select(Event))}
    # Too soon for either reminder: only the follow-up after it is planned.
    assert count(app, Schedule, Schedule.subject_id == ids["Lesson study"]) == 1
    ok(app, f"event cancel {ids['Book club']}")
    clock.advance(timedelta(hours=1))
    assert "already started" in refused(app, f"event cancel {ids['Lesson study']}", user="bob")


def test_privacy_export_merge_delete(app: Staffroom, clock: FixedClock) -> None:
    _setup(app)
    ok(app, CREATE, user="bob")
    event = _event(app)
    ok(app, f"event rsvp {event.id} maybe")
    data = json.loads(say(app, "privacy export", user="bob").attachments[0].data)["events"]
    assert data["organised"][0]["title"] == "Exit tickets teachmeet"
    assert data["rsvps"][0]["answer"] == "yes"

    # Bob's second account answered no later: merging keeps one answer, the latest.
    ok(app, "profile show", user="bob2", platform="slack", tenant="T1")
    ok(app, "community join maths", user="bob2", platform="slack", tenant="T1")
    clock.advance(timedelta(minutes=5))
    ok(app, f"event rsvp {event.id} no", user="bob2", platform="slack", tenant="T1")
    code = text_of(ok(app, "link", user="bob")).split("link ")[1][:8]
    ok(app, f"link {code}", user="bob2", platform="slack", tenant="T1")
    ok(app, "link confirm", user="bob2", platform="slack", tenant="T1")
    bob = member_id(app, "bob")
    with Session(app.engine) as session:
        answers = session.exec(select(Rsvp).where(Rsvp.member_id == bob)).all()
        assert [a.answer for a in answers] == ["no"]

    ok(app, "privacy delete confirm", user="bob")
    assert rows_mentioning(app, bob) == {}
    assert _event(app).created_by is None  # the event stays for the others coming
    assert count(app, Rsvp) == 1


def test_the_organiser_corrects_an_event_and_those_going_are_told(app: Staffroom) -> None:
    _setup(app)
    ok(app, CREATE)
    event = _event(app)
    ok(app, f"event rsvp {event.id} yes", user="bob")
    assert "organiser" in refused(app, f'event edit {event.id} title="Mine"', user="bob")
    changed = ok(app, f'event edit {event.id} when="2026-12-02 17:00" link=-')
    assert "1 person who planned to come has been told" in text_of(changed)
    edited = _event(app)
    assert edited.link is None and edited.starts_at.hour == 17  # 17:00 London is 17:00 UTC
    [told] = outbox(app, f"event.changed:{event.id}:")
    assert "12:00" in str(told.payload)  # Bob's own clock (New York)
    with Session(app.engine) as session:
        starts = sorted(
            s.next_due_at
            for s in session.exec(select(Schedule).where(Schedule.active))
            if s.kind == "event.reminder" and s.next_due_at is not None
        )
    # A day and an hour before, and the CPD follow-up 15 minutes after it ends.
    assert [(at.day, at.hour) for at in starts] == [(1, 17), (2, 16), (2, 18)]


def test_a_cancellation_reaches_each_attendee_in_their_own_language(app: Staffroom) -> None:
    """The organiser cancels in English; those who were coming are told in theirs."""
    _setup(app)
    ok(app, "community join maths", user="carol")
    ok(app, "settings language es", user="bob")
    ok(app, CREATE)
    event = _event(app)
    for user in ("bob", "carol"):
        ok(app, f"event rsvp {event.id} yes", user=user)
    ok(app, f"event cancel {event.id}")
    told = {
        r.member_id: text_of(Reply.model_validate(r.payload))
        for r in outbox(app, "event.cancelled:")
    }
    assert "Cancelado: Exit tickets teachmeet" in told[member_id(app, "bob")]
    assert "Cancelled: Exit tickets teachmeet" in told[member_id(app, "carol")]
