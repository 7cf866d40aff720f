"""Rotating tokens refreshed by one process only, however many want the same token at once
(two Staffrooms on one database, each with its own engine, thread and event loop; SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from cryptography.fernet import Fernet
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, select

from adapters.slack import create_platform
from adapters.slack.installations import SlackInstallationStore, WorkspaceTokens
from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.ports import Recipient
from core.installations.models import Installation
from core.installations.sealing import TokenSeal
from core.reply import Reply
from tests.adapters.slack.conftest import KEY, Installed, oauth_app
from tests.fakes.fake_slack import FakeSlack


def worker(url: str, fake: FakeSlack, clock: FixedClock) -> tuple[Staffroom, WorkspaceTokens]:
    """One more process sending to Slack: its own app, engine and store."""
    app = oauth_app(url, fake, clock)
    rotator = AsyncTokenRotator(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        client=AsyncWebClient(base_url=fake.api_base_url),
    )
    store = SlackInstallationStore(app, TokenSeal(KEY), rotator=rotator, refresh_minutes=120)
    return app, WorkspaceTokens(store)


@pytest.fixture
async def expiring(
    db_url: str, clock: FixedClock, fake_slack: FakeSlack, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """T3 installed through the real flow with a token that expires within the refresh margin
    (in ``request.param`` seconds); its next token lasts twelve hours."""
    fake_slack.add_workspace("T3", rotating=True, expires_in=request.param)
    app = oauth_app(db_url, fake_slack, clock)
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        status, page = await Installed(app, platform, fake_slack, browser).install("T3")
    assert status == 200, page
    await platform.stop()
    app.engine.dispose()
    fake_slack.workspaces["T3"].expires_in = 43200
    yield db_url


def stored_token(app: Staffroom) -> str:
    with Session(app.engine) as session:
        row = session.exec(select(Installation)).one()
    assert row.bot_token_sealed is not None
    return Fernet(KEY.encode()).decrypt(row.bot_token_sealed.encode()).decode()


@pytest.mark.parametrize(
    "expiring",
    [
        pytest.param(600, id="still-valid"),  # the loser keeps its token meanwhile
        pytest.param(20, id="nearly-expired"),  # the loser waits for the new one
    ],
    indirect=True,
)
async def test_two_processes_at_once_refresh_once(
    expiring: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    (one, first), (two, second) = (
        worker(expiring, fake_slack, clock),
        worker(expiring, fake_slack, clock),
    )
    old = fake_slack.tokens_of("T3")[0]
    fake_slack.refresh_delay = 0.4  # both processes are inside token_for during the refresh
    tokens = await asyncio.gather(
        asyncio.to_thread(asyncio.run, first.token_for("T3")),
        asyncio.to_thread(asyncio.run, second.token_for("T3")),
    )
    assert fake_slack.refreshes == 1
    new = fake_slack.tokens_of("T3")[-1]
    assert new != old and stored_token(one) == new
    assert all(fake_slack.token_works(token) for token in tokens)
    assert new in tokens and set(tokens) <= {old, new}
    # Afterwards both read the refreshed token, and nobody refreshes again.
    assert await first.token_for("T3") == await second.token_for("T3") == new
    assert fake_slack.refreshes == 1
    one.engine.dispose()
    two.engine.dispose()


@pytest.mark.parametrize("expiring", [600], indirect=True)
async def test_a_failed_refresh_gives_its_claim_back(
    expiring: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    app, tokens = worker(expiring, fake_slack, clock)
    fake_slack.fail_next("oauth.v2.access", error="internal_error")
    with pytest.raises(SlackTokenRotationError):
        await tokens.token_for("T3")
    assert fake_slack.refreshes == 0
    fresh = await tokens.token_for("T3")  # at once, not after the claim would have run out
    assert fake_slack.refreshes == 1 and fresh == fake_slack.tokens_of("T3")[-1]
    app.engine.dispose()


@pytest.mark.parametrize("expiring", [12 * 3600], indirect=True)
async def test_a_send_refreshes_a_token_near_expiry_first_and_not_one_with_time_left(
    expiring: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    # Time is the test's clock only (the fake ages tokens by it too): nothing sleeps, and the
    # wall clock has no say in what is "near expiry".
    app = oauth_app(expiring, fake_slack, clock)
    messenger = create_platform(app, receive=False).messenger
    to = Recipient(platform="slack", tenant="T3", channel_id="C3")
    first = fake_slack.tokens_of("T3")[0]

    clock.advance(timedelta(hours=9))  # three hours left: more than the two-hour margin
    await messenger.send(to, Reply.message("Time to reflect"))
    assert fake_slack.refreshes == 0
    assert fake_slack.calls_to("chat.postMessage")[-1].token == first

    clock.advance(timedelta(hours=1, minutes=30))  # ninety minutes left: inside the margin
    await messenger.send(to, Reply.message("Time to reflect"))
    assert fake_slack.refreshes == 1
    new = fake_slack.tokens_of("T3")[-1]
    methods = [c.method for c in fake_slack.calls]
    refreshed_at = methods.index("oauth.v2.access", methods.index("chat.postMessage") + 1)
    posted_at = len(methods) - 1 - methods[::-1].index("chat.postMessage")
    assert refreshed_at < posted_at and fake_slack.calls[posted_at].token == new
    assert stored_token(app) == new

    clock.advance(timedelta(hours=2))  # the old token has run out; the new one lasts
    assert not fake_slack.token_works(first) and fake_slack.token_works(new)
    await messenger.send(to, Reply.message("Time to reflect"))
    assert fake_slack.refreshes == 1
    app.engine.dispose()
