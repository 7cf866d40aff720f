"""report mentoring and report coffee: a CPD lead's view of their school's pairs and coffee
rounds, from facts only (never what anyone wrote), over their own school's members only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from core.app import Staffroom
from core.communities.models import Community, CommunityMember
from core.mentoring.models import (
    CoffeeParticipant,
    CoffeeRotation,
    CoffeeRound,
    CoffeeSeat,
    MatchStatus,
    MentorMatch,
    MentorNote,
    MentorRequest,
    RequestStatus,
)
from tests.schools.helpers import create_school, csv_rows, grant, join, member_id, ok
from tests.talk import say, text_of

HILLSIDE = ("m1", "m2", "m3", "m4", "m5", "m6")
SECRETS = ("SECRET-CHECKIN", "SECRET-FEEDBACK")


@pytest.fixture
def school(app: Staffroom) -> Staffroom:
    """Hillside: Ana (CPD lead) and M1..M6; Oakfield: Olga (CPD lead), Zed and Yuri."""
    join(app, create_school(app), "ana", *HILLSIDE)
    join(app, create_school(app, "Oakfield High"), "olga", "zed", "yuri")
    grant(app, "ana", "cpd-lead")
    grant(app, "olga", "cpd-lead")
    return app


def _pairs(app: Staffroom) -> None:
    """Seven pairs touching Hillside (one with Oakfield's Zed), and one inside Oakfield."""
    now = app.clock.now()
    ids = {u: member_id(app, u) for u in (*HILLSIDE, "zed", "yuri")}
    with Session(app.engine) as session:

        def pair(mentor: str, mentee: str, status: str, **when: datetime) -> int:
            found = MentorMatch(
                mentor_id=ids[mentor],
                mentee_id=ids[mentee],
                status=status,
                proposed_at=now - timedelta(weeks=6),
                expires_at=now + timedelta(days=7),
                **when,
            )
            session.add(found)
            session.flush()
            assert found.id is not None
            return found.id

        started = now - timedelta(weeks=5)
        pair("m1", "m2", MatchStatus.ACTIVE, activated_at=started)  # no check-in: overdue
        checked = pair("m3", "m4", MatchStatus.ACTIVE, activated_at=started)
        session.add(
            MentorNote(
                match_id=checked,
                member_id=ids["m4"],
                kind="checkin",
                text="SECRET-CHECKIN about my class",
                at=now - timedelta(days=3),
            )
        )
        pair("zed", "m5", MatchStatus.PROPOSED)
        for mentee, rating in zip(("m1", "m2", "m3", "m4", "m5"), (4, 5, 5, 3, 4), strict=True):
            ended = pair("m6", mentee, MatchStatus.COMPLETED, activated_at=started, ended_at=now)
            for who, score in ((mentee, rating), ("m6", 5)):
                if who == "m6" and mentee not in ("m1", "m2"):
                    continue  # the mentor rated two of five
                session.add(
                    MentorNote(
                        match_id=ended,
                        member_id=ids[who],
                        kind="feedback",
                        text="SECRET-FEEDBACK",
                        rating=score,
                        at=now,
                    )
                )
        pair("yuri", "zed", MatchStatus.ACTIVE, activated_at=started)
        for who, status, missed in (("m6", RequestStatus.OPEN, 2), ("m5", "proposed", 0)):
            session.add(
                MentorRequest(
                    member_id=ids[who],
                    goals=["behaviour"],
                    status=status,
                    missed_rounds=missed,
                    created_at=now - timedelta(days=20),
                )
            )
        session.add(MentorRequest(member_id=ids["zed"], goals=["x"], status="open", created_at=now))
        session.commit()


def test_the_lead_sees_pairs_overdue_check_ins_and_who_waits(school: Staffroom) -> None:
    _pairs(school)
    reply = ok(say(school, "report mentoring", user="ana"))
    shown = text_of(reply)
    assert "Mentoring at Hillside Primary" in shown
    assert "Proposed: 1" in shown and "Active: 2" in shown and "Ended: 5" in shown
    assert "Check-ins overdue: 1" in shown
    assert "#1 M1 – M2 · no check-in yet" in shown and "#2 " not in shown
    assert "1 waiting for a mentor" in shown and "M6 · asked 2026-11-03, missed 2 rounds" in shown
    assert "Rated by mentees: 4.2 of 5 (5 ratings)" in shown
    assert "Rated by mentors: 2 ratings: averages show from 5" in shown
    [attachment] = reply.attachments
    rows = csv_rows(attachment.data)
    assert rows[0][:4] == ["match_id", "mentor", "mentee", "status"]
    assert [r[:4] for r in rows[1:4]] == [
        ["1", "M1", "M2", "active"],
        ["2", "M3", "M4", "active"],
        ["3", "someone outside the school", "M5", "proposed"],
    ]
    assert rows[1][-1] == "yes" and rows[2][-1] == "no" and rows[2][-3] == "1"
    assert len(rows) == 1 + 8
    everything = shown + attachment.data.decode("utf-8-sig")
    for hidden in (*SECRETS, "Zed", "Yuri"):
        assert hidden not in everything, hidden


def test_another_school_and_plain_members(school: Staffroom) -> None:
    _pairs(school)
    theirs = ok(say(school, "report mentoring", user="olga"))
    shown = text_of(theirs) + theirs.attachments[0].data.decode("utf-8-sig")
    assert "Proposed: 1" in shown and "Active: 1" in shown and "Ended: 0" in shown
    assert "Zed" in shown and "Yuri" in shown
    for hidden in ("M5", "M6", "M1", *SECRETS):
        assert hidden not in shown, hidden
    for user in ("m1", "zed"):
        refused = say(school, "report mentoring", user=user)
        assert refused.tone == "error" and "Only CPD leads" in text_of(refused)
        assert not refused.attachments


def _coffee(app: Staffroom) -> None:
    """Two rounds in one rotation: M4 takes part but is never seated; M3 never meets."""
    now = app.clock.now()
    ids = {u: member_id(app, u) for u in ("m1", "m2", "m3", "m4", "zed")}
    with Session(app.engine) as session:
        community = Community(slug="staff", name="Staff", created_at=now)
        session.add(community)
        session.flush()
        assert community.id is not None
        rotation = CoffeeRotation(community_id=community.id, created_at=now)
        session.add(rotation)
        session.flush()
        assert rotation.id is not None
        for member in ids.values():
            session.add(CommunityMember(community_id=community.id, member_id=member, joined_at=now))
            session.add(
                CoffeeParticipant(
                    rotation_id=rotation.id, member_id=member, joined_at=now - timedelta(weeks=3)
                )
            )
        seats = (
            [("m1", 1, True), ("m2", 1, True), ("m3", 2, None), ("zed", 2, False)],
            [("m1", 1, True), ("m3", 1, None), ("m2", 2, False), ("zed", 2, None)],
        )
        for number, seated in enumerate(seats, 1):
            round_ = CoffeeRound(
                rotation_id=rotation.id, number=number, at=now - timedelta(weeks=3 - number)
            )
            session.add(round_)
            session.flush()
            assert round_.id is not None
            for user, group, met in seated:
                session.add(
                    CoffeeSeat(round_id=round_.id, group_number=group, member_id=ids[user], met=met)
                )
        session.commit()


def test_coffee_rounds_met_rate_and_who_is_missing_out(school: Staffroom) -> None:
    _coffee(school)
    reply = ok(say(school, "report coffee", user="ana"))
    shown = text_of(reply)
    assert "Coffee at Hillside Primary" in shown
    assert "Rounds: 2" in shown and "Taking part: 4" in shown
    assert "Answers: 4 / 6" in shown and "Met rate: 75%" in shown
    assert "1 who has not met anyone yet\n• M3" in shown
    assert "1 without a partner in the latest round\n• M4" in shown
    rows = csv_rows(reply.attachments[0].data)
    assert rows[0] == ["member_id", "name", "rounds", "met", "not_met", "never_met", "left_out"]
    assert [r[1:] for r in rows[1:]] == [
        ["M1", "2", "2", "0", "no", "no"],
        ["M2", "2", "1", "1", "no", "no"],
        ["M3", "2", "0", "0", "yes", "no"],
        ["M4", "0", "0", "0", "no", "yes"],
    ]
    assert "Zed" not in shown + reply.attachments[0].data.decode("utf-8-sig")
    theirs = text_of(ok(say(school, "report coffee", user="olga")))
    assert "Taking part: 1" in theirs and "Met rate: 0%" in theirs and "• Zed" in theirs
    assert "M1" not in theirs
    refused = say(school, "report coffee", user="m2")
    assert refused.tone == "error" and "Only CPD leads" in text_of(refused)


def test_nothing_yet(school: Staffroom) -> None:
    mentoring = text_of(ok(say(school, "report mentoring", user="ana")))
    assert "Proposed: 0" in mentoring and "No one is waiting for a mentor." in mentoring
    assert "Rated by mentees: 0 ratings: averages show from 5" in mentoring
    coffee = text_of(ok(say(school, "report coffee", user="ana")))
    assert "Rounds: 0" in coffee and "Met rate: no answers yet" in coffee
