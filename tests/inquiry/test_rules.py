"""Who may do what with an inquiry, and the friendly refusals: unknown ids, not a member,
already joined, ended; the lead's stages, edits, hand-over and deletion; help; user text."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from adapters.slack.render import mrkdwn
from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.models import Schedule
from core.inquiry.models import Inquiry, InquiryMember, InquiryPost, InquiryStage
from core.inquiry.schedules import PROMPT_KIND
from core.reply import Text
from core.resources.models import Resource
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.inquiry.helpers import QUESTION, maths_group, start_inquiry
from tests.talk import text_of


def _prompts(app: Staffroom, user: str) -> list[Schedule]:
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(Schedule).where(
                    Schedule.kind == PROMPT_KIND,
                    Schedule.member_id == member_id(app, user),
                    col(Schedule.active),
                )
            )
        )


def test_refusals_say_what_is_wrong_and_change_nothing(app: Staffroom, clock: FixedClock) -> None:
    maths_group(app)
    assert "no inquiry #9" in refused(app, "inquiry show 9")
    assert "no inquiry #9" in refused(app, "inquiry join 9", user="bob")
    assert "Only members of Maths" in refused(
        app, f'inquiry create "{QUESTION}" community=maths', user="eve"
    )
    assert "no community called" in refused(app, f'inquiry create "{QUESTION}" community=math')
    assert "Give the question" in refused(app, 'inquiry create "?" community=maths')
    last_week = (clock.now().date() - timedelta(days=7)).isoformat()
    assert "ends is in the past" in refused(
        app, f'inquiry create "{QUESTION}" community=maths ends={last_week}'
    )
    assert count(app, Inquiry) == 0

    ends = clock.now().date() + timedelta(days=10)
    start_inquiry(app, "bob", extra=f"ends={ends.isoformat()}")
    assert "already taking part in inquiry #1" in refused(app, "inquiry join 1", user="bob")
    assert "Join the community first with community join maths" in refused(
        app, "inquiry join 1", user="eve"
    )
    assert "not taking part in inquiry #1" in refused(app, "inquiry leave 1", user="dan")
    assert "Only the lead of inquiry #1 (Ana)" in refused(app, "inquiry stage 1 act", user="bob")
    assert "Only the lead" in refused(app, "inquiry edit 1 ends=2030-01-01", user="bob")
    assert "Only the lead" in refused(app, "inquiry delete 1", user="bob")
    assert "must be one of" in refused(app, "inquiry stage 1 dream")
    after = (ends + timedelta(days=1)).isoformat()
    assert "after the inquiry ends" in refused(app, f"inquiry stage 1 share date={after}")
    assert "Say what to change" in refused(app, "inquiry edit 1")
    assert "too long" in refused(app, f'inquiry post 1 "{"x" * 2001}"', user="bob")
    assert count(app, InquiryPost) == 0

    # After its end date: no new members or posts; the lead may extend it.
    clock.advance(timedelta(days=12))
    assert f"ended on {ends.isoformat()}" in refused(app, "inquiry join 1", user="cat")
    assert "ended on" in refused(app, 'inquiry post 1 "Late"', user="bob")
    later = (clock.now().date() + timedelta(days=30)).isoformat()
    assert ok(app, f"inquiry edit 1 ends={later}").tone == "success"
    ok(app, "inquiry join 1", user="cat")
    ok(app, 'inquiry post 1 "Back at it"', user="bob")


def test_stages_move_now_or_on_the_day_and_members_are_told(
    app: Staffroom, clock: FixedClock
) -> None:
    maths_group(app)
    start_inquiry(app, "bob")
    moved = ok(app, "inquiry stage 1 act")
    assert "now at Act" in text_of(moved) and "The 1 other member has been told" in text_of(moved)
    [told] = outbox(app, "inquiry:1:stage:act:")
    assert told.member_id == member_id(app, "bob") and "Moved by Ana" in str(told.payload)
    ok(app, "inquiry join 1", user="cat")
    assert "The 2 other members have been told" in text_of(ok(app, "inquiry stage 1 gather"))
    assert "Stage: Gather evidence" in text_of(ok(app, "inquiry show 1", user="cat"))
    assert _prompts(app, "bob") == []  # moved there and then: told at once, no prompt

    # Planned stages: one prompt each, moved with the date, gone when the stage moves now.
    day = clock.now().date() + timedelta(days=5)
    ok(app, f"inquiry stage 1 reflect date={day.isoformat()}")
    [prompt] = _prompts(app, "bob")
    assert prompt.next_due_at is not None
    local = prompt.next_due_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.date(), local.hour) == (day, 9)
    later = day + timedelta(days=2)
    ok(app, f"inquiry stage 1 reflect date={later.isoformat()}")
    [prompt] = _prompts(app, "bob")
    assert prompt.next_due_at is not None
    assert prompt.next_due_at.astimezone(ZoneInfo("America/New_York")).date() == later
    assert "Coming up" in text_of(ok(app, "inquiry show 1", user="bob"))

    # Bob moves to Tokyo: his prompt stays at 09:00, on his new clock.
    ok(app, "settings timezone Asia/Tokyo", user="bob")
    [prompt] = _prompts(app, "bob")
    assert prompt.next_due_at is not None
    tokyo = prompt.next_due_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (tokyo.date(), tokyo.hour, tokyo.minute) == (later, 9, 0)

    # Leaving drops one's prompts; moving to the stage now drops everyone's.
    ok(app, "inquiry leave 1", user="cat")
    assert _prompts(app, "cat") == []
    ok(app, "inquiry stage 1 reflect")
    assert _prompts(app, "bob") == [] and _prompts(app, "ana") == []


def test_a_leaving_lead_hands_over_and_the_last_member_deletes(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob", "cat")
    ok(app, 'inquiry post 1 "My evidence"')
    left = text_of(ok(app, "inquiry leave 1"))
    assert "Bob leads it now" in left and "Your 1 post stays with the group" in left
    assert "Lead: Bob" in text_of(ok(app, "inquiry show 1", user="cat"))
    assert "My evidence" in text_of(ok(app, "inquiry show 1", user="cat"))
    ok(app, "inquiry unpost 1")  # still hers to remove after leaving
    ok(app, "inquiry leave 1", user="cat")
    assert "only member of inquiry #1" in refused(app, "inquiry leave 1", user="bob")


def test_delete_asks_first_then_removes_everything_and_tells_the_others(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob", "cat")
    ok(app, 'inquiry post 1 "One"', user="bob")
    ok(app, "inquiry stage 1 plan date=2030-01-01")
    asked = ok(app, "inquiry delete 1")
    said = text_of(asked)
    assert "Its 1 post of evidence goes too" in said and "Its 2 other members are told" in said
    assert [a.command for a in asked.actions] == ["inquiry delete 1 confirm"]
    assert count(app, Inquiry) == 1
    done = ok(app, asked.actions[0].command)
    assert done.tone == "success" and QUESTION in text_of(done)
    for model in (Inquiry, InquiryMember, InquiryPost, InquiryStage):
        assert count(app, model) == 0, model
    assert count(app, Schedule, Schedule.kind == PROMPT_KIND) == 0
    told = outbox(app, "inquiry.deleted:1:")
    assert {t.member_id for t in told} == {member_id(app, "bob"), member_id(app, "cat")}
    assert "no inquiry #1" in refused(app, "inquiry show 1", user="bob")

    # Its published findings go with it: the resource is a copy of them.
    # (SQLite may give the new inquiry the id the deleted one had: its findings' address, made
    # from the id, must not meet the old one's.)
    ok(app, 'inquiry create "Does dual coding help Y7 science?" community=maths')
    with Session(app.engine) as session:
        second = session.exec(select(Inquiry.id)).one()
    ok(app, f'inquiry findings {second} "It did, for diagrams they drew themselves."')
    assert count(app, Resource) == 1
    ok(app, f"inquiry delete {second} confirm")
    assert count(app, Resource) == 0
    assert "dual coding" not in text_of(ok(app, "resource search dual", user="bob"))


def test_approval_only_communities_keep_their_inquiries_inside(app: Staffroom) -> None:
    ok(app, 'community create "Heads" "Leaders" approval=yes')
    ok(app, f'inquiry create "{QUESTION}" community=heads')
    assert "no inquiry #1" in refused(app, "inquiry show 1", user="bob")
    assert "no inquiry #1" in refused(app, "inquiry join 1", user="bob")
    assert "No inquiries" in text_of(ok(app, "inquiry list", user="bob"))
    ok(app, "community join heads", user="bob")
    ok(app, f"community approve heads {member_id(app, 'bob')}")
    ok(app, "inquiry join 1", user="bob")
    assert QUESTION in text_of(ok(app, "inquiry list", user="bob"))


def test_help_reads_well_and_user_text_stays_plain(app: Staffroom) -> None:
    overview = text_of(ok(app, "help"))
    assert "inquiry — Collaborative inquiry (action research)" in overview
    group = text_of(ok(app, "help inquiry"))
    for name in ("create", "join", "leave", "list", "show", "edit", "delete", "stage", "post"):
        assert f"inquiry {name}" in group, name
    assert "inquiry findings <id> <summary>" in group and "Lead: publish" in group
    assert "Usage: inquiry create <question> <community> [ends=...]" in text_of(
        ok(app, "help inquiry create")
    )

    maths_group(app)
    sneaky = "<!channel> @everyone see *this* <https://evil.example|here>"
    ok(app, f'inquiry create "{sneaky}" community=maths')
    [notice] = outbox(app, "inquiry:1:created:")
    blocks = [b for b in notice.payload["blocks"] if b["type"] == "text"]
    question = Text.model_validate(blocks[0])
    assert [s.text for s in question.spans] == [sneaky]
    rendered = mrkdwn(question.spans)
    assert "<!channel>" not in rendered and "<https://evil" not in rendered
