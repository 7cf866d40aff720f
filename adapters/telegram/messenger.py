"""Sending replies to Telegram: command answers and the Messenger port for scheduled messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

from telegram import Bot, ForceReply, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    TelegramError,
)
from telegram.error import RetryAfter as TelegramRetryAfter

from adapters.telegram.render import render
from core.actions.service import keys_for
from core.app import Staffroom
from core.communities.channels import move_channel
from core.delivery.ports import PermanentFailure, Recipient, RetryAfter, TransientFailure
from core.reply import Reply

PLATFORM = "telegram"
log = logging.getLogger("staffroom.telegram")


async def send_reply(
    bot: Bot,
    app: Staffroom,
    chat_id: int,
    reply: Reply,
    *,
    reply_to: int | None = None,
    force_reply: ForceReply | None = None,
) -> list[Message]:
    """Send ``reply`` to a chat: its texts (the keyboard under the last), then its files.

    ``reply_to`` quotes the message being answered (in groups, so it is clear who asked);
    ``force_reply`` opens the reply box under the last text when the reply has no buttons (a
    message carries one markup: buttons or a reply box, never both). Only the
    first message's failure is raised: once it is out, the reply counts as sent, so a later part
    that fails is logged and skipped (raising would make the deliverer send the whole reply again).
    """
    rendered = render(reply, await keys_for(app, reply))
    quote = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to is not None
        else None
    )
    parts: list[Callable[[], Awaitable[Message]]] = []
    for index, text in enumerate(rendered.texts):
        last = index == len(rendered.texts) - 1
        parts.append(
            partial(
                bot.send_message,
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=(rendered.keyboard or force_reply) if last else None,
                reply_parameters=quote if index == 0 else None,
            )
        )
    for index, document in enumerate(rendered.documents):
        parts.append(
            partial(
                bot.send_document,
                chat_id,
                document=document.data,
                filename=document.filename,
                reply_parameters=quote if index == 0 and not rendered.texts else None,
            )
        )
    sent: list[Message] = []
    for number, part in enumerate(parts, 1):
        try:
            sent.append(await part())
        except TelegramError as exc:
            if not sent:
                raise
            log.warning(
                "telegram: part %d of %d of a reply to chat %s failed after the first was sent: %s",
                number,
                len(parts),
                chat_id,
                exc,
            )
    return sent


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramMessenger:
    """The Messenger port: scheduled prompts, reminders and posts, sent by the bot.

    A direct message goes to the private chat, whose id on Telegram is the user's id. Failures are
    reported in the delivery engine's terms: flood control -> RetryAfter, a blocked bot or a missing
    chat -> PermanentFailure, network trouble and server errors -> TransientFailure.
    """

    platform = PLATFORM

    def __init__(self, bot: Bot, app: Staffroom, tenant: str) -> None:
        self.bot = bot
        self.app = app
        self.tenant = tenant

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        """Send and return the id of the first message sent (what a reply to it will point at)."""
        if recipient.platform != PLATFORM or recipient.tenant != self.tenant:
            raise PermanentFailure(
                f"recipient {recipient.platform}:{recipient.tenant} is not this Telegram bot "
                f"({PLATFORM}:{self.tenant})"
            )
        target = recipient.user_id if recipient.is_direct else recipient.channel_id
        try:
            chat_id = int(target or "")
        except ValueError:
            raise PermanentFailure(f"{target!r} is not a Telegram chat id") from None
        try:
            try:
                sent = await send_reply(self.bot, self.app, chat_id, reply)
            except ChatMigrated as moved:
                # A group became a supergroup: its new id takes the message, now and from now on.
                await asyncio.to_thread(self._rebind, chat_id, moved.new_chat_id)
                sent = await send_reply(self.bot, self.app, moved.new_chat_id, reply)
        except TelegramRetryAfter as exc:
            raise RetryAfter(_seconds(exc.retry_after), str(exc)) from exc
        except Forbidden as exc:
            raise PermanentFailure(f"Telegram refused: {exc.message}") from exc
        except BadRequest as exc:
            # "chat not found", "user is deactivated", ...: sending again cannot succeed.
            raise PermanentFailure(f"Telegram rejected the message: {exc.message}") from exc
        except NetworkError as exc:
            raise TransientFailure(f"Telegram unreachable: {exc.message}") from exc
        except TelegramError as exc:
            raise TransientFailure(f"Telegram error: {exc.message}") from exc
        if not sent:
            raise PermanentFailure("the reply was empty: nothing to send")
        return str(sent[0].message_id)

    def _rebind(self, old_chat_id: int, new_chat_id: int) -> None:
        """Point the community channels bound to a migrated group at its new (supergroup) id."""
        with self.app.session() as session:
            moved = move_channel(session, PLATFORM, self.tenant, str(old_chat_id), str(new_chat_id))
        if moved:
            log.info("telegram: group %s became %s; its bindings follow", old_chat_id, new_chat_id)
