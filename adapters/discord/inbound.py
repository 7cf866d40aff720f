"""Discord interactions and DMs in, Invocations to the core, replies rendered back out.

Identity is always the interaction's (or message's) user id with the application id as tenant: a
Discord user id is global, so the guild only says where something was said. A button press runs as
whoever pressed it; a payload is never trusted for identity or permission.

Answering within Discord's 3 seconds: the core gets ``answer_within`` seconds (default 2); if it
answers in time, the reply is the interaction's one response, private or public as the reply says.
If not, the interaction is deferred ("thinking…", private unless the command is declared public)
and the reply follows up when ready; a reply whose visibility differs from the deferral's is
posted in the channel (public) or after removing the deferral (private). Whatever fails on the
way, the member gets a private apology rather than "The application did not respond".

First contact: a person's first request is answered as usual, then followed by a private
question for their timezone (:mod:`adapters.discord.onboarding`), since Discord never says it.

Files: a command's file option (``/inquiry post file:``) and the files of a DM become the
invocation's attachments, as references (the attachment's id, name, size, type and URL), never
as an argument; Staffroom does not download them. Discord signs attachment URLs for a limited
time, and keeps a file chosen in a slash command's option only for as long as it likes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands

from adapters.discord.autocomplete import suggest
from adapters.discord.buttons import BUTTON_ID
from adapters.discord.messenger import PLATFORM, SEND_ERRORS, prepare, send_all
from adapters.discord.modal import (
    build_modal,
    field_label,
    form_command,
    form_key,
    read_submission,
)
from adapters.discord.onboarding import question_for
from adapters.discord.render import DiscordMessage, render
from adapters.discord.tree import UnreadableOptions, discord_path
from core.actions.service import command_for
from core.app import Staffroom
from core.commands import Command, Param
from core.forms.questions import read_action
from core.i18n import _, set_language
from core.invocation import AttachedFile, ChannelRef, Invocation
from core.params import Kind
from core.reply import Reply
from core.suggestions import Typed

log = logging.getLogger("staffroom.discord")

_T = TypeVar("_T")

ANSWER_WITHIN = 2.0
"""Seconds the core may take before the interaction is deferred (Discord allows 3)."""

Deferral = Literal["private", "public"]
"""How an interaction was deferred ("thinking…" shown to the member alone, or to everyone)."""

STALE_COMMAND = (
    app_commands.CommandNotFound,
    app_commands.CommandSignatureMismatch,
    app_commands.TransformerError,
    UnreadableOptions,
)
"""What discord.py raises (and the tree finds) for a payload that does not fit this release's
command tree."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The core's reply to one request and, on the person's first contact, the timezone
    question that follows it."""

    reply: Reply
    question: Reply | None = None


def payload_path(data: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The command path (``["cpd", "log"]``) and the leaf options by name, from a slash-command
    payload as Discord sent it (whatever its shape)."""
    words = [str(data.get("name") or "")]
    options: Any = data.get("options")
    while isinstance(options, list):
        sub = next((o for o in options if isinstance(o, dict) and o.get("type") in (1, 2)), None)
        if sub is None:
            break
        words.append(str(sub.get("name") or ""))
        options = sub.get("options")
    leaves = options if isinstance(options, list) else []
    values = {str(o["name"]): o.get("value") for o in leaves if isinstance(o, dict) and "name" in o}
    return words, values


def attached_file(attachment: discord.Attachment) -> AttachedFile:
    """A Discord attachment as a reference to where Discord keeps it."""
    return AttachedFile(
        name=attachment.filename,
        size=attachment.size,
        content_type=attachment.content_type or "",
        ref=str(attachment.id),
        url=attachment.url,
    )


def _resolved_file(data: dict[str, Any], value: Any) -> AttachedFile | None:
    """An attachment option's file from a raw payload (``resolved.attachments`` by id), for a
    command discord.py could not read itself."""
    resolved = (data.get("resolved") or {}).get("attachments") or {}
    found = resolved.get(str(value)) if isinstance(resolved, dict) else None
    if not isinstance(found, dict):
        return None
    return AttachedFile(
        name=str(found.get("filename") or ""),
        size=found.get("size") or 0,
        content_type=str(found.get("content_type") or ""),
        ref=str(found.get("id") or value),
        url=str(found.get("url") or "") or None,
    )


def split_files(
    interaction: discord.Interaction[Any], command: Command, options: dict[str, Any]
) -> tuple[dict[str, Any], tuple[AttachedFile, ...]]:
    """The options without the command's file options, and the files chosen in them."""
    kinds = {p.name: p.kind for p in command.params}
    args: dict[str, Any] = {}
    files: list[AttachedFile] = []
    for name, value in options.items():
        if kinds.get(name) is not Kind.FILE:
            args[name] = value
        elif isinstance(value, discord.Attachment):
            files.append(attached_file(value))
        else:  # an id discord.py did not resolve (a raw payload value, a bare Object)
            found = _resolved_file(dict(interaction.data or {}), getattr(value, "id", value))
            if found is not None:
                files.append(found)
    return args, tuple(files)


