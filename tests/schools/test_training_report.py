"""report training, and training reminders 30, 7 and 0 days before a deadline at 09:00 on each
member's clock, through the real planner and deliverer: across a daylight-saving change and
from 29 February."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.models import OutboxMessage
from core.schools.models import Training
from core.schools.service import days_left, status_of
from tests.delivery.helpers import RecordingMessenger, tick
from tests.schools.helpers import (
    create_school,
    csv_rows,
    grant,
    join,
    member_id,
    ok,
)
from tests.talk import say, text_of

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def school(app: Staffroom) -> Staffroom:
    """Hillside: Ana (CPD lead), Bob, Cat, Dan; Oakfield: Olga (CPD lead) and Zed."""
    join(app, create_school(app), "ana", "bob", "cat", "dan")
    join(app, create_school(app, "Oakfield High"), "olga", "zed")
    grant(app, "ana", "cpd-lead")
    grant(app, "olga", "cpd-lead")
    ok(say(app, 'training require "Safeguarding" every=12 due=2026-12-31', user="ana"))
    ok(say(app, 'training require "Fire safety"', user="ana"))
    ok(say(app, "training done 1", user="bob"))  # valid until 2027-11-23
    ok(say(app, "training done 2", user="bob"))
    ok(say(app, "training done 1 date=2025-12-01", user="cat"))  # expires in 8 days
    ok(say(app, "training done 1 date=2025-11-01", user="dan"))  # expired
    return app


def test_the_lead_sees_who_is_expired_expiring_or_never_done(school: Staffroom) -> None:
    reply = ok(say(school, "report training", user="ana"))
    shown = text_of(reply)
    assert "Training at Hillside Primary" in shown
    assert "#1 Safeguarding: 1 expired, 1 expiring, 1 never done, 1 done" in shown
    assert "#2 Fire safety: 0 expired, 0 expiring, 3 never done, 1 done" in shown
    assert "6 to act on" in shown
    lines = [line for line in shown.splitlines() if line.startswith("• #")]
    assert lines[2:5] == [
        "• #1 Safeguarding · Dan · expired after 2026-11-01",
        "• #1 Safeguarding · Cat · expires 2026-12-01",
        "• #1 Safeguarding · Ana · never done, due by 2026-12-31",
    ]
    assert "• #2 Fire safety · Cat · never done" in shown
    assert "Bob" not in shown  # up to date with both
    [attachment] = reply.attachments
    assert attachment.filename == "school-training-2026-11-23.csv"
    rows = csv_rows(attachment.data)
    assert rows[0] == [
        "training_id",
        "training",
        "member_id",
        "name",
        "standing",
        "last_done",
        "until",
    ]
    bob = str(member_id(school, "bob"))
    assert ["1", "Safeguarding", bob, "Bob", "done", "2026-11-23", "2027-11-23"] in rows
    assert ["2", "Fire safety", bob, "Bob", "done", "2026-11-23", ""] in rows
    assert len(rows) == 1 + 2 * 4
    assert not any("Zed" in cell or "Olga" in cell for row in rows for cell in row)


def test_scoping_other_schools_and_plain_members(school: Staffroom) -> None:
    theirs = ok(say(school, "report training", user="olga"))
    assert "Training at Oakfield High" in text_of(theirs)
    assert "requires no training yet" in text_of(theirs) and not theirs.attachments
    ok(say(school, 'training require "First aid"', user="olga"))
    theirs = ok(say(school, "report training", user="olga"))
    everything = text_of(theirs) + theirs.attachments[0].data.decode("utf-8-sig")
    assert "Zed" in everything and "Olga" in everything
    for name in ("Ana", "Bob", "Safeguarding", "Hillside"):
        assert name not in everything
    for user in ("bob", "zed"):
        refused = say(school, "report training", user=user)
        assert refused.tone == "error" and not refused.attachments
        assert "Only CPD leads and school admins" in text_of(refused)
    nowhere = say(school, "report training", user="newcomer")
    assert nowhere.tone == "error" and "not in a school yet" in text_of(nowhere)


def test_a_long_list_comes_in_pages(app: Staffroom) -> None:
    join(app, create_school(app), "ana", *(f"t{n:02}" for n in range(16)))
    grant(app, "ana", "cpd-lead")
    ok(say(app, 'training require "Safeguarding"', user="ana"))
    ok(say(app, 'training require "Prevent"', user="ana"))
    first = ok(say(app, "report training", user="ana"))
    assert "34 to act on" in text_of(first) and "Page 1 of 2." in text_of(first)
    assert [a.command for a in first.actions] == ["report training page=2"]
    second = ok(say(app, first.actions[0].command, user="ana"))
    assert "Page 2 of 2." in text_of(second)
    assert [a.command for a in second.actions] == ["report training page=1"]
    assert len([line for line in text_of(second).splitlines() if " · never done" in line]) == 4


def _at(clock: FixedClock, day: date, zone: ZoneInfo = LONDON) -> None:
    """Half past nine on ``day`` on a member's clock: just after their reminders are due."""
    clock.set(datetime.combine(day, time(9, 30), zone))


