"""cpd request: asked of the member's line manager (or the school's CPD leads), answered with
buttons by them alone, the member told, asked for an impact note after the day through the real
planner and deliverer, and logged as CPD in one step."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd.models import CpdActivity
from core.schools.models import CpdRequest, SchoolMember
from tests.core.test_privacy import rows_mentioning
from tests.delivery.helpers import RecordingMessenger, tick
from tests.schools.helpers import (
    create_school,
    dms,
    grant,
    join,
    member_id,
    ok,
)
from tests.talk import say, text_of

ASK = (
    'cpd request "Maths hub conference" date=2026-12-10 cost=120 provider="NCETM" '
    'reason="Our mastery work this year"'
)


@pytest.fixture
def school(app: Staffroom) -> Staffroom:
    """Hillside: Ana and Lin (CPD leads), Sam, Bob (Sam is his line manager) and Cat;
    Oakfield: Olga (CPD lead) and Zed."""
    join(app, create_school(app), "ana", "lin", "sam", "bob", "cat")
    join(app, create_school(app, "Oakfield High"), "olga", "zed")
    for lead in ("ana", "lin", "olga"):
        grant(app, lead, "cpd-lead")
    return app


def _requests(app: Staffroom) -> list[CpdRequest]:
    with Session(app.engine) as session:
        return list(session.exec(select(CpdRequest).order_by(col(CpdRequest.id))))


def test_the_line_manager_is_someone_else_at_the_school(school: Staffroom) -> None:
    none = text_of(ok(say(school, "school manager", user="bob")))
    assert "go to the CPD leads of Hillside Primary" in none
    zed = member_id(school, "zed")
    other = say(school, f"school manager #{zed}", user="bob")
    assert other.tone == "error" and f"No member with id {zed}" in text_of(other)
    itself = say(school, f"school manager #{member_id(school, 'bob')}", user="bob")
    assert itself.tone == "error" and "someone else" in text_of(itself)
    named = ok(say(school, f"school manager #{member_id(school, 'sam')}", user="bob"))
    assert f"Your line manager is now Sam (id {member_id(school, 'sam')})" in text_of(named)
    assert "Your line manager: Sam" in text_of(say(school, "school manager", user="bob"))
    ok(say(school, "school manager none", user="bob"))
    assert "not named a line manager" in text_of(say(school, "school manager", user="bob"))


def test_the_manager_approves_and_the_member_logs_it_with_its_impact(
    school: Staffroom, clock: FixedClock
) -> None:
    ok(say(school, f"school manager #{member_id(school, 'sam')}", user="bob"))
    asked = ok(say(school, ASK, user="bob"))
    assert "Asked your line manager, Sam: Maths hub conference" in text_of(asked)
    assert "#1 Maths hub conference · 2026-12-10 · waiting for an answer" in text_of(asked)
    [ask] = [r for r in dms(school, "sam") if "CPD request from Bob" in text_of(r)]
    shown = text_of(ask)
    assert "Cost: 120.00" in shown and "Provider: NCETM" in shown
    assert "Reason: Our mastery work this year" in shown
    # Decline opens a form for the optional reason, the request's number already given.
    assert [a.command for a in ask.actions] == [
        "cpd request approve 1",
        "form:open cpd request decline 1",
    ]
    assert not any("CPD request from" in text_of(r) for r in dms(school, "ana"))
    # Anyone else pressing the button, a lead of the school included, finds nothing.
    for user in ("ana", "bob", "olga", "zed"):
        forged = say(school, "cpd request approve 1", user=user)
        assert forged.tone == "error", user
        assert "There is no CPD request #1 for you" in text_of(forged)
    assert _requests(school)[0].status == "pending"

    done = ok(say(school, 'cpd request approve 1 reason="Fits our plan"', user="sam"))
    assert "Approved Bob's request: Maths hub conference. I have told them." in text_of(done)
    told = text_of(dms(school, "bob")[-1])
    assert "Sam approved your CPD request #1: Maths hub conference on 2026-12-10." in told
    assert "Their reason: Fits our plan" in told
    again = text_of(say(school, "cpd request decline 1", user="sam"))
    assert "CPD request #1 is already approved by Sam." in again

    early = say(school, 'cpd request log 1 "It went well" hours=5', user="bob")
    assert early.tone == "error" and "Log it once it has happened" in text_of(early)
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 12, 10, 9, 30, tzinfo=UTC))
    tick(school, messenger)
    assert not any("How did" in t for t in messenger.texts_to("bob"))
    clock.set(datetime(2026, 12, 11, 9, 30, tzinfo=UTC))
    tick(school, messenger)
    [prompt] = [t for t in messenger.texts_to("bob") if "How did Maths hub conference go?" in t]
    assert 'cpd request log 1 hours=HOURS "what changed"' in prompt

    stolen = say(school, 'cpd request log 1 "mine now" hours=5', user="sam")
    assert stolen.tone == "error" and "There is no CPD request #1" in text_of(stolen)
    logged = ok(
        say(school, 'cpd request log 1 "Pupils now explain their reasoning" hours=5', user="bob")
    )
    assert "Logged as CPD activity #1: Maths hub conference, 5 h on 2026-12-10." in text_of(logged)
    with Session(school.engine) as session:
        [activity] = session.exec(select(CpdActivity)).all()
    assert activity.member_id == member_id(school, "bob") and activity.provider == "NCETM"
    assert activity.notes == "Pupils now explain their reasoning" and activity.category == "course"
    assert _requests(school)[0].activity_id == activity.id
    twice = say(school, 'cpd request log 1 "again" hours=5', user="bob")
    assert twice.tone == "error" and "is logged as CPD" in text_of(twice)
    report = say(school, "report cpd", user="ana")
    assert "Hours: 5" in text_of(report)
    assert "Pupils now explain" not in text_of(report) + report.attachments[0].data.decode()
    listed = text_of(say(school, "cpd request list", user="bob"))
    assert "#1 Maths hub conference · 2026-12-10 · logged as CPD" in listed


def test_without_a_manager_the_leads_answer_and_one_answer_counts(school: Staffroom) -> None:
    ok(
        say(
            school,
            'cpd request "Phonics course" date=2026-12-01 reason="New to Year 1"',
            user="cat",
        )
    )
    for lead in ("ana", "lin"):
        [ask] = [r for r in dms(school, lead) if "CPD request from Cat" in text_of(r)]
        assert ask.actions[1].command == "form:open cpd request decline 1"
    assert not any("CPD request" in text_of(r) for r in dms(school, "olga"))
    waiting = ok(say(school, "cpd request list", user="lin"))
    assert "Waiting for your answer" in text_of(waiting) and "from Cat" in text_of(waiting)
    assert [a.command for a in waiting.actions] == [
        "cpd request approve 1",
        "form:open cpd request decline 1",
    ]
    assert say(school, "cpd request approve 1", user="olga").tone == "error"
    ok(say(school, 'cpd request decline 1 reason="No cover that week"', user="lin"))
    told = text_of(dms(school, "cat")[-1])
    assert "Lin declined your CPD request #1: Phonics course." in told
    assert "Their reason: No cover that week" in told
    late = text_of(say(school, "cpd request approve 1", user="ana"))
    assert "already declined by Lin" in late
    assert "Waiting for your answer" not in text_of(say(school, "cpd request list", user="lin"))
    # A lead's own request goes to the other lead, never to themselves.
    ok(say(school, 'cpd request "Leadership course" date=2027-01-15 reason="NPQ"', user="ana"))
    assert any("CPD request from Ana" in text_of(r) for r in dms(school, "lin"))
    assert say(school, "cpd request approve 2", user="ana").tone == "error"


def test_requests_that_cannot_be_made(app: Staffroom) -> None:
    join(app, create_school(app), "solo")
    alone = say(app, ASK, user="solo")
    assert alone.tone == "error" and "No one at Hillside Primary can answer" in text_of(alone)
    ok(say(app, "profile show", user="newcomer"))
    nowhere = say(app, ASK, user="newcomer")
    assert nowhere.tone == "error" and "not in a school yet" in text_of(nowhere)
    join(app, create_school(app, "Oakfield High"), "olga", "zed")
    grant(app, "olga", "cpd-lead")
    past = say(app, 'cpd request "Course" date=2026-11-01 reason="x"', user="zed")
    assert past.tone == "error" and "has already passed" in text_of(past)
    assert say(app, 'cpd request "Course" date=2026-12-01', user="zed").tone == "error"
    assert _requests(app) == []


def test_cancel_asks_first_and_stops_the_impact_question(
    school: Staffroom, clock: FixedClock
) -> None:
    ok(say(school, 'cpd request "Phonics course" date=2026-12-01 reason="Year 1"', user="cat"))
    ok(say(school, "cpd request approve 1", user="ana"))
    assert say(school, "cpd request cancel 1", user="bob").tone == "error"
    ask = ok(say(school, "cpd request cancel 1", user="cat"))
    assert "Cancel this CPD request?" in text_of(ask) and "It was approved" in text_of(ask)
    [button] = ask.actions
    assert button.command == "cpd request cancel 1 confirm" and button.style == "danger"
    assert _requests(school)[0].status == "approved"
    ok(say(school, button.command, user="cat"))
    assert _requests(school)[0].status == "cancelled"
    assert "nothing to cancel" in text_of(say(school, button.command, user="cat"))
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    tick(school, messenger)
    assert not any("How did" in t for t in messenger.texts_to("cat"))
    assert say(school, 'cpd request log 1 "x" hours=1', user="cat").tone == "error"


def test_privacy_export_and_delete(school: Staffroom) -> None:
    ok(say(school, f"school manager #{member_id(school, 'sam')}", user="bob"))
    ok(say(school, ASK, user="bob"))
    ok(say(school, 'cpd request approve 1 reason="SAM-WORDS"', user="sam"))
    mine = json.loads(say(school, "privacy export", user="bob").attachments[0].data)["schools"]
    [request] = mine["cpd_requests"]
    assert request["reason"] == "Our mastery work this year" and request["status"] == "approved"
    assert mine["school"]["manager_id"] == member_id(school, "sam")
    theirs = json.loads(say(school, "privacy export", user="sam").attachments[0].data)["schools"]
    assert theirs["cpd_requests_answered"][0]["decision_note"] == "SAM-WORDS"
    assert theirs["line_manager_of"] == [member_id(school, "bob")]

    sam = member_id(school, "sam")
    ok(say(school, "privacy delete confirm", user="sam"))
    assert rows_mentioning(school, sam) == {}
    [kept] = _requests(school)
    assert kept.member_id == member_id(school, "bob") and kept.status == "approved"
    assert kept.decided_by is None and kept.decision_note is None
    with Session(school.engine) as session:
        assert all(m.manager_id is None for m in session.exec(select(SchoolMember)))

    bob = member_id(school, "bob")
    ok(say(school, "privacy delete confirm", user="bob"))
    assert rows_mentioning(school, bob) == {} and _requests(school) == []
