"""Recurrence maths at daylight-saving changes, and validation of what features pass in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.delivery.recurrence import (
    after_quiet_hours,
    canonical_instant,
    next_occurrence,
    validate_quiet_hours,
    validate_recurrence,
)
from core.params import BadValue

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2027, 1, 1, tzinfo=UTC)


def occurrences(
    recurrence: dict[str, object], zone: ZoneInfo, after: datetime, n: int
) -> list[datetime]:
    found = []
    normal = validate_recurrence(dict(recurrence), after, zone)
    for _ in range(n):
        nxt = next_occurrence(normal, zone, after)
        assert nxt is not None
        found.append(nxt)
        after = nxt
    return found


def test_nonexistent_time_moves_to_the_end_of_the_gap() -> None:
    # 2027-03-28: London clocks jump 01:00 -> 02:00; 01:30 does not exist that day.
    days = occurrences(
        {"type": "daily", "time": "01:30"}, LONDON, datetime(2027, 3, 27, tzinfo=UTC), 3
    )
    local = [d.astimezone(LONDON).strftime("%m-%d %H:%M %Z") for d in days]
    assert local == ["03-27 01:30 GMT", "03-28 02:00 BST", "03-29 01:30 BST"]
    # New York, 2027-03-14: 02:00 -> 03:00.
    days = occurrences(
        {"type": "daily", "time": "02:30"}, NEW_YORK, datetime(2027, 3, 13, tzinfo=UTC), 3
    )
    local = [d.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z") for d in days]
    assert local == ["03-13 02:30 EST", "03-14 03:00 EDT", "03-15 02:30 EDT"]


def test_ambiguous_time_fires_once_at_the_first() -> None:
    # 2027-10-31: London clocks go back 02:00 -> 01:00; 01:30 happens twice.
    days = occurrences(
        {"type": "daily", "time": "01:30"}, LONDON, datetime(2027, 10, 30, tzinfo=UTC), 3
    )
    assert [d.astimezone(LONDON).strftime("%m-%d %H:%M %Z") for d in days] == [
        "10-30 01:30 BST",
        "10-31 01:30 BST",
        "11-01 01:30 GMT",
    ]
    days = occurrences(
        {"type": "daily", "time": "01:30"}, NEW_YORK, datetime(2027, 11, 6, tzinfo=UTC), 3
    )
    assert [d.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z") for d in days] == [
        "11-06 01:30 EDT",
        "11-07 01:30 EDT",
        "11-08 01:30 EST",
    ]


def test_canonical_instant_of_an_existing_time_is_that_time() -> None:
    wall = datetime(2027, 6, 1, 9, 0)
    assert canonical_instant(wall, LONDON) == datetime(2027, 6, 1, 8, 0, tzinfo=UTC)


def test_every_two_weeks_keeps_its_weeks() -> None:
    created = datetime(2027, 3, 3, 12, tzinfo=UTC)  # a Wednesday
    normal = validate_recurrence(
        {"type": "weekly", "weekdays": [0, 4], "time": "16:00", "every_weeks": 2}, created, LONDON
    )
    assert normal["anchor"] == "2027-03-01"
    found, after = [], created
    for _ in range(5):
        nxt = next_occurrence(normal, LONDON, after)
        assert nxt is not None
        found.append(nxt.astimezone(LONDON).strftime("%a %d"))
        after = nxt
    assert found == ["Fri 05", "Mon 15", "Fri 19", "Mon 29", "Fri 02"]


def test_once_fires_once() -> None:
    at = datetime(2027, 5, 1, 8, tzinfo=UTC)
    normal = validate_recurrence({"type": "once", "at": at.isoformat()}, START, LONDON)
    assert next_occurrence(normal, LONDON, START) == at
    assert next_occurrence(normal, LONDON, at) is None


@pytest.mark.parametrize(
    ("recurrence", "param"),
    [
        ({"type": "weekly", "weekdays": [], "time": "09:00"}, "weekdays"),
        ({"type": "weekly", "weekdays": [7], "time": "09:00"}, "weekdays"),
        ({"type": "weekly", "weekdays": [1], "time": "9am"}, "time"),
        ({"type": "weekly", "weekdays": [1], "time": "24:00"}, "time"),
        ({"type": "weekly", "weekdays": [1], "time": "09:00", "every_weeks": 0}, "every_weeks"),
        ({"type": "once", "at": "2027-05-01T08:00:00"}, "at"),
        ({"type": "monthly", "time": "09:00"}, "type"),
    ],
)
def test_bad_recurrences_say_what_is_wrong(recurrence: dict[str, object], param: str) -> None:
    with pytest.raises(BadValue) as raised:
        validate_recurrence(recurrence, START, LONDON)
    assert raised.value.param == param
    assert raised.value.message.endswith(".")


def test_quiet_hours_wrap_midnight() -> None:
    quiet = validate_quiet_hours({"start": "21:00", "end": "07:00"})
    late = datetime(2027, 6, 1, 21, 30, tzinfo=UTC)  # 22:30 BST
    assert after_quiet_hours(quiet, late, LONDON) == datetime(2027, 6, 2, 6, 0, tzinfo=UTC)
    early = datetime(2027, 6, 2, 4, 0, tzinfo=UTC)  # 05:00 BST
    assert after_quiet_hours(quiet, early, LONDON) == datetime(2027, 6, 2, 6, 0, tzinfo=UTC)
    day = datetime(2027, 6, 2, 11, 0, tzinfo=UTC)
    assert after_quiet_hours(quiet, day, LONDON) == day
    with pytest.raises(BadValue):
        validate_quiet_hours({"start": "21:00", "end": "21:00"})


def test_a_week_of_next_occurrences_is_always_after_the_start() -> None:
    normal = validate_recurrence({"type": "daily", "time": "01:30"}, START, LONDON)
    after = datetime(2027, 10, 31, 0, 59, tzinfo=UTC)
    for _ in range(48):
        nxt = next_occurrence(normal, LONDON, after)
        assert nxt is not None and nxt > after
        after += timedelta(minutes=7)
