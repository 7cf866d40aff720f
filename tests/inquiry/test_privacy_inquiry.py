"""Inquiries in privacy export, delete and account linking: what a member led, joined, posted
and published; a deleted lead's inquiry carries on with the group; two accounts become one
membership."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.models import Schedule
from core.inquiry.models import Inquiry, InquiryMember, InquiryPost
from core.inquiry.schedules import PROMPT_KIND
from tests.communities.support import count, member_id, ok
from tests.core.test_privacy import rows_mentioning
from tests.inquiry.helpers import QUESTION, maths_group, start_inquiry
from tests.talk import say, text_of

SUMMARY = "Starters lifted recall."


def _worked(app: Staffroom, clock: FixedClock) -> None:
    """Inquiry #1 led by Ana with Bob and Cat, a planned stage, posts by all three, findings
    published by Ana, and Bob's hours logged."""
    maths_group(app)
    start_inquiry(app, "bob", "cat")
    day = clock.now().date() + timedelta(days=3)
    ok(app, f"inquiry stage 1 plan date={day.isoformat()}")
    for user in ("ana", "bob", "cat"):
        ok(app, f'inquiry post 1 "Evidence from {user}"', user=user)
    ok(app, 'inquiry create "A second question for me alone" community=maths')


def _export(app: Staffroom, user: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(say(app, "privacy export", user=user).attachments[0].data)[
        "inquiry"
    ]
    return data


def test_export_holds_what_they_led_joined_posted_and_published(
    app: Staffroom, clock: FixedClock
) -> None:
    _worked(app, clock)
    ok(app, f'inquiry findings 1 "{SUMMARY}"')
    ok(app, "inquiry log 1 3", user="bob")
    ana = _export(app, "ana")
    assert [i["question"] for i in ana["led"]] == [QUESTION, "A second question for me alone"]  # type: ignore[attr-defined,index]
    assert [p["text"] for p in ana["posts"]] == ["Evidence from ana"]  # type: ignore[attr-defined,index]
    assert [f["findings"] for f in ana["findings_published"]] == [SUMMARY]  # type: ignore[attr-defined,index]
    bob = _export(app, "bob")
    assert bob["led"] == [] and bob["findings_published"] == []
    [joined] = bob["memberships"]  # type: ignore[misc]
    assert joined["question"] == QUESTION and joined["cpd_activity_id"] is not None
    assert _export(app, "eve") == {
        "led": [],
        "memberships": [],
        "posts": [],
        "findings_published": [],
    }


def test_deleting_a_member_removes_their_words_and_the_group_carries_on(
    app: Staffroom, clock: FixedClock
) -> None:
    _worked(app, clock)
    ok(app, f'inquiry findings 1 "{SUMMARY}"')
    ana, bob, cat = (member_id(app, u) for u in ("ana", "bob", "cat"))
    assert rows_mentioning(app, ana)
    done = say(app, "privacy delete confirm")
    assert done.tone == "success", text_of(done)
    assert rows_mentioning(app, ana) == {}
    with Session(app.engine) as session:
        # Her lone inquiry is gone; the group's is Bob's now (he joined next), with its
        # findings blanked (her words) and the others' posts kept.
        [inquiry] = session.exec(select(Inquiry)).all()
        assert (inquiry.id, inquiry.lead_id) == (1, bob)
        assert inquiry.findings == "" and inquiry.findings_by is None
        assert inquiry.findings_at is not None  # still finished
        posts = session.exec(select(InquiryPost).order_by(col(InquiryPost.id))).all()
        assert [p.author_id for p in posts] == [bob, cat]
    shown = text_of(ok(app, "inquiry show 1", user="cat"))
    assert "Lead: Bob" in shown and "Removed at their author's request" in shown
    assert "Evidence from ana" not in shown and SUMMARY not in shown
    assert SUMMARY not in text_of(ok(app, "resource search starters", user="cat"))

    # A member deletes themselves: their posts and membership go, the rest stays.
    say(app, "privacy delete confirm", user="cat")
    assert rows_mentioning(app, cat) == {}
    assert count(app, InquiryMember) == 1 and count(app, InquiryPost) == 1


def test_a_deleted_lead_with_no_one_left_but_others_posts_keeps_the_inquiry(
    app: Staffroom,
) -> None:
    maths_group(app)
    start_inquiry(app, "bob")
    ok(app, 'inquiry post 1 "Bob was here"', user="bob")
    ok(app, "inquiry leave 1", user="bob")
    say(app, "privacy delete confirm")
    assert rows_mentioning(app, member_id(app, "bob")) != {}  # Bob's post is still his
    with Session(app.engine) as session:
        [inquiry] = session.exec(select(Inquiry)).all()
        assert inquiry.lead_id is None
    ok(app, "inquiry join 1", user="dan")  # the next to join leads it
    assert "Lead: Dan" in text_of(ok(app, "inquiry show 1", user="dan"))


def _link(app: Staffroom, keep: str, other: str) -> None:
    """``other`` links their account to ``keep``'s member (the one kept)."""
    code = re.search(r"\b[A-Z2-9]{8}\b", text_of(say(app, "link", user=keep)))
    assert code is not None
    say(app, f"link {code.group(0)}", user=other)
    linked = say(app, "link confirm", user=other)
    assert linked.tone == "success", text_of(linked)
    assert member_id(app, other) == member_id(app, keep)


def test_linking_two_accounts_keeps_one_membership_and_one_prompt_per_stage(
    app: Staffroom, clock: FixedClock
) -> None:
    _worked(app, clock)
    ok(app, "community join maths", user="bob-phone")
    ok(app, "inquiry join 1", user="bob-phone")
    ok(app, 'inquiry post 1 "From my phone"', user="bob-phone")
    phone = member_id(app, "bob-phone")
    _link(app, "bob", "bob-phone")
    bob = member_id(app, "bob")
    assert rows_mentioning(app, phone) == {}
    with Session(app.engine) as session:
        rows = session.exec(select(InquiryMember).where(InquiryMember.member_id == bob)).all()
        assert len(rows) == 1
        prompts = session.exec(
            select(Schedule).where(Schedule.kind == PROMPT_KIND, Schedule.member_id == bob)
        ).all()
        assert [p.payload["stage"] for p in prompts] == ["plan"]
    shown = text_of(ok(app, "inquiry show 1", user="bob"))
    assert "From my phone" in shown and "Evidence from bob" in shown
    assert "Members: 3" in shown
