"""``mentor request`` sent twice (a retry after a lost database answer, or two presses at once)
is one request, and the second answer is the first one again or says it is already in."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.mentoring.matching import save_request
from core.mentoring.models import MentorRequest, RequestStatus
from tests.mentoring.conftest import community, member_id, ok, person
from tests.talk import say, text_of

REQUEST = 'mentor request "behaviour management" "marking" phase=secondary'


def requests(app: Staffroom) -> list[MentorRequest]:
    with Session(app.engine) as session:
        return list(session.exec(select(MentorRequest).order_by(col(MentorRequest.id))))


def test_the_same_request_sent_twice_is_one_request(mapp: Staffroom) -> None:
    first = text_of(ok(say(mapp, REQUEST, user="bob")))
    second = text_of(ok(say(mapp, REQUEST, user="bob")))
    assert second == first
    [request] = requests(mapp)
    assert request.goals == ["behaviour management", "marking"]
    # A different request is a change of the waiting one, still one request.
    ok(say(mapp, 'mentor request "assessment"', user="bob"))
    [changed] = requests(mapp)
    assert changed.id == request.id and changed.goals == ["assessment"]


def test_the_same_request_after_a_round_proposed_it_says_it_is_already_in(
    mapp: Staffroom,
) -> None:
    person(mapp, "ana", "subjects=maths phases=secondary experience=12")
    person(mapp, "bob", "subjects=maths phases=secondary experience=1")
    person(mapp, "mod", "role=teacher")
    ok(say(mapp, 'mentor offer capacity=1 "behaviour management"', user="ana"))
    ok(say(mapp, REQUEST, user="bob"))
    community(mapp, "maths", {"ana": "member", "bob": "member", "mod": "moderator"})
    assert "Proposed: 1." in text_of(ok(say(mapp, "mentor match maths", user="mod")))
    # The retry arrives after the round: it is the request already made, not a change of it.
    again = ok(say(mapp, REQUEST, user="bob"))
    assert "already asked for a mentor with these goals" in text_of(again)
    assert "mentor status" in text_of(again)
    [request] = requests(mapp)
    assert request.status == RequestStatus.PROPOSED
    # Changing the request while the proposal waits is still refused.
    changed = say(mapp, 'mentor request "assessment"', user="bob")
    assert changed.tone == "error" and "Accept or decline it first" in text_of(changed)
    assert [r.goals for r in requests(mapp)] == [["behaviour management", "marking"]]


def test_two_sends_at_once_make_one_request(mapp: Staffroom) -> None:
    if mapp.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs concurrent transactions")
    ok(say(mapp, "profile show", user="bob"))
    bob, now = member_id(mapp, "bob"), mapp.clock.now()
    goals = ["behaviour management", "marking"]
    failures: list[BaseException] = []

    def send_again() -> None:
        try:
            with Session(mapp.engine) as session:
                save_request(session, bob, goals=goals, phase=None, language=None, now=now)
                session.commit()
        except BaseException as exc:
            failures.append(exc)

    with Session(mapp.engine) as first:
        save_request(first, bob, goals=goals, phase=None, language=None, now=now)
        first.flush()  # the first request is written, not yet committed...
        second = threading.Thread(target=send_again)
        second.start()
        deadline = time.monotonic() + 10
        while second.is_alive() and not _waiting_on_a_lock(mapp):  # ... when the second reads
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first.commit()
    second.join(timeout=30)
    assert not second.is_alive() and not failures
    assert [r.goals for r in requests(mapp)] == [goals]


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
