"""The Messenger port: DMs and channel posts through the delivery engine, DM answers, failures."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import discord.http
import pytest
from sqlmodel import Session, select

from core.delivery.ports import PermanentFailure, Recipient, RetryAfter, TransientFailure
from core.reply import Reply
from tests.adapters.discord.conftest import ANA, APP_ID, BEN, CHANNEL_ID, GUILD_ID, Bot, text_of
from tests.delivery.helpers import worker_pass

RAW = "@everyone <!channel> <@910000000000000101> <@&5> <b>bold</b> **stars**"


async def deliver(bot: Bot) -> None:
    """One planning pass and one delivery round, as the scheduler runs them."""
    await worker_pass(bot.app, {"discord": bot.platform.messenger})


async def test_a_reflection_prompt_arrives_by_dm_and_the_dm_answer_is_journalled(
    synced: Bot,
) -> None:
    from core.reflection.models import JournalEntry

    await synced.command(ANA, ["reflect", "schedule"], {"weekdays": "daily", "time": "10:30"})
    synced.advance(timedelta(minutes=31))

    await deliver(synced)
    dm = synced.dc.dm_channel_id(ANA)
    [prompt] = synced.dc.messages(dm)
    await synced.dc.wait_for_request("POST", rf"/channels/{dm}/messages")  # the prompt's
    await synced.dc.message_create(ANA, content="Cold calling <worked> & kept @everyone on task")
    answer = await synced.dc.wait_for_request("POST", rf"/channels/{dm}/messages")

    assert prompt.allowed_mentions == {"parse": []}
    assert "⚠️" not in text_of(answer.json), text_of(answer.json)
    assert "journal" in text_of(answer.json).lower(), text_of(answer.json)
    member = synced.member(ANA)
    assert member is not None
    with Session(synced.app.engine) as session:
        entries = session.exec(select(JournalEntry).where(JournalEntry.member_id == member.id))
        assert [e.body for e in entries] == ["Cold calling <worked> & kept @everyone on task"]


async def test_a_dm_command_is_run_as_a_command(synced: Bot) -> None:
    dm = synced.dc.dm_channel_id(BEN)
    await synced.dc.message_create(BEN, content="help")
    answer = await synced.dc.wait_for_request("POST", rf"/channels/{dm}/messages")

    assert "cpd" in text_of(answer.json)


async def test_an_announcement_with_mentions_pings_nobody(synced: Bot) -> None:
    synced.say(ANA, 'community create "Maths Secondary"')
    bound = await synced.command(ANA, ["community", "bind"], {"community": "maths-secondary"})
    assert "⚠️" not in text_of(bound["data"]), text_of(bound["data"])
    await synced.command(
        ANA,
        ["community", "announce"],
        {"community": "maths-secondary", "text": RAW, "confirm": "confirm"},
    )

    await deliver(synced)

    [posted] = [m for m in synced.dc.messages(CHANNEL_ID) if m.interaction_id is None]
    shown = text_of(posted)
    assert posted.allowed_mentions == {"parse": []}
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert "\\<@\u200b910000000000000101>" in shown and "\\<@&5>" in shown
    assert re.search(r"(?<!\\)<[@#]", shown) is None, "every mention token is escaped"
    assert "\\*\\*stars\\*\\*" in shown
    assert all(m.allowed_mentions == {"parse": []} for m in synced.dc.messages())


async def test_the_messenger_maps_refusals_to_permanent_failures(synced: Bot) -> None:
    messenger = synced.platform.messenger
    synced.dc.fail_next("POST", r"/channels/\d+/messages", status=403, code=50007)

    with pytest.raises(PermanentFailure, match="50007"):
        await messenger.send(
            Recipient("discord", str(APP_ID), user_id=str(BEN)), Reply.message("Hello")
        )
    with pytest.raises(PermanentFailure):
        await messenger.send(
            Recipient("discord", str(APP_ID), channel_id="123456"), Reply.message("Hello")
        )
    sent = await messenger.send(
        Recipient("discord", str(APP_ID), channel_id=str(CHANNEL_ID)), Reply.message(RAW)
    )

    message = synced.dc.message(int(sent))
    assert message.guild_id == GUILD_ID and message.allowed_mentions == {"parse": []}
    assert "@\u200beveryone" in message.content


DM_TO_BEN = Recipient("discord", str(APP_ID), user_id=str(BEN))
TO_CHANNEL = Recipient("discord", str(APP_ID), channel_id=str(CHANNEL_ID))
POST_MESSAGE = rf"/channels/{CHANNEL_ID}/messages"


async def test_a_long_rate_limit_comes_back_at_once_as_retry_after(synced: Bot) -> None:
    synced.dc.fail_next("POST", POST_MESSAGE, status=429, retry_after=600)

    with pytest.raises(RetryAfter) as raised:
        await synced.platform.messenger.send(TO_CHANNEL, Reply.message("Hello"))

    assert raised.value.seconds == 600
    assert synced.dc.messages(CHANNEL_ID) == []


async def test_a_429_without_via_is_retry_after_from_its_header(synced: Bot) -> None:
    synced.dc.fail_next("POST", POST_MESSAGE, status=429, retry_after=7, via=False)

    with pytest.raises(RetryAfter) as raised:
        await synced.platform.messenger.send(TO_CHANNEL, Reply.message("Hello"))

    assert raised.value.seconds == 7


async def test_server_errors_and_network_faults_are_transient(
    synced: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced.dc.fail_next("POST", POST_MESSAGE, status=503)
    with pytest.raises(TransientFailure, match="503"):
        await synced.platform.messenger.send(TO_CHANNEL, Reply.message("Hello"))

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    with pytest.raises(TransientFailure, match="unreachable"):
        await synced.platform.messenger.send(TO_CHANNEL, Reply.message("Hello"))


async def test_a_refused_bot_token_is_transient_and_logged(
    synced: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    synced.dc.fail_next("POST", r"/users/@me/channels", status=401)

    with pytest.raises(TransientFailure, match="401"):
        await synced.platform.messenger.send(DM_TO_BEN, Reply.message("Hello"))

    assert any(r.levelname == "ERROR" and "token" in r.getMessage() for r in caplog.records)


async def test_a_later_message_that_fails_does_not_resend_the_first(synced: Bot) -> None:
    reply = Reply().heading("This term")
    for n in range(4):
        reply.text(f"Week {n} " + "word " * 700)

    async def fail_the_second_message() -> None:
        await synced.dc.wait_for_request("POST", POST_MESSAGE)
        synced.dc.fail_next("POST", POST_MESSAGE, status=503)

    failing = asyncio.ensure_future(fail_the_second_message())
    first = await synced.platform.messenger.send(TO_CHANNEL, reply)
    await failing

    statuses = [r.status for r in synced.dc.requests if r.path == POST_MESSAGE]
    assert statuses == [200, 503, 200, 200]
    posted = synced.dc.messages(CHANNEL_ID)
    assert len(posted) == 3 and str(posted[0].id) == first


async def test_a_resend_after_a_crash_collapses_on_discord(synced: Bot) -> None:
    # A worker sent the message but died before marking it sent: the next worker sends it
    # again, with the same nonce, and Discord returns the message already posted.
    dm_recipient = Recipient(
        platform="discord", tenant=str(APP_ID), user_id=str(ANA), delivery="outbox-42"
    )
    reply = Reply.message("Your reflection prompt")
    first = await synced.platform.messenger.send(dm_recipient, reply)
    again = await synced.platform.messenger.send(dm_recipient, reply)
    other = await synced.platform.messenger.send(
        Recipient(platform="discord", tenant=str(APP_ID), user_id=str(ANA), delivery="outbox-43"),
        reply,
    )
    dm = synced.dc.dm_channel_id(ANA)
    assert first == again and other != first
    assert len(synced.dc.messages(dm)) == 2
    posts = [
        r for r in synced.dc.requests if r.method == "POST" and r.path == f"/channels/{dm}/messages"
    ]
    assert len(posts) == 3 and all(p.json.get("enforce_nonce") is True for p in posts)
