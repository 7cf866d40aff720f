"""``SlackPlatform.healthy``: Slack's auth.test, asked at most once per ``HEALTH_CACHE``."""

from __future__ import annotations

from datetime import timedelta

from adapters.slack.platform import HEALTH_CACHE
from core.clock import FixedClock
from tests.adapters.slack.conftest import Harness


async def test_healthy_asks_auth_test_once_per_cache_period(
    http_slack: Harness, clock: FixedClock
) -> None:
    before = len(http_slack.fake.calls_to("auth.test"))
    assert [await http_slack.platform.healthy() for _ in range(5)] == [True] * 5
    assert len(http_slack.fake.calls_to("auth.test")) == before + 1

    clock.advance(HEALTH_CACHE)
    http_slack.fake.fail_next("auth.test", error="invalid_auth")
    assert await http_slack.platform.healthy() is False
    clock.advance(HEALTH_CACHE - timedelta(seconds=1))
    assert await http_slack.platform.healthy() is False  # the failing answer is cached too
    assert len(http_slack.fake.calls_to("auth.test")) == before + 2

    clock.advance(timedelta(seconds=1))
    assert await http_slack.platform.healthy() is True
    assert len(http_slack.fake.calls_to("auth.test")) == before + 3


async def test_an_unreachable_slack_is_unhealthy(http_slack: Harness, clock: FixedClock) -> None:
    http_slack.fake.fail_next("auth.test", status=500)
    assert await http_slack.platform.healthy() is False
