"""Channel bindings, announcements (outbox rows, once per binding), the digest, and privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.channels import post_to_channels
from core.communities.membership import find_community, role_of
from core.communities.models import (
    Announcement,
    ChannelBinding,
    Community,
    CommunityMember,
    Role,
)
from core.communities.schedules import digest_schedule, produce_digest
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.reply import Reply
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.core.test_privacy import rows_mentioning
from tests.talk import say, text_of


def _setup(app: Staffroom) -> None:
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, "community join maths", user="bob")
    ok(app, "profile show", user="sam", platform="slack", tenant="T1")
    ok(app, "community join maths", user="sam", platform="slack", tenant="T1")
    ok(app, f"community promote maths {member_id(app, 'sam', 'slack')}")


def test_bind_unbind_and_who_may(app: Staffroom) -> None:
    _setup(app)
    assert "not in a direct message" in refused(app, "community bind maths")
    assert "Only moderators" in refused(
        app, "community bind maths", user="bob", channel="C-staff", direct=False
    )
    bound = ok(app, "community bind maths", channel="C-maths", direct=False)
    assert "now belongs to" in text_of(bound) and not bound.ephemeral
    again = ok(app, "community bind maths", channel="C-maths", direct=False)
    assert "already bound" in text_of(again)
    ok(
        app,
        "community bind maths",
        user="sam",
        platform="slack",
        tenant="T1",
        channel="C9",
        direct=False,
    )
    assert count(app, ChannelBinding) == 2
    assert "Channels: 2" in text_of(ok(app, "community info maths"))

    assert "Only moderators" in refused(
        app, "community unbind maths", user="bob", channel="C-maths", direct=False
    )
    assert "not bound" in refused(app, "community unbind maths", channel="C-other", direct=False)
    ok(app, "community unbind maths", channel="C-maths", direct=False)
    assert count(app, ChannelBinding) == 1


def test_announce_queues_one_post_per_binding_once(app: Staffroom) -> None:
    _setup(app)
    assert "no channels yet" in refused(app, 'community announce maths "Hello"')
    ok(app, "community bind maths", channel="C-maths", direct=False)
    ok(
        app,
        "community bind maths",
        user="sam",
        platform="slack",
        tenant="T1",
        channel="C9",
        direct=False,
    )
    assert "Only moderators" in refused(app, 'community announce maths "Hi all"', user="bob")
    assert "Only moderators" in refused(app, 'community announce maths "Spam"', user="eve")
    assert outbox(app, "community.announce:") == []

    text = "Teachmeet Thursday @everyone <!channel> *bold*"
    sam = {"user": "sam", "platform": "slack", "tenant": "T1"}
    preview = ok(app, f'community announce maths "{text}"', **sam)
    # It asks first: nothing goes out, and the button carries a number, never the text.
    assert "Post this to 2 channels of Maths" in text_of(preview) and text in text_of(preview)
    assert outbox(app, "community.announce:") == []
    [post] = preview.actions
    assert post.command.startswith("community announce maths post=") and text not in post.command
    # Previewing the same words again is the same draft, not a second announcement.
    assert ok(app, f'community announce maths "{text}"', **sam).actions[0].command == post.command
    assert "no announcement" in refused(app, post.command, user="bob")  # only hers to post
    reply = ok(app, post.command, **sam)
    assert "posted to 2 channels" in text_of(reply)
    assert "already posted" in refused(app, post.command, **sam)
    rows = outbox(app, "community.announce:")
    assert sorted((r.platform, r.tenant, r.channel_id) for r in rows) == [
        ("console", "local", "C-maths"),
        ("slack", "T1", "C9"),
    ]
    assert len({r.key for r in rows}) == 2
    posted = Reply.model_validate(rows[0].payload)
    spans = [s for block in posted.blocks if block.type == "text" for s in block.spans]
    assert [(s.text, s.style, s.url) for s in spans] == [(text, "plain", None)]
    assert not posted.ephemeral

    # Sending the same announcement twice by mistake sends it once ...
    again = refused(
        app, f'community announce maths "{text}"', user="sam", platform="slack", tenant="T1"
    )
    assert "already on its way" in again
    # ... and re-queueing an announcement (a retry) adds no rows.
    with Session(app.engine) as session:
        maths = find_community(session, "maths")
        announcement = session.exec(select(Announcement)).one()
        key = f"community.announce:{announcement.id}"
        assert post_to_channels(session, maths, key=key, reply=posted, now=app.clock.now()) == 0
        session.commit()
    assert len(outbox(app, "community.announce:")) == 2
    assert count(app, Announcement) == 1


def test_digest_setup_and_producer(app: Staffroom, clock: FixedClock) -> None:
    _setup(app)
    ok(app, "settings timezone Europe/London")
    assert "Only moderators" in refused(app, "community digest maths monday 08:00", user="bob")
    assert "no weekly digest" in text_of(ok(app, "community digest maths"))
    made = text_of(ok(app, "community digest maths friday 16:30"))
    assert "every friday at 16:30 (Europe/London)" in made and "2026-11-27" in made
    assert "no channel to go to yet" in made
    with Session(app.engine) as session:
        maths = find_community(session, "maths")
        schedule = digest_schedule(session, maths.id or 0)
        assert schedule is not None
        assert schedule.recurrence == {
            "type": "weekly",
            "weekdays": [4],
            "time": "16:30",
            "every_weeks": 1,
        }
        assert schedule.next_due_at == datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    assert "friday at 16:30" in text_of(ok(app, "community digest maths"))
    ok(app, "community digest maths monday")  # keeps 16:30
    assert count(app, Schedule, Schedule.kind == "community.digest") == 1
    assert "every monday at 16:30" in text_of(ok(app, "community digest maths"))
    assert "must be one of" in refused(app, "community digest maths someday")
    ok(app, "community bind maths", channel="C-maths", direct=False)

    # A week later: new members and an upcoming event make a digest, one post per binding.
    clock.advance(timedelta(days=3))
    ok(app, "community join maths", user="carol")
    ok(app, 'event create maths "Exit tickets" "2026-12-01 16:00"', user="carol")
    at = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    with Session(app.engine) as session:
        schedule = digest_schedule(session, find_community(session, "maths").id or 0)
        assert schedule is not None
        assert app.producers.kinds["community.digest"] is produce_digest
        out = produce_digest(app.producers.occurrence(session, schedule, at))
        assert [(o.platform, o.channel_id, o.suffix) for o in out] == [
            ("console", "C-maths", f"binding-{out[0].suffix.split('-')[1]}")
        ]
        digest = text_of(out[0].reply)
        assert "Carol" in digest and "Exit tickets" in digest and "Tue 01 Dec 2026" in digest
        assert "Ana" not in digest.split("Coming up")[0].split("New members")[1]
        # A quiet week sends nothing.
        quiet = app.producers.occurrence(session, schedule, at + timedelta(days=21))
        assert produce_digest(quiet) == []

    assert "stopped" in text_of(ok(app, "community digest maths off"))
    assert "no weekly digest" in text_of(ok(app, "community digest maths"))
    assert "no weekly digest to stop" in refused(app, "community digest maths off")


def test_privacy_export_merge_and_delete(app: Staffroom) -> None:
    _setup(app)
    ok(app, "community bind maths", channel="C-maths", direct=False)
    ok(app, 'community announce maths "Welcome" confirm')
    ok(app, 'community create "Heads" "Leaders"', user="sam", platform="slack", tenant="T1")
    ok(app, "community join heads")
    data = json.loads(say(app, "privacy export").attachments[0].data)["communities"]
    assert {m["community"]: m["role"] for m in data["memberships"]} == {
        "maths": "owner",
        "heads": "member",
    }
    assert data["announcements"][0]["text"] == "Welcome"
    assert data["communities_created"] == ["maths"]

    # Sam (moderator of maths, owner of heads) links Ana's account: one person, higher roles.
    code = text_of(ok(app, "link", user="sam", platform="slack", tenant="T1")).split("link ")[1][:8]
    ok(app, f"link {code}")
    ok(app, "link confirm")
    ana = member_id(app, "ana")
    assert ana == member_id(app, "sam", "slack")
    with Session(app.engine) as session:
        for slug in ("maths", "heads"):
            assert role_of(session, find_community(session, slug), ana) is Role.OWNER
        rows = session.exec(select(CommunityMember).where(CommunityMember.member_id == ana)).all()
        assert len(rows) == 2

    # Deleting the last owner hands the community to the next in line; nothing of her is left.
    ok(app, "privacy delete confirm")
    assert rows_mentioning(app, ana) == {}
    with Session(app.engine) as session:
        maths = find_community(session, "maths")
        assert role_of(session, maths, member_id(app, "bob")) is Role.OWNER
        assert maths.created_by is None


def test_deleting_a_member_withdraws_their_queued_posts_and_requests(app: Staffroom) -> None:
    _setup(app)
    ok(app, "community bind maths", channel="C-maths", direct=False)
    sam = {"user": "sam", "platform": "slack", "tenant": "T1"}
    ok(app, 'community announce maths "Sent already" confirm', **sam)
    with Session(app.engine) as session:
        [sent] = session.exec(select(OutboxMessage)).all()
        sent.state = OutboxState.SENT
        session.add(sent)
        session.commit()
        sent_id = sent.id
    ok(app, 'community announce maths "Still queued" confirm', **sam)
    ok(app, 'community create "Heads" "Leaders" approval=yes')
    ok(app, "community join heads", **sam)
    ok(app, 'community create "Deputies" "Deputies" approval=yes')
    ok(app, "community join deputies", user="bob")
    sam_id = member_id(app, "sam", "slack")
    assert len(outbox(app, f"community.request:{sam_id}:")) == 1

    ok(app, "privacy delete confirm", **sam)
    # What already went out cannot be unsent, but no copy of it is kept; nothing of Sam is
    # still to go out.
    [kept] = outbox(app, "community.announce:")
    assert kept.id == sent_id
    assert "Sent already" not in str(kept.payload) and "removed at a member" in str(kept.payload)
    assert outbox(app, f"community.request:{sam_id}:") == []
    assert len(outbox(app, f"community.request:{member_id(app, 'bob')}:")) == 1  # not Sam's
    assert rows_mentioning(app, sam_id) == {}


def test_a_community_left_with_nobody_is_deleted(app: Staffroom) -> None:
    ok(app, "settings timezone Europe/London")
    ok(app, 'community create "Solo" "Just me" approval=yes')
    ok(app, "community bind solo", channel="C-solo", direct=False)
    ok(app, "community digest solo monday 08:00")
    ok(app, 'community announce solo "Anyone?" confirm')
    ok(app, "community join solo", user="bob")  # a request nobody but Ana could answer
    ok(app, 'community create "Shared" "Two of us"')
    ok(app, "community join shared", user="carol")
    with Session(app.engine) as session:
        solo = find_community(session, "solo").id

    ok(app, "privacy delete confirm")
    with Session(app.engine) as session:
        assert [c.slug for c in session.exec(select(Community))] == ["shared"]
        assert role_of(session, find_community(session, "shared"), member_id(app, "carol")) is (
            Role.OWNER
        )
        assert session.exec(select(Schedule).where(Schedule.community_id == solo)).all() == []
    assert count(app, ChannelBinding) == 0
    assert count(app, CommunityMember, CommunityMember.community_id == solo) == 0
    assert outbox(app, "community.announce:") == []


def test_community_list_search_treats_wildcards_as_letters(app: Staffroom) -> None:
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, 'community create "Year_7 tutors" "Form tutors"')
    assert "Maths" not in text_of(say(app, "community list %"))
    shown = text_of(say(app, "community list _"))
    assert "Year_7 tutors" in shown and "Maths" not in shown


def test_owners_edit_and_moderators_remove(app: Staffroom) -> None:
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, "community join maths", user="bob")
    ok(app, "community join maths", user="cat")
    edited = ok(app, 'community edit maths name="Maths secondary" approval=yes')
    assert "members need approval" in text_of(edited)
    assert "Maths secondary" in text_of(ok(app, "community info maths"))
    assert "owner" in refused(app, 'community edit maths description="mine"', user="bob").lower()
    bob = member_id(app, "bob")
    asked = ok(app, f"community remove maths #{bob}")
    assert "Remove Bob from Maths secondary?" in text_of(asked)
    assert outbox(app, "community.removed:") == []  # nothing happens before the button
    assert [a.command for a in asked.actions] == [f"community remove maths {bob} confirm"]
    removed = ok(app, asked.actions[0].command)
    assert "no longer in" in text_of(removed)
    assert "You are no longer a member" in str(outbox(app, "community.removed:")[0].payload)
    assert "not a member" in refused(app, "community leave maths", user="bob")
    ok(app, f"community promote maths #{member_id(app, 'cat')}")
    assert refused(app, f"community remove maths #{member_id(app, 'ana')}", user="cat")
