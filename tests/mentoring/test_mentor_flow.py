"""Mentoring through commands, on SQLite and PostgreSQL: rounds, answers, privacy."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import plan_due
from core.delivery.models import Schedule
from core.mentoring.models import MatchStatus, MentorMatch, MentorNote
from core.mentoring.pairs import accept
from core.mentoring.privacy import MENTORING_DATA
from tests.core.test_privacy import rows_mentioning
from tests.mentoring.conftest import community, dms, member_id, ok, person
from tests.talk import say, text_of


def setup_pair(app: Staffroom) -> int:
    """Ana mentors, Bob asks; a moderator runs a round; returns the proposal id."""
    person(app, "ana", "subjects=maths phases=secondary timezone=Europe/Madrid experience=12")
    person(app, "bob", "subjects=maths phases=secondary timezone=Europe/London experience=1")
    person(app, "mod", "role=teacher")
    ok(say(app, 'mentor offer capacity=1 "behaviour management"', user="ana"))
    ok(say(app, 'mentor request "behaviour management" "marking"', user="bob"))
    community(app, "maths", {"ana": "member", "bob": "member", "mod": "moderator"})
    done = ok(say(app, "mentor match maths", user="mod"))
    assert "Proposed: 1." in text_of(done)
    proposal = dms(app, "bob")[-1]
    return int(proposal.actions[0].command.split()[-1])


def test_round_proposes_with_explanation_and_contacts_after_both_accept(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    to_bob = text_of(dms(mapp, "bob")[-1])
    assert "You both teach secondary maths" in to_bob
    assert "Ana mentors on behaviour management, your first goal" in to_bob
    assert "1 h apart" in to_bob
    assert "@" not in to_bob and "Console:" not in to_bob
    assert [a.command for a in dms(mapp, "ana")[-1].actions] == [
        f"mentor accept {match}",
        f"mentor decline {match}",
    ]
    first = ok(say(mapp, f"mentor accept {match}", user="bob"))
    assert "Console" not in text_of(first)
    assert "Console" not in text_of(say(mapp, "mentor status", user="bob"))
    second = ok(say(mapp, f"mentor accept {match}", user="ana"))
    assert "Console: Bob" in text_of(second)
    assert "Console: Ana" in text_of(dms(mapp, "bob")[-1])
    assert "Console: Ana" in text_of(say(mapp, "mentor status", user="bob"))


def test_forged_accept_is_not_found(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    forged = say(mapp, f"mentor accept {match}", user="mod")
    assert forged.tone == "error"
    assert "You have no mentoring match" in text_of(forged)
    assert say(mapp, "mentor accept 99999", user="bob").tone == "error"


def test_decline_is_private_and_pair_never_proposed_again(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    ok(say(mapp, f"mentor decline {match}", user="ana"))
    heard = text_of(dms(mapp, "bob")[-1])
    assert "did not work out" in heard and "declin" not in heard
    assert say(mapp, f"mentor accept {match}", user="bob").tone == "error"
    again = ok(say(mapp, "mentor match maths", user="mod"))
    assert "Proposed: 0." in text_of(again)


def test_proposal_expires(mapp: Staffroom, clock: FixedClock) -> None:
    match = setup_pair(mapp)
    clock.advance(timedelta(days=mapp.settings.mentoring.proposal_expiry_days, seconds=1))
    late = say(mapp, f"mentor accept {match}", user="bob")
    assert late.tone == "error" and "expired" in text_of(late)
    assert "expired" in text_of(dms(mapp, "ana")[-1])
    # Back in the queue: the next round proposes again.
    assert "Proposed: 1." in text_of(ok(say(mapp, "mentor match maths", user="mod")))


def test_capacity_and_priority_across_rounds(mapp: Staffroom) -> None:
    person(mapp, "ana", "subjects=maths phases=secondary")
    person(mapp, "bob", "subjects=maths phases=secondary")
    person(mapp, "cat", "subjects=english phases=primary")
    ok(say(mapp, 'mentor offer capacity=1 "assessment"', user="ana"))
    ok(say(mapp, 'mentor request "assessment"', user="bob"))
    ok(say(mapp, 'mentor request "assessment"', user="cat"))
    ok(say(mapp, "mentor match", user="admin"))
    assert dms(mapp, "bob") and not dms(mapp, "cat")  # Bob fits better; capacity 1
    match = int(dms(mapp, "bob")[-1].actions[1].command.split()[-1])
    ok(say(mapp, f"mentor decline {match}", user="bob"))
    ok(say(mapp, "mentor match", user="admin"))
    assert dms(mapp, "cat")[-1].actions  # Cat, unmatched last round, now gets the place


def test_checkin_end_feedback_and_cpd_action(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    ok(say(mapp, f"mentor accept {match}", user="ana"))
    ok(say(mapp, f"mentor accept {match}", user="bob"))
    noted = ok(say(mapp, f'mentor checkin {match} "Planned seating"', user="bob"))
    assert noted.actions[0].command == 'cpd log 1 "Mentoring with Ana" category=coaching/mentoring'
    early = say(mapp, f'mentor feedback {match} 5 "great"', user="bob")
    assert early.tone == "error"
    asked = ok(say(mapp, f"mentor end {match}", user="ana"))
    assert "End your mentoring with Bob?" in text_of(asked)
    assert asked.actions[0].command == f"mentor end {match} confirm"
    assert "mentor feedback" not in text_of(dms(mapp, "bob")[-1])  # nothing happened yet
    ended = ok(say(mapp, asked.actions[0].command, user="ana"))
    assert "1 to 5" in text_of(ended)
    assert "mentor feedback" in text_of(dms(mapp, "bob")[-1])
    ok(say(mapp, f'mentor feedback {match} 5 "Practical and kind"', user="bob"))
    bad = say(mapp, f'mentor feedback {match} 9 "x"', user="bob")
    assert bad.tone == "error" and "at most 5" in text_of(bad)


def test_friendly_errors(mapp: Staffroom) -> None:
    person(mapp, "mod", "role=teacher")
    person(mapp, "bob", "role=teacher")
    community(mapp, "maths", {"mod": "moderator", "bob": "member"})
    assert "not offered" in text_of(say(mapp, "mentor pause", user="bob"))
    assert "needs goals" in text_of(say(mapp, "mentor request", user="bob"))
    assert "Only moderators" in text_of(say(mapp, "mentor match maths", user="bob"))
    assert "Name the community" in text_of(say(mapp, "mentor match", user="bob"))
    assert "no community called" in text_of(say(mapp, "mentor match nowhere", user="mod"))
    assert "capacity must be at least 1" in text_of(say(mapp, "mentor offer capacity=0"))
    assert "every 2 weeks" in text_of(say(mapp, "mentor schedule maths sometimes", user="mod"))
    assert "no mentoring request" in text_of(say(mapp, "mentor withdraw", user="bob"))


def test_scheduled_round(mapp: Staffroom) -> None:
    person(mapp, "mod", "role=teacher")
    community(mapp, "maths", {"mod": "moderator"})
    reply = ok(say(mapp, "mentor schedule maths every 4 weeks", user="mod"))
    assert "every 4 weeks" in text_of(reply)
    assert "are off" in text_of(ok(say(mapp, "mentor schedule maths off", user="mod")))


def test_privacy_export_and_delete(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    ok(say(mapp, f"mentor decline {match}", user="ana"))
    exported = json.loads(say(mapp, "privacy export", user="bob").attachments[0].data)
    mine = exported["mentoring"]
    assert mine["requests"][0]["goals"] == ["behaviour management", "marking"]
    assert mine["matches"][0]["with"] is None  # never agreed: no name, no "who declined"
    assert mine["matches"][0]["you_declined"] is False
    ana = member_id(mapp, "ana")
    ok(say(mapp, "privacy delete confirm", user="ana"))
    assert rows_mentioning(mapp, ana) == {}
    assert "Waiting for the next round" in text_of(say(mapp, "mentor status", user="bob"))


def test_decline_reply_promises_only_what_is_true(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    declined = text_of(ok(say(mapp, f"mentor decline {match}", user="bob")))
    assert "Ana only hears that it did not work out" in declined
    assert "will not be told who said no" not in declined
    assert "Your request stays in the queue" in declined  # the mentee is queued again
    heard = text_of(dms(mapp, "ana")[-1])
    assert "did not work out" in heard and "declin" not in heard and "queue" not in heard


def checkins(app: Staffroom) -> list[Schedule]:
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(Schedule)
                .where(Schedule.kind == "mentor.checkin")
                .order_by(col(Schedule.member_id))
            )
        )


def test_checkins_reach_each_member_at_nine_in_their_own_timezone(
    mapp: Staffroom, clock: FixedClock
) -> None:
    match = setup_pair(mapp)  # Monday 2026-11-23, 10:00 UTC; Ana in Madrid, Bob in London
    ok(say(mapp, f"mentor accept {match}", user="ana"))
    ok(say(mapp, f"mentor accept {match}", user="bob"))
    ana, bob = member_id(mapp, "ana"), member_id(mapp, "bob")
    found = {s.member_id: s for s in checkins(mapp)}
    assert set(found) == {ana, bob}
    assert (found[ana].timezone, found[bob].timezone) == ("Europe/Madrid", "Europe/London")
    assert all(s.follow_member_timezone and s.subject_id == match for s in found.values())
    assert {s.recurrence["time"] for s in found.values()} == {"09:00"}
    # Every 2 weeks on Mondays, the first a full period after the pair started.
    assert found[ana].next_due_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert found[bob].next_due_at == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    clock.set(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))
    with Session(mapp.engine) as session:
        assert plan_due(session, clock.now(), mapp.settings.delivery, mapp.producers) == 1
        session.commit()
    assert "Mentoring check-in" in text_of(dms(mapp, "ana")[-1])
    assert "Mentoring check-in" not in text_of(dms(mapp, "bob")[-1])  # 08:30 in London
    ok(say(mapp, f"mentor end {match} confirm", user="bob"))
    assert [s.active for s in checkins(mapp)] == [False, False]


def test_privacy_delete_stops_the_other_sides_checkins(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    ok(say(mapp, f"mentor accept {match}", user="ana"))
    ok(say(mapp, f"mentor accept {match}", user="bob"))
    ok(say(mapp, "privacy delete confirm", user="ana"))
    assert [(s.member_id, s.active) for s in checkins(mapp)] == [(member_id(mapp, "bob"), False)]


def test_self_match_voided_by_merge_stops_checkins(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    ok(say(mapp, f"mentor accept {match}", user="ana"))
    ok(say(mapp, f"mentor accept {match}", user="bob"))
    ana, bob = member_id(mapp, "ana"), member_id(mapp, "bob")
    with Session(mapp.engine) as session:
        MENTORING_DATA.merge(session, bob, ana)  # Bob turns out to be Ana's second account
        session.commit()
    assert [s.active for s in checkins(mapp)] == [False, False]


def test_simultaneous_accepts_make_the_pair_active(mapp: Staffroom) -> None:
    if mapp.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs concurrent transactions")
    match = setup_pair(mapp)
    ana, bob = member_id(mapp, "ana"), member_id(mapp, "bob")
    settings, now = mapp.settings.mentoring, mapp.clock.now()
    failures: list[BaseException] = []

    def bob_accepts() -> None:
        try:
            with Session(mapp.engine) as session:
                accept(session, match, bob, settings, now)
                session.commit()
        except BaseException as exc:
            failures.append(exc)

    with Session(mapp.engine) as first:
        accept(first, match, ana, settings, now)  # Ana's transaction is still open...
        second = threading.Thread(target=bob_accepts)
        second.start()
        deadline = time.monotonic() + 10
        while second.is_alive() and not _waiting_on_a_lock(mapp):  # ... when Bob's reads it
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first.commit()
    second.join(timeout=30)
    assert not second.is_alive() and not failures
    with Session(mapp.engine) as session:
        found = session.get(MentorMatch, match)
        assert found is not None and found.status == MatchStatus.ACTIVE
    assert len(checkins(mapp)) == 2


def _waiting_on_a_lock(app: Staffroom) -> bool:
    with app.engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def test_the_pair_reads_its_notes_and_feedback_words_and_nobody_else_does(
    mapp: Staffroom, clock: FixedClock
) -> None:
    match = setup_pair(mapp)
    ok(say(mapp, f"mentor accept {match}", user="ana"))
    ok(say(mapp, f"mentor accept {match}", user="bob"))
    early = say(mapp, f"mentor notes {match}", user="bob")
    assert "No check-in notes yet" in text_of(ok(early))
    ok(say(mapp, f'mentor checkin {match} "Planned a seating chart"', user="bob"))
    clock.advance(timedelta(days=14))
    ok(say(mapp, f'mentor checkin {match} "Observed period 3 together"', user="ana"))
    with Session(mapp.engine) as session:
        # A note from before notes were readable: written to nobody, so it stays Ana's own.
        session.add(
            MentorNote(
                match_id=match,
                member_id=member_id(mapp, "ana"),
                kind="checkin",
                text="Written before sharing",
                at=clock.now(),
            )
        )
        session.commit()
    to_bob = text_of(ok(say(mapp, f"mentor notes {match}", user="bob")))
    assert "Mentoring notes with Ana" in to_bob
    assert to_bob.index("You: Planned a seating chart") < to_bob.index(
        "Ana: Observed period 3 together"
    )
    assert "Written before sharing" not in to_bob
    to_ana = text_of(ok(say(mapp, f"mentor notes {match}", user="ana")))
    assert "Bob: Planned a seating chart" in to_ana and "Written before sharing" in to_ana
    for stranger in ("mod", "admin"):
        refused = say(mapp, f"mentor notes {match}", user=stranger)
        assert refused.tone == "error" and "You have no mentoring match" in text_of(refused)
        assert "seating" not in text_of(refused)
    ok(say(mapp, f"mentor end {match} confirm", user="ana"))
    asked = text_of(dms(mapp, "bob")[-1])
    assert f"Ana can read your line with mentor notes {match}" in asked
    ok(say(mapp, f'mentor feedback {match} 4 "Practical and kind"', user="bob"))
    ok(say(mapp, f'mentor feedback {match} 5 "Bob tried everything"', user="ana"))
    to_ana = text_of(ok(say(mapp, f"mentor notes {match}", user="ana")))
    assert "Feedback from Bob: Practical and kind" in to_ana
    assert "4/5" not in to_ana  # the partner's words, never their rating
    assert "Your feedback (5/5): Bob tried everything" in to_ana
    to_bob = text_of(ok(say(mapp, f"mentor notes {match}", user="bob")))
    assert "Feedback from Ana: Bob tried everything" in to_bob and "5/5" not in to_bob
    assert "Practical and kind" in to_bob


def test_notes_of_a_pair_that_never_started_say_so(mapp: Staffroom) -> None:
    match = setup_pair(mapp)
    waiting = say(mapp, f"mentor notes {match}", user="bob")
    assert waiting.tone == "error" and "pairs that have started" in text_of(waiting)
    assert "You have no mentoring match" in text_of(say(mapp, "mentor notes 99999", user="bob"))


def test_a_primary_phonics_request_is_proposed_to_the_primary_mentor(mapp: Staffroom) -> None:
    person(mapp, "pia", "subjects=english phases=primary languages=en timezone=Europe/London")
    person(mapp, "sam", "subjects=maths phases=secondary languages=en timezone=Europe/London")
    person(mapp, "yui", "phases=primary languages=ja timezone=Asia/Tokyo")
    ok(say(mapp, 'mentor offer "behaviour management"', user="sam"))
    ok(say(mapp, 'mentor offer "reading for pleasure"', user="yui"))
    ok(say(mapp, 'mentor request "phonics" phase=primary', user="pia"))
    ok(say(mapp, "mentor match", user="admin"))
    assert dms(mapp, "yui") and not dms(mapp, "sam")
    assert "Yui could be your mentor" in text_of(dms(mapp, "pia")[-1])


def test_a_proposal_across_phases_says_what_does_not_fit(mapp: Staffroom) -> None:
    person(mapp, "pia", "subjects=english phases=primary timezone=Europe/London")
    person(mapp, "sam", "subjects=maths phases=secondary timezone=Europe/London experience=9")
    ok(say(mapp, 'mentor offer "behaviour management"', user="sam"))
    ok(say(mapp, 'mentor request "behaviour management"', user="pia"))
    ok(say(mapp, "mentor match", user="admin"))
    to_pia = text_of(dms(mapp, "pia")[-1])
    assert "Sam mentors on behaviour management, your first goal" in to_pia
    assert "What does not fit: Sam teaches secondary maths, not primary english." in to_pia
    to_sam = text_of(dms(mapp, "sam")[-1])
    assert "What does not fit: Pia teaches primary english, not secondary maths." in to_sam
