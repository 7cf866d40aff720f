"""The fake Telegram Bot API, proven against the real, unmodified python-telegram-bot."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.fake_telegram import FakeTelegram

TOKEN = "123:ABC"
App = Application[Any, Any, Any, Any, Any, Any]
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables even for 127.0.0.1."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, bot_username="staffroom_bot") as fake:
        yield fake


def build_app(tg: FakeTelegram, rate_limiter: AIORateLimiter | None = None) -> App:
    # Any: the builder's generic bot type changes when a rate limiter is added.
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = ApplicationBuilder()
    builder = builder.token(TOKEN).base_url(tg.api_base_url).base_file_url(tg.file_base_url)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Join", callback_data="join")]])
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome to Staffroom", reply_markup=keyboard)

    async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Try /start")

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Joined")
        await query.edit_message_text(f"You chose {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CallbackQueryHandler(button))
    return app


async def start_polling(app: App) -> None:
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def stop_polling(app: App) -> None:
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_start_command_reaches_handler_and_shutdown_is_fast(tg: FakeTelegram) -> None:
    app = build_app(tg)
    await start_polling(app)
    try:
        tg.push_text(42, "/start")
        call = await tg.wait_for_call("sendMessage")
    finally:
        began = time.monotonic()
        await stop_polling(app)
        shutdown_seconds = time.monotonic() - began

    assert call.params["chat_id"] == 42
    assert call.params["text"] == "Welcome to Staffroom"
    [sent] = tg.sent_messages(chat_id=42)
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "join"
    assert {"getMe", "deleteWebhook", "getUpdates"} <= {c.method for c in tg.calls}
    assert shutdown_seconds < 3


async def test_command_addressed_to_bot_in_group_matches(tg: FakeTelegram) -> None:
    app = build_app(tg)
    await start_polling(app)
    try:
        tg.push_text(42, "/help@other_bot", chat_id=-100, chat_type="group")
        update = tg.push_text(42, "/help@staffroom_bot", chat_id=-100, chat_type="group")
        call = await tg.wait_for_call("sendMessage")
    finally:
        await stop_polling(app)

    # In groups PTB's reply_text quotes the command it answers.
    quoted = {"message_id": update["message"]["message_id"]}
    assert call.params == {"chat_id": -100, "text": "Try /start", "reply_parameters": quoted}
    assert len(tg.sent_messages(chat_id=-100)) == 1
    assert tg.sent_messages()[0]["chat"]["type"] == "group"


async def test_button_press_reaches_callback_handler(tg: FakeTelegram) -> None:
    app = build_app(tg)
    await start_polling(app)
    try:
        tg.push_text(42, "/start")
        sent = (await tg.wait_for_call("sendMessage")).result
        query_id = tg.push_callback(42, "join", message_id=sent["message_id"])
        answer = await tg.wait_for_call("answerCallbackQuery")
        await tg.wait_for_call("editMessageText")
    finally:
        await stop_polling(app)

    assert answer.params["callback_query_id"] == query_id
    assert answer.params["text"] == "Joined"
    edited = tg.message(42, sent["message_id"])
    assert edited is not None
    assert edited["text"] == "You chose join"
    assert "reply_markup" not in edited


async def test_set_my_commands_is_stored_per_scope(tg: FakeTelegram) -> None:
    commands = [BotCommand("start", "Join Staffroom"), BotCommand("help", "What I can do")]
    async with build_app(tg) as app:
        await app.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
        fetched = await app.bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
        default = await app.bot.get_my_commands()

    assert tg.commands(scope={"type": "all_private_chats"}) == [
        {"command": "start", "description": "Join Staffroom"},
        {"command": "help", "description": "What I can do"},
    ]
    assert tuple(fetched) == tuple(commands)
    assert default == ()


async def test_send_document_stores_bytes(tg: FakeTelegram) -> None:
    content = b"date,activity,hours\n2025-01-10,Workshop,2\n"
    async with build_app(tg) as app:
        message = await app.bot.send_document(
            chat_id=42, document=content, filename="cpd.csv", caption="Your CPD log"
        )
        assert message.document is not None
        telegram_file = await message.document.get_file()
        downloaded = await telegram_file.download_as_bytearray()

    [document] = tg.sent_documents(chat_id=42)
    assert (document.filename, document.content, document.caption) == (
        "cpd.csv",
        content,
        "Your CPD log",
    )
    assert message.caption == "Your CPD log"
    assert bytes(downloaded) == content


async def test_rate_limit_is_retried_and_delivered_once(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=1)
    async with build_app(tg, AIORateLimiter(max_retries=2)) as app:
        began = time.monotonic()
        message = await app.bot.send_message(chat_id=42, text="Reflection reminder")
        waited = time.monotonic() - began

    attempts = tg.calls_to("sendMessage")
    assert [a.error_code for a in attempts] == [429, None]
    assert [m["text"] for m in tg.sent_messages()] == ["Reflection reminder"]
    assert message.text == "Reflection reminder"
    assert waited >= 1


async def test_error_codes_raise_ptb_errors(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", error_code=403)
    tg.fail_next("sendMessage", error_code=400)
    tg.fail_next("sendMessage", error_code=500)
    async with build_app(tg, AIORateLimiter(max_retries=2)) as app:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(chat_id=42, text="hello")
        with pytest.raises(BadRequest, match="Chat not found"):
            await app.bot.send_message(chat_id=42, text="hello")
        with pytest.raises(NetworkError):
            await app.bot.send_message(chat_id=42, text="hello")
        await app.bot.send_message(chat_id=42, text="hello")

    assert [a.error_code for a in tg.calls_to("sendMessage")] == [403, 400, 500, None]
    assert len(tg.sent_messages()) == 1


async def test_rate_limit_body_matches_telegram(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=1)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.api_base_url}{TOKEN}/sendMessage", data={"chat_id": "1"}) as response,
    ):
        body = await response.json()

    assert response.status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


async def test_webhook_accepts_right_secret_and_rejects_wrong_one(tg: FakeTelegram) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    app = build_app(tg)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="tg", secret_token="s3cret", webhook_url=url
    )
    try:
        assert tg.webhook["url"] == url
        assert tg.webhook["secret_token"] == "s3cret"
        update = tg.push_text(42, "/start")
        assert await tg.post_webhook(url, update, secret_token="s3cret") == 200
        await tg.wait_for_call("sendMessage")
        forged = tg.push_text(42, "/start")
        assert await tg.post_webhook(url, forged, secret_token="wrong") == 403
        assert await tg.post_webhook(url, forged, secret_token=None) == 403
        await asyncio.sleep(0.2)
    finally:
        await stop_polling(app)

    assert len(tg.sent_messages()) == 1


async def test_stopping_the_fake_releases_a_pending_long_poll() -> None:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    session = aiohttp.ClientSession()
    try:
        poll = asyncio.create_task(
            session.post(f"{fake.api_base_url}{TOKEN}/getUpdates", data={"timeout": "30"})
        )
        await asyncio.sleep(0.2)
        began = time.monotonic()
        await fake.stop()
        response = await asyncio.wait_for(poll, timeout=3)
        body = json.loads(await response.read())
    finally:
        await session.close()

    assert body == {"ok": True, "result": []}
    assert time.monotonic() - began < 2


async def test_long_poll_returns_as_soon_as_an_update_arrives(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        poll = asyncio.create_task(
            session.post(f"{tg.api_base_url}{TOKEN}/getUpdates", data={"timeout": "30"})
        )
        await asyncio.sleep(0.2)
        pushed = tg.push_text(7, "hello")
        response = await asyncio.wait_for(poll, timeout=3)
        [update] = (await response.json())["result"]
        confirm = {"offset": str(update["update_id"] + 1), "timeout": "0"}
        async with session.post(f"{tg.api_base_url}{TOKEN}/getUpdates", data=confirm) as again:
            remaining = (await again.json())["result"]

    assert update == pushed
    assert remaining == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