def _reminders(messenger: RecordingMessenger, user: str) -> list[str]:
    return [t for t in messenger.texts_to(user) if "Training reminder" in t]


def _planned_local_times(app: Staffroom, user: str) -> list[time]:
    with Session(app.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id(app, user))
            .order_by(col(OutboxMessage.id))
        ).all()
        return [r.due_at.astimezone(LONDON).time() for r in rows if "Training" in str(r.payload)]


def test_reminders_at_nine_local_across_the_clock_change(
    school: Staffroom, clock: FixedClock
) -> None:
    ok(say(school, "settings timezone Europe/London", user="bob"))
    messenger = RecordingMessenger(clock)
    # 30 days before 2027-11-23 is in summer time; 7 and 0 days before are after the change.
    for day, expected in (
        (date(2027, 10, 24), "Safeguarding expires in 30 days, on 2027-11-23."),
        (date(2027, 11, 16), "Safeguarding expires in 7 days, on 2027-11-23."),
        (date(2027, 11, 23), "Safeguarding expires today."),
    ):
        _at(clock, day - timedelta(days=1))
        tick(school, messenger)
        before = len(_reminders(messenger, "bob"))
        _at(clock, day)
        tick(school, messenger)
        got = _reminders(messenger, "bob")
        assert len(got) == before + 1, (day, got)
        assert expected in got[-1] and "training done 1" in got[-1]
        tick(school, messenger)  # planning again sends nothing twice
        assert len(_reminders(messenger, "bob")) == before + 1
    assert _planned_local_times(school, "bob") == [time(9, 0)] * 3
    ok(say(school, "training done 1", user="bob"))  # renewed: no more reminders this year
    _at(clock, date(2028, 10, 23))
    tick(school, messenger)
    assert len(_reminders(messenger, "bob")) == 3


def test_a_first_deadline_is_reminded_to_those_who_have_not_done_it(
    school: Staffroom, clock: FixedClock
) -> None:
    messenger = RecordingMessenger(clock)
    _at(clock, date(2026, 12, 24), ZoneInfo("UTC"))
    tick(school, messenger)
    [ana] = _reminders(messenger, "ana")
    assert "Safeguarding is due in 7 days, on 2026-12-31." in ana
    assert _reminders(messenger, "bob") == []  # done, and not expiring
    assert _reminders(messenger, "zed") == []  # another school's


def test_twelve_months_from_29_february(app: Staffroom, clock: FixedClock) -> None:
    code = create_school(app)
    join(app, code, "ana")
    grant(app, "ana", "cpd-lead")
    ok(say(app, 'training require "Safeguarding" every=12', user="ana"))
    clock.set(datetime(2028, 3, 1, 12, 0, tzinfo=LONDON))
    join(app, code, "lee")  # joins after the requirement: gets reminders too
    ok(say(app, "settings timezone Europe/London", user="lee"))
    done = ok(say(app, "training done 1 date=2028-02-29", user="lee"))
    assert "Done: on 2028-02-29, valid until 2029-02-28" in text_of(done)
    messenger = RecordingMessenger(clock)
    for day, expected in (
        (date(2029, 1, 29), "expires in 30 days, on 2029-02-28"),
        (date(2029, 2, 21), "expires in 7 days, on 2029-02-28"),
        (date(2029, 2, 28), "expires today"),
    ):
        _at(clock, day)
        tick(app, messenger)
        assert expected in _reminders(messenger, "lee")[-1]
    assert len(_reminders(messenger, "lee")) == 3
    clock.set(datetime(2029, 3, 1, 12, 0, tzinfo=LONDON))
    late = text_of(say(app, "training status", user="lee"))
    assert "Expired: valid until 2029-02-28 (done 2028-02-29)" in late


def test_days_left_counts_across_29_february() -> None:
    yearly = Training(school_id=1, title="t", every_months=12, created_at=None)  # type: ignore[arg-type]
    status = status_of(yearly, date(2027, 3, 10), date(2028, 2, 9))
    assert status.until == date(2028, 3, 10) and days_left(status, date(2028, 2, 9)) == 30
    assert days_left(status_of(yearly, date(2027, 3, 10), date(2028, 3, 3)), date(2028, 3, 3)) == 7
    once = Training(school_id=1, title="t", created_at=None)  # type: ignore[arg-type]
    assert days_left(status_of(once, date(2027, 3, 10), date(2028, 3, 3)), date(2028, 3, 3)) is None