class DiscordInbound:
    """Turns one client's interactions and DMs into core invocations and answers them."""

    def __init__(self, app: Staffroom, *, answer_within: float = ANSWER_WITHIN) -> None:
        self.app = app
        self.answer_within = answer_within

    # invocations -----------------------------------------------------------------------------
    def invocation(self, interaction: discord.Interaction[Any], **what: Any) -> Invocation:
        """An invocation by the person who acted, in the channel they acted in."""
        user = interaction.user
        channel = interaction.channel
        return Invocation(
            platform=PLATFORM,
            tenant=str(interaction.application_id),
            user_id=str(user.id),
            display_name=user.display_name,
            handle=user.name,
            channel=ChannelRef(
                id=str(interaction.channel_id or ""),
                direct=interaction.guild_id is None,
                name=str(getattr(channel, "name", "") or ""),
            ),
            locale=str(interaction.locale.value) if interaction.locale else None,
            **what,
        )

    # slash commands --------------------------------------------------------------------------
    async def run_command(
        self, interaction: discord.Interaction[Any], command: Command, options: dict[str, Any]
    ) -> None:
        """A slash command: open its form when it is a form given nothing, else run it."""
        async with self.answering(interaction):
            if command.form and command.params and not options:
                await interaction.response.send_modal(build_modal(command))
                return
            args, files = split_files(interaction, command, options)
            invocation = self.invocation(
                interaction, command=command.name, args=args, attachments=files
            )
            await self.answer(interaction, invocation, public=command.public)

    async def autocomplete(
        self, interaction: discord.Interaction[Any], command: Command, param: Param, current: str
    ) -> list[app_commands.Choice[Any]]:
        """Suggestions for the option being typed (read-only: nobody is registered by typing)."""
        tenant, user = str(interaction.application_id), str(interaction.user.id)

        def work() -> list[tuple[str, str | int]]:
            with self.app.session() as session:
                typed = Typed(
                    settings=self.app.settings,
                    member_id=self.app.member_for(session, PLATFORM, tenant, user),
                    command=command,
                    param=param,
                    text=current,
                )
                return suggest(self.app, session, typed)

        try:
            found = await asyncio.to_thread(work)
        except Exception:  # a suggestion failing must not break typing the command
            log.exception("discord: autocomplete for %s %s failed", command.name, param.name)
            return []
        return [app_commands.Choice(name=name, value=value) for name, value in found]

    async def command_failed(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """A slash command discord.py could not run, answered all the same.

        A command, subcommand or option that does not match this release's tree means the
        commands Discord shows were synced by another release: the command is run from the
        payload as far as this release knows it (the core then names what is missing or
        unknown), and the mismatch is logged so an admin can re-sync.
        """
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return
        if not isinstance(error, STALE_COMMAND):
            log.error("discord: interaction %s failed", interaction.id, exc_info=error)
            if not interaction.response.is_done():
                await self._apologise(interaction)
            return
        words, options = payload_path(dict(interaction.data or {}))
        log.warning(
            "discord: /%s does not match this release's commands (%s); "
            "run `staffroom discord sync`",
            " ".join(words),
            type(error).__name__,
        )
        command = self._by_discord_path().get(tuple(words))
        if command is not None:
            known = {p.name for p in command.params}
            given = {k: v for k, v in options.items() if k in known and v is not None}
            await self.run_command(interaction, command, given)
            return
        async with self.answering(interaction):
            unknown = self.invocation(interaction, command=" ".join(words), args={})
            await self.answer(interaction, unknown)

    def _by_discord_path(self) -> dict[tuple[str, ...], Command]:
        registry = self.app.registry
        return {discord_path(c, registry): c for c in registry.commands.values()}

    # buttons ---------------------------------------------------------------------------------
    async def press(self, interaction: discord.Interaction[Any], key: str) -> None:
        """A button press: the command behind ``key``, run as the presser."""
        async with self.answering(interaction):
            command_text = await command_for(self.app, key)
            if command_text is None:
                await self.respond(interaction, self._expired())
                return
            action = read_action(command_text)
            if action is not None and action.kind == "open":
                # A form with some values given (a Decline's request id): a modal asks the
                # rest, its values read back from the key when it is sent; with nothing left
                # to ask, the command runs as it stands.
                command_text = action.value
                opened = self.app.registry.form_with(command_text)
                if opened is not None:
                    modal = build_modal(opened[0], key=key, given=opened[1].keys())
                    await interaction.response.send_modal(modal)
                    return
            form = self.app.registry.form_for(command_text)
            if form is not None:
                await interaction.response.send_modal(build_modal(form))
                return
            await self.answer(interaction, self.invocation(interaction, text=command_text))

    def _expired(self) -> Reply:
        self._language()
        return Reply.error(
            _("That button has expired. Please run the command again to get a fresh one.")
        )

    # forms -----------------------------------------------------------------------------------
    async def interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Every interaction passes here. Staffroom form submissions are handled (a form whose id
        names no command is out of date), and so are buttons no handler owns (a custom id this
        release does not make: one sent by another release), which would go unanswered."""
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.type is discord.InteractionType.component:
            if not BUTTON_ID.fullmatch(str(data.get("custom_id") or "")):
                async with self.answering(interaction):
                    await self.respond(interaction, self._expired())
            return
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(data.get("custom_id") or "")
        key = form_key(custom_id)
        async with self.answering(interaction):
            if key is not None:
                await self._submit_opened(interaction, key, data)
            else:
                await self._submit(interaction, form_command(custom_id) or "", data)

    async def _submit_opened(
        self, interaction: discord.Interaction[Any], key: str, data: dict[str, Any]
    ) -> None:
        """A form a button opened: the values it was given come from the button's command,
        looked up by its key, never from the submission."""
        action = read_action(await command_for(self.app, key) or "")
        opened = self.app.registry.form_with(action.value) if action is not None else None
        if action is None or action.kind != "open" or opened is None:
            await self._submit(interaction, "", data)
            return
        command, given = opened
        await self._submit(interaction, command.name, data, given=given)

    async def _submit(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        data: dict[str, Any],
        *,
        given: dict[str, str] | None = None,
    ) -> None:
        found = self.app.registry.resolve(name.split()) if name.split() else None
        if found is None or found[1]:
            self._language()
            stale = _("This form is out of date. Close it and run the command again.")
            await self.respond(interaction, Reply.error(stale))
            return
        command = found[0]
        args = {**read_submission(command, data), **(given or {})}
        invocation = self.invocation(interaction, command=command.name, args=args, via_form=True)
        answered, deferral = await self._dispatch(interaction, invocation, public=command.public)
        reply = answered.reply
        if reply.tone == "error" and reply.error_field:
            param = next((p for p in command.params if p.name == reply.error_field), None)
            if param is not None:
                reply.note(
                    _(
                        'Check the "{field}" field and send the form again.',
                        field=field_label(param),
                    )
                )
            reply.ephemeral = True
        await self.respond(interaction, reply, deferral=deferral)
        await self._ask_privately(interaction, answered.question)

    # direct messages -------------------------------------------------------------------------
    async def message(self, message: discord.Message, tenant: str) -> None:
        """A DM from a person: a command if it starts with one, else free text (a prompt's answer)."""
        if message.author.bot or message.guild is not None:
            return
        text = message.content.strip()
        if not text:
            return
        # A DM may start a command with Discord's slash: "/cpd log 1" is "cpd log 1".
        kind = self.app.registry.kind_of(text.lstrip("/"))
        reference = message.reference.message_id if message.reference else None
        answered = await self._handle(
            Invocation(
                platform=PLATFORM,
                tenant=tenant,
                user_id=str(message.author.id),
                display_name=message.author.display_name,
                handle=message.author.name,
                text=text.lstrip("/") if kind == "command" else text,
                kind=kind,
                channel=ChannelRef(id=str(message.channel.id), direct=True),
                reply_to=str(reference) if reference else None,
                attachments=tuple(attached_file(a) for a in message.attachments),
            )
        )
        await send_all(message.channel, await prepare(self.app, answered.reply))

        async def send(messages: list[DiscordMessage]) -> None:
            await send_all(message.channel, messages)

        await self._ask(send, answered.question, f"DM {message.id}")

    # answering -------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def answering(self, interaction: discord.Interaction[Any]) -> AsyncIterator[None]:
        """Never leave an interaction unanswered: a failure inside becomes a private apology
        (the response if none was given yet, else a follow-up), and is logged."""
        try:
            yield
        except Exception:
            log.exception("discord: interaction %s failed", interaction.id)
            await self._apologise(interaction)

    async def _apologise(self, interaction: discord.Interaction[Any]) -> None:
        """A private apology: the response if none was given yet, else a follow-up."""
        self._language()
        sorry = Reply.error(_("Something went wrong on our side. Please try again."))
        try:
            await self._send(interaction, render(sorry), ephemeral=True)
        except SEND_ERRORS as error:
            log.warning(
                "discord: could not apologise for interaction %s: %r", interaction.id, error
            )

    async def answer(
        self, interaction: discord.Interaction[Any], invocation: Invocation, *, public: bool = False
    ) -> None:
        """Run the invocation and answer the interaction with its reply (and a newcomer's
        timezone question after it)."""
        answered, deferral = await self._dispatch(interaction, invocation, public=public)
        await self.respond(interaction, answered.reply, deferral=deferral)
        await self._ask_privately(interaction, answered.question)

    async def _handle(self, invocation: Invocation) -> Answer:
        """The core's reply, with the timezone question when this is the person's first request."""
        new = await self._first_contact_step(self._is_new, invocation)
        reply = await self.app.handle(invocation)
        if not new:
            return Answer(reply)
        return Answer(reply, await self._first_contact_step(self._question, invocation))

    @staticmethod
    async def _first_contact_step(
        step: Callable[[Invocation], _T], invocation: Invocation
    ) -> _T | None:
        """One database step of first contact, in a worker thread; None when it fails. The
        reply never depends on it (the core answers a database fault in its own words), and
        the person is asked next time."""
        try:
            return await asyncio.to_thread(step, invocation)
        except Exception as error:
            log.warning("discord: first-contact step failed: %s", type(error).__name__)
            return None

    def _is_new(self, invocation: Invocation) -> bool:
        with self.app.session() as session:
            return self.app.member_for(session, *invocation.account_key) is None

    def _question(self, invocation: Invocation) -> Reply | None:
        with self.app.session() as session:
            return question_for(session, invocation, self.app.settings.staffroom.language)

    async def _ask_privately(
        self, interaction: discord.Interaction[Any], question: Reply | None
    ) -> None:
        """The newcomer's question as a private follow-up to the interaction."""

        async def send(messages: list[DiscordMessage]) -> None:
            await self._send(interaction, messages, ephemeral=True)

        await self._ask(send, question, f"interaction {interaction.id}")

    async def _ask(
        self,
        send: Callable[[list[DiscordMessage]], Awaitable[object]],
        question: Reply | None,
        where: str,
    ) -> None:
        """Send the timezone question after a reply. The reply is out already, so a question
        that cannot be sent is logged, never apologised for as if the command had failed."""
        if question is None:
            return
        try:
            await send(await prepare(self.app, question))
        except Exception as error:
            log.warning("discord: the timezone question for %s was not sent: %r", where, error)

    async def _dispatch(
        self, interaction: discord.Interaction[Any], invocation: Invocation, *, public: bool
    ) -> tuple[Answer, Deferral | None]:
        """The answer, and how the interaction was deferred if the core took too long."""
        work = asyncio.ensure_future(self._handle(invocation))
        done, _pending = await asyncio.wait({work}, timeout=self.answer_within)
        if done:
            return work.result(), None
        # Past the budget: acknowledge now so Discord does not drop the interaction.
        deferral: Deferral = "public" if public else "private"
        try:
            await interaction.response.defer(ephemeral=not public, thinking=True)
        except Exception:
            # The work is already under way (and may change things): let it finish rather than
            # leave it running unobserved, then report the failed deferral.
            with contextlib.suppress(Exception):
                await work
            raise
        return await work, deferral

    async def respond(
        self,
        interaction: discord.Interaction[Any],
        reply: Reply,
        *,
        deferral: Deferral | None = None,
    ) -> None:
        """Send the reply as the interaction's response (or follow-ups after a deferral).

        A deferral fixes the visibility of the first follow-up (it replaces the "thinking…"
        message). So a public reply after a private deferral is posted in the channel, and the
        deferral becomes a short pointer to it. (No command is declared public yet, so a deferral
        is never public while its reply is private.)
        """
        messages = await prepare(self.app, reply)
        public_after_private = deferral == "private" and not reply.ephemeral
        if public_after_private and await self._post_in_channel(interaction, messages):
            return
        await self._send(interaction, messages, ephemeral=reply.ephemeral)

    async def _post_in_channel(
        self, interaction: discord.Interaction[Any], messages: Sequence[DiscordMessage]
    ) -> bool:
        """Post ``messages`` in the interaction's channel and point the private deferral at them;
        False when the bot may not post there (the caller answers privately instead)."""
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            if interaction.channel_id is None:
                return False
            channel = interaction.client.get_partial_messageable(interaction.channel_id)
        try:
            await send_all(channel, messages)
        except discord.Forbidden as error:
            log.warning("discord: cannot post in channel %s: %r", interaction.channel_id, error)
            return False
        self._language()
        await interaction.edit_original_response(content=_("Done: posted in this channel."))
        return True

    @staticmethod
    async def _send(
        interaction: discord.Interaction[Any],
        messages: Sequence[DiscordMessage],
        *,
        ephemeral: bool,
    ) -> None:
        for message in messages:
            kwargs: dict[str, Any] = message.payload()
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            else:
                await interaction.followup.send(ephemeral=ephemeral, **kwargs)

    def _language(self) -> None:
        set_language(self.app.settings.staffroom.language)
