"""500 and 429 storms from each fake platform, through the real SDKs and the real delivery engine:
nothing lost, nothing sent twice, no retry before its time (backoff after a 5xx, Retry-After after a
429), and a bounded number of API calls per message.

The engine runs round after round while the injected clock moves one second per round, so every
retry's timing is checked against the clock the engine itself used.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from adapters.telegram.platform import RATE_LIMIT_RETRIES as TELEGRAM_RETRIES
from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import Pacer, deliver_due
from core.delivery.models import OutboxMessage, OutboxState
from core.delivery.ports import Messenger
from core.delivery.settings import DeliverySettings
from tests.conftest import make_settings
from tests.fakes.fake_discord import FakeDiscord, FakeGuild
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.fake_telegram import FakeTelegram
from tests.faults.support import fill_outbox

pytestmark = [pytest.mark.fault, pytest.mark.timeout(90)]

MESSAGES = 12
STORM = 2 * MESSAGES
"""Failures queued at the fake: every message meets about two of them."""
MAX_ROUNDS = 40
DISCORD_GUILD = 910000000000000010
DISCORD_TRIES = 5
"""discord.py's own attempts per request (it retries 5xx and short 429s itself)."""


@dataclass
class Harness:
    """One platform's messenger, the fake behind it, and how to read and program the fake."""

    platform: str
    tenant: str
    chats: list[str]
    messenger: Messenger
    calls: Callable[[], list[tuple[str, bool]]]
    """Every send the fake received so far: (chat, answered successfully), in order."""
    storm: Callable[[int, int], None]
    """Queue ``count`` failures with this HTTP status (500 or 429) for the next sends."""
    calls_per_send: int
    """API calls one engine send may make (the SDK's own retries included)."""


@asynccontextmanager
async def slack(url: str, clock: FixedClock) -> AsyncIterator[tuple[Staffroom, Harness]]:
    from adapters.slack import create_platform

    async with FakeSlack() as fake:
        app = Staffroom(
            make_settings(
                url,
                slack={"mode": "socket", "api_base_url": fake.api_base_url, "bot_token": "xoxb-t"},
            ),
            clock=clock,
        )
        platform = create_platform(app, receive=False)
        queued = [0]

        def calls() -> list[tuple[str, bool]]:
            posts = fake.calls_to("chat.postMessage")
            # The fake answers queued failures first, in order: the first ``served`` posts failed.
            served = queued[0] - len(fake._failures["chat.postMessage"])
            return [(str(c.args["channel"]), n >= served) for n, c in enumerate(posts)]

        def storm(count: int, status: int) -> None:
            assert not fake.calls_to("chat.postMessage"), "storms start before the first send"
            for _n in range(count):
                fake.fail_next("chat.postMessage", status=status)
            queued[0] += count

        chats = [f"C{100 + n}" for n in range(MESSAGES)]
        yield app, Harness("slack", "T1", chats, platform.messenger, calls, storm, 1)
        app.engine.dispose()


@asynccontextmanager
async def telegram(url: str, clock: FixedClock) -> AsyncIterator[tuple[Staffroom, Harness]]:
    from adapters.telegram import create_platform

    async with FakeTelegram(token="123:ABC") as fake:
        app = Staffroom(
            make_settings(
                url,
                telegram={
                    "token": "123:ABC",
                    "api_base_url": fake.api_base_url,
                    "file_base_url": fake.file_base_url,
                },
            ),
            clock=clock,
        )
        platform = create_platform(app, receive=False)
        await platform.start()

        def calls() -> list[tuple[str, bool]]:
            return [(str(c.params["chat_id"]), c.ok) for c in fake.calls_to("sendMessage")]

        def storm(count: int, status: int) -> None:
            for _n in range(count):
                fake.fail_next("sendMessage", error_code=status)

        chats = [str(5000 + n) for n in range(MESSAGES)]
        harness = Harness(
            "telegram", "123", chats, platform.messenger, calls, storm, 1 + TELEGRAM_RETRIES
        )
        try:
            yield app, harness
        finally:
            await platform.stop()
            app.engine.dispose()


