"""Slash commands end to end: login, explicit sync, interactions answered through the callback."""

from __future__ import annotations

import discord
from sqlmodel import Session, select

from adapters.discord import sync_commands
from adapters.discord.tree import discord_path
from core.app import build_registry
from core.clock import FixedClock
from core.features import FEATURES
from core.params import Kind
from tests.adapters.discord.conftest import (
    ANA,
    APP_ID,
    BEN,
    CHANNEL_ID,
    GUILD_ID,
    TOKEN,
    Bot,
    callback_path,
    text_of,
)

REGISTRY = build_registry(FEATURES)

EPHEMERAL = 64


async def test_login_and_ready_with_minimal_intents_and_no_sync_on_start(bot: Bot) -> None:
    identify = await bot.dc.wait_for_frame(2)
    expected = discord.Intents.none()
    expected.guilds = expected.dm_messages = True

    assert identify.d["intents"] == expected.value
    assert bot.platform.client.application_id == APP_ID
    assert bot.platform.client.is_ready()
    assert not [r for r in bot.dc.requests if r.method == "PUT"], "never sync on start"


def _options(node: dict[str, object]) -> list[dict[str, object]]:
    found = node.get("options") or []
    assert isinstance(found, list)
    return found


def _find(commands: list[dict[str, object]], path: tuple[str, ...]) -> dict[str, object]:
    node = next(c for c in commands if c["name"] == path[0])
    for part in path[1:]:
        node = next(o for o in _options(node) if o["name"] == part)
    return node


async def test_sync_registers_every_registry_command(bot: Bot) -> None:
    synced = await sync_commands(bot.app.settings)

    stored = bot.dc.commands()
    assert {c.name for c in synced} == {c["name"] for c in stored} == set(REGISTRY.groups())
    for command in REGISTRY.commands.values():
        node = _find(stored, discord_path(command, REGISTRY))
        options = {str(o["name"]): o for o in _options(node)}
        assert set(options) == {p.name for p in command.params}, command.name
        for param in command.params:
            option = options[param.name]
            if param.kind in (Kind.INT, Kind.ID) and not param.choices:
                assert option["type"] == 4, (command.name, param.name)
            if param.kind is Kind.BOOL:
                assert option["type"] == 5
            if param.kind in (Kind.HOURS, Kind.TEXT, Kind.TAGS, Kind.LONG_TEXT):
                assert option["type"] == 3
            if param.choices and len(param.choices) <= 25:
                assert [c["value"] for c in option["choices"]] == list(param.choices)  # type: ignore[index]
            if param.kind is Kind.COMMUNITY:
                assert option.get("autocomplete") is True
            assert option.get("required", False) == (param.required and not command.form)
            assert 1 <= len(str(option["description"])) <= 100
        required = [bool(o.get("required")) for o in _options(node)]
        assert required == sorted(required, reverse=True), "required options come first"
    assert _find(stored, ("reflect", "now"))["type"] == 1
    assert _find(stored, ("cpd", "goal"))["type"] == 2


async def test_guild_sync(bot: Bot) -> None:
    await sync_commands(bot.app.settings, GUILD_ID)

    assert {c["name"] for c in bot.dc.commands(GUILD_ID)} == set(REGISTRY.groups())
    assert bot.dc.commands() == []


async def test_help_answers_privately_through_the_callback(synced: Bot) -> None:
    body = await synced.command(ANA, "help")

    assert body["type"] == 4
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert "cpd" in text_of(body["data"])


async def test_profile_set_stores_and_answers_privately(synced: Bot) -> None:
    body = await synced.command(
        ANA,
        ["profile", "set"],
        {"name": "Ana Khan", "role": "teacher", "timezone": "Europe/London", "experience": 7},
    )

    assert body["data"]["flags"] == EPHEMERAL
    member = synced.member(ANA)
    assert member is not None
    assert (member.display_name, member.timezone, member.years_experience) == (
        "Ana Khan",
        "Europe/London",
        7,
    )


async def test_a_bad_option_value_is_a_friendly_error(synced: Bot) -> None:
    body = await synced.command(ANA, ["settings", "timezone"], {"zone": "Mars/Olympus"})

    assert body["data"]["flags"] == EPHEMERAL
    assert "timezone" in text_of(body["data"]).lower()


async def test_link_gives_a_code_only_to_the_asker(synced: Bot) -> None:
    body = await synced.command(ANA, "link", guild=False)

    assert body["data"]["flags"] == EPHEMERAL
    assert "link" in text_of(body["data"]).lower()


async def test_slow_work_is_deferred_then_followed_up(synced: Bot) -> None:
    synced.platform.inbound.answer_within = 0  # every command counts as slow

    iid = await synced.dc.interaction_command(ANA, "help", guild_id=GUILD_ID)
    await synced.dc.wait_for_request("POST", rf"/webhooks/{APP_ID}/[^/]+")

    [deferral] = synced.dc.interaction_responses(iid)
    assert deferral.type == 5 and deferral.data["flags"] == EPHEMERAL
    messages = [m for m in synced.dc.messages() if m.interaction_id == iid]
    assert any("cpd" in text_of(m) for m in messages)


