"""The Messenger port: scheduled messages by DM, and failures in the delivery engine's terms."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from core.delivery.ports import PermanentFailure, Recipient, RetryAfter, TransientFailure
from core.reply import Reply
from tests.adapters.telegram.conftest import ANA, BOT_ID, Bot

DM = Recipient(platform="telegram", tenant=BOT_ID, user_id=str(ANA))


async def test_a_prompt_is_sent_by_dm_with_its_buttons(bot: Bot) -> None:
    prompt = Reply().heading("Time to reflect").text("What went well <today>?")
    prompt.action("Skip this week", "help")

    message_id = await bot.platform.messenger.send(DM, prompt)

    [sent] = bot.tg.sent_messages(chat_id=ANA)
    assert str(sent["message_id"]) == message_id
    assert sent["text"] == "<b>Time to reflect</b>\nWhat went well &lt;today&gt;?"
    [[button]] = sent["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Skip this week" and len(button["callback_data"]) <= 64


async def test_flood_control_is_waited_out_and_delivered_once(bot: Bot) -> None:
    bot.tg.fail_next("sendMessage", error_code=429, retry_after=1)

    await bot.platform.messenger.send(DM, Reply.message("Reflection reminder"))

    assert [c.error_code for c in bot.tg.calls_to("sendMessage")] == [429, None]
    assert [m["text"] for m in bot.tg.sent_messages()] == ["Reflection reminder"]


async def test_flood_control_that_outlasts_the_retries_is_reported(bot: Bot) -> None:
    for _attempt in range(3):
        bot.tg.fail_next("sendMessage", error_code=429, retry_after=1)

    with pytest.raises(RetryAfter) as raised:
        await bot.platform.messenger.send(DM, Reply.message("Reminder"))

    assert raised.value.seconds == 1
    assert bot.tg.sent_messages() == []


async def test_a_blocked_bot_is_a_permanent_failure(bot: Bot) -> None:
    bot.tg.fail_next("sendMessage", error_code=403)

    with pytest.raises(PermanentFailure, match="bot was blocked by the user"):
        await bot.platform.messenger.send(DM, Reply.message("Reminder"))


async def test_a_missing_chat_is_a_permanent_failure(bot: Bot) -> None:
    bot.tg.fail_next("sendMessage", error_code=400)

    with pytest.raises(PermanentFailure, match="Chat not found"):
        await bot.platform.messenger.send(DM, Reply.message("Reminder"))


async def test_server_errors_are_transient(bot: Bot) -> None:
    bot.tg.fail_next("sendMessage", error_code=502)

    with pytest.raises(TransientFailure):
        await bot.platform.messenger.send(DM, Reply.message("Reminder"))
    await bot.platform.messenger.send(DM, Reply.message("Reminder"))
    assert len(bot.tg.sent_messages()) == 1


async def test_another_bots_recipient_is_refused(bot: Bot) -> None:
    elsewhere = Recipient(platform="telegram", tenant="999", user_id=str(ANA))

    with pytest.raises(PermanentFailure, match="not this Telegram bot"):
        await bot.platform.messenger.send(elsewhere, Reply.message("Reminder"))
    assert bot.tg.calls_to("sendMessage") == []


async def test_announcements_in_groups_show_user_text_literally(bot: Bot) -> None:
    group = Recipient(platform="telegram", tenant=BOT_ID, channel_id="-1001")
    announcement = Reply().heading("Announcement").text("@everyone <!channel> <@U123> <b>hi</b> &")

    await bot.platform.messenger.send(group, announcement.public())

    [sent] = bot.tg.sent_messages(chat_id=-1001)
    assert sent["text"] == (
        "<b>Announcement</b>\n"
        "@\u2060everyone &lt;!channel&gt; &lt;@\u2060U123&gt; &lt;b&gt;hi&lt;/b&gt; &amp;"
    )


async def test_a_long_message_is_split_under_the_limit(bot: Bot) -> None:
    reply = Reply().heading("This week").items([[f"Item {n} " + "é" * 60] for n in range(200)])

    first_id = await bot.platform.messenger.send(DM, reply)

    sent = bot.tg.sent_messages(chat_id=ANA)
    assert len(sent) == 4
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert str(sent[0]["message_id"]) == first_id
    assert sum(m["text"].count("• Item") for m in sent) == 200


async def test_a_file_that_fails_after_the_text_does_not_resend_the_text(bot: Bot) -> None:
    reply = Reply.success("Your CPD record is attached.").attach("cpd.csv", "text/csv", b"a,b\n")
    bot.tg.fail_next("sendDocument", error_code=500)

    first_id = await bot.platform.messenger.send(DM, reply)

    [sent] = bot.tg.sent_messages(chat_id=ANA)
    assert str(sent["message_id"]) == first_id and sent["text"] == "Your CPD record is attached."
    assert [c.error_code for c in bot.tg.calls_to("sendDocument")] == [500]
    assert bot.tg.sent_documents() == []


async def test_a_later_text_part_that_fails_is_skipped_not_resent(bot: Bot) -> None:
    reply = Reply().heading("This week").items([[f"Item {n} " + "é" * 60] for n in range(200)])

    async def fail_the_second_part() -> None:
        await bot.tg.wait_for_call("sendMessage")
        bot.tg.fail_next("sendMessage", error_code=502)

    failing = asyncio.ensure_future(fail_the_second_part())
    first_id = await bot.platform.messenger.send(DM, reply)
    await failing

    sent = bot.tg.sent_messages(chat_id=ANA)
    assert [c.error_code for c in bot.tg.calls_to("sendMessage")] == [None, 502, None, None]
    assert len(sent) == 3 and str(sent[0]["message_id"]) == first_id


async def test_a_group_that_became_a_supergroup_keeps_its_community_channel(bot: Bot) -> None:
    if ("community", "bind") not in bot.app.registry.commands:
        pytest.skip("the communities feature has not landed")
    from core.communities.models import ChannelBinding

    group, supergroup = -1001, -1001234567890
    await bot.say(ANA, '/community create "Maths secondary" "KS3-5 maths"')
    await bot.say(
        ANA, "/community bind maths-secondary", chat_id=group, chat_type="group", answer_in=group
    )
    bot.tg.fail_next(
        "sendMessage",
        400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": supergroup},
    )

    posted = await bot.platform.messenger.send(
        Recipient(platform="telegram", tenant=BOT_ID, channel_id=str(group)),
        Reply.message("Department meeting moved to Thursday").public(),
    )

    [message] = bot.tg.sent_messages(chat_id=supergroup)
    assert str(message["message_id"]) == posted
    with Session(bot.app.engine) as session:
        bindings = session.exec(select(ChannelBinding)).all()
    assert [(b.platform, b.tenant, b.channel_id) for b in bindings] == [
        ("telegram", BOT_ID, str(supergroup))
    ]
