"""Free text sent to the bot: private messages and replies to the bot's own messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.commands import REGISTRY, CommandRegistry
from core.context import Context
from core.reply import Reply
from tests.adapters.telegram.conftest import ANA, Bot
from tests.adapters.telegram.test_messenger import DM


class Journal:
    """A message feature for the test: keeps what it was told and which message it answered."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str | None, bool]] = []

    def __call__(self, ctx: Context, text: str) -> Reply | None:
        channel = ctx.invocation.channel
        self.heard.append((text, ctx.invocation.reply_to, bool(channel and channel.direct)))
        return Reply.success("Saved to your journal.")


async def journal_bot(make_bot: Callable[..., Awaitable[Bot]], journal: Journal) -> Bot:
    registry = CommandRegistry(
        commands=dict(REGISTRY.commands),
        group_help=dict(REGISTRY.group_help),
        message_handlers=[journal],
    )
    return await make_bot(registry=registry)


async def test_private_text_and_replies_to_a_prompt_reach_the_message_handlers(
    make_bot: Callable[..., Awaitable[Bot]],
) -> None:
    journal = Journal()
    bot = await journal_bot(make_bot, journal)
    prompt_id = await bot.platform.messenger.send(DM, Reply.message("What went well today?"))
    await bot.tg.wait_for_call("sendMessage")  # the prompt itself

    plain = await bot.say(ANA, "The group work went well")
    answered = await bot.say(ANA, "Starters, again", reply_to_message_id=int(prompt_id))

    assert plain == answered == "Saved to your journal."
    assert journal.heard == [
        ("The group work went well", None, True),
        ("Starters, again", prompt_id, True),
    ]


async def test_in_groups_only_replies_to_the_bot_are_heard(
    make_bot: Callable[..., Awaitable[Bot]],
) -> None:
    journal = Journal()
    bot = await journal_bot(make_bot, journal)
    group = -1001
    await bot.say(ANA, "/profile@staffroom_bot show", chat_id=group, chat_type="group")
    notice = bot.tg.sent_messages(chat_id=group)
    if not notice:
        await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == group)
        notice = bot.tg.sent_messages(chat_id=group)
    bot_message = notice[0]["message_id"]

    bot.tg.push_text(ANA, "chatting with colleagues", chat_id=group, chat_type="group")
    bot.tg.push_text(
        ANA, "replying to a person", chat_id=group, chat_type="group", reply_to_message_id=1
    )
    bot.tg.push_text(
        ANA,
        "a reply to the bot",
        chat_id=group,
        chat_type="group",
        reply_to_message_id=bot_message,
    )
    await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["text"] == "Saved to your journal."
    )

    assert journal.heard == [("a reply to the bot", str(bot_message), False)]
