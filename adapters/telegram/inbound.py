"""Telegram updates -> Invocations -> replies.

Identity is always the Telegram user who acted (``from.id``), under the bot's id as tenant; names
are only shown, never used to identify. In groups the bot sees only commands and replies to its own
messages (privacy mode); answers meant for one person (ephemeral replies) go to that person's private
chat, so an export or a link code is never posted in a group.

A document or photo whose caption is a command (``/inquiry post 12 note``, or in the private chat
``inquiry post 12``) runs that command with the file attached, as a reference: its ``file_id``
(which only this bot can use), name, size and type. Telegram gives no link to a file, and
Staffroom does not download it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from dataclasses import dataclass

from telegram import CallbackQuery, Chat, Message, MessageEntity, PhotoSize, Update, User
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, ContextTypes

from adapters.telegram.forms import CANCEL, TelegramForms
from adapters.telegram.menu import START, command_groups
from adapters.telegram.messenger import PLATFORM, send_reply
from adapters.telegram.onboarding import deep_link, start_command
from core.actions.service import command_for
from core.app import Staffroom
from core.forms.questions import read_action
from core.i18n import _, set_language
from core.identity.service import language_of, likely_zones
from core.invocation import AttachedFile, ChannelRef, Invocation
from core.reply import Reply, Text, bold, spans

log = logging.getLogger("staffroom.telegram")

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?$")
TOAST_LIMIT = 200
"""Telegram's limit on the text of an answered callback query."""


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """A ``/name@bot rest of the line`` message, taken apart."""

    name: str
    rest: str
    addressed: bool
    """``/name@ourbot``: meant for this bot even in a group full of bots."""


def parse_command(text: str, bot_username: str) -> SlashCommand | None:
    """The command in ``text``, or None if it is not one or is addressed to another bot."""
    parts = text.strip().split(maxsplit=1)
    match = _COMMAND.match(parts[0]) if parts else None
    if match is None:
        return None
    target = match.group(2)
    if target is not None and target.lower() != bot_username.lower():
        return None
    rest = parts[1].strip() if len(parts) > 1 else ""
    return SlashCommand(match.group(1).lower(), rest, target is not None)


def on_behalf_of_a_chat(message: Message) -> bool:
    """Sent as a group or a channel, not as a person: an anonymous group admin (``from`` is
    GroupAnonymousBot, ``sender_chat`` the group), a post "as the channel", or a channel post
    forwarded automatically into its discussion group. Every such sender would be one shared
    member, so Staffroom refuses them."""
    return message.sender_chat is not None or bool(message.is_automatic_forward)


def from_a_bot(message: Message) -> bool:
    """Sent by another bot (and not on behalf of a chat): ignored, so bots never talk in loops."""
    user = message.from_user
    return user is not None and user.is_bot and not on_behalf_of_a_chat(message)


