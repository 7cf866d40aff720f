"""Starting and stopping the Discord platform leaves nothing running behind it, even when the
gateway connection has already failed."""

from __future__ import annotations

import asyncio

import discord
import pytest

from adapters.discord import create_platform
from core.clock import FixedClock
from tests.adapters.discord.conftest import Bot, discord_staffroom
from tests.fakes.fake_discord import FakeDiscord


async def test_stop_after_the_gateway_refused_us_closes_everything(bot: Bot) -> None:
    await bot.dc.disconnect(code=4004)  # authentication failed: discord.py does not reconnect
    runner = bot.platform._runner
    assert runner is not None
    with pytest.raises(discord.ConnectionClosed):
        await asyncio.wait_for(asyncio.shield(runner), 5)
    assert await bot.platform.healthy() is False
    await bot.platform.stop()
    assert bot.platform.client.is_closed()  # no heartbeat left: see no_heartbeat_outlives_its_test


async def test_a_start_that_fails_leaves_nothing_open(
    sqlite_url: str, clock: FixedClock, dc: FakeDiscord
) -> None:
    app = discord_staffroom(sqlite_url, clock, dc, token="not-the-token")
    platform = create_platform(app, guild_ready_timeout=0.05, ready_wait=5)
    try:
        with pytest.raises(discord.LoginFailure):
            await platform.start()
        assert platform.client.is_closed()  # its HTTP session too: nothing left to stop
    finally:
        await platform.stop()
        app.engine.dispose()
