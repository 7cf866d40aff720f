"""Collaborative inquiry on Discord: the Join button runs as the presser (a colleague outside
the community is refused), and the findings command takes its text as an option."""

from __future__ import annotations

from sqlmodel import Session, select

from core.inquiry.models import InquiryMember
from core.resources.models import Resource
from tests.adapters.discord.conftest import ANA, BEN, CARA, Bot, callback_path, text_of


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
