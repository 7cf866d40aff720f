"""cpd summary and cpd export, checked field by field against one fixture record."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from icalendar import Calendar

from core.app import Staffroom
from core.cpd import exports
from tests.cpd.helpers import activities, goals
from tests.talk import say, text_of

NAME = "Zoë Ångström"


def cpd(app: Staffroom, line: str) -> str:
    reply = say(app, line, name=NAME)
    assert reply.tone != "error", text_of(reply)
    return text_of(reply)


@pytest.fixture
def record(app: Staffroom) -> Staffroom:
    cpd(app, 'cpd log 5 "Last year\'s conference" category=conference date=2026-06-10')
    cpd(
        app,
        'cpd log 6 "Ambitious about Assessment" category=course date=2026-09-15 '
        'provider="Institut für Lehrerbildung" standards=TS6,TS2 notes="Hinge questions daily"',
    )
    cpd(
        app, 'cpd log 1.5 "Rosenshine\'s Principles" category=reading date=2026-10-02 standards=TS4'
    )
    cpd(
        app,
        'cpd log 2 "=Behaviour clinic" category=workshop date=2026-11-20 standards=TS7 '
        f'provider="{NAME}" evidence=https://example.org/cert',
    )
    cpd(app, 'cpd log 1 "Staff meeting CPD" category=presenting date=2026-11-21')
    cpd(app, 'cpd goal add "Assessment hours" hours=10 category=course due=2027-03-31')
    cpd(app, 'cpd goal add "Read more" hours=5 due=2026-12-20')
    cpd(app, 'cpd goal add "Lead a department session"')
    return app


def test_summary_of_this_cpd_year(record: Staffroom) -> None:
    shown = cpd(record, "cpd summary")
    assert "CPD summary: 2026-09-01 – 2027-08-31" in shown
    assert "Hours: 10.5" in shown
    assert "Activities: 4" in shown
    assert "Yearly target: 35 h (30%)" in shown
    assert "Still to go: 24.5 h" in shown
    categories = ["course: 6 h", "workshop: 2 h", "reading: 1.5 h", "presenting: 1 h"]
    positions = [shown.index(line) for line in categories]
    assert positions == sorted(positions)
    standards = [
        "TS2 Promote good progress and outcomes by pupils: 6 h",
        "TS4 Plan and teach well structured lessons: 1.5 h",
        "TS6 Make accurate and productive use of assessment: 6 h",
        "TS7 Manage behaviour effectively to ensure a good and safe learning environment: 2 h",
        "Not mapped: 1 h",
    ]
    positions = [shown.index(line) for line in standards]
    assert positions == sorted(positions)
    assert "Assessment hours · 6 of 10 h · course · due 2027-03-31" in shown
    assert "Read more · 10.5 of 5 h · due 2026-12-20" in shown


def test_summary_of_last_year_and_an_empty_week(record: Staffroom) -> None:
    last = cpd(record, "cpd summary last-year")
    assert "Hours: 5" in last and "conference: 5 h" in last and "(14%)" in last
    week = cpd(record, "cpd summary week")
    assert "Hours: 0" in week and "Yearly target" not in week
    assert "Nothing logged in this period yet." in week


def test_csv_export_opens_in_a_spreadsheet(record: Staffroom) -> None:
    reply = say(record, "cpd export csv", name=NAME)
    [file] = reply.attachments
    # Named for the person, the period and the day: two exports never overwrite each other.
    assert file.filename == "cpd-zoe-angstrom-2026-09-01_2027-08-31-2026-11-23.csv"
    assert file.content_type == "text/csv"
    assert file.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert [r["title"] for r in rows] == [
        "Ambitious about Assessment",
        "Rosenshine's Principles",
        "'=Behaviour clinic",
        "Staff meeting CPD",
    ]
    first, _, third, _ = rows
    stored = activities(record)
    assert int(first["id"]) == stored[1].id
    assert date.fromisoformat(first["date"]) == date(2026, 9, 15)
    assert float(first["hours"]) == 6.0
    assert first["category"] == "course"
    assert first["provider"] == "Institut für Lehrerbildung"
    assert first["standards"] == "TS6;TS2"
    assert first["notes"] == "Hinge questions daily"
    assert first["evidence_url"] == "" and first["reflection"] == ""
    assert first["logged_at"] == "2026-11-23T10:00:00+00:00"
    assert third["provider"] == NAME
    assert third["evidence_url"] == "https://example.org/cert"
    assert sum(float(r["hours"]) for r in rows) == 10.5


def test_ics_export_has_activities_and_goal_deadlines(record: Staffroom) -> None:
    reply = say(record, "cpd export all ics", name=NAME)
    [file] = reply.attachments
    assert file.filename == "cpd-zoe-angstrom-all-2026-11-23.ics"
    assert file.content_type == "text/calendar"
    calendar = Calendar.from_ical(file.data)
    assert str(calendar["x-wr-calname"]) == f"CPD record: {NAME}"
    # UIDs end in this install's id (tests/cpd/test_calendar_identity.py): keyed without it here.
    events = {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    stored = activities(record)
    assert len(events) == 5 + 2  # five activities, two dated goals
    course = events[f"cpd-activity-{stored[1].id}"]
    assert course.decoded("dtstart") == date(2026, 9, 15)
    assert course.decoded("dtend") == date(2026, 9, 16)
    assert str(course["summary"]) == "Ambitious about Assessment (6 h)"
    assert "Provider: Institut für Lehrerbildung" in str(course["description"])
    assert "Standards: TS6, TS2" in str(course["description"])
    clinic = events[f"cpd-activity-{stored[3].id}"]
    assert str(clinic["url"]) == "https://example.org/cert"
    goal = events[f"cpd-goal-{goals(record)[0].id}"]
    assert goal.decoded("dtstart") == date(2027, 3, 31)
    assert str(goal["summary"]) == "CPD goal due: Assessment hours"
    assert "Hours: 6 of 10" in str(goal["description"])


def test_export_of_an_empty_period_and_bad_format(record: Staffroom) -> None:
    reply = say(record, "cpd export week csv", name=NAME)
    rows = list(csv.reader(io.StringIO(reply.attachments[0].data.decode("utf-8-sig"))))
    assert rows == [list(exports.CSV_COLUMNS)]
    assert "0 activities, 0 hours" in text_of(reply)
    bad = say(record, "cpd export all docx", name=NAME)
    assert bad.tone == "error" and "csv" in text_of(bad)
