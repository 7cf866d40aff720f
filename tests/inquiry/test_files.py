"""Files as evidence, through ``dispatch``: a post carries the files sent with it as references
(name, size, type, the platform's handle and link), the timeline lists them for the inquiry's
members alone, a post needs a note, a link or a file, and the references take part in privacy
export, delete and account linking. Also: an inquiry started twice at once is started once."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.inquiry.models import Inquiry, InquiryFile, InquiryPost
from core.invocation import MAX_ATTACHMENTS, MAX_FILE_BYTES, AttachedFile, ChannelRef, Invocation
from core.reply import Items, Reply
from tests.communities.support import count, member_id, ok, outbox, refused
from tests.core.test_privacy import rows_mentioning
from tests.inquiry.helpers import QUESTION, maths_group, start_inquiry
from tests.talk import say, text_of

PLAN = AttachedFile(
    name="Starter plan.pdf",
    size=1_234_567,
    content_type="application/pdf",
    ref="F0123",
    url="https://files.example/F0123/starter-plan.pdf",
)
PHOTO = AttachedFile(name="photo-7.jpg", size=2048, content_type="image/jpeg", ref="AgACAgQ")


def post_with(
    app: Staffroom, text: str, *files: AttachedFile, user: str = "ana", platform: str = "console"
) -> Reply:
    """Send ``text`` with ``files`` attached, as an adapter would."""
    return app.dispatch(
        Invocation(
            platform=platform,
            tenant="local",
            user_id=user,
            display_name=user.title(),
            text=text,
            channel=ChannelRef(id=f"dm-{user}", direct=True),
            attachments=files,
        )
    )


def _files(app: Staffroom) -> list[InquiryFile]:
    with Session(app.engine) as session:
        return list(session.exec(select(InquiryFile).order_by(col(InquiryFile.id))))


def test_a_post_keeps_its_files_as_references_and_members_alone_see_them(
    app: Staffroom,
) -> None:
    maths_group(app)
    start_inquiry(app, "bob")
    posted = post_with(app, 'inquiry post 1 "Y9 quiz results"', PLAN, PHOTO)
    assert posted.tone == "success", text_of(posted)
    said = text_of(posted)
    assert "Starter plan.pdf" in said and "1.2 MB" in said
    assert "not a copy" in said or "not copies" in said
    [plan, photo] = _files(app)
    assert (plan.name, plan.size, plan.content_type, plan.ref, plan.url) == (
        "Starter plan.pdf",
        1_234_567,
        "application/pdf",
        "F0123",
        "https://files.example/F0123/starter-plan.pdf",
    )
    assert plan.platform == "console" and plan.member_id == member_id(app, "ana")
    assert photo.url is None

    # Bob, a member, sees both files with their sizes, and the link where there is one.
    shown = ok(app, "inquiry show 1", user="bob")
    line = next(
        spans
        for block in shown.blocks
        if isinstance(block, Items)
        for spans in block.items
        if any("Y9 quiz results" in s.text for s in spans)
    )
    linked = [s for s in line if s.url]
    assert [(s.text, s.url) for s in linked] == [("Starter plan.pdf", PLAN.url)]
    text = "".join(s.text for s in line)
    assert "Starter plan.pdf (1.2 MB)" in text
    assert "photo-7.jpg (2 kB) on console" in text

    # Dan is in the community but not the inquiry: he sees that evidence exists, not what.
    outside = text_of(ok(app, "inquiry show 1", user="dan"))
    assert "1 post of evidence" in outside
    assert "Starter plan" not in outside and "photo-7" not in outside


def test_sizes_read_in_the_members_language(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob")
    post_with(app, "inquiry post 1", PLAN)
    ok(app, "settings language fr", user="bob")
    shown = text_of(ok(app, "inquiry show 1", user="bob"))
    assert re.search(r"Starter plan\.pdf \(1,2\sMo\)", shown), shown  # French: comma, Mo


def test_a_file_without_a_note_is_a_post_and_nothing_at_all_is_refused(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob")
    alone = post_with(app, "inquiry post 1", PHOTO, user="bob")
    assert alone.tone == "success", text_of(alone)
    with Session(app.engine) as session:
        [post] = session.exec(select(InquiryPost)).all()
    assert post.text == "" and len(_files(app)) == 1

    empty = refused(app, "inquiry post 1", user="bob")
    assert "Say what you noticed" in empty and "send a file" in empty
    assert count(app, InquiryPost) == 1

    # A link alone is evidence too.
    ok(app, "inquiry post 1 link=https://example.org/spacing", user="bob")
    assert count(app, InquiryPost) == 2


def test_a_file_cannot_be_typed(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app)
    said = refused(app, 'inquiry post 1 "note" file=/etc/passwd')
    assert "send the file with your message" in said
    assert count(app, InquiryPost) == 0
    assert "file" in text_of(ok(app, "help inquiry post"))
    assert "never downloads or stores the file itself" in text_of(ok(app, "help inquiry post"))


def test_removing_a_post_or_the_inquiry_removes_its_file_references(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob")
    post_with(app, 'inquiry post 1 "one"', PLAN)
    post_with(app, 'inquiry post 1 "two"', PHOTO, user="bob")
    removed = text_of(ok(app, "inquiry unpost 1"))
    assert "Starter plan.pdf" in removed
    assert [f.name for f in _files(app)] == ["photo-7.jpg"]
    ok(app, "inquiry delete 1 confirm")
    assert _files(app) == []


def test_files_in_export_delete_and_linking(app: Staffroom) -> None:
    maths_group(app)
    start_inquiry(app, "bob", "cat")
    post_with(app, 'inquiry post 1 "Bob\'s plan"', PLAN, user="bob")
    assert post_with(app, 'inquiry post 1 "Cat\'s photo"', PHOTO, user="cat").tone == "success"

    exported = json.loads(say(app, "privacy export", user="bob").attachments[0].data)
    [post] = exported["inquiry"]["posts"]
    assert post["files"] == [
        {
            "name": "Starter plan.pdf",
            "size": 1_234_567,
            "content_type": "application/pdf",
            "platform": "console",
            "ref": "F0123",
            "url": PLAN.url,
        }
    ]

    # Linking: the phone's file moves to the member kept.
    ok(app, "community join maths", user="bob-phone")
    ok(app, "inquiry join 1", user="bob-phone")
    post_with(app, 'inquiry post 1 "From my phone"', PHOTO, user="bob-phone")
    phone = member_id(app, "bob-phone")
    code = re.search(r"\b[A-Z2-9]{8}\b", text_of(say(app, "link", user="bob")))
    assert code is not None
    say(app, f"link {code.group(0)}", user="bob-phone")
    assert say(app, "link confirm", user="bob-phone").tone == "success"
    bob = member_id(app, "bob")
    assert rows_mentioning(app, phone) == {}
    assert [f.member_id for f in _files(app) if f.name == "photo-7.jpg"] == [
        member_id(app, "cat"),
        bob,
    ]

    # Deleting Bob removes his posts and their file references; Cat's stay.
    assert say(app, "privacy delete confirm", user="bob").tone == "success"
    assert rows_mentioning(app, bob) == {}
    [left] = _files(app)
    assert (left.member_id, left.name) == (member_id(app, "cat"), "photo-7.jpg")


def test_the_edge_cleans_what_a_platform_says_of_a_file() -> None:
    odd = AttachedFile(
        name="report\u202efdp.exe\x00\n",
        size=-5,
        content_type="Text/HTML; charset=utf-8",
        ref="id\x07",
        url="javascript:alert(1)",
    )
    assert (odd.name, odd.size, odd.content_type, odd.ref, odd.url) == (
        "reportfdp.exe",
        0,
        "text/html",
        "id",
        None,
    )
    assert AttachedFile(name="", size=10**20).size == MAX_FILE_BYTES
    assert AttachedFile(name="").name == "file"
    assert AttachedFile(name="x", size="12 kB").size == 0  # type: ignore[arg-type]
    assert AttachedFile(name="x", content_type="not a type").content_type == ""
    assert len(AttachedFile(name="a" * 1000).name) == 255
    many = Invocation(
        platform="console",
        tenant="local",
        user_id="ana",
        attachments=tuple(AttachedFile(name=f"f{n}") for n in range(MAX_ATTACHMENTS + 5)),
    )
    assert len(many.attachments) == MAX_ATTACHMENTS


def test_starting_the_same_inquiry_twice_at_once_starts_it_once(
    app: Staffroom, clock: FixedClock
) -> None:
    maths_group(app)
    first = ok(app, f'inquiry create "{QUESTION}" community=maths')
    # The answer was lost (CommitOutcomeUnknown): the member sends it again.
    again = ok(app, f'inquiry create "{QUESTION}" community=maths')
    assert "Inquiry #1 started" in text_of(first) and "Inquiry #1 started" in text_of(again)
    assert count(app, Inquiry) == 1
    assert len(outbox(app, "inquiry:1:created")) == 1  # the channel heard of it once
    # Someone else asking the same question starts their own.
    ok(app, f'inquiry create "{QUESTION}" community=maths', user="bob")
    assert count(app, Inquiry) == 2
    # Well after, the same lead asking again means a second inquiry.
    clock.advance(timedelta(minutes=10))
    ok(app, f'inquiry create "{QUESTION}" community=maths')
    assert count(app, Inquiry) == 3


@pytest.mark.parametrize("size,shown", [(512, "512 byte"), (2_500, "2.5 kB"), (3 * 10**9, "3 GB")])
def test_file_sizes_in_the_largest_unit(size: int, shown: str) -> None:
    from core.i18n import language
    from core.inquiry.replies import file_size

    with language("en"):
        assert file_size(size) == shown


def test_the_console_attaches_a_local_file_by_path(app: Staffroom, tmp_path: Path) -> None:
    import asyncio
    import io

    from adapters.console import ConsoleSession

    maths_group(app)
    start_inquiry(app)
    plan = tmp_path / "lesson plan.pdf"
    plan.write_bytes(b"%PDF" + b"0" * 2_996)
    console = ConsoleSession(app, "Ana", io.StringIO(), tmp_path)

    async def lines(*typed: str) -> list[str | None]:
        return [await console.handle_line(line) for line in typed]

    missing, attached, posted, after = asyncio.run(
        lines(
            f"/attach {tmp_path / 'nowhere.pdf'}",
            f"/attach {plan}",
            "inquiry post 1",
            "inquiry post 1",
        )
    )
    assert missing is not None and "There is no file" in missing
    assert attached is not None and "lesson plan.pdf goes with your next command" in attached
    assert posted is not None and "lesson plan.pdf (3 kB)" in posted, posted
    assert after is not None and "Say what you noticed" in after  # the file went with one only
    [kept] = _files(app)
    assert (kept.platform, kept.ref, kept.size, kept.content_type) == (
        "console",
        str(plan.resolve()),
        3_000,
        "application/pdf",
    )


def test_a_file_sent_with_a_command_that_takes_none_is_said_not_kept(app: Staffroom) -> None:
    reply = post_with(app, 'cpd log 1 "Read an article" category=reading', PHOTO)
    assert reply.tone == "success", text_of(reply)
    shown = text_of(reply)
    assert "did not keep the file you sent: cpd log takes none" in shown
    assert "inquiry post" in shown
    assert "did not keep" not in text_of(say(app, "cpd list"))
