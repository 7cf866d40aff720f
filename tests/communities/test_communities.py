"""Communities: create, find, join, leave, members, approval, roles (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.membership import find_community, role_of
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.delivery.models import OutboxMessage, OutboxState
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.talk import say, text_of


def test_create_list_info_and_bad_input(app: Staffroom) -> None:
    made = ok(app, 'community create "Maths (Secondary)" "KS3-5 maths: what works"')
    assert "maths-secondary" in text_of(made)
    ok(app, 'community create "Early reading" "Phonics and more"', user="bob")

    listing = text_of(ok(app, "community list"))
    assert "Maths (Secondary)" in listing and "Early reading" in listing
    assert "you: owner" in listing
    assert "Early reading" not in text_of(ok(app, "community list maths"))
    assert "No community matches" in text_of(ok(app, "community list geography"))

    info = ok(app, "community info maths-secondary", user="bob")
    shown = text_of(info)
    assert "KS3-5 maths" in shown and "Ana" in shown and "not a member" in shown
    assert next(a.command for a in info.actions) == "community join maths-secondary"
    # The owner sees the name by any case, and her own role.
    assert "owner" in text_of(ok(app, 'community info "maths (secondary)"'))

    # Duplicate slug, overlong or empty name, unknown community: friendly, nothing stored.
    duplicate = refused(app, 'community create "Maths: secondary!" "again"', user="bob")
    assert "already a community called Maths (Secondary)" in duplicate
    assert "community join maths-secondary" in duplicate
    assert "too long" in refused(app, f'community create "{"x" * 101}" "long"')
    assert "two letters" in refused(app, 'community create "!!" "punctuation"')
    unknown = refused(app, "community info maths-secondry")
    assert "no community called maths-secondry" in unknown
    assert "Did you mean maths-secondary?" in unknown
    assert count(app, Community) == 2
    assert count(app, CommunityMember) == 2


def test_join_leave_members_and_last_owner(app: Staffroom) -> None:
    ok(app, 'community create "Science leads" "Heads of science"')
    ok(app, "community join science-leads", user="bob")
    assert "already a member" in refused(app, "community join science-leads", user="bob")
    members = text_of(ok(app, "community members science-leads", user="carol"))
    assert "Ana" in members and "owner" in members and "Bob" in members
    assert members.index("Ana") < members.index("Bob")  # owners first

    assert "last owner" in refused(app, "community leave science-leads")
    assert "You left" in text_of(ok(app, "community leave science-leads", user="bob"))
    assert "not a member" in refused(app, "community leave science-leads", user="bob")
    with Session(app.engine) as session:
        community = find_community(session, "science-leads")
        assert role_of(session, community, member_id(app, "bob")) is None


def test_approval_only_requests_and_decisions(app: Staffroom) -> None:
    ok(app, 'community create "Heads" "School leaders only" approval=yes')
    ok(app, "profile show", user="dan")
    asked = ok(app, "community join heads", user="bob")
    assert "asked to join" in text_of(asked)
    assert "already asked" in refused(app, "community join heads", user="bob")
    # The owner is told, with buttons that name the member by id.
    bob = member_id(app, "bob")
    told = outbox(app, "community.request:")
    assert len(told) == 1 and told[0].member_id == member_id(app, "ana")
    buttons = [a["command"] for a in told[0].payload["actions"]]
    assert buttons == [f"community approve heads {bob}", f"community reject heads {bob}"]

    # Outsiders and people waiting see nothing inside; only moderators see requests.
    assert "approval-only" in refused(app, "community members heads", user="bob")
    assert "approval-only" in refused(app, "community members heads", user="carol")
    assert "Waiting to join" not in text_of(ok(app, "community info heads", user="bob"))
    assert "Only moderators" in refused(app, "community approve heads Bob", user="carol")
    assert "Only moderators" in refused(app, "community approve heads Bob", user="bob")
    members = text_of(ok(app, "community members heads"))
    assert "Waiting to join" in members and "Bob" in members

    # Approve by button (the community given), reject by name alone (the community inferred).
    done = ok(app, told[0].payload["actions"][0]["command"])
    assert f"Bob (id {bob}) is now a member" in text_of(done)
    assert [m.member_id for m in outbox(app, "community.decision:")] == [bob]
    assert "Only moderators" in refused(app, "community approve heads Dan", user="bob")
    ok(app, "community join heads", user="carol")
    carol, dan = member_id(app, "carol"), member_id(app, "dan")
    assert f"Carol (id {carol}) to join" in text_of(ok(app, f"community reject #{carol}"))
    with Session(app.engine) as session:
        heads = find_community(session, "heads")
        assert role_of(session, heads, bob) is not None
        assert role_of(session, heads, carol) is None
    assert count(app, CommunityMember, CommunityMember.status == MembershipStatus.PENDING) == 0
    assert "no request waiting" in refused(app, f"community approve {carol}")
    assert "already a member" in refused(app, f"community approve heads {bob}")
    assert "has not asked" in refused(app, f"community approve heads {dan}")

    # A member waiting in two communities the moderator runs: the moderator must say which.
    ok(app, 'community create "Deputies" "Deputy heads" approval=yes')
    ok(app, "community join heads", user="carol")
    ok(app, "community join deputies", user="carol")
    which = ok(app, f"community approve {carol}")
    assert "several communities" in text_of(which)
    assert [a.command for a in which.actions] == [
        f"community approve deputies {carol}",
        f"community approve heads {carol}",
    ]
    ok(app, which.actions[0].command)
    assert "withdrew" in text_of(ok(app, "community leave heads", user="carol"))


def test_promote_demote_and_hand_over(app: Staffroom) -> None:
    ok(app, 'community create "Maths" "Maths teachers"')
    for user in ("bob", "carol"):
        ok(app, "community join maths", user=user)
    ok(app, "profile show", user="dan")
    assert "Only owners" in refused(app, "community promote maths Carol", user="bob")
    bob, carol, dan = (member_id(app, user) for user in ("bob", "carol", "dan"))
    promoted = text_of(ok(app, f"community promote maths {bob}"))
    assert f"Bob (id {bob}) is now moderator" in promoted
    assert "Only owners" in refused(app, f"community promote maths {carol}", user="bob")
    assert "already moderator" in refused(app, f"community promote maths #{bob} moderator")
    assert "need to join" in refused(app, f"community promote maths {dan}")
    assert "one of: moderator, owner" in refused(app, f"community promote maths {bob} chief")

    ok(app, f"community promote maths {bob} owner")
    assert "You left" in text_of(ok(app, "community leave maths"))  # Bob owns it now
    ok(app, f"community promote maths {carol}", user="bob")
    demoted = text_of(ok(app, f"community demote maths {carol}", user="bob"))
    assert f"Carol (id {carol}) is now member" in demoted
    assert "no role to take away" in refused(app, f"community demote maths {carol}", user="bob")
    assert "last owner" in refused(app, f"community demote maths {bob}", user="bob")


def test_roles_are_given_by_id_or_mention_never_by_a_chosen_name_alone(app: Staffroom) -> None:
    """Anyone can call themselves after a colleague; a role must not follow the name unseen."""
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, 'community create "Heads" "Leaders" approval=yes')
    ok(app, "community join maths", user="eve")
    ok(app, 'profile set name="Bob Smith"', user="eve")  # the real Bob Smith is not here yet
    ok(app, "community join heads", user="eve")
    eve = member_id(app, "eve")
    # A name finds its person among the community's own people, but nothing happens on a name
    # alone: the moderator is shown whom it names (by id) and presses to go ahead.
    for line, then in (
        ('community promote maths "Bob Smith"', f"community promote maths {eve} moderator"),
        ('community promote maths "bob smith" owner', f"community promote maths {eve} owner"),
        ('community approve heads "Bob Smith"', f"community approve heads {eve}"),
        ('community approve "Bob Smith"', f"community approve heads {eve}"),
    ):
        asked = ok(app, line)
        assert f"(id {eve}" in text_of(asked) or f"id {eve}," in asked.actions[0].label, line
        assert [a.command for a in asked.actions] == [then], line
    with Session(app.engine) as session:
        maths, heads = find_community(session, "maths"), find_community(session, "heads")
        assert role_of(session, maths, eve) is Role.MEMBER
        assert role_of(session, heads, eve) is None
    # By id (as the members list shows it) it works, and the reply says whom it was.
    assert f"(id {eve})" in text_of(ok(app, "community members maths"))
    promoted = text_of(ok(app, f"community promote maths #{eve}"))
    assert f"Bob Smith (id {eve}) is now moderator" in promoted
    assert ok(app, 'community demote maths "Bob Smith"').actions[0].command == (
        f"community demote maths {eve}"
    )
    assert ok(app, 'community reject heads "Bob Smith"').actions[0].command == (
        f"community reject heads {eve}"
    )
    # A name nobody in the community has is not looked for anywhere else.
    assert "Nobody called Zed" in refused(app, "community promote maths Zed")
    assert "Nobody called Zed" in refused(app, "community reject heads Zed")


def _mark_sent(app: Staffroom, rows: list[OutboxMessage]) -> None:
    with Session(app.engine) as session:
        for row in rows:
            stored = session.get(OutboxMessage, row.id)
            assert stored is not None
            stored.state = OutboxState.SENT
            session.add(stored)
        session.commit()


def test_a_request_tells_the_moderators_once(app: Staffroom, clock: FixedClock) -> None:
    ok(app, 'community create "Heads" "School leaders only" approval=yes')
    ok(app, "community join heads", user="bob")
    bob = member_id(app, "bob")
    told = outbox(app, f"community.request:{bob}:")
    assert len(told) == 1
    _mark_sent(app, told)
    # Withdrawing and asking again, over and over, does not message the moderators each time.
    for _attempt in range(3):
        clock.advance(timedelta(minutes=5))
        ok(app, "community leave heads", user="bob")
        ok(app, "community join heads", user="bob")
    assert [r.id for r in outbox(app, f"community.request:{bob}:")] == [told[0].id]
    # A request withdrawn before its notice went out leaves no notice behind.
    ok(app, "community join heads", user="carol")
    carol = member_id(app, "carol")
    assert len(outbox(app, f"community.request:{carol}:")) == 1
    ok(app, "community leave heads", user="carol")
    assert outbox(app, f"community.request:{carol}:") == []
    # Once a moderator has decided, asking again is a new request, and they are told again.
    clock.advance(timedelta(minutes=5))
    ok(app, f"community reject heads {bob}")
    ok(app, "community join heads", user="bob")
    assert len(outbox(app, f"community.request:{bob}:")) == 2


def test_approve_with_only_a_member_setting_is_understood(app: Staffroom) -> None:
    for command in ("community reject member=0", "community approve member=12345"):
        reply = say(app, command)
        assert reply.tone == "error", command
        assert "went wrong on our side" not in text_of(reply), command
