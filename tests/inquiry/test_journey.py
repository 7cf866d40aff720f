"""A collaborative inquiry from question to findings, through ``dispatch``, with three members in
three timezones: stage prompts come through the real planner and deliverer at 09:00 each
member's time, evidence is seen by the inquiry's members only, and the findings become a channel
post, a searchable resource and, for each member, a CPD activity."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd.models import CpdActivity
from core.delivery.models import Schedule
from core.inquiry.models import Inquiry, InquiryPost
from core.inquiry.schedules import PROMPT_KIND
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.delivery.helpers import RecordingMessenger, run_for
from tests.inquiry.helpers import QUESTION, ZONES, maths_group, start_inquiry
from tests.talk import say, text_of


def _inquiry(app: Staffroom) -> Inquiry:
    with Session(app.engine) as session:
        return session.exec(select(Inquiry)).one()


def test_create_join_and_the_stage_prompts_at_each_members_nine_oclock(
    app: Staffroom, clock: FixedClock
) -> None:
    maths_group(app)
    made = ok(app, f'inquiry create "{QUESTION}" community=maths')
    assert made.tone == "success" and "You lead it" in text_of(made)
    assert "inquiry join 1" in text_of(made)
    [notice] = outbox(app, "inquiry:1:created:")
    assert notice.channel_id == "C-maths"
    assert notice.payload["actions"][0]["command"] == "inquiry join 1"
    for user in ("bob", "cat"):
        joined = ok(app, "inquiry join 1", user=user)
        assert "09:00 your time" in text_of(joined)
    assert "3 members" in text_of(ok(app, "inquiry list", user="dan"))
    assert "you take part" in text_of(ok(app, "inquiry list", user="bob"))

    plan_day = clock.now().date() + timedelta(days=2)
    planned = ok(app, f"inquiry stage 1 plan date={plan_day.isoformat()}")
    assert f"starts on {plan_day.isoformat()}" in text_of(planned)
    assert count(app, Schedule, Schedule.kind == PROMPT_KIND) == 3  # one per member

    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=4))
    for user, zone in ZONES.items():
        got = messenger.to(user)
        assert len(got) == 1, (user, [at for _r, at in got])
        reply, at = got[0]
        local = at.astimezone(ZoneInfo(zone))
        assert (local.date(), local.hour, local.minute) == (plan_day, 9, 0), user
        assert "Plan starts today" in text_of(reply) and QUESTION in text_of(reply)
        assert [a.command for a in reply.actions] == ["inquiry show 1"]
    # Kolkata's morning comes first, New York's last; Dan is not in the inquiry.
    prompted = [who for who, r, _at in messenger.sent if "starts today" in text_of(r)]
    assert prompted == ["cat", "ana", "bob"]
    assert messenger.to("dan") == []
    assert _inquiry(app).stage == "plan"
    assert "Stage: Plan" in text_of(ok(app, "inquiry show 1", user="dan"))


def test_evidence_is_for_members_and_its_author_corrects_or_removes_it(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob", "cat")
    posted = ok(
        app,
        'inquiry post 1 "Quiz: 14 of 28 recalled all three" link=https://example.org/q',
        user="bob",
    )
    assert "Added post #1" in text_of(posted)
    ok(app, 'inquiry post 1 "Pupils asked for more starters"', user="cat")

    for user in ("ana", "bob", "cat"):
        shown = text_of(ok(app, "inquiry show 1", user=user))
        assert "Quiz: 14 of 28" in shown and "https://example.org/q" in shown
        assert "Pupils asked for more" in shown
    for outsider in ("dan", "eve"):  # in the community, and not in it (it is open)
        shown = ok(app, "inquiry show 1", user=outsider)
        assert QUESTION in text_of(shown)
        assert "Quiz" not in text_of(shown) and "Pupils asked" not in text_of(shown)
        assert "2 posts of evidence, seen by the inquiry's members" in text_of(shown)
    assert "not taking part" in refused(app, 'inquiry post 1 "Me too"', user="dan")

    # Only the author corrects or removes a post; someone else's reads as not there.
    assert "You have no post #1" in refused(app, "inquiry unpost 1", user="cat")
    assert "You have no post #1" in refused(app, 'inquiry correct 1 "Mine now"', user="ana")
    fixed = ok(app, 'inquiry correct 2 "Pupils asked for starters every lesson"', user="cat")
    assert "(corrected)" in text_of(fixed)
    ok(app, "inquiry correct 1 link=-", user="bob")
    shown = text_of(ok(app, "inquiry show 1"))
    assert "every lesson" in shown and "https://example.org/q" not in shown
    removed = ok(app, "inquiry unpost 1", user="bob")
    assert "Removed post #1" in text_of(removed) and "Quiz" in text_of(removed)
    assert "Quiz" not in text_of(ok(app, "inquiry show 1"))
    assert count(app, InquiryPost) == 1


def test_findings_become_a_channel_post_a_searchable_resource_and_cpd(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob", "cat")
    ok(app, 'inquiry post 1 "Quiz scores up"', user="bob")
    summary = "Short retrieval starters lifted recall, most for lower attainers."
    assert "Only the lead of inquiry #1 (Ana)" in refused(
        app, f'inquiry findings 1 "{summary}"', user="bob"
    )
    published = ok(app, f'inquiry findings 1 "{summary}" link=https://example.org/write-up')
    said = text_of(published)
    assert "Posted to Maths's 1 channel." in said and "2 other members were offered" in said
    assert "Shared as resource #1" in said
    assert [a.command for a in published.actions] == ["inquiry log 1"]

    [post] = outbox(app, "inquiry:1:findings-channel:")
    assert post.channel_id == "C-maths" and summary in str(post.payload)
    offers = outbox(app, "inquiry:1:findings-offer:")
    assert {o.member_id for o in offers} == {member_id(app, "bob"), member_id(app, "cat")}
    assert all(o.payload["actions"][0]["command"] == "inquiry log 1" for o in offers)

    # Anyone who can see inside the community finds the findings as a resource.
    for query in ("resource search retrieval", "resource search #inquiry"):
        found = text_of(ok(app, query, user="eve"))
        assert f"Inquiry findings: {QUESTION}" in found, query
    shown = text_of(ok(app, "inquiry show 1", user="dan"))
    assert summary in shown and "Shared as resource #1" in shown

    # Finished: no more posts, stages or second findings.
    assert "is finished" in refused(app, 'inquiry post 1 "Late note"', user="cat")
    assert "is finished" in refused(app, "inquiry stage 1 reflect")
    assert "already published" in refused(app, f'inquiry findings 1 "{summary}"')
    assert "is finished" in refused(app, "inquiry join 1", user="dan")

    # Each member logs their own hours once, as collaborative enquiry.
    asked = ok(app, "inquiry log 1", user="bob")
    assert [a.command for a in asked.actions] == [
        "inquiry log 1 2",
        "inquiry log 1 5",
        "inquiry log 1 10",
    ]
    assert count(app, CpdActivity) == 0
    logged = ok(app, asked.actions[1].command, user="bob")
    assert logged.tone == "success" and "collaborative enquiry" in text_of(logged)
    again = ok(app, "inquiry log 1 6", user="bob")
    assert "already logged inquiry #1" in text_of(again)
    ok(app, "inquiry log 1 4h30", user="cat")
    with Session(app.engine) as session:
        activities = session.exec(select(CpdActivity).order_by(CpdActivity.id)).all()  # type: ignore[arg-type]
        assert [(a.member_id, a.hours, a.category, a.provider) for a in activities] == [
            (member_id(app, "bob"), 5.0, "collaborative enquiry", "Maths"),
            (member_id(app, "cat"), 4.5, "collaborative enquiry", "Maths"),
        ]
        assert activities[0].title == f"Collaborative inquiry: {QUESTION}"
        assert activities[0].evidence_url == "https://example.org/write-up"
    assert "Collaborative inquiry" in text_of(ok(app, "cpd list", user="cat"))
    assert "not taking part" in refused(app, "inquiry log 1 2", user="dan")
    # Once logged, the show no longer offers the button.
    assert ok(app, "inquiry show 1", user="bob").actions == []
    assert [a.command for a in ok(app, "inquiry show 1").actions] == ["inquiry log 1"]
    assert say(app, "inquiry show 1", user="eve").actions == []
