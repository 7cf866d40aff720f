"""Webhook mode: updates posted to Staffroom's own server, checked by the secret token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from adapters.telegram import create_platform
from core.clock import FixedClock
from core.config import ConfigError
from core.identity.models import Account
from tests.adapters.telegram.conftest import ANA, Bot, telegram_staffroom
from tests.fakes.fake_telegram import FakeTelegram

SECRET = "s3cret-token"
PUBLIC_URL = "https://staffroom.example.org/telegram"


@pytest.fixture
async def hooked(make_bot: Callable[..., Awaitable[Bot]]) -> Bot:
    return await make_bot(mode="webhook", webhook_url=PUBLIC_URL, webhook_secret=SECRET)


def local_url(bot: Bot) -> str:
    return f"http://127.0.0.1:{bot.platform.webhook_port}/telegram"


async def test_start_registers_the_webhook_with_its_secret(hooked: Bot) -> None:
    assert hooked.tg.webhook["url"] == PUBLIC_URL
    assert hooked.tg.webhook["secret_token"] == SECRET
    assert hooked.tg.calls_to("getUpdates") == []


async def test_an_update_with_the_right_secret_is_answered_once(hooked: Bot) -> None:
    update = hooked.tg.push_text(ANA, "/profile set role=teacher")

    assert await hooked.tg.post_webhook(local_url(hooked), update, secret_token=SECRET) == 200
    # Telegram retries an update it thinks was lost: it is handled once.
    assert await hooked.tg.post_webhook(local_url(hooked), update, secret_token=SECRET) == 200
    call = await hooked.tg.wait_for_call("sendMessage")
    follow = hooked.tg.push_text(ANA, "/help")
    assert await hooked.tg.post_webhook(local_url(hooked), follow, secret_token=SECRET) == 200
    await hooked.tg.wait_for_call("sendMessage")

    assert call.params["text"].startswith("<b>Profile updated</b>")
    assert len(hooked.tg.sent_messages()) == 2


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(hooked: Bot) -> None:
    forged = hooked.tg.push_text(ANA, "/profile set role=headteacher")

    assert await hooked.tg.post_webhook(local_url(hooked), forged, secret_token="wrong") == 403
    assert await hooked.tg.post_webhook(local_url(hooked), forged, secret_token=None) == 403
    # Then a genuine update: had the forged ones got through, they would have been first.
    genuine = hooked.tg.push_text(ANA, "/help")
    assert await hooked.tg.post_webhook(local_url(hooked), genuine, secret_token=SECRET) == 200
    await hooked.tg.wait_for_call("sendMessage")

    assert len(hooked.tg.sent_messages()) == 1
    member = hooked.member(ANA)
    assert member is not None and member.role is None


async def test_an_update_that_could_not_be_read_is_taken_when_sent_again(hooked: Bot) -> None:
    update = hooked.tg.push_text(ANA, "/help")
    garbled = {"update_id": update["update_id"], "message": {"message_id": 1}}

    assert await hooked.tg.post_webhook(local_url(hooked), garbled, secret_token=SECRET) == 400
    # Telegram sends it again: not a repeat of an update the bot ever had.
    assert await hooked.tg.post_webhook(local_url(hooked), update, secret_token=SECRET) == 200
    call = await hooked.tg.wait_for_call("sendMessage")

    assert "Staffroom: professional learning" in call.params["text"]


async def test_a_body_that_is_not_an_update_is_refused(hooked: Bot) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            local_url(hooked),
            data=b"not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response,
    ):
        assert response.status == 400


async def test_the_route_mounts_on_a_shared_server(
    tg: FakeTelegram, sqlite_url: str, clock: FixedClock
) -> None:
    app = telegram_staffroom(
        sqlite_url, clock, tg, mode="webhook", webhook_url=PUBLIC_URL, webhook_secret=SECRET
    )
    platform = create_platform(app, serve_http=False)
    shared = web.Application()
    platform.add_routes(shared)
    runner = web.AppRunner(shared, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    await platform.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"
        update = tg.push_text(ANA, "/help")
        assert await tg.post_webhook(url, update, secret_token="nope") == 403
        assert await tg.post_webhook(url, update, secret_token=SECRET) == 200
        await tg.wait_for_call("sendMessage")
    finally:
        await platform.stop()
        await runner.cleanup()
        app.engine.dispose()
    assert platform.webhook_port is None
    with app.session() as session:
        assert session.query(Account).count() == 1


async def test_webhook_mode_without_a_secret_is_a_configuration_error(
    tg: FakeTelegram, sqlite_url: str, clock: FixedClock
) -> None:
    app = telegram_staffroom(sqlite_url, clock, tg, mode="webhook", webhook_url=PUBLIC_URL)
    with pytest.raises(ConfigError, match="STAFFROOM_TELEGRAM__WEBHOOK_SECRET"):
        create_platform(app)
    app.engine.dispose()


async def test_a_retry_that_reaches_another_front_end_is_dropped_there(
    make_bot: Callable[..., Awaitable[Bot]],
) -> None:
    # Two front-ends on one database behind a load balancer; Telegram's retry lands on the other.
    one = await make_bot(mode="webhook", webhook_url=PUBLIC_URL, webhook_secret=SECRET)
    two = await make_bot(mode="webhook", webhook_url=PUBLIC_URL, webhook_secret=SECRET)
    update = one.tg.push_text(ANA, "/journal add The seating plan helped")

    assert await one.tg.post_webhook(local_url(one), update, secret_token=SECRET) == 200
    assert await one.tg.post_webhook(local_url(two), update, secret_token=SECRET) == 200
    await one.tg.wait_for_call("sendMessage")
    follow = one.tg.push_text(ANA, "/help")
    assert await one.tg.post_webhook(local_url(two), follow, secret_token=SECRET) == 200
    await one.tg.wait_for_call("sendMessage", lambda c: "professional learning" in c.params["text"])

    assert len(one.tg.sent_messages()) == 2


async def test_a_secret_header_that_is_not_utf8_is_refused_not_a_crash(hooked: Bot) -> None:
    update = hooked.tg.push_text(ANA, "/help")
    reader, writer = await asyncio.open_connection("127.0.0.1", hooked.platform.webhook_port)
    body = json.dumps(update).encode()
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Telegram-Bot-Api-Secret-Token: \xff\xfe\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert b" 403 " in status_line
