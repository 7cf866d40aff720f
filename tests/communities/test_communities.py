"""Communities: create, find, join, leave, members, approval, roles (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlmodel import Session

from core.app import Staffroom
from core.communities.models import Community, CommunityMember, MembershipStatus
from core.communities.service import find_community, role_of
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.talk import text_of


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
    assert "now a member" in text_of(done)
    assert [m.member_id for m in outbox(app, "community.decision:")] == [bob]
    assert "Only moderators" in refused(app, "community approve heads Dan", user="bob")
    ok(app, "community join heads", user="carol")
    ok(app, "community reject Carol")
    with Session(app.engine) as session:
        heads = find_community(session, "heads")
        assert role_of(session, heads, bob) is not None
        assert role_of(session, heads, member_id(app, "carol")) is None
    assert count(app, CommunityMember, CommunityMember.status == MembershipStatus.PENDING) == 0
    assert "no request waiting" in refused(app, "community approve Carol")
    assert "already a member" in refused(app, "community approve heads Bob")
    assert "has not asked" in refused(app, "community approve heads Dan")

    # A member waiting in two communities the moderator runs: the moderator must say which.
    ok(app, 'community create "Deputies" "Deputy heads" approval=yes')
    ok(app, "community join heads", user="carol")
    ok(app, "community join deputies", user="carol")
    which = refused(app, "community approve Carol")
    assert "several communities" in which and "deputies, heads" in which
    ok(app, "community approve deputies Carol")
    assert "withdrew" in text_of(ok(app, "community leave heads", user="carol"))


def test_promote_demote_and_hand_over(app: Staffroom) -> None:
    ok(app, 'community create "Maths" "Maths teachers"')
    for user in ("bob", "carol"):
        ok(app, "community join maths", user=user)
    ok(app, "profile show", user="dan")
    assert "Only owners" in refused(app, "community promote maths Carol", user="bob")
    assert "is now moderator" in text_of(ok(app, "community promote maths Bob"))
    assert "Only owners" in refused(app, "community promote maths Carol", user="bob")
    assert "already moderator" in refused(app, "community promote maths Bob moderator")
    assert "need to join" in refused(app, "community promote maths Dan")
    assert "one of: moderator, owner" in refused(app, "community promote maths Bob chief")

    ok(app, f"community promote maths {member_id(app, 'bob')} owner")
    assert "You left" in text_of(ok(app, "community leave maths"))  # Bob owns it now
    ok(app, "community promote maths Carol", user="bob")
    assert "is now member" in text_of(ok(app, "community demote maths Carol", user="bob"))
    assert "no role to take away" in refused(app, "community demote maths Carol", user="bob")
    assert "last owner" in refused(app, "community demote maths Bob", user="bob")
