"""A community's life as a new owner lives it: every step leads somewhere, every irreversible
one asks first, and what one makes one can correct and remove."""

from __future__ import annotations

from core.app import Staffroom
from core.communities.models import ChannelBinding, Community, CommunityMember
from core.delivery.models import Schedule
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.talk import say, text_of


def _heads(app: Staffroom) -> None:
    ok(app, 'community create "Heads of science" "For science leads" approval=yes')
    ok(app, "community join heads-of-science", user="ben", name="Ben Jones")
    ok(app, "community join heads-of-science", user="cat", name="Cat")


def test_approve_and_reject_by_name_with_or_without_the_community(app: Staffroom) -> None:
    _heads(app)
    ben, cat = member_id(app, "ben"), member_id(app, "cat")
    # Only the member named, by part of their name: the one waiting is offered, nothing done yet.
    for line in ("community approve Ben", "community approve heads-of-science ben"):
        asked = ok(app, line)
        assert "Ben" in text_of(asked), line
        assert [a.command for a in asked.actions] == [f"community approve heads-of-science {ben}"]
    assert count(app, CommunityMember, CommunityMember.status == "active") == 1
    # Only the community named: who waits there, a button each.
    waiting = ok(app, "community approve heads-of-science")
    assert "Ben Jones (id" in text_of(waiting) and "Cat (id" in text_of(waiting)
    assert [a.command for a in waiting.actions] == [
        f"community approve heads-of-science {ben}",
        f"community approve heads-of-science {cat}",
    ]
    assert "Ben Jones (id" in text_of(ok(app, waiting.actions[0].command))
    rejecting = ok(app, "community reject Cat")
    assert [a.command for a in rejecting.actions] == [f"community reject heads-of-science {cat}"]
    assert "turned down" in text_of(ok(app, rejecting.actions[0].command))
    assert "Nobody is waiting" in text_of(ok(app, "community approve heads-of-science"))
    # A word that is neither a person waiting nor a community says what to do.
    assert "community members NAME" in refused(app, "community approve Zed")
    # Two people of one name waiting: both offered, by id (the Ben Jones already in is not).
    for user in ("ben2", "ben3"):
        ok(app, "community join heads-of-science", user=user, name="Ben Jones")
    two = ok(app, 'community approve "Ben Jones"')
    assert "Several people match" in text_of(two)
    assert [a.command for a in two.actions] == [
        f"community approve heads-of-science {member_id(app, user)}" for user in ("ben2", "ben3")
    ]


def test_remove_and_delete_ask_first(app: Staffroom) -> None:
    _heads(app)
    ok(app, f"community approve heads-of-science {member_id(app, 'ben')}")
    ok(app, "community bind heads-of-science", channel="C1", direct=False)
    ok(app, "community digest heads-of-science monday 08:00")
    asked = ok(app, "community remove heads-of-science Ben")
    [pick] = asked.actions
    confirm = ok(app, pick.command)  # the person chosen by id: now the question
    assert "Remove Ben Jones from Heads of science?" in text_of(confirm)
    assert outbox(app, "community.removed:") == []
    ok(app, confirm.actions[0].command)
    assert len(outbox(app, "community.removed:")) == 1

    assert "is not in" in refused(app, f"community remove heads-of-science {member_id(app, 'ben')}")
    # The last owner cannot leave, and is told she can delete it instead.
    assert "community delete heads-of-science" in refused(app, "community leave heads-of-science")
    assert "Only owners" in refused(app, "community delete heads-of-science", user="cat")
    question = ok(app, "community delete heads-of-science")
    assert "Delete Heads of science?" in text_of(question)
    assert "cannot be undone" in text_of(question)
    assert count(app, Community) == 1
    [delete] = question.actions
    assert delete.command == "community delete heads-of-science confirm"
    assert "Deleted Heads of science" in text_of(ok(app, delete.command))
    assert count(app, Community) == count(app, ChannelBinding) == 0
    assert count(app, Schedule, Schedule.kind == "community.digest") == 0
    assert "no community called" in refused(app, "community info heads-of-science")


def test_bare_and_mistyped_commands_lead_somewhere(app: Staffroom) -> None:
    _heads(app)
    assert "community delete" in text_of(say(app, "community"))
    assert "Did you mean community delete" in text_of(say(app, "community delet heads-of-science"))
    assert "Say what to announce" in refused(app, "community announce heads-of-science")
    assert "Say what to change" in refused(app, "community edit heads-of-science")
    assert "language=" in refused(app, "community edit heads-of-science")


def test_only_the_author_posts_a_previewed_announcement_once(app: Staffroom) -> None:
    _heads(app)
    ok(app, "community bind heads-of-science", channel="C1", direct=False)
    preview = ok(app, 'community announce heads-of-science "Lab safety on Monday"')
    assert outbox(app, "community.announce:") == []
    post = preview.actions[0].command
    ben = member_id(app, "ben")
    ok(app, f"community approve heads-of-science {ben}")
    ok(app, f"community promote heads-of-science {ben}")  # a moderator, but not its author
    assert "no announcement" in refused(app, post, user="ben")
    ok(app, post)
    assert "already posted" in refused(app, post)
    assert "already on its way" in refused(
        app, 'community announce heads-of-science "Lab safety on Monday"'
    )
    assert len(outbox(app, "community.announce:")) == 1
