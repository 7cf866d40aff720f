"""Free text sent to the bot: private messages answer the open reflection prompt; in groups only
replies to the bot's own messages are heard, and never taken for a journal entry."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.adapters.telegram.conftest import ANA, Bot
from tests.adapters.telegram.test_scheduled import deliver, schedule_prompt

reflection = pytest.importorskip("core.reflection.models")


def journal(bot: Bot) -> list[str]:
    member = bot.member(ANA)
    assert member is not None
    with Session(bot.app.engine) as session:
        entries = session.exec(
            select(reflection.JournalEntry).where(reflection.JournalEntry.member_id == member.id)
        ).all()
    return [e.body for e in entries]


async def test_private_text_answers_the_open_prompt(bot: Bot) -> None:
    await schedule_prompt(bot)
    await deliver(bot)
    await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)  # the prompt

    answer = await bot.say(ANA, "The group work went well")

    assert answer and not answer.startswith("⚠️"), answer
    assert journal(bot) == ["The group work went well"]


async def test_in_groups_only_replies_to_the_bot_are_heard(bot: Bot) -> None:
    await schedule_prompt(bot)
    await deliver(bot)
    await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)  # the prompt
    group = -1001
    await bot.say(ANA, "/profile@staffroom_bot show", chat_id=group, chat_type="group")
    notice = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == group)
    bot_message = notice.result["message_id"]

    bot.tg.push_text(ANA, "chatting with colleagues", chat_id=group, chat_type="group")
    bot.tg.push_text(
        ANA, "replying to a person", chat_id=group, chat_type="group", reply_to_message_id=1
    )
    bot.tg.push_text(
        ANA,
        "thanks for the tip",
        chat_id=group,
        chat_type="group",
        reply_to_message_id=bot_message,
    )
    answer = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    pointer = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == group)

    # Heard as plain chat, not as an answer to the open prompt; answered privately.
    assert answer.params["text"] == "I only understand commands here. Send help to see them."
    assert pointer.params["text"] == "I answered you in a private chat."
    assert len(bot.tg.sent_messages(chat_id=group)) == 2
    assert journal(bot) == [], "a group message is never a private journal entry"
