"""The fake Discord against the real, unmodified discord.py (a tiny Client with a CommandTree)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakes.fake_discord import FakeDiscord, FakeGuild

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000010
CHANNEL_ID = 900000000000000011
TEACHER_ID = 900000000000000100

DONE_BUTTON = "staffroom:cpd:done"
REFLECTION_MODAL = "staffroom:reflect"


class DoneView(discord.ui.View):
    """A persistent view: it survives restarts because its button has a fixed custom id."""

    def __init__(self, presses: list[int]) -> None:
        super().__init__(timeout=None)
        self.presses = presses

    @discord.ui.button(label="Done", custom_id=DONE_BUTTON)
    async def done(
        self, interaction: discord.Interaction, button: discord.ui.Button[DoneView]
    ) -> None:
        self.presses.append(interaction.user.id)
        await interaction.response.send_message("Marked as done.", ephemeral=True)


class ReflectionModal(discord.ui.Modal):
    """A one-field modal that records what was submitted."""

    went_well: discord.ui.TextInput[ReflectionModal] = discord.ui.TextInput(
        label="What went well?", custom_id="went_well"
    )

    def __init__(self, reflections: list[str]) -> None:
        super().__init__(title="Reflection", custom_id=REFLECTION_MODAL)
        self.reflections = reflections

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.reflections.append(self.went_well.value)
        await interaction.response.send_message("Reflection saved.", ephemeral=True)


class TinyBot(discord.Client):
    """Just enough bot to exercise the fake: /cpd log, /cpd summary, /reflect, a button."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.logged: list[tuple[int, float, str]] = []
        self.presses: list[int] = []
        self.reflections: list[str] = []
        self.inbox: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.resumed = asyncio.Event()
        self._add_commands()

    def _add_commands(self) -> None:
        cpd = app_commands.Group(name="cpd", description="Continuing professional development")

        @cpd.command(name="log", description="Log CPD hours")
        @app_commands.describe(hours="Hours spent", note="What you did")
        async def log(interaction: discord.Interaction, hours: float, note: str) -> None:
            self.logged.append((interaction.id, hours, note))
            await interaction.response.send_message(f"Logged {hours:g}h: {note}", ephemeral=True)

        @log.autocomplete("note")
        async def note_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            kinds = ["Workshop", "Reading", "Mentoring"]
            return [app_commands.Choice(name=k, value=k) for k in kinds if current in k.lower()]

        @cpd.command(name="summary", description="Summarise your CPD")
        async def summary(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("Three activities this term.", ephemeral=True)
            await interaction.edit_original_response(content="Summary ready.")

        @app_commands.command(name="reflect", description="Write a reflection")
        async def reflect(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(ReflectionModal(self.reflections))

        self.tree.add_command(cpd)
        self.tree.add_command(reflect)

    async def setup_hook(self) -> None:
        self.add_view(DoneView(self.presses))

    async def on_message(self, message: discord.Message) -> None:
        await self.inbox.put(message)

    async def on_resumed(self) -> None:
        self.resumed.set()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    guild = FakeGuild(id=GUILD_ID, channels={CHANNEL_ID: "staffroom"}, member_ids=[TEACHER_ID])
    async with FakeDiscord(app_id=APP_ID, bot_user_id=BOT_ID, guilds=[guild]) as dc:
        dc.add_user(TEACHER_ID, "ms.khan")
        with dc.install():
            yield dc


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    client = TinyBot()
    await client.login("fake-token")
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(runner, 5)


def _callback_path(interaction_id: int) -> str:
    return rf"/interactions/{interaction_id}/[^/]+/callback"


async def test_login_identify_and_ready(fake: FakeDiscord, bot: TinyBot) -> None:
    assert bot.user is not None and bot.user.id == BOT_ID
    assert bot.application_id == APP_ID
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.get_channel(CHANNEL_ID) is not None
    # Without the members intent discord.py caches only the bot's own member.
    assert guild.me is not None and guild.member_count == 2
    paths = [(r.method, r.path) for r in fake.requests]
    assert ("GET", "/users/@me") in paths and ("GET", "/oauth2/applications/@me") in paths
    identify = await fake.wait_for_frame(2)
    assert identify.d["intents"] == discord.Intents.default().value
    assert fake.connections[0].path == "/gateway"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.api_base_url}/users/@me") as response,
    ):
        assert response.headers["Content-Type"] == "application/json"


