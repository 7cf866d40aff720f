"""Bolt listeners: Slack events in, Invocations to the core, replies rendered back out.

Every listener acknowledges first (Slack allows 3 seconds) and then does the work, except a modal
submission, whose inline errors can only travel in the acknowledgement. Identity is always the
user id of the person who acted (for a button: who pressed it) and that person's home team (see
``_identity``), never a display name and never anything a payload claims.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, TypedDict

import aiohttp
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.dedupe import RETRY_WINDOW, RecentEvents
from adapters.slack.home import home_view
from adapters.slack.messenger import PLATFORM, SlackMessenger
from adapters.slack.modal import (
    CALLBACK_ID,
    build_modal,
    first_block,
    read_given,
    read_metadata,
    read_values,
)
from adapters.slack.render import ACTION_PREFIX, render
from core.app import Staffroom
from core.commands import Command
from core.forms.questions import read_action
from core.i18n import _
from core.invocation import AttachedFile, ChannelRef, Invocation
from core.reply import Reply

log = logging.getLogger("staffroom.slack")

HOME_REFRESH_SECONDS = 30
"""Opening the Home tab again within this many seconds shows the dashboard already published:
each refresh asks the core several questions (not counted against the member's rate limit, but
work all the same)."""
ERROR_TEXT_LIMIT = 150
MEMBER_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
"""DM subtypes that are a member talking: plain text, text with a file (a reflection with a
photo), and a thread reply also sent to the conversation."""
CONCURRENT_WORK = 4
"""Commands, button presses, DMs and Home refreshes worked on at once after their ack. The work
shares the process (and Python's GIL) with the acks of the requests still arriving; queueing it
keeps every ack inside Slack's 3 s. Two things are not queued: opening a modal (its trigger_id
expires 3 s after the command) and a modal submission (its errors travel in the ack itself)."""


class FirstContact(TypedDict, total=False):
    """What Slack says of someone Staffroom has not met yet."""

    timezone: str
    locale: str


KNOWN_REMEMBERED = 50_000
"""How many people this process remembers having met (then it asks the database again)."""


class SlackInbound:
    """The listeners of one Slack app, bound to a Staffroom and a Messenger."""

    def __init__(self, app: Staffroom, messenger: SlackMessenger) -> None:
        self.app = app
        self.messenger = messenger
        self.home_visits = RecentEvents(app.clock, window=timedelta(seconds=HOME_REFRESH_SECONDS))
        self.work = asyncio.Semaphore(CONCURRENT_WORK)
        self._known: set[tuple[str, str]] = set()

    def register(self, bolt: AsyncApp) -> None:
        """Attach every Staffroom listener (and the retry filter) to a Bolt app."""
        bolt.middleware(self._drop_retried_events)
        bolt.command(self.app.settings.slack.command)(self._on_command)
        bolt.action({"type": "block_actions", "action_id": _action_pattern()})(self._on_action)
        bolt.view_submission(CALLBACK_ID)(self._on_view)
        bolt.event({"type": "message", "channel_type": "im"})(self._on_message)
        bolt.event("app_home_opened")(self._on_home)

    def _is_known(self, team: str, user: str) -> bool:
        with self.app.session() as session:
            return self.app.member_for(session, PLATFORM, team, user) is not None

    def _remember_known(self, team: str, user: str) -> None:
        """A per-process shortcut only: whether someone was met is in the database."""
        if len(self._known) >= KNOWN_REMEMBERED:
            self._known.clear()
        self._known.add((team, user))

    async def _first_contact(self, team: str, user: str, client: AsyncWebClient) -> FirstContact:
        """For someone Staffroom has not met: their timezone and language from ``users.info``
        (the manifest asks for users:read), so reminders come at their hour from the start.
        Nothing for people already known, or when Slack does not answer."""
        if (team, user) in self._known:
            return FirstContact()
        if await asyncio.to_thread(self._is_known, team, user):
            self._remember_known(team, user)
            return FirstContact()
        try:
            found = await client.users_info(user=user, include_locale=True)
        except Exception as error:  # a profile we cannot read must not stop the command
            log.info("slack: users.info unavailable for a new member (%s)", type(error).__name__)
            return FirstContact()
        profile = found.get("user") or {}
        given = FirstContact()
        if isinstance(profile.get("tz"), str) and profile["tz"]:
            given["timezone"] = profile["tz"]
        if isinstance(profile.get("locale"), str) and profile["locale"]:
            given["locale"] = profile["locale"]
        return given

    # retries -------------------------------------------------------------------------------
    async def _drop_retried_events(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id")
        team = str(body.get("team_id") or "")
        if isinstance(event_id, str) and not await asyncio.to_thread(
            self.app.first_time, "slack.event", f"{team}:{event_id}", RETRY_WINDOW
        ):
            log.info("slack event %s seen before (a retry): acknowledged, not handled", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    # slash command -------------------------------------------------------------------------
    async def _on_command(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        text = str(body.get("text") or "").strip()
        form = self.app.registry.form_for(text)
        # Not queued: the trigger_id expires 3 s after the command was typed.
        if form is not None and await self._open_form(form, body, client):
            return
        async with self.work:
            await self._command(body, text, respond, client)

    async def _open_form(
        self,
        form: Command,
        body: dict[str, Any],
        client: AsyncWebClient,
        *,
        given: Mapping[str, str] | None = None,
        channel_id: str | None = None,
    ) -> bool:
        """Open the modal for ``form`` (the fields not ``given``); False if Slack would not, so
        the command runs as typed (and its answer tells the member what the command needs)."""
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            return False
        channel_id = channel_id or str(body.get("channel_id") or "") or None
        try:
            await client.views_open(
                trigger_id=trigger_id,
                view=build_modal(form, channel_id=channel_id, given=given),
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("slack: could not open the %s form (%s)", form.name, error)
            return False
        return True

    async def _command(
        self, body: dict[str, Any], text: str, respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        team, user = _identity(body)
        channel_id = str(body.get("channel_id", ""))
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                **await self._first_contact(team, user, client),
                tenant=team,
                user_id=user,
                display_name=str(body.get("user_name", "")),
                text=text,
                channel=_channel(channel_id, str(body.get("channel_name", ""))),
            )
        )
        await self._answer(reply, respond, client, team=team, user=user, channel=channel_id)

    # buttons -------------------------------------------------------------------------------
    async def _on_action(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        # A form with some values given (a Decline's request id) opens a modal for the rest,
        # not queued: the trigger_id expires 3 s after the press.
        action = (body.get("actions") or [{}])[0]
        form_action = read_action(str(action.get("value") or ""))
        if form_action is not None and form_action.kind == "open" and _identity(body)[1]:
            opened = self.app.registry.form_with(form_action.value)
            channel_id = str((body.get("channel") or {}).get("id") or "") or None
            if opened is not None and await self._open_form(
                opened[0], body, client, given=opened[1], channel_id=channel_id
            ):
                return
        async with self.work:
            await self._action(body, respond, client)

    async def _action(
        self, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        action = (body.get("actions") or [{}])[0]
        command = str(action.get("value") or "")
        team, user = _identity(body)
        if not command or not user:
            return
        channel_id = str((body.get("channel") or {}).get("id") or "")
        form_action = read_action(command)
        if form_action is not None and form_action.kind == "open":
            command = form_action.value  # nothing left to ask, or no modal: run it as it stands
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                **await self._first_contact(team, user, client),
                tenant=team,
                user_id=user,
                display_name=str((body.get("user") or {}).get("name", "")),
                text=command,
                channel=_channel(channel_id, ""),
            )
        )
        container = body.get("container") or {}
        if container.get("type") == "view":
            # Pressed in the Home tab: there is no message to answer under, so the answer goes
            # by DM and the dashboard is refreshed to show the change.
            dm = await self.messenger.dm_channel(team, user, client=client)
            await self.messenger.post(dm, reply, client=client)
            await self.publish_home(team, user, force=True, client=client)
            return
        await self._answer(reply, respond, client, team=team, user=user, channel=channel_id)

    # modal submissions ---------------------------------------------------------------------
    async def _on_view(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        name, channel_id = read_metadata(view)
        found = self.app.registry.resolve(name.split()) if name else None
        team, user = _identity(body)
        if found is None or found[1]:
            await ack()
            stale = Reply.error(unknown_form_error())
            await self._post_to_person(stale, client, team=team, user=user, channel=channel_id)
            return
        command = found[0]
        given = read_given(command, view)
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                **await self._first_contact(team, user, client),
                tenant=team,
                user_id=user,
                display_name=str((body.get("user") or {}).get("name", "")),
                command=command.name,
                args={**read_values(command, view), **given},
                channel=_channel(channel_id or "", ""),
                via_form=True,
            )
        )
        if reply.tone == "error":
            shown = {p.name for p in command.params} - set(given)
            field = reply.error_field if reply.error_field in shown else None
            block = field or first_block(command, given)
            if block is not None:
                message = reply.plain_text().split("\n", 1)[0]
                await ack(response_action="errors", errors={block: message[:ERROR_TEXT_LIMIT]})
                return
        await ack()
        await self._post_to_person(reply, client, team=team, user=user, channel=channel_id)

    # direct messages -----------------------------------------------------------------------
    async def _on_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("subtype") not in MEMBER_SUBTYPES or event.get("bot_id"):
            return  # edits, deletions, joins and the bot's own messages are not a member talking
        team, user = _identity(body)
        text = str(event.get("text") or "").strip()
        if not user or not text:
            return
        async with self.work:
            await self._message(event, team, user, text, client)

    async def _message(
        self, event: dict[str, Any], team: str, user: str, text: str, client: AsyncWebClient
    ) -> None:
        channel_id = str(event.get("channel") or "")
        thread = event.get("thread_ts")
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                **await self._first_contact(team, user, client),
                tenant=team,
                user_id=user,
                text=text,
                kind=self.app.registry.kind_of(text),
                channel=ChannelRef(id=channel_id, direct=True),
                reply_to=str(thread) if thread else None,
                attachments=shared_files(event),
            )
        )
        await self.messenger.post(
            channel_id,
            reply,
            team_id=team,
            thread_ts=str(thread) if thread else None,
            client=client,
        )

    # App Home --------------------------------------------------------------------------------
    async def _on_home(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = _identity(body)
        if event.get("tab", "home") != "home" or not user:
            return
        async with self.work:
            await self.publish_home(team, user, client=client)

    async def publish_home(
        self, team: str, user: str, *, force: bool = False, client: AsyncWebClient | None = None
    ) -> None:
        """Publish the member's dashboard, unless it was published moments ago (``client``:
        the request's own, else the one of the member's workspace)."""
        if not self.home_visits.first_time(f"{team}:{user}") and not force:
            return
        view = await home_view(self.app, team, user)
        client = client or await self.messenger.client_for(team)
        await client.views_publish(user_id=user, view=view)

    # answering -------------------------------------------------------------------------------
    async def _answer(
        self,
        reply: Reply,
        respond: AsyncRespond,
        client: AsyncWebClient,
        *,
        team: str,
        user: str,
        channel: str,
    ) -> None:
        """Answer a command or button: in the channel for public replies, else only to the
        person; files go to the person's DM unless the reply is public."""
        payload = render(reply)
        response_type = "ephemeral" if reply.ephemeral else "in_channel"
        answered = False
        if respond.response_url:
            try:
                result = await respond(
                    text=payload["text"],
                    blocks=payload["blocks"],
                    response_type=response_type,
                    replace_original=False,
                    unfurl_links=False,
                )
                answered = result.status_code == 200
            except Exception as error:  # any transport failure: fall back to the Web API
                log.warning("slack respond() failed: %s", type(error).__name__)
        if not answered:
            await self._post_to_person(
                reply.model_copy(update={"attachments": []}),
                client,
                team=team,
                user=user,
                channel=channel,
            )
        if reply.attachments:
            target = channel if not reply.ephemeral and channel else None
            target = target or await self.messenger.dm_channel(team, user, client=client)
            await self.messenger.upload(target, reply, client=client)

    async def _post_to_person(
        self,
        reply: Reply,
        client: AsyncWebClient,
        *,
        team: str,
        user: str,
        channel: str | None,
    ) -> None:
        """Without a response_url: public replies in the channel, private ones as an ephemeral
        message there, or by DM when the bot cannot post in that channel."""
        payload = render(reply)
        if channel and not channel.startswith("D"):
            try:
                if reply.ephemeral:
                    await client.chat_postEphemeral(channel=channel, user=user, **payload)
                else:
                    await self.messenger.post(channel, reply, team_id=team, client=client)
                    return
                if reply.attachments:
                    dm = await self.messenger.dm_channel(team, user, client=client)
                    await self.messenger.upload(dm, reply, client=client)
                return
            except SlackApiError as error:
                log.info("slack: cannot answer in %s (%s); answering by DM", channel, error)
        dm = await self.messenger.dm_channel(team, user, client=client)
        await self.messenger.post(dm, reply, team_id=team, client=client)


