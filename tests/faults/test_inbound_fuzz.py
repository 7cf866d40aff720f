"""Malformed, oversized and random requests into each adapter's inbound path: always a 4xx or a
friendly reply, never a 500, never an unhandled exception in the log, never a half-stored record.

Hypothesis drives each adapter from a worker thread while the real platform (Bolt, PTB,
discord.py) and its fake keep running on the test's event loop; every example is run there with
``run_coroutine_threadsafe`` and awaited to the end before the next.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.app import (
    Staffroom,
    build_registry,
)
from core.clock import FixedClock
from core.features import FEATURES
from tests.conftest import make_settings
from tests.fakes.fake_slack import FakeSlack, sign
from tests.fakes.fake_telegram import FakeTelegram
from tests.faults.support import assert_no_crash_logged, assert_whole_records

REGISTRY = build_registry(FEATURES)

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

T = TypeVar("T")
NAMES = sorted(c.name for c in REGISTRY.commands.values())
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SECRET = "fuzz-signing-secret"
LIMITS = {"commands_per_minute": 10_000}

JSON_VALUE: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from([*NAMES, '"', "=", "#x", "k=v", "@everyone", "<!here>"]), max_size=6
    ).map(" ".join),
    st.sampled_from(NAMES).flatmap(lambda n: st.text(max_size=60).map(lambda t: f"{n} {t}")),
)


def on_loop(loop: asyncio.AbstractEventLoop, work: Awaitable[T], seconds: float = 30) -> T:
    """Run ``work`` on the test's loop from Hypothesis's thread and wait for its result."""
    return asyncio.run_coroutine_threadsafe(work, loop).result(seconds)  # type: ignore[arg-type]


async def drive(test: Callable[[], None]) -> None:
    """Run a (synchronous) Hypothesis test in a thread, leaving this loop free to serve it."""
    await asyncio.to_thread(test)


# Slack: the signed HTTP endpoint -----------------------------------------------------------------


@pytest.fixture
async def slack_http(sqlite_url: str, clock: FixedClock) -> AsyncIterator[tuple[Any, FakeSlack]]:
    from adapters.slack import create_platform

    async with FakeSlack() as fake:
        app = Staffroom(
            make_settings(
                sqlite_url,
                limits=LIMITS,
                slack={
                    "mode": "http",
                    "api_base_url": fake.api_base_url,
                    "bot_token": "xoxb-test",
                    "signing_secret": SECRET,
                },
                server={"host": "127.0.0.1", "port": 0},
            ),
            clock=clock,
        )
        platform = create_platform(app)
        await platform.start()
        try:
            yield platform, fake
        finally:
            await platform.stop()
            app.engine.dispose()


def slash_form(text: str, user: str, response_url: str, extra: dict[str, str]) -> str:
    fields = {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "school",
        "channel_id": "C1",
        "channel_name": "staffroom",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/staffroom",
        "text": text,
        "api_app_id": "A1",
        "response_url": response_url,
        **extra,
    }
    return urlencode(fields)


async def test_slack_endpoint_survives_random_and_hostile_requests(
    slack_http: tuple[Any, FakeSlack], caplog: pytest.LogCaptureFixture
) -> None:
    platform, fake = slack_http
    loop = asyncio.get_running_loop()
    url = f"http://127.0.0.1:{platform.port}/slack/events"
    session = aiohttp.ClientSession()
    statuses: list[int] = []
    serial = itertools.count()

    async def post(body: bytes, headers: dict[str, str]) -> int:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            statuses.append(response.status)
            return response.status

    async def slash(text: str, user: str, extra: dict[str, str]) -> int:
        """A signed slash command; waits for its answer at the response_url."""
        seen = len(fake.responses)
        # A fresh field per request: Hypothesis repeats examples, and an identical signed body
        # within the same second is refused as a replay (409).
        extra = {**extra, "token": f"t{next(serial)}"}
        body = slash_form(text, user, fake.response_url("fuzz"), extra)
        status = await post(body.encode(), sign(SECRET, body))
        if status == 200:
            await fake.wait_for_responses(seen + 1)
        return status

    forms = st.dictionaries(
        st.sampled_from(["trigger_id", "enterprise_id", "is_enterprise_install", "channel_id"]),
        st.text(max_size=20),
        max_size=2,
    )

    @FUZZ
    @given(text=TEXT, user=st.sampled_from(["U1", "U2", "W3"]), extra=forms)
    def random_slash_commands(text: str, user: str, extra: dict[str, str]) -> None:
        extra.pop("trigger_id", None)  # with one, a bare form command opens a modal instead
        assert on_loop(loop, slash(text, user, extra)) == 200

    bodies = st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        JSON_VALUE.map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
        st.text(max_size=50).map(lambda t: urlencode({"payload": "{" + t}).encode()),
    )

    header = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)

    @FUZZ
    @given(body=bodies, signed=st.booleans(), garbage=header)
    def random_bodies(body: bytes, signed: bool, garbage: str) -> None:
        try:
            text = body.decode()
            headers = sign(SECRET, text) if signed else {"X-Slack-Signature": garbage}
        except UnicodeDecodeError:
            headers = {"X-Slack-Signature": garbage, "X-Slack-Request-Timestamp": "1"}
        status = on_loop(loop, post(body, headers))
        assert status < 500
        if not signed:
            assert 400 <= status < 500

    # Shapes Slack sends (Bolt itself indexes actions[0] and reads its "type" before any listener
    # of ours runs), with random values everywhere a person or a stale message could put them.
    ids = st.text(st.characters(min_codepoint=48, max_codepoint=90), min_size=1, max_size=6)
    interactive = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["block_actions", "view_submission"]),
            "team": st.fixed_dictionaries({"id": ids}),
            "user": st.fixed_dictionaries({"id": ids, "team_id": st.just("T1")}),
            "actions": st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.just("button"),
                        "action_id": st.sampled_from(["sr:fuzz", "sr:", "other"]),
                        "block_id": ids,
                        "value": TEXT,
                    }
                ),
                min_size=1,
                max_size=2,
            ),
            "view": st.fixed_dictionaries(
                {
                    "id": ids,
                    "type": st.just("modal"),
                    "callback_id": st.just("staffroom_form"),
                    "private_metadata": st.one_of(
                        st.text(max_size=40),
                        st.sampled_from(NAMES).map(lambda n: json.dumps({"command": n})),
                        JSON_VALUE.map(json.dumps),
                    ),
                    "state": st.fixed_dictionaries(
                        {
                            "values": st.dictionaries(
                                st.sampled_from(["hours", "title", "date", "text", "x"]),
                                st.dictionaries(
                                    st.just("input"),
                                    st.fixed_dictionaries(
                                        {"type": st.just("plain_text_input"), "value": TEXT}
                                    ),
                                    max_size=1,
                                ),
                                max_size=3,
                            )
                        }
                    ),
                }
            ),
            "container": st.one_of(st.just({"type": "message"}), st.just({"type": "view"})),
            "channel": st.fixed_dictionaries({"id": ids}),
            "response_url": st.just(""),
        }
    )

    @FUZZ
    @given(payload=interactive)
    def random_interactions(payload: dict[str, Any]) -> None:
        body = urlencode({"payload": json.dumps(payload)})
        assert on_loop(loop, post(body.encode(), sign(SECRET, body)), 10) < 500

    try:
        await drive(random_slash_commands)
        await drive(random_bodies)
        await drive(random_interactions)
        huge = "text=" + "a" * 1_100_000
        assert await post(huge.encode(), sign(SECRET, huge)) == 413
        await asyncio.sleep(0)  # let listeners still running after their ack finish their turn
    finally:
        await session.close()
    print(f"\nslack statuses: { {s: statuses.count(s) for s in sorted(set(statuses))} }")
    assert_no_crash_logged(caplog)
    assert_whole_records(platform.app.engine)


# Telegram: the webhook -----------------------------------------------------------------------

TG_SECRET = "fuzz-webhook-secret"


@pytest.fixture
async def telegram_webhook(
    sqlite_url: str, clock: FixedClock
) -> AsyncIterator[tuple[Any, FakeTelegram]]:
    from adapters.telegram import create_platform

    async with FakeTelegram(token="123:ABC") as fake:
        app = Staffroom(
            make_settings(
                sqlite_url,
                limits=LIMITS,
                telegram={
                    "token": "123:ABC",
                    "api_base_url": fake.api_base_url,
                    "file_base_url": fake.file_base_url,
                    "mode": "webhook",
                    "webhook_url": "https://staffroom.example/telegram",
                    "webhook_secret": TG_SECRET,
                },
                server={"host": "127.0.0.1", "port": 0},
            ),
            clock=clock,
        )
        platform = create_platform(app)
        await platform.start()
        try:
            yield platform, fake
        finally:
            await platform.stop()
            app.engine.dispose()


def telegram_update(update_id: int, message: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": update_id, "message": message}


async def test_telegram_webhook_survives_random_updates(
    telegram_webhook: tuple[Any, FakeTelegram], caplog: pytest.LogCaptureFixture
) -> None:
    platform, fake = telegram_webhook
    loop = asyncio.get_running_loop()
    url = f"http://127.0.0.1:{platform.webhook_port}{platform.app.settings.telegram.webhook_path}"
    session = aiohttp.ClientSession()
    update_ids = iter(range(1, 10**9))

    async def post(body: bytes, secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    user = st.fixed_dictionaries(
        {"id": st.integers(1, 2**40), "is_bot": st.booleans(), "first_name": st.text(max_size=20)}
    )
    chat = st.fixed_dictionaries(
        {
            "id": st.integers(-(2**40), 2**40),
            "type": st.sampled_from(["private", "group", "supergroup", "channel"]),
        }
    )
    message = st.fixed_dictionaries(
        {
            "message_id": st.integers(1, 2**31),
            "date": st.integers(0, 2**31),
            "chat": chat,
            "text": st.one_of(TEXT, TEXT.map(lambda t: "/" + t), st.text(max_size=4096)),
        },
        optional={"from": user, "entities": JSON_VALUE, "reply_to_message": JSON_VALUE},
    )
    callback = st.fixed_dictionaries(
        {
            "id": st.text(min_size=1, max_size=10),
            "from": user,
            "chat_instance": st.text(max_size=10),
            "data": st.text(max_size=64),
        }
    )

    @FUZZ
    @given(
        kind=st.sampled_from(["message", "callback_query", "junk"]),
        message=message,
        callback=callback,
        junk=JSON_VALUE,
    )
    def random_updates(kind: str, message: Any, callback: Any, junk: Any) -> None:
        payload: Any = {
            "update_id": next(update_ids),
            kind: {"message": message, "callback_query": callback, "junk": junk}[kind],
        }
        status = on_loop(loop, post(json.dumps(payload).encode(), TG_SECRET), 10)
        assert status in (200, 400), status

    @FUZZ
    @given(
        body=st.one_of(st.binary(max_size=300), JSON_VALUE.map(lambda v: json.dumps(v).encode())),
        secret=st.one_of(st.none(), st.just(TG_SECRET)),
    )
    def random_bodies(body: bytes, secret: str | None) -> None:
        status = on_loop(loop, post(body, secret), 10)
        assert 200 <= status < 500, status
        if secret is None:
            assert status == 403

    try:
        await drive(random_updates)
        await drive(random_bodies)
        # Updates are handled one after another: once this one is answered, all earlier ones are.
        marker = {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 4242, "type": "private"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Ana"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        }
        assert (
            await post(json.dumps(telegram_update(next(update_ids), marker)).encode(), TG_SECRET)
            == 200
        )
        await fake.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == 4242, 30)
    finally:
        await session.close()
    assert_no_crash_logged(caplog)
    assert_whole_records(platform.app.engine)
