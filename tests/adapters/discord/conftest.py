"""A Staffroom on SQLite with the real discord.py pointed at the fake Discord REST API and gateway."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.discord import DiscordPlatform, create_platform
from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account, Member
from core.reply import Reply
from tests.conftest import make_settings
from tests.fakes.fake_discord import FakeDiscord, FakeGuild, FakeMessage
from tests.talk import say

APP_ID = 910000000000000001
BOT_ID = 910000000000000002
GUILD_ID = 910000000000000010
CHANNEL_ID = 910000000000000011
ANA = 910000000000000100
BEN = 910000000000000101
CARA = 910000000000000102
TOKEN = "fake-discord-token"


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    guild = FakeGuild(id=GUILD_ID, channels={CHANNEL_ID: "staffroom"}, member_ids=[ANA, BEN, CARA])
    async with FakeDiscord(app_id=APP_ID, bot_user_id=BOT_ID, guilds=[guild], token=TOKEN) as fake:
        fake.add_user(ANA, "ana.k", global_name="Ana")
        fake.add_user(BEN, "ben.t", global_name="Ben")
        fake.add_user(CARA, "cara.m", global_name="Cara")
        yield fake


def discord_staffroom(url: str, clock: FixedClock, dc: FakeDiscord, **discord: Any) -> Staffroom:
    settings = make_settings(
        url,
        discord={
            "token": TOKEN,
            "api_base_url": dc.api_base_url,
            "gateway_url": dc.gateway_url,
            **discord,
        },
    )
    return Staffroom(settings, clock=clock)


@dataclass
class Bot:
    """The running bot, its fake Discord and its Staffroom."""

    dc: FakeDiscord
    app: Staffroom
    platform: DiscordPlatform

    async def command(
        self,
        user: int,
        name: str | list[str],
        options: dict[str, Any] | None = None,
        *,
        guild: bool = True,
    ) -> dict[str, Any]:
        """Run a slash command as ``user``; return the interaction callback's JSON body."""
        iid = await self.dc.interaction_command(
            user, name, options or {}, guild_id=GUILD_ID if guild else None
        )
        request = await self.dc.wait_for_request("POST", callback_path(iid))
        assert request.status == 200, request.json
        body: dict[str, Any] = request.json
        return body

    def member(self, user: int) -> Member | None:
        with Session(self.app.engine) as session:
            account = session.exec(
                select(Account).where(
                    Account.platform == "discord",
                    Account.tenant == str(APP_ID),
                    Account.user_id == str(user),
                )
            ).first()
            return session.get(Member, account.member_id) if account else None

    def say(self, user: int, text: str) -> Reply:
        """Talk to the core directly as a Discord user (set-up steps that are not under test)."""
        return say(self.app, text, user=str(user), platform="discord", tenant=str(APP_ID))

    def advance(self, delta: timedelta) -> None:
        clock = self.app.clock
        assert isinstance(clock, FixedClock)
        clock.advance(delta)


def callback_path(interaction_id: int) -> str:
    return rf"/interactions/{interaction_id}/[^/]+/callback"


def text_of(message: FakeMessage | dict[str, Any]) -> str:
    """Everything a message shows as text: content, embed titles, descriptions, fields, footers."""
    data = (
        message
        if isinstance(message, dict)
        else {"content": message.content, "embeds": message.embeds}
    )
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


@pytest.fixture
async def bot(sqlite_url: str, clock: FixedClock, dc: FakeDiscord) -> AsyncIterator[Bot]:
    app = discord_staffroom(sqlite_url, clock, dc)
    platform = create_platform(app, guild_ready_timeout=0.05, ready_wait=5)
    await platform.start()
    running = Bot(dc, app, platform)
    try:
        yield running
    finally:
        # A test may have restarted the bot: stop the platform it ended with, not only the first.
        await running.platform.stop()
        await platform.stop()
        app.engine.dispose()


def keep_alive_threads() -> list[threading.Thread]:
    """discord.py's heartbeat threads still running (one per open gateway connection)."""
    return [t for t in threading.enumerate() if t.name.startswith("keep-alive-handler")]


@pytest.fixture(autouse=True)
def no_heartbeat_outlives_its_test() -> Iterator[None]:
    """A heartbeat thread left running outlives its event loop and fails a later test with
    "Event loop is closed": every Discord test must leave none behind."""
    yield
    # KeepAliveHandler.stop() only sets an event: the thread ends as soon as it next wakes.
    for thread in keep_alive_threads():
        thread.join(timeout=1)
    assert keep_alive_threads() == []


@pytest.fixture
async def synced(bot: Bot) -> Bot:
    """The bot with its commands synced (as ``staffroom discord sync`` would have done)."""
    from adapters.discord import sync_commands

    await sync_commands(bot.app.settings)
    return bot
