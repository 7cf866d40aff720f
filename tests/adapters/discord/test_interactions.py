"""Autocomplete, persistent buttons (run as the presser) and modal forms with validation."""

from __future__ import annotations

from sqlmodel import Session, select

from adapters.discord.modal import FORM_PREFIX
from tests.adapters.discord.conftest import (
    ANA,
    BEN,
    CARA,
    GUILD_ID,
    Bot,
    callback_path,
    text_of,
)

EPHEMERAL = 64


async def autocomplete(
    bot: Bot, user: int, name: list[str], focused: str, value: str
) -> list[dict[str, object]]:
    iid = await bot.dc.interaction_autocomplete(user, name, focused, value, guild_id=GUILD_ID)
    request = await bot.dc.wait_for_request("POST", callback_path(iid))
    assert request.json["type"] == 8
    choices: list[dict[str, object]] = request.json["data"]["choices"]
    return choices


async def test_autocomplete_offers_community_slugs(synced: Bot) -> None:
    synced.say(ANA, 'community create "Maths Secondary"')
    synced.say(ANA, 'community create "Early Reading"')

    choices = await autocomplete(synced, BEN, ["community", "join"], "community", "math")

    assert [c["value"] for c in choices] == ["maths-secondary"]
    assert choices[0]["name"] == "Maths Secondary (maths-secondary)"
    assert synced.member(BEN) is None, "typing registers nobody"


async def test_autocomplete_offers_cpd_categories_and_the_members_own_ids(synced: Bot) -> None:
    synced.say(ANA, 'cpd log 1.5 "Formative assessment workshop" category=workshop')
    synced.say(BEN, 'cpd log 2 "Ben reads Rosenshine" category=reading')

    categories = await autocomplete(synced, ANA, ["cpd", "log"], "category", "read")
    ids = await autocomplete(synced, ANA, ["cpd", "delete"], "id", "")

    assert [c["value"] for c in categories] == ["reading"]
    assert len(ids) == 1 and "Formative assessment" in str(ids[0]["name"])


async def test_a_button_runs_as_the_person_who_pressed_it(synced: Bot) -> None:
    synced.say(ANA, 'community create "Maths Secondary"')
    body = await synced.command(BEN, ["community", "info"], {"community": "maths-secondary"})
    buttons = [c for row in body["data"]["components"] for c in row["components"]]
    join = next(b for b in buttons if b["label"] == "Join")
    assert join["custom_id"].startswith("sr:")
    message = synced.dc.messages()[-1]

    iid = await synced.dc.interaction_component(CARA, join["custom_id"], message_id=message.id)
    request = await synced.dc.wait_for_request("POST", callback_path(iid))

    assert "Maths Secondary" in text_of(request.json["data"])
    members = synced.say(ANA, "community members maths-secondary").plain_text()
    assert "Cara" in members and "Ben" not in members


async def test_a_button_survives_a_restart_and_an_expired_one_says_so(synced: Bot) -> None:
    from adapters.discord import create_platform
    from core.actions.models import ActionKey

    synced.say(ANA, 'community create "Maths Secondary"')
    body = await synced.command(BEN, ["community", "info"], {"community": "maths-secondary"})
    buttons = {
        c["label"]: c["custom_id"] for row in body["data"]["components"] for c in row["components"]
    }
    message = synced.dc.messages()[-1]
    await synced.platform.stop()
    synced.platform = create_platform(synced.app, guild_ready_timeout=0.05, ready_wait=5)
    await synced.platform.start()
    with synced.app.session() as session:
        members_key = buttons["Members"].removeprefix("sr:")
        stale = session.get(ActionKey, members_key)
        assert stale is not None
        session.delete(stale)

    pressed = await synced.dc.interaction_component(BEN, buttons["Join"], message_id=message.id)
    expired = await synced.dc.interaction_component(BEN, buttons["Members"], message_id=message.id)
    joined = await synced.dc.wait_for_request("POST", callback_path(pressed))
    gone = await synced.dc.wait_for_request("POST", callback_path(expired))

    assert "Welcome to" in text_of(joined.json["data"])
    assert "expired" in text_of(gone.json["data"])
    assert gone.json["data"]["flags"] == EPHEMERAL


async def test_cpd_log_without_options_opens_a_form(synced: Bot) -> None:
    body = await synced.command(ANA, ["cpd", "log"])

    assert body["type"] == 9
    modal = body["data"]
    assert modal["custom_id"] == f"{FORM_PREFIX}cpd log"
    inputs = [row["components"][0] for row in modal["components"]]
    assert [i["custom_id"] for i in inputs][:2] == ["hours", "title"]
    assert len(inputs) <= 5 and inputs[0]["required"] is True


async def test_a_form_with_a_bad_value_names_the_field_and_stores_nothing(synced: Bot) -> None:
    from core.cpd.models import CpdActivity

    bad = await synced.dc.interaction_modal_submit(
        ANA, f"{FORM_PREFIX}cpd log", {"hours": "lots", "title": "Phonics CPD"}, guild_id=GUILD_ID
    )
    refused = await synced.dc.wait_for_request("POST", callback_path(bad))
    good = await synced.dc.interaction_modal_submit(
        ANA, f"{FORM_PREFIX}cpd log", {"hours": "90m", "title": "Phonics CPD"}, guild_id=GUILD_ID
    )
    accepted = await synced.dc.wait_for_request("POST", callback_path(good))

    shown = text_of(refused.json["data"])
    assert refused.json["data"]["flags"] == EPHEMERAL
    assert "hours" in shown.lower() and '"Hours"' in shown
    assert "⚠️" not in text_of(accepted.json["data"])
    with Session(synced.app.engine) as session:
        rows = session.exec(select(CpdActivity)).all()
    assert [(r.title, r.hours) for r in rows] == [("Phonics CPD", 1.5)]


async def test_an_out_of_date_form_says_so(synced: Bot) -> None:
    iid = await synced.dc.interaction_modal_submit(
        ANA, f"{FORM_PREFIX}cpd teleport", {"hours": "1"}, guild_id=GUILD_ID
    )
    request = await synced.dc.wait_for_request("POST", callback_path(iid))

    assert "out of date" in text_of(request.json["data"])
