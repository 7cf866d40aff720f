"""``DiscordPlatform.healthy``: the gateway is connected and READY."""

from __future__ import annotations

from tests.adapters.discord.conftest import Bot


async def test_healthy_when_ready_and_not_after_stop(bot: Bot) -> None:
    assert await bot.platform.healthy() is True
    await bot.platform.stop()
    assert await bot.platform.healthy() is False