async def test_tree_sync_stores_commands(fake: FakeDiscord, bot: TinyBot) -> None:
    synced = await bot.tree.sync()

    put = await fake.wait_for_request("PUT", rf"/applications/{APP_ID}/commands")
    assert {c.name for c in synced} == {"cpd", "reflect"}
    assert all(c.id for c in synced) and put.headers["Authorization"] == "Bot fake-token"
    cpd = next(c for c in fake.commands() if c["name"] == "cpd")
    log = next(o for o in cpd["options"] if o["name"] == "log")
    assert [(o["name"], o["type"]) for o in log["options"]] == [("hours", 10), ("note", 3)]

    bot.tree.copy_global_to(guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    assert {c["name"] for c in fake.commands(GUILD_ID)} == {"cpd", "reflect"}


async def test_group_slash_command_answers_ephemerally(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync()

    iid = await fake.interaction_command(
        TEACHER_ID, ["cpd", "log"], {"hours": 1.5, "note": "Phonics"}, guild_id=GUILD_ID
    )
    request = await fake.wait_for_request("POST", _callback_path(iid))

    assert bot.logged == [(iid, 1.5, "Phonics")]
    assert "Authorization" not in request.headers
    assert request.json["type"] == 4 and request.json["data"]["flags"] == 64
    [response] = fake.interaction_responses(iid)
    assert response.data["content"] == "Logged 1.5h: Phonics"
    [message] = fake.messages(CHANNEL_ID)
    assert message.ephemeral and message.interaction_id == iid

    # In a DM, with option types inferred from Python values.
    dm_iid = await fake.interaction_command(TEACHER_ID, "cpd log", {"hours": 2, "note": "Reading"})
    await fake.wait_for_request("POST", _callback_path(dm_iid))
    assert bot.logged[-1] == (dm_iid, 2.0, "Reading")


async def test_defer_followup_and_edit_original(fake: FakeDiscord, bot: TinyBot) -> None:
    iid = await fake.interaction_command(TEACHER_ID, ["cpd", "summary"], guild_id=GUILD_ID)

    await fake.wait_for_request("PATCH", rf"/webhooks/{APP_ID}/[^/]+/messages/@original")

    [defer] = fake.interaction_responses(iid)
    assert defer.type == 5 and defer.data["flags"] == 64
    original, followup = fake.messages(CHANNEL_ID)
    assert original.content == "Summary ready." and original.edits
    assert followup.content == "Three activities this term." and followup.ephemeral


async def test_button_reaches_persistent_view(fake: FakeDiscord, bot: TinyBot) -> None:
    iid = await fake.interaction_component(
        TEACHER_ID, DONE_BUTTON, message_id=123456789, guild_id=GUILD_ID
    )

    request = await fake.wait_for_request("POST", _callback_path(iid))

    assert bot.presses == [TEACHER_ID]
    assert request.json["data"]["content"] == "Marked as done."
    assert [m.content for m in fake.messages()] == ["Marked as done."]  # not the invented one


async def test_modal_submit_reaches_modal(fake: FakeDiscord, bot: TinyBot) -> None:
    opened = await fake.interaction_command(TEACHER_ID, "reflect", guild_id=GUILD_ID)
    request = await fake.wait_for_request("POST", _callback_path(opened))
    assert request.json["type"] == 9 and request.json["data"]["custom_id"] == REFLECTION_MODAL

    submitted = await fake.interaction_modal_submit(
        TEACHER_ID, REFLECTION_MODAL, {"went_well": "Group work"}, guild_id=GUILD_ID
    )
    await fake.wait_for_request("POST", _callback_path(submitted))

    assert bot.reflections == ["Group work"]


async def test_autocomplete_returns_choices(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync()

    iid = await fake.interaction_autocomplete(
        TEACHER_ID,
        "cpd log",
        focused="note",
        value="read",
        options={"hours": 1.0},
        guild_id=GUILD_ID,
    )
    request = await fake.wait_for_request("POST", _callback_path(iid))

    assert request.json == {
        "type": 8,
        "data": {"choices": [{"name": "Reading", "value": "Reading"}]},
    }
    assert bot.logged == []


async def test_channel_send_records_allowed_mentions_and_files(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    channel = bot.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)

    sent = await channel.send("<@42> hello", allowed_mentions=discord.AllowedMentions.none())
    blob = b"\x00\x01\r\n--binary--\r\n\xff"
    with_file = await channel.send("notes", file=discord.File(io.BytesIO(blob), "notes.bin"))

    first, second = fake.messages(CHANNEL_ID)
    assert first.id == sent.id and first.allowed_mentions == {"parse": []}
    assert second.files[0].data == blob and second.attachments[0]["filename"] == "notes.bin"
    assert await with_file.attachments[0].read() == blob

    edited = await sent.edit(content="hello again")
    assert edited.content == "hello again" == fake.message(sent.id).content
    await sent.delete()
    assert [m.id for m in fake.messages(CHANNEL_ID)] == [with_file.id]


async def test_direct_messages_and_message_intents(fake: FakeDiscord, bot: TinyBot) -> None:
    user = await bot.fetch_user(TEACHER_ID)
    dm = await user.create_dm()
    await dm.send("Welcome to Staffroom")

    assert dm.id == fake.dm_channel_id(TEACHER_ID)
    assert fake.requests[-2].json == {"recipient_id": TEACHER_ID}
    assert [m.content for m in fake.messages(dm.id)] == ["Welcome to Staffroom"]

    # No message-content intent: DMs and mentions keep their content, other guild messages don't.
    await fake.message_create(TEACHER_ID, content="hi bot")
    await fake.message_create(TEACHER_ID, CHANNEL_ID, "chatter", guild_id=GUILD_ID)
    await fake.message_create(TEACHER_ID, CHANNEL_ID, f"<@{BOT_ID}> help", guild_id=GUILD_ID)
    received = [await asyncio.wait_for(bot.inbox.get(), 5) for _ in range(3)]
    assert [m.content for m in received] == ["hi bot", "", f"<@{BOT_ID}> help"]
    assert isinstance(received[0].channel, discord.DMChannel) and received[1].guild is not None


async def test_rate_limit_with_via_header_is_retried(fake: FakeDiscord, bot: TinyBot) -> None:
    channel = bot.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    path = rf"/channels/{CHANNEL_ID}/messages"
    fake.fail_next("POST", path, status=429, retry_after=0.2)

    started = time.monotonic()
    await channel.send("after a pause")

    assert time.monotonic() - started >= 0.2
    assert [r.status for r in fake.requests if r.path == path] == [429, 200]
    assert len(fake.messages(CHANNEL_ID)) == 1

    fake.fail_next("POST", path, status=429, via=False)
    with pytest.raises(discord.HTTPException) as banned:
        await channel.send("no Via header looks like a Cloudflare ban")
    assert banned.value.status == 429

    fake.fail_next("POST", path, status=403)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("missing permissions")
    assert forbidden.value.code == 50013

    fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback", status=429, retry_after=0.1)
    iid = await fake.interaction_command(
        TEACHER_ID, "cpd log", {"hours": 1.0, "note": "x"}, guild_id=GUILD_ID
    )
    await fake.wait_for_request("POST", _callback_path(iid), status=200)
    assert len(fake.interaction_responses(iid)) == 1


async def test_server_error_is_retried(fake: FakeDiscord, bot: TinyBot) -> None:
    channel = bot.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST", rf"/channels/{CHANNEL_ID}/messages", status=500)

    await channel.send("eventually")  # discord.py waits 1 s before retrying a 500

    assert [r.status for r in fake.requests if r.method == "POST"] == [500, 200]


async def test_reconnect_resumes_and_delivers_queued_interaction_once(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    async with fake.holding_resumes():
        await fake.send_reconnect()
        queued = await fake.interaction_command(
            TEACHER_ID, "cpd log", {"hours": 0.5, "note": "queued"}, guild_id=GUILD_ID
        )

    resume = await fake.wait_for_frame(6)
    await fake.wait_for_request("POST", _callback_path(queued))
    await asyncio.wait_for(bot.resumed.wait(), 5)
    live = await fake.interaction_command(
        TEACHER_ID, "cpd log", {"hours": 1.0, "note": "live"}, guild_id=GUILD_ID
    )
    await fake.wait_for_request("POST", _callback_path(live))

    assert resume.d["session_id"] in fake.sessions
    replayed = [int(d["id"]) for _, _, t, d in fake.replayed if t == "INTERACTION_CREATE"]
    assert replayed == [queued]
    assert fake.connections[-1].path == "/gateway-resume"
    assert [iid for iid, _, _ in bot.logged] == [queued, live]
    callbacks = [r for r in fake.requests if r.path.endswith("/callback")]
    assert len(callbacks) == 2 and all(r.status == 200 for r in callbacks)
    assert not [f for f in fake.frames if f.op == 2][1:], "resumed, not re-identified"


async def test_dropped_socket_resumes(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.disconnect(code=4000)
    iid = await fake.interaction_command(TEACHER_ID, "reflect", guild_id=GUILD_ID)

    await fake.wait_for_frame(6)
    await fake.wait_for_request("POST", _callback_path(iid))

    assert len(fake.interaction_responses(iid)) == 1


@pytest.mark.slow
async def test_invalid_session_makes_bot_identify_again(fake: FakeDiscord, bot: TinyBot) -> None:
    first = await fake.wait_for_frame(2)
    await fake.invalidate_sessions()

    # Client.before_identify_hook sleeps 5 s before every IDENTIFY but the first.
    second = await fake.wait_for_frame(2, timeout=10)
    iid = await fake.interaction_command(TEACHER_ID, "reflect", guild_id=GUILD_ID)
    await fake.wait_for_request("POST", _callback_path(iid))

    assert second.connection > first.connection and len(fake.sessions) == 1
