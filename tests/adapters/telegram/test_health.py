"""``TelegramPlatform.healthy``: the application and its updater are running."""

from __future__ import annotations

from tests.adapters.telegram.conftest import Bot


async def test_healthy_while_polling_and_not_after_stop(bot: Bot) -> None:
    assert await bot.platform.healthy() is True
    updater = bot.platform.application.updater
    assert updater is not None
    await updater.stop()
    assert await bot.platform.healthy() is False
    await bot.platform.stop()
    assert await bot.platform.healthy() is False
