"""A Staffroom on SQLite with its Slack platform started against the fake Slack on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from adapters.slack import SlackPlatform, create_platform
from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account, Member
from tests.conftest import make_settings
from tests.fakes.fake_slack import FakeSlack, sign

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