@asynccontextmanager
async def discord(url: str, clock: FixedClock) -> AsyncIterator[tuple[Staffroom, Harness]]:
    from adapters.discord import create_platform

    channels = {DISCORD_GUILD + 1 + n: f"room-{n}" for n in range(MESSAGES)}
    guild = FakeGuild(id=DISCORD_GUILD, channels=channels)
    async with FakeDiscord(
        app_id=910000000000000001, bot_user_id=910000000000000002, guilds=[guild], token="dt"
    ) as fake:
        app = Staffroom(
            make_settings(
                url,
                discord={
                    "token": "dt",
                    "api_base_url": fake.api_base_url,
                    "gateway_url": fake.gateway_url,
                },
            ),
            clock=clock,
        )
        platform = create_platform(app, receive=False)
        await platform.start()

        def calls() -> list[tuple[str, bool]]:
            return [
                (r.path.split("/")[2], r.status == 200)
                for r in fake.requests
                if r.method == "POST" and r.path.endswith("/messages")
            ]

        def storm(count: int, status: int) -> None:
            fake.fail_next("POST", r"/channels/\d+/messages", status=status, times=count)

        chats = [str(c) for c in channels]
        harness = Harness(
            "discord", "guild", chats, platform.messenger, calls, storm, DISCORD_TRIES
        )
        try:
            yield app, harness
        finally:
            await platform.stop()
            app.engine.dispose()


PLATFORMS = {"slack": slack, "telegram": telegram, "discord": discord}


def rows(app: Staffroom) -> dict[str, OutboxMessage]:
    with Session(app.engine) as session:
        return {str(r.channel_id): r for r in session.exec(select(OutboxMessage))}


def backoff_floor(attempts: int, settings: DeliverySettings) -> float:
    """The shortest wait the backoff schedule allows after ``attempts`` failed sends."""
    step = min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** (attempts - 1))
    return step / 2


@pytest.mark.parametrize("status", [500, 429])
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
async def test_a_storm_is_ridden_out_with_every_message_delivered_once(
    platform: str, status: int, sqlite_url: str, clock: FixedClock
) -> None:
    async with PLATFORMS[platform](sqlite_url, clock) as (app, h):
        settings = app.settings.delivery
        fill_outbox(sqlite_url, h.platform, h.tenant, h.chats, clock.now(), "Weekly digest")
        h.storm(STORM, status)
        pacer = Pacer.from_settings(settings)
        not_before: dict[str, datetime] = {}
        rounds = 0
        while any(r.state != OutboxState.SENT for r in rows(app).values()):
            rounds += 1
            assert rounds <= MAX_ROUNDS, f"still not delivered after {MAX_ROUNDS} rounds"
            now, seen = clock.now(), len(h.calls())
            before = rows(app)
            await deliver_due(
                app.engine,
                {h.platform: h.messenger},
                now,
                settings,
                "storm",
                pacer=pacer,
                rng=random.Random(rounds),
            )
            this_round = Counter(chat for chat, _ok in h.calls()[seen:])
            for chat, count in this_round.items():
                assert count <= h.calls_per_send, f"{chat}: {count} calls in one send"
                assert now >= not_before.get(chat, now), f"{chat} was retried before its time"
            after = rows(app)
            for chat, row in after.items():
                was = before[chat]
                if row.state == OutboxState.PENDING and row.attempts > was.attempts:
                    floor = timedelta(seconds=backoff_floor(row.attempts, settings))
                    assert row.next_attempt_at - now >= floor, "backoff shorter than the schedule"
                if row.state == OutboxState.PENDING and row.deferrals > was.deferrals:
                    assert row.next_attempt_at > now, "a 429 retried without waiting"
                not_before[chat] = row.next_attempt_at
            clock.advance(timedelta(seconds=1))

        calls = h.calls()
        delivered = Counter(chat for chat, ok in calls if ok)
        failed = sum(1 for _chat, ok in calls if not ok)
        final = rows(app)
        print(
            f"\n{platform} {status} storm: {len(calls)} calls ({failed} refused) in {rounds} "
            f"rounds; attempts {sum(r.attempts for r in final.values())}, "
            f"deferrals {sum(r.deferrals for r in final.values())}"
        )
        assert delivered == Counter({chat: 1 for chat in h.chats}), "each delivered exactly once"
        assert failed <= STORM, "no call beyond the storm and one success per message"
        assert all(r.state == OutboxState.SENT for r in final.values())
