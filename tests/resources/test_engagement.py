"""resource vote / unvote / save / unsave / saved / top: once per member, visible ones only."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.models import Role
from core.resources.models import Resource, ResourceSave, ResourceVote
from core.resources.service import top_resources, unvote, vote
from tests.resources.helpers import make_community, member_id, share
from tests.talk import say, text_of


def _votes(app: Staffroom, rid: int) -> tuple[int, int]:
    """(vote_count on the resource, vote rows) — the two must always agree."""
    with Session(app.engine) as session:
        resource = session.get(Resource, rid)
        assert resource is not None
        rows = session.exec(select(ResourceVote).where(ResourceVote.resource_id == rid)).all()
        return resource.vote_count, len(rows)


def test_vote_is_counted_once_and_can_be_taken_back(app: Staffroom) -> None:
    rid = share(app, 'https://example.org/a "Dual coding"')
    first = say(app, f"resource vote {rid}", user="bob")
    assert first.tone == "success" and "1 vote" in text_of(first)
    again = say(app, f"resource vote {rid}", user="bob")
    assert again.tone == "info" and "already voted" in text_of(again)
    assert _votes(app, rid) == (1, 1)
    assert say(app, f"resource vote {rid}", user="carl").tone == "success"
    assert _votes(app, rid) == (2, 2)
    assert say(app, f"resource unvote {rid}", user="bob").tone == "success"
    assert "had not voted" in text_of(say(app, f"resource unvote {rid}", user="bob"))
    assert _votes(app, rid) == (1, 1)


def _someone_waits_for_a_lock(app: Staffroom) -> bool:
    with app.engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("second", ["vote", "unvote"])
def test_votes_cast_at_the_same_moment_all_count(app: Staffroom, second: str) -> None:
    """Two members vote (or one votes while another takes theirs back) at the same moment: the
    count must still equal the votes. Only PostgreSQL runs writers side by side."""
    if app.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    rid = share(app, 'https://example.org/a "Dual coding"')
    bob, carl = member_id(app, "bob"), member_id(app, "carl")
    if second == "unvote":
        say(app, f"resource vote {rid}", user="carl")
    now = app.clock.now()

    def carl_acts() -> None:
        with Session(app.engine) as session:
            resource = session.get(Resource, rid)
            assert resource is not None
            if second == "vote":
                assert vote(session, resource, carl, now)
            else:
                assert unvote(session, resource, carl)
            session.commit()

    with Session(app.engine) as first:
        resource = first.get(Resource, rid)
        assert resource is not None
        assert vote(first, resource, bob, now)  # not committed yet
        other = threading.Thread(target=carl_acts)
        other.start()
        # Commit only once the other transaction has run as far as it can (finished, or waiting
        # for this one's row lock), so the two really overlap.
        while other.is_alive() and not _someone_waits_for_a_lock(app):
            other.join(0.01)
        first.commit()
    other.join()
    assert _votes(app, rid) == ((2, 2) if second == "vote" else (1, 1))


def test_sharer_cannot_vote_for_their_own_resource(app: Staffroom) -> None:
    rid = share(app, 'https://example.org/a "Dual coding"')
    reply = say(app, f"resource vote {rid}")
    assert reply.tone == "error" and "You shared this resource" in text_of(reply)
    assert _votes(app, rid) == (0, 0)
    assert not [a for a in say(app, f"resource show {rid}").actions if "vote" in a.command]


def test_unknown_or_unseen_ids_are_not_found(app: Staffroom) -> None:
    make_community(app, "leaders", approval=True, roles={"ana": Role.MEMBER})
    private = share(app, 'https://example.org/p "Budget" community=leaders')
    for command in ("vote", "save", "show", "unvote", "unsave"):
        for target in ("999", str(private)):
            reply = say(app, f"resource {command} {target}", user="bob")
            assert reply.tone == "error", (command, target)
            assert "no resource" in text_of(reply).lower()
    assert "must be a whole number" in text_of(say(app, "resource vote twelve", user="bob"))
    assert _votes(app, private) == (0, 0)


def test_save_saved_unsave(app: Staffroom) -> None:
    ids = [share(app, f'https://example.org/{n} "Resource {n}"') for n in range(7)]
    assert "not saved anything" in text_of(say(app, "resource saved", user="bob"))
    for rid in ids:
        assert say(app, f"resource save {rid}", user="bob").tone == "success"
    assert "Already" in text_of(say(app, f"resource save {ids[0]}", user="bob"))
    page = say(app, "resource saved", user="bob")
    assert text_of(page).count("Resource ") == 5 and "Resource 6" in text_of(page)
    assert page.actions[0].command == "resource saved page=2"
    rest = text_of(say(app, page.actions[0].command, user="bob"))
    assert "Resource 1 " in rest and "Resource 0 " in rest
    assert say(app, f"resource unsave {ids[0]}", user="bob").tone == "success"
    assert "was not in" in text_of(say(app, f"resource unsave {ids[0]}", user="bob"))
    with Session(app.engine) as session:
        assert len(session.exec(select(ResourceSave)).all()) == 6
    # Someone else's bookmarks are their own.
    assert "not saved anything" in text_of(say(app, "resource saved", user="carl"))


def test_top_by_week_and_month(app: Staffroom, clock: FixedClock) -> None:
    make_community(app, "maths", roles={"ana": Role.MEMBER})
    old = share(app, 'https://example.org/old "Old favourite" community=maths')
    for voter in ("b1", "b2", "b3"):
        say(app, f"resource vote {old}", user=voter)
    clock.advance(timedelta(days=20))
    new = share(app, 'https://example.org/new "New idea" community=maths')
    say(app, f"resource vote {new}", user="b1")
    elsewhere = share(app, 'https://example.org/else "Elsewhere"')
    week = text_of(say(app, "resource top maths"))
    assert "New idea" in week and "Old favourite" not in week and "Elsewhere" not in week
    month = say(app, "resource top maths month")
    lines = text_of(month).splitlines()
    assert lines[1].startswith("1. #" + str(old)) and lines[2].startswith("2. #" + str(new))
    everywhere = text_of(say(app, "resource top month"))
    assert "Elsewhere" in everywhere and "(new)" in everywhere
    clock.advance(timedelta(days=60))
    assert "Nothing shared or voted" in text_of(say(app, "resource top"))
    with app.session() as session:
        community_top = top_resources(session, None, clock.now() - timedelta(days=100), 10)
        assert {t.resource.id for t in community_top} == {old, new, elsewhere}
    assert say(app, "resource top nowhere").tone == "error"


def test_top_of_members_only_community_needs_membership(app: Staffroom) -> None:
    make_community(app, "leaders", approval=True, roles={"ana": Role.MEMBER})
    share(app, 'https://example.org/p "Budget" community=leaders')
    assert "Budget" in text_of(say(app, "resource top leaders"))
    reply = say(app, "resource top leaders", user="bob")
    assert reply.tone == "error" and "Budget" not in text_of(reply)
    assert "Budget" not in text_of(say(app, "resource top", user="bob"))
