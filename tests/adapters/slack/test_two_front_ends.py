"""Two HTTP front-ends on one database (as behind a load balancer): a retry or a replay that
lands on the other instance is refused there too, because the keys live in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.slack import create_platform
from core.clock import FixedClock
from core.cpd.models import CpdActivity
from core.reflection.models import JournalEntry
from tests.adapters.slack.conftest import SECRET, Harness, slack_app
from tests.fakes.fake_slack import FakeSlack, event_body, sign, slash_command_body


@pytest.fixture
async def pair(
    db_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[tuple[Harness, Harness]]:
    """Two Staffroom front-ends, each with its own engine and Slack endpoint, one database."""
    harnesses: list[Harness] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            app = slack_app(db_url, fake_slack, clock, "http")
            platform = create_platform(app)
            await platform.start()
            harnesses.append(Harness(app, platform, fake_slack, session))
        yield harnesses[0], harnesses[1]
        for harness in harnesses:
            await harness.platform.stop()
            harness.app.engine.dispose()


async def test_a_retried_event_on_the_other_front_end_runs_once(
    pair: tuple[Harness, Harness],
) -> None:
    first, second = pair
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU1",
        "user": "U1",
        "text": "journal add The retrieval quiz went well",
        "ts": "1.0001",
    }
    body = event_body(event, event_id="EvTwice")
    assert (await first.post(body))[0] == 200
    await first.fake.wait_for_calls("chat.postMessage", count=1)
    async with second.one_at_a_time():
        retry = await second.post(body, sign(SECRET, body, retry_num=1, retry_reason="timeout"))
        assert retry[0] == 200
        # Whatever the retry would have started on the second instance answers before this.
        marker = {**event, "text": "profile show", "ts": "1.0002", "thread_ts": "marker"}
        await second.post(event_body(marker, event_id="EvMarker"))
        posts = await second.posts_until("marker")
    assert len(posts) == 2  # the first instance's answer and the marker's: no second answer
    assert first.count(JournalEntry) == 1


async def test_a_signed_request_replayed_to_the_other_front_end_is_refused(
    pair: tuple[Harness, Harness],
) -> None:
    first, second = pair
    body = slash_command_body(
        text='cpd log 1 "Coaching session"',
        user_id="U1",
        response_url=first.fake.response_url("log"),
    )
    signed = sign(SECRET, body)
    assert (await first.post(body, signed))[0] == 200
    await first.fake.wait_for_responses(1)
    assert (await second.post(body, signed))[0] == 409
    assert first.count(CpdActivity) == 1
