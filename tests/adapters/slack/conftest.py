"""A Staffroom on SQLite with its Slack platform started against the fake Slack on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from adapters.slack import SlackPlatform, create_platform
from adapters.slack.inbound import CONCURRENT_WORK
from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account, Member
from tests.conftest import make_settings
from tests.fakes.fake_slack import FakeSlack, SlackCall, sign

SECRET = "test-signing-secret"


def slack_app(url: str, fake: FakeSlack, clock: FixedClock, mode: str) -> Staffroom:
    """A Staffroom whose Slack settings point at the fake."""
    settings = make_settings(
        url,
        slack={
            "mode": mode,
            "api_base_url": fake.api_base_url,
            "bot_token": "xoxb-test",
            "app_token": "xapp-test",
            "signing_secret": SECRET,
        },
        server={"host": "127.0.0.1", "port": 0},
    )
    return Staffroom(settings, clock=clock)


@dataclass
class Harness:
    app: Staffroom
    platform: SlackPlatform
    fake: FakeSlack
    session: aiohttp.ClientSession | None = None

    async def post(
        self, body: str, headers: dict[str, str] | None = None, **signing: Any
    ) -> tuple[int, str]:
        """POST a body to the Slack endpoint, signed correctly unless ``headers`` are given."""
        assert self.session is not None and self.platform.port is not None
        url = f"http://127.0.0.1:{self.platform.port}/slack/events"
        sent = headers if headers is not None else sign(SECRET, body, **signing)
        async with self.session.post(url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    @contextlib.asynccontextmanager
    async def one_at_a_time(self) -> AsyncIterator[None]:
        """Work on one request at a time, in the order they came (the others' slots are held)."""
        work = self.platform.inbound.work
        for _ in range(CONCURRENT_WORK - 1):
            await work.acquire()
        try:
            yield
        finally:
            for _ in range(CONCURRENT_WORK - 1):
                work.release()

    async def posts_until(self, thread_ts: str) -> list[SlackCall]:
        """Every chat.postMessage up to the one answering in thread ``thread_ts``.

        Send a last message in a thread of its own as a marker: within ``one_at_a_time``, once
        its answer is out, so is every answer to what was sent before it, and a count can be
        asserted exactly.
        """
        count = 1
        while True:
            posts = await self.fake.wait_for_calls("chat.postMessage", count=count)
            if any(p.args.get("thread_ts") == thread_ts for p in posts):
                return posts
            count = len(posts) + 1

    async def responses_until(self, name: str) -> list[str]:
        """The names of the response_url answers up to the first one to ``name``: the same
        kind of marker as ``posts_until``, for slash commands and buttons."""
        count = 1
        while True:
            names = [r.name for r in await self.fake.wait_for_responses(count)]
            if name in names:
                return names
            count = len(names) + 1

    def member_of(self, user_id: str) -> Member | None:
        with Session(self.app.engine) as session:
            account = session.exec(select(Account).where(Account.user_id == user_id)).first()
            return session.get(Member, account.member_id) if account else None

    def count(self, model: type[Any]) -> int:
        with Session(self.app.engine) as session:
            return len(session.exec(select(model)).all())


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def http_slack(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[Harness]:
    """Slack in HTTP mode, serving on an ephemeral port of 127.0.0.1."""
    app = slack_app(sqlite_url, fake_slack, clock, "http")
    platform = create_platform(app)
    await platform.start()
    async with aiohttp.ClientSession() as session:
        yield Harness(app, platform, fake_slack, session)
    await platform.stop()
    app.engine.dispose()


@pytest.fixture
async def socket_slack(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[Harness]:
    """Slack in Socket Mode, connected to the fake's websocket."""
    app = slack_app(sqlite_url, fake_slack, clock, "socket")
    platform = create_platform(app)
    await platform.start()
    yield Harness(app, platform, fake_slack)
    await platform.stop()
    app.engine.dispose()
