"""Collaborative inquiry on Discord: the Join button runs as the presser (a colleague outside
the community is refused), the findings command takes its text as an option, and ``/inquiry
post`` takes a file in an attachment option, kept as a reference with its link."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from core.inquiry.models import InquiryFile, InquiryMember, InquiryPost
from core.resources.models import Resource
from tests.adapters.discord.conftest import ANA, BEN, CARA, GUILD_ID, Bot, callback_path, text_of
from tests.fakes.fake_discord import INTERACTION_COMMAND

ATTACHMENT_ID = 920000000000000001
ATTACHMENT_URL = "https://cdn.discordapp.example/attachments/1/920000000000000001/quiz.pdf"


async def test_join_button_and_findings_as_an_option(synced: Bot) -> None:
    synced.say(ANA, 'community create "Maths" "Maths teachers"')
    synced.say(BEN, "community join maths")
    synced.say(CARA, "profile set role=teacher")
    synced.say(ANA, 'inquiry create "Do retrieval starters help?" community=maths')

    shown = await synced.command(BEN, ["inquiry", "show"], {"id": 1})
    buttons = {
        c["label"]: c["custom_id"] for row in shown["data"]["components"] for c in row["components"]
    }
    message = synced.dc.messages()[-1]
    outsider = await synced.dc.interaction_component(CARA, buttons["Join"], message_id=message.id)
    refused = await synced.dc.wait_for_request("POST", callback_path(outsider))
    assert "Join the community first" in text_of(refused.json["data"])
    pressed = await synced.dc.interaction_component(BEN, buttons["Join"], message_id=message.id)
    joined = await synced.dc.wait_for_request("POST", callback_path(pressed))
    assert "You joined inquiry #1" in text_of(joined.json["data"])
    with Session(synced.app.engine) as session:
        assert len(session.exec(select(InquiryMember)).all()) == 2

    published = await synced.command(
        ANA, ["inquiry", "findings"], {"id": 1, "summary": "Starters lifted recall @everyone"}
    )
    assert published["data"]["allowed_mentions"] == {"parse": []}
    with Session(synced.app.engine) as session:
        [resource] = session.exec(select(Resource)).all()
    assert "inquiry" in resource.tags


def _option(dc_commands: list[dict[str, Any]], *path: str) -> dict[str, dict[str, Any]]:
    """The synced options of a subcommand, by name."""
    node: dict[str, Any] = next(c for c in dc_commands if c["name"] == path[0])
    for part in path[1:]:
        node = next(o for o in node["options"] if o["name"] == part)
    return {o["name"]: o for o in node.get("options", [])}


async def _post_with_file(bot: Bot, user: int, options: dict[str, Any]) -> dict[str, Any]:
    """``/inquiry post`` with ``options`` and quiz.pdf chosen in its file option, as Discord
    sends it: the option holds the attachment's id, ``resolved`` the attachment."""
    data = bot.dc._command_data(
        ["inquiry", "post"], {**options, "file": str(ATTACHMENT_ID)}, GUILD_ID, focused=None
    )
    data["resolved"] = {
        "attachments": {
            str(ATTACHMENT_ID): {
                "id": str(ATTACHMENT_ID),
                "filename": "quiz\u202e.pdf",
                "size": 48_213,
                "content_type": "application/pdf",
                "url": ATTACHMENT_URL,
                "proxy_url": ATTACHMENT_URL,
                "ephemeral": True,
            }
        }
    }
    iid = await bot.dc._dispatch_interaction(
        INTERACTION_COMMAND, user, data, guild_id=GUILD_ID, channel_id=None
    )
    request = await bot.dc.wait_for_request("POST", callback_path(iid))
    body: dict[str, Any] = request.json
    return body


async def test_a_file_chosen_in_the_post_commands_attachment_option(synced: Bot) -> None:
    synced.say(ANA, 'community create "Maths" "Maths teachers"')
    synced.say(BEN, "community join maths")
    synced.say(ANA, 'inquiry create "Do retrieval starters help?" community=maths')
    synced.say(BEN, "inquiry join 1")

    options = _option(synced.dc.commands(), "inquiry", "post")
    assert options["file"]["type"] == 11  # ATTACHMENT
    assert options["file"].get("required") is not True
    assert options["text"].get("required") is not True  # a file alone is a post

    posted = await _post_with_file(synced, BEN, {"id": 1, "text": "Quiz results, week 2"})
    shown = text_of(posted["data"])
    assert "Added post #1" in shown and "quiz.pdf" in shown, shown
    assert ATTACHMENT_URL in shown
    with Session(synced.app.engine) as session:
        [attached] = session.exec(select(InquiryFile)).all()
        [post] = session.exec(select(InquiryPost)).all()
    assert (attached.post_id, attached.platform, attached.ref) == (
        post.id,
        "discord",
        str(ATTACHMENT_ID),
    )
    assert (attached.name, attached.size, attached.url) == ("quiz.pdf", 48_213, ATTACHMENT_URL)

    # The file alone, without a note, is a post too; the timeline lists both with their links.
    alone = await _post_with_file(synced, BEN, {"id": 1})
    assert "Added post #2" in text_of(alone["data"])
    timeline = await synced.command(ANA, ["inquiry", "show"], {"id": 1})
    assert text_of(timeline["data"]).count(f"[quiz.pdf](<{ATTACHMENT_URL}>) (48.2 kB)") == 2

    # Neither a note nor a file: a clear error, nothing stored.
    empty = await synced.command(BEN, ["inquiry", "post"], {"id": 1})
    assert "Say what you noticed" in text_of(empty["data"])
    with Session(synced.app.engine) as session:
        assert len(session.exec(select(InquiryPost)).all()) == 2
