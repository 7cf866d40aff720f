"""Forms on Telegram: a form command sent with nothing after it (``/cpd log``) is asked one field
at a time in the member's private chat, then run as a structured command, as Slack's and
Discord's form submissions are.

Telegram has no forms, so each question is a message. A question typed in answer gets a reply
box (``ForceReply``, with an example as its placeholder); a question with choices, or an optional
one, gets buttons instead (Telegram gives a message one markup or the other), and typing works
there too, since everything sent in a private chat reaches the bot. The progress is the core's
(:mod:`core.forms.service`), in the database, so the next answer may reach any bot process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Mapping

from telegram import Bot, Chat, ForceReply, Message
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from adapters.telegram.messenger import send_reply
from adapters.telegram.onboarding import deep_link
from adapters.text import shorten
from core.app import Staffroom
from core.commands import Command
from core.forms import service
from core.forms.questions import FormAction
from core.forms.service import Ask, Forgotten, Say, Step, Submit
from core.i18n import _, set_language
from core.invocation import Invocation
from core.reply import Reply

log = logging.getLogger("staffroom.telegram")

CANCEL = "cancel"
"""``/cancel`` stops the form open in the member's private chat."""
PLACEHOLDER_LIMIT = 64
"""Telegram's limit on a reply box's placeholder."""


class TelegramForms:
    """Opens, answers and finishes forms for one bot. Every method takes the invocation of the
    person in their private chat: forms are asked there, wherever the command was given."""

    def __init__(self, app: Staffroom) -> None:
        self.app = app

    async def open(
        self,
        bot: Bot,
        invocation: Invocation,
        form: Command,
        *,
        chat: Chat | None,
        quote: Message | None,
        given: Mapping[str, str] | None = None,
    ) -> None:
        """Ask ``form``'s first field not ``given`` in the private chat. Given in a group, the
        group is told where to look (or how to start a private chat, if the member never
        pressed Start)."""
        user_chat = int(invocation.user_id)
        async with self.apologising(bot, user_chat if chat is None else chat.id):
            step = await asyncio.to_thread(service.start, self.app, invocation, form, given)
            if chat is None or chat.type == ChatType.PRIVATE:
                await self.send(bot, user_chat, step)
            else:
                await self._from_group(bot, invocation, step, chat, quote)

    async def _from_group(
        self, bot: Bot, invocation: Invocation, step: Step, chat: Chat, quote: Message | None
    ) -> None:
        reply_to = quote.message_id if quote is not None else None
        try:
            await self.send(bot, int(invocation.user_id), step)
        except Forbidden:
            # The question never arrived: an open form would take their next message.
            await asyncio.to_thread(service.put_away, self.app, invocation)
            set_language(self.app.settings.staffroom.language)
            notice = Reply.message(
                _("I answer that in a private chat, and we have not met there yet. Open "),
                deep_link(bot.username),
                _(", press Start, then ask again."),
            )
            await send_reply(bot, self.app, chat.id, notice, reply_to=reply_to)
            return
        set_language(self.app.settings.staffroom.language)
        where = Reply.message(_("I am asking you for the details in a private chat."))
        await send_reply(bot, self.app, chat.id, where, reply_to=reply_to)

    async def answer(self, bot: Bot, invocation: Invocation) -> tuple[bool, str | None]:
        """Take a message in the private chat (its cleaned ``text``) as the open form's answer.
        Returns whether it was (else it is for the rest of Staffroom), and a note to add to
        that answer when a form had timed out."""
        text = invocation.text or ""
        async with self.apologising(bot, int(invocation.user_id)):
            step = await asyncio.to_thread(service.answer, self.app, invocation, text)
            if step is None:
                return False, None
            if isinstance(step, Forgotten):
                return False, step.note
            await self.send(bot, int(invocation.user_id), step, invocation=invocation)
        return True, None

    async def press(self, bot: Bot, invocation: Invocation, action: FormAction) -> None:
        """A form button pressed by the invocation's person."""
        async with self.apologising(bot, int(invocation.user_id)):
            step = await asyncio.to_thread(service.press, self.app, invocation, action)
            await self.send(bot, int(invocation.user_id), step, invocation=invocation)

    async def cancel(self, invocation: Invocation) -> Reply:
        """``/cancel``: the answer saying whether a form was stopped."""
        try:
            return await asyncio.to_thread(service.cancel, self.app, invocation)
        except Exception:
            log.exception("telegram: stopping a form failed")
            return _sorry(self.app)

    async def put_away(self, invocation: Invocation) -> str | None:
        """Another command came in the private chat: close the open form, and say so."""
        try:
            return await asyncio.to_thread(service.put_away, self.app, invocation)
        except Exception:  # the command itself was answered; the form times out by itself
            log.exception("telegram: putting a form away failed")
            return None

    @contextlib.asynccontextmanager
    async def apologising(self, bot: Bot, chat_id: int) -> AsyncIterator[None]:
        """A form step that fails on our side is logged (with no answer in the line) and the
        member is told, rather than left waiting for a question that never comes."""
        try:
            yield
        except Exception:
            log.exception("telegram: a form step failed")
            try:
                await send_reply(bot, self.app, chat_id, _sorry(self.app))
            except TelegramError as exc:
                log.warning("telegram: could not report a failed form step: %s", exc)

    async def send(
        self, bot: Bot, chat_id: int, step: Step, *, invocation: Invocation | None = None
    ) -> None:
        """Send what ``step`` says: the next question, a reply, or the command's own answer
        once every field is in (a value it refuses is asked again)."""
        if isinstance(step, Ask):
            await self._ask(bot, chat_id, step)
        elif isinstance(step, Say):
            await send_reply(bot, self.app, chat_id, step.reply)
        elif isinstance(step, Submit):
            assert invocation is not None
            await self._submit(bot, chat_id, invocation, step)

    async def _ask(self, bot: Bot, chat_id: int, ask: Ask) -> None:
        placeholder = shorten(ask.hint, PLACEHOLDER_LIMIT) or None
        force = ForceReply(input_field_placeholder=placeholder)
        await send_reply(bot, self.app, chat_id, ask.reply, force_reply=force)

    async def _submit(self, bot: Bot, chat_id: int, invocation: Invocation, submit: Submit) -> None:
        run = dataclasses.replace(
            invocation,
            text=None,
            kind="command",
            command=submit.command,
            args=submit.args,
            via_form=True,
        )
        reply = await self.app.handle(run)
        again = await asyncio.to_thread(service.submitted, self.app, invocation, submit, reply)
        if again is not None:
            await self._ask(bot, chat_id, again)
            return
        log.info("telegram: a %s form was sent (%s)", submit.command, reply.tone)
        await send_reply(bot, self.app, chat_id, reply)


def _sorry(app: Staffroom) -> Reply:
    set_language(app.settings.staffroom.language)
    return Reply.error(_("Something went wrong on our side. Please try again."))
