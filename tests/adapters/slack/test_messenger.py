"""The Messenger port: DMs and channel posts through the real slack-sdk, failures classified."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlmodel import Session, select

from adapters.slack import SlackPlatform, create_platform
from core.clock import FixedClock
from core.delivery.ports import PermanentFailure, Recipient, RetryAfter, TransientFailure
from core.identity.models import Account
from core.reply import Reply
from tests.adapters.slack.conftest import slack_app
from tests.fakes.fake_slack import FakeSlack
from tests.talk import say


@pytest.fixture
async def platform(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[SlackPlatform]:
    app = slack_app(sqlite_url, fake_slack, clock, "socket")
    yield create_platform(app)
    app.engine.dispose()


async def test_dm_opens_the_conversation_once_and_remembers_it(
    platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    say(platform.app, "profile show", user="U1", platform="slack", tenant="T1")
    to_ana = Recipient(platform="slack", tenant="T1", user_id="U1")
    first = await platform.messenger.send(to_ana, Reply.message("Time to reflect"))
    second = await platform.messenger.send(to_ana, Reply.message("Again"))
    assert first and second and first != second
    assert len(fake_slack.calls_to("conversations.open")) == 1
    posts = fake_slack.calls_to("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["DU1", "DU1"]
    with Session(platform.app.engine) as session:
        account = session.exec(select(Account).where(Account.user_id == "U1")).one()
        assert account.dm_channel == "DU1"


async def test_channel_post_shows_user_text_literally(
    platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    announcement = (
        Reply()
        .heading("Maths community")
        .text("@everyone <!channel> <@U123> <b>Bring your exit tickets</b>")
    )
    channel = Recipient(platform="slack", tenant="T1", channel_id="C42")
    await platform.messenger.send(channel, announcement)
    args = fake_slack.calls_to("chat.postMessage")[0].args
    assert args["channel"] == "C42" and args["link_names"] is False
    sent = str(args["blocks"]) + args["text"]
    assert "<!channel>" not in sent and "<@U123>" not in sent and "<b>" not in sent
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;b&gt;" in sent


async def test_files_are_uploaded_with_the_message(
    platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    reply = Reply.message("Your CPD log").attach("cpd.csv", "text/csv", b"date,hours\n")
    await platform.messenger.send(Recipient("slack", "T1", channel_id="C1"), reply)
    assert fake_slack.files[0].filename == "cpd.csv"
    assert fake_slack.files[0].content == b"date,hours\n"


async def test_failures_map_to_the_delivery_engines_kinds(
    platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    to = Recipient(platform="slack", tenant="T1", channel_id="C1")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as limited:
        await platform.messenger.send(to, Reply.message("x"))
    assert limited.value.seconds == 7
    fake_slack.fail_next("chat.postMessage", status=503)
    with pytest.raises(TransientFailure):
        await platform.messenger.send(to, Reply.message("x"))
    for gone in ("channel_not_found", "is_archived", "not_in_channel", "cannot_dm_bot"):
        fake_slack.fail_next("chat.postMessage", error=gone)
        with pytest.raises(PermanentFailure):
            await platform.messenger.send(to, Reply.message("x"))
    fake_slack.fail_next("conversations.open", error="user_not_found")
    with pytest.raises(PermanentFailure):
        await platform.messenger.send(Recipient("slack", "T1", user_id="UGONE"), Reply())
    assert await platform.messenger.send(to, Reply.message("fine now"))


async def test_unreachable_slack_is_transient(sqlite_url: str, clock: FixedClock) -> None:
    fake = FakeSlack()
    await fake.start()
    app = slack_app(sqlite_url, fake, clock, "socket")
    await fake.stop()
    platform = create_platform(app)
    with pytest.raises(TransientFailure):
        await platform.messenger.send(Recipient("slack", "T1", channel_id="C1"), Reply())
    app.engine.dispose()


@pytest.mark.parametrize(
    "error",
    ["account_inactive", "invalid_auth", "token_revoked", "not_authed", "missing_scope"],
)
async def test_a_problem_with_the_bot_itself_is_not_blamed_on_the_recipient(
    platform: SlackPlatform,
    fake_slack: FakeSlack,
    error: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # These say the bot's token or app is broken: failing the row would pause a member's
    # schedule for something no member did, so the engine retries while an admin is alerted.
    fake_slack.fail_next("chat.postMessage", error=error)
    with caplog.at_level(logging.ERROR, logger="staffroom.slack"), pytest.raises(TransientFailure):
        await platform.messenger.send(Recipient("slack", "T1", channel_id="C1"), Reply.message("x"))
    assert any(error in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


async def test_replies_and_deliveries_share_the_dm_channels_they_know(
    platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    # U9 has no account row yet, so only the in-memory cache can remember the channel.
    assert await platform.messenger.dm_channel("T1", "U9") == "DU9"
    assert await platform.inbound.messenger.dm_channel("T1", "U9") == "DU9"
    assert len(fake_slack.calls_to("conversations.open")) == 1
