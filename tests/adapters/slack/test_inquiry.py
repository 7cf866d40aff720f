"""Collaborative inquiry on Slack: started by slash command, joined by a colleague, evidence
posted by slash command and as a file shared in the bot's DM (the ``file_share`` message event,
its text the command), and the timeline listing the file by name, size and permalink."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from core.inquiry.models import InquiryFile, InquiryPost
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import all_text, slash
from tests.fakes.fake_slack import event_body

ANA, BOB = "U1", "U2"
PERMALINK = "https://t1.slack.example/files/U2/F0QUIZ/quiz_results.xlsx"


def shared_in_dm(user: str, text: str, ts: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    """A message with files shared in the member's DM with the bot, as Slack sends it."""
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "ts": ts,
        "files": files,
    }


QUIZ = {
    "id": "F0QUIZ",
    "name": "quiz_results.xlsx",
    "title": "Quiz results",
    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "filetype": "xlsx",
    "size": 18_432,
    "mode": "hosted",
    "url_private": "https://files.slack.example/files-pri/T1-F0QUIZ/quiz_results.xlsx",
    "permalink": PERMALINK,
}


async def dm(h: Harness, event: dict[str, Any]) -> str:
    """Send a DM event; return the text of the bot's answer in that DM."""
    seen = len(h.fake.calls_to("chat.postMessage"))
    status, _ack = await h.post(event_body(event))
    assert status == 200
    posts = await h.fake.wait_for_calls("chat.postMessage", count=seen + 1)
    answer = posts[seen].args
    assert answer["channel"] == event["channel"]
    return str(answer.get("text", "")) + all_text(answer.get("blocks") or [])


def _files(h: Harness) -> list[InquiryFile]:
    with Session(h.app.engine) as session:
        return list(session.exec(select(InquiryFile)))


async def test_the_inquiry_journey_with_a_file_shared_in_the_dm(http_slack: Harness) -> None:
    h = http_slack
    await slash(h, 'community create "Maths" "Maths teachers"', user=ANA)
    await slash(h, "community join maths", user=BOB)
    made = all_text(
        (await slash(h, 'inquiry create "Do starters help?" community=maths'))["blocks"]
    )
    assert "Inquiry #1 started" in made
    joined = await slash(h, "inquiry join 1", user=BOB)
    assert "You joined inquiry #1" in all_text(joined["blocks"])

    # A note by slash command: no file.
    noted = await slash(h, 'inquiry post 1 "Y9 recalled more on Friday"', user=BOB)
    assert "Added post #1" in all_text(noted["blocks"])

    # A file shared in the DM, the command as its message, with a note and without one.
    with_note = await dm(h, shared_in_dm(BOB, 'inquiry post 1 "Week 2 quiz"', "1.0001", [QUIZ]))
    assert "Added post #2" in with_note and "quiz_results.xlsx" in with_note
    alone = await dm(h, shared_in_dm(BOB, "inquiry post 1", "1.0002", [QUIZ]))
    assert "Added post #3" in alone
    files = _files(h)
    assert [(f.platform, f.ref, f.name, f.size, f.url) for f in files] == [
        ("slack", "F0QUIZ", "quiz_results.xlsx", 18_432, PERMALINK),
    ] * 2

    # A file Slack no longer has (a tombstone) is not evidence: with no note, nothing to post.
    gone = {"id": "F0GONE", "mode": "tombstone"}
    refused = await dm(h, shared_in_dm(BOB, "inquiry post 1", "1.0003", [gone]))
    assert "Say what you noticed" in refused
    with Session(h.app.engine) as session:
        assert len(session.exec(select(InquiryPost)).all()) == 3

    # The timeline: members see each file by name and size, linked to its permalink.
    shown = all_text((await slash(h, "inquiry show 1", user=ANA))["blocks"])
    assert f"<{PERMALINK}|quiz_results.xlsx> (18.4 kB)" in shown, shown
    assert "Y9 recalled more on Friday" in shown
