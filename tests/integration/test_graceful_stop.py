"""Stopping a running Staffroom in the middle of a delivery burst, in process: the sends in flight
finish on a still-open platform connection, the rest is handed back, and a restarted Staffroom
sends each of those exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import Session, col, select

from bots.runner import Runner
from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.models import OutboxMessage
from tests.conftest import make_settings
from tests.fakes.fake_telegram import FakeTelegram
from tests.integration.conftest import (
    PROMPT,
    TELEGRAM_TOKEN,
    due_prompts,
    outbox_states,
    wait_for,
)

pytestmark = pytest.mark.timeout(60)

PROMPTS = 200


class SlowTelegram(FakeTelegram):
    """A Bot API that takes ``delay`` seconds to answer each sendMessage."""

    def __init__(self, delay: float) -> None:
        super().__init__(token=TELEGRAM_TOKEN, bot_username="staffroom_bot")
        self.delay = delay

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["method"].lower() == "sendmessage":
            await asyncio.sleep(self.delay)  # the platform's round trip
        return await super()._handle_api(request)


@pytest.fixture
async def slow_telegram() -> AsyncIterator[SlowTelegram]:
    async with SlowTelegram(delay=0.05) as fake:
        yield fake


def prompts_at(fake: FakeTelegram) -> Counter[str]:
    return Counter(
        str(call.params["text"])
        for call in fake.calls_to("sendMessage", include_failed=False)
        if PROMPT in str(call.params["text"])
    )


def staffroom(url: str, clock: FixedClock, fake: FakeTelegram) -> Staffroom:
    settings = make_settings(
        url,
        telegram={
            "token": TELEGRAM_TOKEN,
            "api_base_url": fake.api_base_url,
            "file_base_url": fake.file_base_url,
        },
        delivery={"telegram_per_second": 5000},
    )
    return Staffroom(settings, clock=clock)


def attempts_recorded(app: Staffroom) -> list[Any]:
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage.last_error).where(col(OutboxMessage.attempts) > 0)
            ).all()
        )


async def test_stopping_mid_burst_finishes_in_flight_sends_and_hands_back_the_rest(
    db_url: str, clock: FixedClock, slow_telegram: SlowTelegram
) -> None:
    due_prompts(db_url, PROMPTS, platform="telegram", now=clock.now())
    app = staffroom(db_url, clock, slow_telegram)
    runner = Runner(app, ["telegram"], receive=False)
    await runner.start()
    try:
        await wait_for(lambda: len(prompts_at(slow_telegram)) >= 40, 20, "a burst")
    finally:
        await runner.stop()
    before = prompts_at(slow_telegram)
    states = outbox_states(db_url)
    print(f"\nstopped after {sum(before.values())} prompts; outbox {states}")
    assert sum(before.values()) < PROMPTS, "stopped mid-burst"
    assert attempts_recorded(app) == [], "no send failed because the connection closed under it"
    assert states["leased"] == 0 and states.get("claimed", 0) == 0
    assert states["sent"] == len(before) == sum(before.values())

    again = staffroom(db_url, clock, slow_telegram)
    restarted = Runner(again, ["telegram"], receive=False)
    await restarted.start()
    try:
        await wait_for(lambda: len(prompts_at(slow_telegram)) >= PROMPTS, 30, "every prompt")
    finally:
        await restarted.stop()
    after = prompts_at(slow_telegram)
    print(f"after restart: {len(after)} distinct prompts, {sum(after.values())} sends")
    assert len(after) == PROMPTS and set(after.values()) == {1}
    assert outbox_states(db_url) == {"sent": PROMPTS, "leased": 0}