UNAVAILABLE_FILE_MODES = frozenset({"tombstone", "hidden_by_limit"})
"""File objects Slack sends for a file that is gone, or hidden by a free workspace's limit."""


def shared_files(event: dict[str, Any]) -> tuple[AttachedFile, ...]:
    """The files shared with a message (``file_share``), as references: Slack's file id and its
    permalink, which opens for whoever Slack lets see the file (the conversations it is shared
    in). Staffroom never downloads them."""
    files = event.get("files")
    found: list[AttachedFile] = []
    for shared in files if isinstance(files, list) else []:
        if not isinstance(shared, dict) or not shared.get("id"):
            continue
        if shared.get("mode") in UNAVAILABLE_FILE_MODES:
            continue
        found.append(
            AttachedFile(
                name=str(shared.get("name") or shared.get("title") or ""),
                size=shared.get("size") or 0,
                content_type=str(shared.get("mimetype") or ""),
                ref=str(shared["id"]),
                url=str(shared.get("permalink") or "") or None,
            )
        )
    return tuple(found)


def _action_pattern() -> re.Pattern[str]:
    return re.compile(f"^{re.escape(ACTION_PREFIX)}")


def _identity(body: dict[str, Any]) -> tuple[str, str]:
    """The (team, user) ids of the person who acted, the team being that person's home team.

    In a Slack Connect channel or across an Enterprise Grid, the workspace a request comes from
    (``team.id``, an event's ``team_id``) is not always the person's own: keyed on it, one person
    would become several members, or land in another organisation's tenant. Interactions carry
    the home team as ``user.team_id`` and message events as ``user_team``; slash commands and
    ``app_home_opened`` carry only ``team_id``, the workspace, which is the home team except for
    a Grid member working in another workspace of the same organisation.
    """
    if isinstance(body.get("user"), dict):  # block_actions, view_submission
        person = body["user"]
        team = person.get("team_id") or (body.get("team") or {}).get("id")
        return str(team or ""), str(person.get("id") or "")
    event = body.get("event")
    if isinstance(event, dict):  # Events API
        team = event.get("user_team") or body.get("team_id")
        return str(team or ""), str(event.get("user") or "")
    return str(body.get("team_id") or ""), str(body.get("user_id") or "")  # slash command


def _channel(channel_id: str, name: str) -> ChannelRef | None:
    if not channel_id:
        return None
    return ChannelRef(id=channel_id, direct=channel_id.startswith("D"), name=name)


def unknown_form_error() -> str:
    """Shown when a modal's command no longer exists (Staffroom was upgraded meanwhile)."""
    return _("This form is out of date. Close it and type the command again.")
