"""An event's calendar file names its install, and creating the same event twice makes one."""

from __future__ import annotations

import shutil
from pathlib import Path

import icalendar

from core.app import Staffroom
from core.clock import FixedClock
from core.events.models import Event
from tests.communities.support import count, ok
from tests.conftest import make_settings

CREATE = 'event create maths "Exit tickets teachmeet" "2026-12-01 16:00" 1h'


def _uid(app: Staffroom) -> str:
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, CREATE)
    ics = ok(app, "event export 1").attachments[0]
    return str(icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]["uid"])


def test_two_installs_never_share_an_event_uid(
    app: Staffroom, sqlite_template: Path, tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "other-school.db"
    shutil.copy(sqlite_template, path)
    other = Staffroom(make_settings(f"sqlite:///{path}"), clock=clock)
    try:
        here, there = _uid(app), _uid(other)
    finally:
        other.engine.dispose()
    assert here.startswith("event-1@") and there.startswith("event-1@")
    assert here != there, "event 1 of two schools would be one event in a calendar"
    again = ok(app, "event export 1", user="bob").attachments[0]
    assert str(icalendar.Calendar.from_ical(again.data).walk("VEVENT")[0]["uid"]) == here


def test_the_same_event_created_twice_is_one_event(app: Staffroom) -> None:
    ok(app, 'community create "Maths" "Maths teachers"')
    first = ok(app, CREATE).plain_text()
    second = ok(app, CREATE).plain_text()
    assert "(id 1)" in first or "event rsvp 1 yes" in first
    assert second == first
    assert count(app, Event) == 1
    # Another moment is another event.
    ok(app, 'event create maths "Exit tickets teachmeet" "2026-12-08 16:00" 1h')
    assert count(app, Event) == 2
