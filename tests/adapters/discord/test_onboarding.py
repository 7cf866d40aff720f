"""First contact on Discord: a newcomer's reply is followed by a private timezone question, with
buttons for the zones likely in their Discord locale, that set the presser's own clock."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.adapters.discord.conftest import (
    ANA,
    APP_ID,
    BEN,
    GUILD_ID,
    Bot,
    callback_path,
    text_of,
)
from tests.fakes.fake_discord import FakeMessage, RecordedRequest

EPHEMERAL = 64
QUIET = 0.3
"""Seconds to be sure no follow-up is coming (one arrives within milliseconds of the reply)."""


async def command(
    bot: Bot, user: int, name: str | list[str], options: dict[str, Any] | None = None, **how: Any
) -> tuple[int, dict[str, Any]]:
    """Run a slash command in the guild; the interaction id and the callback's JSON body."""
    iid = await bot.dc.interaction_command(user, name, options or {}, guild_id=GUILD_ID, **how)
    request = await bot.dc.wait_for_request("POST", callback_path(iid))
    assert request.status == 200, request.json
    body: dict[str, Any] = request.json
    return iid, body


def follow_up_path(bot: Bot, iid: int) -> str:
    return rf"/webhooks/{APP_ID}/{re.escape(bot.dc.interactions[iid].token)}"


async def follow_up(bot: Bot, iid: int) -> RecordedRequest:
    request = await bot.dc.wait_for_request("POST", follow_up_path(bot, iid))
    assert request.status == 200, request.json
    return request


async def no_follow_up(bot: Bot, iid: int) -> None:
    with pytest.raises(TimeoutError):
        await bot.dc.wait_for_request("POST", follow_up_path(bot, iid), timeout=QUIET)


def buttons(body: dict[str, Any]) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in body["components"] for c in row["components"]}


def question_message(bot: Bot, channel_id: int | None = None) -> FakeMessage:
    """The message carrying the question's buttons (a press comes from the message it is on)."""
    return [m for m in bot.dc.messages(channel_id) if m.components][-1]


async def press(bot: Bot, user: int, custom_id: str, message: FakeMessage) -> dict[str, Any]:
    iid = await bot.dc.interaction_component(user, custom_id, message_id=message.id)
    request = await bot.dc.wait_for_request("POST", callback_path(iid))
    data: dict[str, Any] = request.json["data"]
    return data


def zone_of(bot: Bot, user: int) -> str | None:
    member = bot.member(user)
    return member.timezone if member is not None else None


async def test_a_newcomer_is_asked_in_their_language_and_a_button_sets_the_pressers_zone(
    synced: Bot,
) -> None:
    iid, body = await command(synced, ANA, "help", locale="es-ES")
    question = (await follow_up(synced, iid)).json

    assert "cpd" in text_of(body["data"]), "the reply comes first, as usual"
    assert question["flags"] == EPHEMERAL
    assert question["allowed_mentions"] == {"parse": []}
    assert "Elige tu zona horaria" in text_of(question)
    assert "/settings timezone" in text_of(question)
    zones = buttons(question)
    assert list(zones) == ["Madrid", "Mexico City"]
    on = question_message(synced)
    assert on.ephemeral and on.interaction_id == iid

    done = await press(synced, ANA, zones["Madrid"], on)
    assert "Europe/Madrid" in text_of(done)
    assert zone_of(synced, ANA) == "Europe/Madrid"

    synced.say(BEN, "profile set role=teacher")
    await press(synced, BEN, zones["Mexico City"], on)
    assert (zone_of(synced, ANA), zone_of(synced, BEN)) == ("Europe/Madrid", "America/Mexico_City")


async def test_the_question_is_asked_once(synced: Bot) -> None:
    first, _body = await command(synced, ANA, "help", locale="fr")
    assert list(buttons((await follow_up(synced, first)).json)) == ["Paris", "Montreal"]

    again, _body = await command(synced, ANA, "help", locale="fr")
    await no_follow_up(synced, again)
    assert zone_of(synced, ANA) == "UTC", "a question sets nothing by itself"


async def test_someone_known_before_or_who_sets_a_zone_first_is_not_asked(synced: Bot) -> None:
    synced.say(BEN, "profile set role=teacher")
    known, _body = await command(synced, BEN, "help")
    chose, body = await command(synced, ANA, ["settings", "timezone"], {"zone": "Europe/Paris"})

    assert "Europe/Paris" in text_of(body["data"])
    await no_follow_up(synced, known)
    await no_follow_up(synced, chose)


async def test_a_first_dm_is_answered_then_asked(synced: Bot) -> None:
    dm = synced.dc.dm_channel_id(ANA)
    await synced.dc.message_create(ANA, content="help")
    reply = await synced.dc.wait_for_request("POST", rf"/channels/{dm}/messages")
    question = await synced.dc.wait_for_request("POST", rf"/channels/{dm}/messages")

    assert "cpd" in text_of(reply.json)
    assert "Choose your timezone" in text_of(question.json)
    assert question.json["allowed_mentions"] == {"parse": []}
    # A DM says nothing of the person's locale: the install's likely zone is offered.
    [(label, custom_id)] = buttons(question.json).items()
    assert label == "London"
    await press(synced, ANA, custom_id, question_message(synced, dm))
    assert zone_of(synced, ANA) == "Europe/London"
