"""A Staffroom on SQLite with the real python-telegram-bot pointed at the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.telegram import TelegramPlatform, create_platform
from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account, Member
from tests.conftest import make_settings
from tests.fakes.fake_telegram import FakeTelegram

TOKEN = "123:ABC"
BOT_ID = "123"
ANA, BEN = 42, 77


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, bot_username="staffroom_bot") as fake:
        yield fake


def telegram_staffroom(
    url: str,
    clock: FixedClock,
    tg: FakeTelegram,
    **telegram: Any,
) -> Staffroom:
    settings = make_settings(
        url,
        telegram={
            "token": TOKEN,
            "api_base_url": tg.api_base_url,
            "file_base_url": tg.file_base_url,
            **telegram,
        },
        server={"host": "127.0.0.1", "port": 0},
    )
    return Staffroom(settings, clock=clock)


@dataclass
class Bot:
    """The running bot, its fake Telegram and its Staffroom."""

    tg: FakeTelegram
    app: Staffroom
    platform: TelegramPlatform

    async def say(self, user: int, text: str, *, answer_in: int | None = None, **kw: Any) -> str:
        """Send ``text`` as ``user``; return the HTML of the bot's next message to ``answer_in``
        (default: the user's private chat)."""
        self.tg.push_text(user, text, **kw)
        chat = user if answer_in is None else answer_in
        call = await self.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == chat)
        return str(call.params["text"])

    def account(self, user: int) -> Account | None:
        with Session(self.app.engine) as session:
            return session.exec(
                select(Account).where(
                    Account.platform == "telegram",
                    Account.tenant == BOT_ID,
                    Account.user_id == str(user),
                )
            ).first()

    def member(self, user: int) -> Member | None:
        account = self.account(user)
        if account is None:
            return None
        with Session(self.app.engine) as session:
            return session.get(Member, account.member_id)


@pytest.fixture
async def make_bot(
    tg: FakeTelegram, sqlite_url: str, clock: FixedClock
) -> AsyncIterator[Callable[..., Awaitable[Bot]]]:
    """Start a bot (optionally with other telegram settings); stopped at the end."""
    started: list[Bot] = []

    async def start(**telegram: Any) -> Bot:
        app = telegram_staffroom(sqlite_url, clock, tg, **telegram)
        platform = create_platform(app)
        await platform.start()
        started.append(Bot(tg, app, platform))
        return started[-1]

    yield start
    for running in started:
        await running.platform.stop()
        running.app.engine.dispose()


@pytest.fixture
async def bot(make_bot: Callable[..., Awaitable[Bot]]) -> Bot:
    return await make_bot()
