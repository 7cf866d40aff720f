"""The CPD record in privacy export, delete and account linking."""

from __future__ import annotations

import json
import re

from core.app import Staffroom
from tests.core.test_privacy import rows_mentioning
from tests.cpd.helpers import activities, goals, member_id, schedules
from tests.talk import say, text_of


def _fill(app: Staffroom, user: str) -> None:
    say(app, f'cpd log 1.5 "Course of {user}" standards=TS1', user=user)
    say(app, f'cpd goal add "Goal of {user}" hours=5 due=2027-01-31', user=user)


def test_export_holds_activities_goals_and_preference(app: Staffroom) -> None:
    _fill(app, "ana")
    say(app, "cpd reminders off")
    data = json.loads(say(app, "privacy export").attachments[0].data)
    [activity] = data["cpd"]["activities"]
    assert activity["title"] == "Course of ana" and activity["hours"] == 1.5
    assert activity["standards"] == ["TS1"] and activity["occurred_on"] == "2026-11-23"
    assert data["cpd"]["goals"][0]["title"] == "Goal of ana"
    assert data["cpd"]["reminders"] is False


def test_delete_leaves_nothing_and_spares_others(app: Staffroom) -> None:
    _fill(app, "ana")
    _fill(app, "bob")
    ana = member_id(app)
    assert rows_mentioning(app, ana)
    done = say(app, "privacy delete confirm")
    assert done.tone == "success", text_of(done)
    assert rows_mentioning(app, ana) == {}
    assert [a.title for a in activities(app, "bob")] == ["Course of bob"]
    assert {s.member_id for s in schedules(app, "cpd.nudge")} == {member_id(app, "bob")}


def test_linking_accounts_merges_the_record(app: Staffroom) -> None:
    _fill(app, "ana")
    _fill(app, "ana-phone")
    say(app, "cpd reminders off", user="ana-phone")
    code = re.search(r"\b[A-Z2-9]{8}\b", text_of(say(app, "link")))
    assert code is not None
    say(app, f"link {code.group(0)}", user="ana-phone")
    linked = say(app, "link confirm", user="ana-phone")
    assert linked.tone == "success", text_of(linked)
    ana = member_id(app)
    assert member_id(app, "ana-phone") == ana
    assert sorted(a.title for a in activities(app)) == ["Course of ana", "Course of ana-phone"]
    assert len(goals(app)) == 2
    assert [s.member_id for s in schedules(app, "cpd.nudge")] == [ana]
    assert {s.member_id for s in schedules(app, "cpd.goal_reminder")} == {ana}
    assert "reminders are off" in text_of(say(app, "cpd reminders"))
