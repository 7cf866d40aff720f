"""A Staffroom on SQLite with its Slack platform started against the fake Slack on 127.0.0.1:
one workspace (``http_slack``, ``socket_slack``) or many installed by OAuth (``installed``)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from adapters.slack import SlackPlatform, create_platform
from adapters.slack.inbound import CONCURRENT_WORK
from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account, Member
from core.installations.models import Installation
from tests.conftest import make_settings
from tests.delivery.helpers import worker_pass
from tests.fakes.fake_slack import FakeSlack, SlackCall, sign, slash_command_payload

SECRET = "test-signing-secret"
TEXTLESS_WARNING = "The top-level `text` argument is missing"


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


@pytest.fixture(autouse=True)
def every_message_has_text() -> Iterator[None]:
    """slack_sdk's warning for a message without a top-level ``text`` fails the test: that text
    is what notifications and screen readers use."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=TEXTLESS_WARNING, category=UserWarning)
        yield


@pytest.fixture
async def fake_slack(clock: FixedClock) -> AsyncIterator[FakeSlack]:
    """The fake Slack, its rotating tokens expiring by the test's clock; every message it
    received must have carried a plain ``text`` (even one sent where no warning was caught)."""
    async with FakeSlack(clock=lambda: clock.now().timestamp()) as fake:
        yield fake
    assert [(c.method, c.args.get("channel")) for c in fake.textless] == []


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


KEY = Fernet.generate_key().decode()
STATE_COOKIE = "slack-app-oauth-state"


def oauth_app(url: str, fake: FakeSlack, clock: FixedClock, **slack: Any) -> Staffroom:
    """A Staffroom installed by OAuth, its Slack settings pointing at the fake."""
    settings = make_settings(
        url,
        slack={
            "mode": "http",
            "install": "oauth",
            "api_base_url": fake.api_base_url,
            "authorize_url": fake.authorize_url,
            "signing_secret": SECRET,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "token_key": KEY,
            **slack,
        },
        server={"host": "127.0.0.1", "port": 0},
    )
    return Staffroom(settings, clock=clock)


@dataclass
class Installed:
    """Staffroom serving many workspaces, with a browser session to install them."""

    app: Staffroom
    platform: SlackPlatform
    fake: FakeSlack
    browser: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.platform.port}"

    async def install_page(self, team: str) -> tuple[str, str]:
        """Open the install page for ``team``: its authorise link and the state cookie."""
        async with self.browser.get(f"{self.base}/slack/install?team={team}") as response:
            assert response.status == 200
            page = await response.text()
            cookie = response.cookies[STATE_COOKIE].value
        link = re.search(r'href="([^"]+)"', page)
        assert link is not None, page
        return html.unescape(link.group(1)), cookie

    async def authorise(self, link: str) -> str:
        """The installer approves on Slack's page: where Slack sends the browser back."""
        async with self.browser.get(link, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            return response.headers["Location"]

    async def callback(self, location: str, cookie: str | None) -> tuple[int, str]:
        headers = {"Cookie": f"{STATE_COOKIE}={cookie}"} if cookie else {}
        async with self.browser.get(location, headers=headers, allow_redirects=False) as response:
            return response.status, await response.text()

    async def install(self, team: str) -> tuple[int, str]:
        """The whole "Add to Slack" flow for ``team``, as a browser goes through it."""
        link, cookie = await self.install_page(team)
        return await self.callback(await self.authorise(link), cookie)

    async def post(self, body: str) -> tuple[int, str]:
        url = f"{self.base}/slack/events"
        async with self.browser.post(url, data=body.encode(), headers=sign(SECRET, body)) as r:
            return r.status, await r.text()

    async def slash(self, text_: str, user: str, team: str, **extra: str) -> dict[str, Any]:
        """A signed slash command from ``user`` in ``team``; returns its response_url answer."""
        seen = len(self.fake.responses)
        payload = slash_command_payload(
            text=text_,
            user_id=user,
            team_id=team,
            response_url=self.fake.response_url(f"{team}-{user}"),
            trigger_id=f"t.{user}",
        )
        status, ack = await self.post(urlencode({**payload, **extra}))
        assert (status, ack) == (200, ""), ack
        return (await self.fake.wait_for_responses(seen + 1))[seen].body

    async def deliver(self) -> None:
        await worker_pass(self.app, {"slack": self.platform.messenger})

    async def removed(self, team: str) -> Installation:
        """The row of ``team`` once its removal is recorded and its tokens erased (Bolt acks
        events before the listener runs; an install the allow-list suspended keeps them)."""
        async with asyncio.timeout(5):
            while True:
                row = self.row(team)
                if row is not None and row.removed_at is not None and not row.bot_token_sealed:
                    return row
                await asyncio.sleep(0.02)

    def row(self, team: str) -> Installation | None:
        with Session(self.app.engine) as session:
            return session.exec(select(Installation).where(Installation.team_key == team)).first()


@pytest.fixture
async def installed(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[Installed]:
    for team in ("T1", "T2"):
        fake_slack.add_workspace(team)
    app = oauth_app(sqlite_url, fake_slack, clock)
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        yield Installed(app, platform, fake_slack, browser)
    await platform.stop()
    app.engine.dispose()