async def test_privacy_export_is_a_file(synced: Bot) -> None:
    synced.say(ANA, "profile set name=Ana")
    iid = await synced.dc.interaction_command(ANA, ["privacy", "export"], guild_id=GUILD_ID)
    await synced.dc.wait_for_request("POST", callback_path(iid))

    [response] = synced.dc.interaction_responses(iid)
    assert response.data["flags"] == EPHEMERAL
    assert response.files and response.files[0].filename
    assert b"Ana" in response.files[0].data


async def test_reconnect_resumes_without_losing_or_doubling_an_interaction(synced: Bot) -> None:
    dc = synced.dc
    async with dc.holding_resumes():
        await dc.send_reconnect()
        queued = await dc.interaction_command(ANA, "help", guild_id=GUILD_ID)

    await dc.wait_for_frame(6)
    await dc.wait_for_request("POST", callback_path(queued))
    live = await dc.interaction_command(BEN, "help", guild_id=GUILD_ID)
    await dc.wait_for_request("POST", callback_path(live))

    replayed = [int(d["id"]) for _, _, t, d in dc.replayed if t == "INTERACTION_CREATE"]
    assert replayed == [queued]
    assert len(dc.interaction_responses(queued)) == 1
    assert len(dc.interaction_responses(live)) == 1
    callbacks = [r for r in dc.requests if r.path.endswith("/callback")]
    assert [r.status for r in callbacks] == [200, 200]
    assert len([f for f in dc.frames if f.op == 2]) == 1, "resumed, not identified again"
    with Session(synced.app.engine) as session:
        from core.identity.models import Account

        assert len(session.exec(select(Account)).all()) == 2


async def test_configured_shards_use_the_sharded_client(sqlite_url: str, clock: FixedClock) -> None:
    from adapters.discord import create_platform
    from adapters.discord.client import ShardedStaffroomClient
    from tests.adapters.discord.conftest import discord_staffroom
    from tests.fakes.fake_discord import FakeDiscord

    async with FakeDiscord(app_id=APP_ID, bot_user_id=1, guilds=[GUILD_ID], token=TOKEN) as dc:
        app = discord_staffroom(sqlite_url, clock, dc, shard_count=1)
        platform = create_platform(app, guild_ready_timeout=0.05, ready_wait=5)
        await platform.start()
        try:
            iid = await dc.interaction_command(ANA, "help", guild_id=GUILD_ID)
            await dc.wait_for_request("POST", callback_path(iid))
        finally:
            await platform.stop()
            app.engine.dispose()

    assert isinstance(platform.client, ShardedStaffroomClient)
    assert (await dc.wait_for_frame(2)).d["shard"] == [0, 1]


async def test_a_failed_answer_becomes_a_private_apology(synced: Bot) -> None:
    synced.dc.fail_next("POST", r"/interactions/\d+/[^/]+/callback", status=400)

    iid = await synced.dc.interaction_command(ANA, "help", guild_id=GUILD_ID)
    await synced.dc.wait_for_request("POST", callback_path(iid), status=200)

    [response] = synced.dc.interaction_responses(iid)
    assert response.type == 4 and response.data["flags"] == EPHEMERAL
    assert "Something went wrong on our side" in text_of(response.data)


async def test_a_failed_deferral_waits_for_the_work_and_apologises(synced: Bot) -> None:
    synced.platform.inbound.answer_within = 0
    synced.dc.fail_next("POST", r"/interactions/\d+/[^/]+/callback", status=400)

    iid = await synced.dc.interaction_command(
        ANA, ["profile", "set"], {"school": "Hillside"}, guild_id=GUILD_ID
    )
    await synced.dc.wait_for_request("POST", callback_path(iid), status=200)

    [response] = synced.dc.interaction_responses(iid)
    assert "Something went wrong on our side" in text_of(response.data)
    member = synced.member(ANA)
    assert member is not None and member.school == "Hillside", "the work was not orphaned"


async def test_a_slow_public_reply_is_posted_in_the_channel(synced: Bot) -> None:
    synced.say(ANA, 'community create "Maths Secondary"')
    synced.platform.inbound.answer_within = 0  # every command counts as slow

    iid = await synced.dc.interaction_command(
        ANA, ["community", "bind"], {"community": "maths-secondary"}, guild_id=GUILD_ID
    )
    await synced.dc.wait_for_request("PATCH", rf"/webhooks/{APP_ID}/[^/]+/messages/@original")

    [deferral] = synced.dc.interaction_responses(iid)
    assert deferral.type == 5 and deferral.data["flags"] == EPHEMERAL
    pointer = synced.dc.message(synced.dc.interactions[iid].original_message_id or 0)
    assert pointer.ephemeral and "posted in this channel" in pointer.content
    [posted] = [m for m in synced.dc.messages(CHANNEL_ID) if m.interaction_id is None]
    assert not posted.ephemeral and posted.allowed_mentions == {"parse": []}
    assert "Maths Secondary" in text_of(posted)
