"""cpd list, edit and delete: one's own activities only, in chosen periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.app import Staffroom
from core.clock import FixedClock
from tests.cpd.helpers import activities
from tests.talk import say, text_of


@pytest.fixture
def record(app: Staffroom) -> Staffroom:
    say(app, 'cpd log 2 "Last year\'s conference" category=conference date=2026-06-10')
    say(app, 'cpd log 1 "Assessment course" category=course date=2026-10-02 standards=TS6')
    say(app, 'cpd log 30m "Article on questioning" category=reading date=2026-11-20')
    return app


def test_list_defaults_to_this_cpd_year_newest_first(record: Staffroom) -> None:
    shown = text_of(say(record, "cpd list"))
    assert "2026-09-01 – 2027-08-31" in shown
    assert shown.index("Article on questioning") < shown.index("Assessment course")
    assert "Last year's conference" not in shown
    assert "2 activities, 1.5 hours." in shown


PERIODS = [
    ("last-year", ["Last year's conference"]),
    ("month", ["Article on questioning"]),
    ("last-month", ["Assessment course"]),
    ("week", []),
    ("all", ["Last year's conference", "Assessment course", "Article on questioning"]),
    ("2026-10-01..2026-11-20", ["Assessment course", "Article on questioning"]),
]


def test_list_periods(record: Staffroom) -> None:
    everything = ["Last year's conference", "Assessment course", "Article on questioning"]
    for period, titles in PERIODS:
        shown = text_of(say(record, f"cpd list {period}"))
        assert [t for t in everything if t in shown] == titles, period
        if not titles:
            assert "Nothing logged in this period" in shown
    for period, needle in (
        ("fortnight", "is not a period I know"),
        ("2026-12-01..2026-01-01", "ends before it"),
        ("2026-13-01..", "A date range looks like"),
    ):
        reply = say(record, f"cpd list {period}")
        assert reply.tone == "error" and needle in text_of(reply), period


def test_others_cannot_see_edit_or_delete(record: Staffroom) -> None:
    first = activities(record)[0].id
    assert "Nothing logged" in text_of(say(record, "cpd list all", user="bob"))
    for line in (f"cpd edit {first} hours=3", f"cpd delete {first}", f"cpd delete {first} confirm"):
        reply = say(record, line, user="bob")
        assert reply.tone == "error"
        assert f"You have no CPD activity #{first}" in text_of(reply)
    assert len(activities(record)) == 3


def test_edit_changes_and_clears_fields(record: Staffroom) -> None:
    target = activities(record)[1]
    reply = say(
        record,
        f'cpd edit {target.id} hours=90m title="Assessment for learning course" '
        "category=online date=2026-10-03 provider=- standards=TS2,ts6 "
        "evidence=https://example.org/a",
    )
    assert reply.tone == "success", text_of(reply)
    edited = activities(record)[1]
    assert edited.hours == 1.5
    assert edited.title == "Assessment for learning course"
    assert edited.category == "online learning"
    assert edited.occurred_on == date(2026, 10, 3)
    assert edited.provider is None
    assert edited.standards == ["TS2", "TS6"]
    assert edited.evidence_url == "https://example.org/a"
    say(record, f"cpd edit {target.id} standards=- evidence=none")
    cleared = activities(record)[1]
    assert cleared.standards == [] and cleared.evidence_url is None


BAD_EDITS = [
    ("", "Say what to change"),
    ("hours=100", "the limit is 60"),
    ("hours=soon", "like 1.5, 90m or 1h30"),
    ("date=2027-01-01", "is in the future"),
    ("category=gardening", "not a CPD category"),
    ("standards=TS0", "TS0 is not a standard"),
    ("evidence=nope", "starting with http"),
    ("colour=red", "has no setting called colour"),
]


def test_edit_refuses_bad_values_and_changes_nothing(record: Staffroom) -> None:
    before = activities(record)[1]
    for change, needle in BAD_EDITS:
        line = f"cpd edit {before.id} title=Changed {change}" if change else f"cpd edit {before.id}"
        reply = say(record, line)
        assert reply.tone == "error", change
        assert needle in text_of(reply), change
    assert activities(record)[1] == before


def test_delete_asks_first_with_a_button(record: Staffroom) -> None:
    target = activities(record)[2]
    ask = say(record, f"cpd delete {target.id}")
    assert "Delete this activity?" in text_of(ask)
    assert len(activities(record)) == 3
    [button] = ask.actions
    assert button.command == f"cpd delete {target.id} confirm" and button.style == "danger"
    done = say(record, button.command)
    assert done.tone == "success"
    assert "This CPD year: 1 of 35 hours." in text_of(done)
    assert [a.title for a in activities(record)] == ["Last year's conference", "Assessment course"]
    assert say(record, f"cpd delete {target.id}").tone == "error"


def test_edit_keeps_a_title_and_takes_words_for_reflection(app: Staffroom) -> None:
    say(app, 'cpd log 1.5 "Phonics course"')
    [activity] = activities(app)
    refused = say(app, f"cpd edit {activity.id} title=-")
    assert refused.tone == "error" and "needs a title" in text_of(refused)
    reply = say(
        app, f'cpd edit {activity.id} hours=2 reflection="Blending drills worked with set 3"'
    )
    assert reply.tone == "success", text_of(reply)
    [edited] = activities(app)
    assert edited.title == "Phonics course" and edited.hours == 2
    assert edited.notes == "Blending drills worked with set 3"
    assert "kept as the activity's notes" in text_of(reply)


def test_two_presses_at_the_same_moment_log_once(app: Staffroom) -> None:
    import threading

    say(app, "profile show")
    barrier = threading.Barrier(5)
    replies: list[str] = []

    def press() -> None:
        barrier.wait()
        replies.append(text_of(say(app, 'cpd log 1 "Event: Teachmeet" date=2026-11-20')))

    threads = [threading.Thread(target=press) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(activities(app)) == 1, replies


def test_a_long_record_pages_instead_of_stopping(app: Staffroom, clock: FixedClock) -> None:
    for n in range(35):
        clock.advance(timedelta(seconds=5))  # within the commands-per-minute limit
        say(app, f'cpd log 1 "Session {n}" date=2026-10-{1 + n % 28:02d}')
    first = say(app, "cpd list")
    assert "Page 1 of 2" in text_of(first) and [a.label for a in first.actions] == ["Older"]
    second = say(app, first.actions[0].command)
    assert "Page 2 of 2" in text_of(second) and [a.label for a in second.actions] == ["Newer"]
    shown = text_of(first) + text_of(second)
    assert all(f"Session {n}" in shown for n in range(35))
