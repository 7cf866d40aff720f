"""A CPD calendar file names its install: two schools' activity 1 are two items in a calendar,
and the same activity exported again is the same item."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import icalendar

from core.app import Staffroom
from core.clock import FixedClock
from tests.conftest import make_settings
from tests.talk import say, text_of


def _uids(app: Staffroom, user: str = "ana") -> list[str]:
    reply = say(app, "cpd export all ics", user=user)
    assert reply.tone != "error", text_of(reply)
    calendar = icalendar.Calendar.from_ical(reply.attachments[0].data)
    return sorted(str(item["uid"]) for item in calendar.walk("VEVENT"))


def _record(app: Staffroom) -> list[str]:
    for line in (
        'cpd log 1.5 "Exit tickets workshop" date=2026-11-02',
        'cpd goal add "Assessment hours" hours=10 due=2027-03-31',
    ):
        assert say(app, line).tone != "error", line
    return _uids(app)


def test_two_installs_never_share_a_cpd_uid(
    app: Staffroom, sqlite_template: Path, tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "other-school.db"
    shutil.copy(sqlite_template, path)
    other = Staffroom(make_settings(f"sqlite:///{path}"), clock=clock)
    try:
        here, there = _record(app), _record(other)
    finally:
        other.engine.dispose()
    assert [u.split("@")[0] for u in here] == ["cpd-activity-1", "cpd-goal-1"]
    assert [u.split("@")[0] for u in there] == ["cpd-activity-1", "cpd-goal-1"]
    assert not set(here) & set(there), "activity 1 of two schools would be one calendar item"
    assert all(u.endswith(".staffroom") for u in here + there)


def test_the_same_activity_exported_twice_keeps_its_uid(app: Staffroom, clock: FixedClock) -> None:
    first = _record(app)
    clock.advance(timedelta(days=3))
    assert _uids(app) == first
    # Another member's export on the same install names the same install.
    assert say(app, 'cpd log 1 "Reading group" date=2026-11-03', user="bob").tone != "error"
    [theirs] = _uids(app, user="bob")
    assert theirs.split("@")[1] == first[0].split("@")[1]