class SlashCommandHandler(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Matches new messages that start with a command for this bot, one of ours or ``/start``.

    In groups an unknown command without ``@ourbot`` probably belongs to another bot: ignored.
    """

    def __init__(self, inbound: Inbound) -> None:
        super().__init__(inbound.on_command)
        self.inbound = inbound

    def check_update(self, update: object) -> SlashCommand | None:
        """Decide without I/O whether this update is a command for us."""
        if not isinstance(update, Update) or update.message is None:
            return None
        message = update.message
        entities = message.entities
        if not message.text or not entities or message.from_user is None or from_a_bot(message):
            return None
        if entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset != 0:
            return None
        found = parse_command(message.text, message.get_bot().username)
        if found is None:
            return None
        known = found.name == START or found.name in self.inbound.groups
        if message.chat.type != ChatType.PRIVATE and not (known or found.addressed):
            return None
        return found


def attached_files(message: Message) -> tuple[AttachedFile, ...]:
    """The file a message carries (a document, or the largest size of a photo), as a reference."""
    if message.document is not None:
        document = message.document
        return (
            AttachedFile(
                name=document.file_name or "document",
                size=document.file_size or 0,
                content_type=document.mime_type or "",
                ref=document.file_id,
            ),
        )
    if message.photo:
        largest: PhotoSize = max(
            message.photo, key=lambda p: (p.width * p.height, p.file_size or 0)
        )
        return (
            AttachedFile(
                name=f"photo-{message.message_id}.jpg",  # photos have no name; Telegram sends JPEG
                size=largest.file_size or 0,
                content_type="image/jpeg",
                ref=largest.file_id,
            ),
        )
    return ()


@dataclass(frozen=True, slots=True)
class CaptionedFile:
    """A file sent to the bot, with the command its caption gives (None: the caption is not one)."""

    command: SlashCommand | None
    text: str | None


class CaptionedFileHandler(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Matches a new document or photo whose caption is a command for this bot, in any chat the
    bot would take that command in as text; and, in the private chat, any other document or
    photo (answered with how to add it as evidence)."""

    def __init__(self, inbound: Inbound) -> None:
        super().__init__(inbound.on_file)
        self.inbound = inbound

    def check_update(self, update: object) -> CaptionedFile | None:
        """Decide without I/O whether this update is a file for us, and what its caption says."""
        if not isinstance(update, Update) or update.message is None:
            return None
        return self.inbound.file_message(update.message, update.message.get_bot().username)


class Inbound:
    """Handles commands, messages and button presses for one bot.

    Updates are processed concurrently across chats (``concurrent_updates``), but one chat's
    updates are handled one at a time, in the order they arrived: each handler first takes its
    chat's turn (:meth:`turn`), so a member's second message never overtakes the first.
    """

    def __init__(self, app: Staffroom, tenant: str) -> None:
        self.app = app
        self.tenant = tenant
        self.groups = command_groups(app.registry)
        self.forms = TelegramForms(app)
        # Held only while a chat has updates in hand; dropped when no handler needs it.
        self._turns: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def turn(self, chat_id: int) -> asyncio.Lock:
        """The lock that orders one chat's updates (asyncio locks wake waiters first come first
        served, and PTB starts each update's handler in arrival order)."""
        lock = self._turns.get(chat_id)
        if lock is None:
            lock = self._turns[chat_id] = asyncio.Lock()
        return lock

    # Translation ------------------------------------------------------------------------------

    def invocation(
        self,
        user: User,
        chat: Chat | None,
        text: str,
        *,
        kind: str = "command",
        reply_to: int | None = None,
        attachments: tuple[AttachedFile, ...] = (),
    ) -> Invocation:
        """An Invocation from the permanent ids of the Telegram user who acted."""
        channel = (
            ChannelRef(id=str(chat.id), direct=chat.type == ChatType.PRIVATE, name=chat.title or "")
            if chat is not None
            else ChannelRef(id=str(user.id), direct=True)
        )
        return Invocation(
            platform=PLATFORM,
            tenant=self.tenant,
            user_id=str(user.id),
            display_name=user.full_name,
            handle=f"@{user.username}" if user.username else None,
            text=text,
            kind="message" if kind == "message" else "command",
            channel=channel,
            reply_to=str(reply_to) if reply_to is not None else None,
            locale=user.language_code,
            attachments=attachments,
        )

    def file_message(self, message: Message, bot_username: str) -> CaptionedFile | None:
        """A document or photo for this bot, with the command its caption gives; None for one
        that is not for us (another bot's command in a group, a file in a group without one)."""
        if message.from_user is None or from_a_bot(message) or not attached_files(message):
            return None
        private = message.chat.type == ChatType.PRIVATE
        caption = (message.caption or "").strip()
        entities = message.caption_entities
        if entities and entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0:
            found = parse_command(caption, bot_username)
            if found is None:
                return None
            if not private and not (found.name in self.groups or found.addressed):
                return None
            return CaptionedFile(found, None)
        is_command = bool(caption) and self.app.registry.kind_of(caption) == "command"
        if not private or (message.media_group_id is not None and not is_command):
            # An album's other photos come as messages without a caption: not one hint each.
            return None
        return CaptionedFile(None, caption if is_command else None)

    def command_text(self, command: SlashCommand) -> str:
        """``/cpd log 1.5 "Workshop"`` -> ``cpd log 1.5 "Workshop"`` (the core parses the rest)."""
        group = self.groups.get(command.name, command.name)
        return f"{group} {command.rest}".strip()

    # Handlers ---------------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A ``/command``: onboarding for ``/start``, else the core's command of that group."""
        message = update.message
        assert message is not None and message.from_user is not None and message.text
        async with self.turn(message.chat.id):
            if on_behalf_of_a_chat(message):
                await self.refuse_chat_sender(context, message)
                return
            command = parse_command(message.text, context.bot.username)
            assert command is not None
            user = message.from_user
            if command.name == START:
                reply = await self.start(user, message.chat, command.rest)
            elif command.name == CANCEL and CANCEL not in self.groups:
                reply = await self.forms.cancel(self.invocation(user, None, "cancel"))
            else:
                text = self.command_text(command)
                form = self.app.registry.form_for(text)
                if form is not None:
                    # Given bare: ask its fields one at a time, in the private chat.
                    privately = self.invocation(user, None, text)
                    await self.forms.open(
                        context.bot, privately, form, chat=message.chat, quote=message
                    )
                    return
                reply = await self.app.handle(self.invocation(user, message.chat, text))
                await self.put_form_away(message.chat, user, reply)
            await self.respond(context, message.chat, user, reply, quote=message)

    async def on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A document or photo: the command of its caption, run with the file attached."""
        message = update.message
        assert message is not None and message.from_user is not None
        sent = self.file_message(message, context.bot.username)
        assert sent is not None
        user = message.from_user
        async with self.turn(message.chat.id):
            if on_behalf_of_a_chat(message):
                await self.refuse_chat_sender(context, message)
                return
            if sent.command is not None and sent.command.name == START:
                text: str | None = None
            elif sent.command is not None:
                text = self.command_text(sent.command)
            else:
                text = sent.text
            if text is None:
                set_language(
                    await asyncio.to_thread(self._language_of, self.invocation(user, None, ""))
                )
                reply = Reply.message(
                    _(
                        "To add a file to an inquiry as evidence, send it again with the caption "
                        "/inquiry post ID, and a note after it if you like. Staffroom keeps a "
                        "reference to the file here, not a copy."
                    )
                )
            else:
                files = attached_files(message)
                reply = await self.app.handle(
                    self.invocation(user, message.chat, text, attachments=files)
                )
                await self.put_form_away(message.chat, user, reply)
            await self.respond(context, message.chat, user, reply, quote=message)

    async def put_form_away(self, chat: Chat | None, user: User, reply: Reply) -> None:
        """Another command in the private chat ends the form open there (its next message
        would otherwise be taken as an answer); the reply says so."""
        if chat is not None and chat.type == ChatType.PRIVATE:
            note = await self.forms.put_away(self.invocation(user, None, ""))
            if note is not None:
                reply.note(note)

    async def start(self, user: User, chat: Chat, payload: str) -> Reply:
        """``/start`` with an optional deep-link payload (link accounts, join a community)."""
        command = start_command(payload, self.app.registry)
        if command is not None:
            return await self.app.handle(self.invocation(user, chat, command))
        invocation = self.invocation(user, chat, "help")
        reply = await self.app.handle(invocation)
        spoken = await asyncio.to_thread(self._language_of, invocation)
        set_language(spoken)
        welcome = Text(
            spans=spans(
                _("Welcome to {name}, ", name=self.app.settings.staffroom.name),
                bold(user.full_name),
                _(
                    "! Tell me about yourself with /profile set, log learning, join communities "
                    "and reflect, right here."
                ),
            )
        )
        reply.blocks.insert(1 if reply.blocks else 0, welcome)
        # Telegram says nothing of the timezone: ask, with the likely ones as buttons.
        reply.note(
            _(
                "Your clock is set to UTC for now, so reminders may come at the wrong hour. "
                "Choose your timezone, or send /settings timezone CITY."
            )
        )
        for zone in likely_zones(user.language_code):
            reply.action(zone.split("/")[-1].replace("_", " "), f"settings timezone {zone}")
        return reply

    def _language_of(self, invocation: Invocation) -> str:
        """The language the member chose (or was given on first contact)."""
        with self.app.session() as session:
            spoken = language_of(session, *invocation.account_key)
        return spoken or self.app.settings.staffroom.language

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text: in a private chat anything; in a group only a reply to the bot."""
        message = update.message
        if message is None or message.from_user is None or not message.text:
            return
        if from_a_bot(message):
            return
        replied = message.reply_to_message
        to_bot = (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == context.bot.id
        )
        if message.chat.type != ChatType.PRIVATE and not to_bot:
            return
        async with self.turn(message.chat.id):
            if on_behalf_of_a_chat(message):
                await self.refuse_chat_sender(context, message)
                return
            invocation = self.invocation(
                message.from_user,
                message.chat,
                message.text,
                kind="message",
                reply_to=replied.message_id if replied is not None and to_bot else None,
            )
            note = None
            if message.chat.type == ChatType.PRIVATE:
                # The answer to a form's question, if one is open here.
                taken, note = await self.forms.answer(context.bot, invocation)
                if taken:
                    return
            reply = await self.app.handle(invocation)
            if note is not None:
                reply.note(note)
            await self.respond(context, message.chat, message.from_user, reply, quote=message)

    async def refuse_chat_sender(
        self, context: ContextTypes.DEFAULT_TYPE, message: Message
    ) -> None:
        """Ask whoever sent ``message`` as a group or channel to send it as themselves."""
        set_language(self.app.settings.staffroom.language)
        refusal = Reply.error(
            _(
                "I can only act for a person, not for a group or a channel. Please send that "
                'again as yourself (turn off "Remain anonymous" or "Send as" the channel).'
            )
        )
        await send_reply(
            context.bot, self.app, message.chat.id, refusal, reply_to=message.message_id
        )

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: run the stored command as the presser.

        The query is answered before the command runs: Telegram gives up on an answer after a
        few seconds ("query is too old"), and the command's work and sends can take longer.
        """
        query = update.callback_query
        if query is None:
            return
        set_language(self.app.settings.staffroom.language)
        if query.from_user.is_bot:
            await _answer(query, _("Only people can press my buttons."))
            return
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message is not None else None
        if chat is not None and chat.type == ChatType.PRIVATE and chat.id != query.from_user.id:
            # Not the presser's own chat (a forged press): answer them privately instead.
            chat = None
        async with self.turn(chat.id if chat is not None else query.from_user.id):
            try:
                command = await command_for(self.app, query.data or "")
            except Exception:
                log.exception("button press failed")
                await _answer(query, _("Something went wrong on our side. Please try again."))
                return
            if command is None:
                expired = _(
                    "That button has expired. Send the command again instead, or /help to see "
                    "them all."
                )
                await _answer(query, expired)
                return
            await _answer(query, None)
            try:
                user = query.from_user
                action = read_action(command)
                if action is not None and action.kind == "open":
                    # A form with some values given (a Decline's request id): ask the rest, or
                    # run the command as it stands when nothing is left to ask.
                    command, action = action.value, None
                    opened = self.app.registry.form_with(command)
                else:
                    form = self.app.registry.form_for(command) if action is None else None
                    opened = (form, {}) if form is not None else None
                if action is not None:
                    await self.forms.press(context.bot, self.invocation(user, None, ""), action)
                elif opened is not None:
                    privately = self.invocation(user, None, command)
                    await self.forms.open(
                        context.bot, privately, opened[0], chat=chat, quote=None, given=opened[1]
                    )
                else:
                    reply = await self.app.handle(self.invocation(user, chat, command))
                    await self.put_form_away(chat, user, reply)
                    await self.respond(context, chat, user, reply, quote=None)
            except Exception:
                log.exception("button press failed")
                sorry = Reply.error(_("Something went wrong on our side. Please try again."))
                target = chat.id if chat is not None else query.from_user.id
                try:
                    await send_reply(context.bot, self.app, target, sorry)
                except TelegramError as exc:
                    log.warning("could not report a failed button press: %s", exc)

    # Answering --------------------------------------------------------------------------------

    async def respond(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat: Chat | None,
        user: User,
        reply: Reply,
        *,
        quote: Message | None,
    ) -> None:
        """Send ``reply`` where it belongs.

        Public replies and anything in a private chat go to that chat. A reply meant for one person
        given in a group goes to their private chat; if they never pressed Start, the group is told
        how to start one (without the reply itself).
        """
        bot = context.bot
        if chat is None or chat.type == ChatType.PRIVATE or not reply.ephemeral:
            target = chat.id if chat is not None else user.id
            in_group = chat is not None and chat.type != ChatType.PRIVATE
            reply_to = quote.message_id if quote is not None and in_group else None
            await send_reply(bot, self.app, target, reply, reply_to=reply_to)
            return
        set_language(self.app.settings.staffroom.language)
        try:
            await send_reply(bot, self.app, user.id, reply)
        except Forbidden:
            notice = Reply.message(
                _("I answer that in a private chat, and we have not met there yet. Open "),
                deep_link(bot.username),
                _(", press Start, then ask again."),
            )
            await send_reply(
                bot,
                self.app,
                chat.id,
                notice,
                reply_to=quote.message_id if quote is not None else None,
            )
            return
        if quote is not None:
            await send_reply(
                bot,
                self.app,
                chat.id,
                Reply.message(_("I answered you in a private chat.")),
                reply_to=quote.message_id,
            )


async def _answer(query: CallbackQuery, toast: str | None) -> None:
    """Answer a button press (stops the spinner), with a short notice when given."""
    try:
        await query.answer(_shorten(toast) if toast else None)
    except TelegramError as exc:
        log.warning("could not answer a button press: %s", exc)


def _shorten(text: str) -> str:
    return text if len(text) <= TOAST_LIMIT else text[: TOAST_LIMIT - 1].rstrip() + "…"
