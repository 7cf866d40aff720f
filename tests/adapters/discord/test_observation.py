"""Peer observation on Discord: Accept is a button that runs as the presser, and the notes are
a form (modal) that reaches the observed teacher alone."""

from __future__ import annotations

from sqlmodel import Session, select

from adapters.discord.modal import FORM_PREFIX
from core.observation.models import Observation, ObservationStatus
from tests.adapters.discord.conftest import (
    ANA,
    BEN,
    CARA,
    GUILD_ID,
    Bot,
    callback_path,
    text_of,
)


def observation(bot: Bot) -> Observation:
    with Session(bot.app.engine) as session:
        return session.exec(select(Observation)).one()


async def test_accept_button_then_notes_form(synced: Bot) -> None:
    synced.say(BEN, "profile set role=teacher")
    ben = synced.member(BEN)
    assert ben is not None
    asked = await synced.command(
        ANA, ["observe", "request"], {"colleague": f"#{ben.id}", "focus": "@everyone questioning"}
    )
    assert "Asked" in text_of(asked["data"])
    assert asked["data"]["allowed_mentions"] == {"parse": []}  # @everyone pings nobody

    shown = await synced.command(BEN, ["observe", "show"], {"id": 1})
    buttons = {
        c["label"]: c["custom_id"] for row in shown["data"]["components"] for c in row["components"]
    }
    assert set(buttons) == {"Accept", "Decline"}
    message = synced.dc.messages()[-1]
    forged = await synced.dc.interaction_component(CARA, buttons["Accept"], message_id=message.id)
    refused = await synced.dc.wait_for_request("POST", callback_path(forged))
    assert "no observation" in text_of(refused.json["data"])
    assert observation(synced).status == ObservationStatus.PROPOSED
    pressed = await synced.dc.interaction_component(BEN, buttons["Accept"], message_id=message.id)
    accepted = await synced.dc.wait_for_request("POST", callback_path(pressed))
    assert "Accepted" in text_of(accepted.json["data"])

    form = await synced.command(BEN, ["observe", "notes"])
    assert form["type"] == 9
    inputs = [row["components"][0]["custom_id"] for row in form["data"]["components"]]
    assert inputs == ["id", "went_well", "evidence", "question", "next_step"]
    submitted = await synced.dc.interaction_modal_submit(
        BEN,
        f"{FORM_PREFIX}observe notes",
        {"id": "1", "went_well": "Calm, purposeful start", "next_step": "Cold call by name"},
        guild_id=GUILD_ID,
    )
    sent = await synced.dc.wait_for_request("POST", callback_path(submitted))
    assert "Notes sent to" in text_of(sent.json["data"])
    found = observation(synced)
    assert found.status == ObservationStatus.DONE
    assert (found.went_well, found.next_step) == ("Calm, purposeful start", "Cold call by name")
