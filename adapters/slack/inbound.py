"""Bolt listeners: Slack events in, Invocations to the core, replies rendered back out.

Every listener acknowledges first (Slack allows 3 seconds) and then does the work, except a modal
submission, whose inline errors can only travel in the acknowledgement. Identity is always the
team id and user id of the person who acted (for a button: who pressed it), never a display name
and never anything a payload claims.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.dedupe import RecentEvents
from adapters.slack.home import home_view
from adapters.slack.messenger import PLATFORM, SlackMessenger
from adapters.slack.modal import (
    CALLBACK_ID,
    build_modal,
    first_block,
    read_metadata,
    read_values,
)
from adapters.slack.render import ACTION_PREFIX, render
from core.app import Staffroom
from core.commands import Command
from core.i18n import _
from core.invocation import ChannelRef, Invocation
from core.parsing import ParseError, tokenize
from core.reply import Reply

log = logging.getLogger("staffroom.slack")

HOME_REFRESH_SECONDS = 30
"""Opening the Home tab again within this many seconds shows the dashboard already published:
each refresh asks the core several questions, which count against the member's rate limit."""
ERROR_TEXT_LIMIT = 150
CONCURRENT_WORK = 4
"""Commands worked on at once after their ack. The work shares the process (and Python's GIL)
with the acks of the commands still arriving; queueing it keeps every ack inside Slack's 3 s."""


class SlackInbound:
    """The listeners of one Slack app, bound to a Staffroom and a Messenger."""

    def __init__(self, app: Staffroom, messenger: SlackMessenger) -> None:
        self.app = app
        self.messenger = messenger
        self.events = RecentEvents(app.clock)
        self._home_published: dict[tuple[str, str], float] = {}
        self._work = asyncio.Semaphore(CONCURRENT_WORK)

    def register(self, bolt: AsyncApp) -> None:
        """Attach every Staffroom listener (and the retry filter) to a Bolt app."""
        bolt.middleware(self._drop_retried_events)
        bolt.command(self.app.settings.slack.command)(self._on_command)
        bolt.action({"type": "block_actions", "action_id": _action_pattern()})(self._on_action)
        bolt.view_submission(CALLBACK_ID)(self._on_view)
        bolt.event({"type": "message", "channel_type": "im"})(self._on_message)
        bolt.event("app_home_opened")(self._on_home)

    # retries -------------------------------------------------------------------------------
    async def _drop_retried_events(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not self.events.first_time(event_id):
            log.info("slack event %s seen before (a retry): acknowledged, not handled", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    # slash command -------------------------------------------------------------------------
    async def _on_command(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        async with self._work:
            await self._command(body, respond, client)

    async def _command(
        self, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        team, user = str(body.get("team_id", "")), str(body.get("user_id", ""))
        channel_id = str(body.get("channel_id", ""))
        text = str(body.get("text") or "").strip()
        form = self._form_for(text)
        if form is not None and body.get("trigger_id"):
            await client.views_open(
                trigger_id=body["trigger_id"], view=build_modal(form, channel_id=channel_id or None)
            )
            return
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                tenant=team,
                user_id=user,
                display_name=str(body.get("user_name", "")),
                text=text,
                channel=_channel(channel_id, str(body.get("channel_name", ""))),
            )
        )
        await self._answer(reply, respond, team=team, user=user, channel=channel_id)

    def _form_for(self, text: str) -> Command | None:
        """The form command named by ``text`` when it has no arguments, else None."""
        try:
            words = [t.text for t in tokenize(text)]
        except ParseError:
            return None
        found = self.app.registry.resolve(words) if words else None
        if found is None or found[1] or not found[0].form or not found[0].params:
            return None
        return found[0]

    # buttons -------------------------------------------------------------------------------
    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        command = str(action.get("value") or "")
        team, user = _team_of(body), str((body.get("user") or {}).get("id", ""))
        if not command or not user:
            return
        channel_id = str((body.get("channel") or {}).get("id") or "")
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
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
            await self.messenger.post(await self.messenger.dm_channel(team, user), reply)
            await self.publish_home(team, user, force=True)
            return
        await self._answer(reply, respond, team=team, user=user, channel=channel_id)

    # modal submissions ---------------------------------------------------------------------
    async def _on_view(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        name, channel_id = read_metadata(view)
        found = self.app.registry.resolve(name.split()) if name else None
        team, user = _team_of(body), str((body.get("user") or {}).get("id", ""))
        if found is None or found[1]:
            await ack()
            stale = Reply.error(unknown_form_error())
            await self._post_to_person(stale, client, team=team, user=user, channel=channel_id)
            return
        command = found[0]
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                tenant=team,
                user_id=user,
                display_name=str((body.get("user") or {}).get("name", "")),
                command=command.name,
                args=read_values(command, view),
                channel=_channel(channel_id or "", ""),
                via_form=True,
            )
        )
        if reply.tone == "error":
            field = (
                reply.error_field if reply.error_field in {p.name for p in command.params} else None
            )
            block = field or first_block(command)
            if block is not None:
                message = reply.plain_text().split("\n", 1)[0]
                await ack(response_action="errors", errors={block: message[:ERROR_TEXT_LIMIT]})
                return
        await ack()
        await self._post_to_person(reply, client, team=team, user=user, channel=channel_id)

    # direct messages -----------------------------------------------------------------------
    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins and the bot's own messages are not a member talking
        team = str(body.get("team_id") or event.get("team") or "")
        user = str(event["user"])
        text = str(event.get("text") or "").strip()
        if not text:
            return
        channel_id = str(event.get("channel") or "")
        first = text.split(maxsplit=1)[0].lower()
        is_command = first in self.app.registry.groups()
        thread = event.get("thread_ts")
        reply = await self.app.handle(
            Invocation(
                platform=PLATFORM,
                tenant=team,
                user_id=user,
                text=text,
                kind="command" if is_command else "message",
                channel=ChannelRef(id=channel_id, direct=True),
                reply_to=str(thread) if thread else None,
            )
        )
        await self.messenger.post(
            channel_id, reply, team_id=team, thread_ts=str(thread) if thread else None
        )

    # App Home --------------------------------------------------------------------------------
    async def _on_home(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        await self.publish_home(str(body.get("team_id", "")), str(event["user"]))

    async def publish_home(self, team: str, user: str, *, force: bool = False) -> None:
        """Publish the member's dashboard, unless it was published moments ago."""
        key = (team, user)
        now = self.app.clock.now().timestamp()
        last = self._home_published.get(key)
        if not force and last is not None and now - last < HOME_REFRESH_SECONDS:
            return
        self._home_published[key] = now
        view = await home_view(self.app, team, user)
        await self.messenger.client.views_publish(user_id=user, view=view)

    # answering -------------------------------------------------------------------------------
    async def _answer(
        self, reply: Reply, respond: AsyncRespond, *, team: str, user: str, channel: str
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
                self.messenger.client,
                team=team,
                user=user,
                channel=channel,
            )
        if reply.attachments:
            target = channel if not reply.ephemeral and channel else None
            target = target or await self.messenger.dm_channel(team, user)
            await self.messenger.upload(target, reply)

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
                    await self.messenger.post(channel, reply, team_id=team)
                    return
                if reply.attachments:
                    await self.messenger.upload(await self.messenger.dm_channel(team, user), reply)
                return
            except SlackApiError as error:
                log.info("slack: cannot answer in %s (%s); answering by DM", channel, error)
        await self.messenger.post(await self.messenger.dm_channel(team, user), reply, team_id=team)


def _action_pattern() -> re.Pattern[str]:
    return re.compile(f"^{re.escape(ACTION_PREFIX)}")


def _team_of(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id") or "")


def _channel(channel_id: str, name: str) -> ChannelRef | None:
    if not channel_id:
        return None
    return ChannelRef(id=channel_id, direct=channel_id.startswith("D"), name=name)


def unknown_form_error() -> str:
    """Shown when a modal's command no longer exists (Staffroom was upgraded meanwhile)."""
    return _("This form is out of date. Close it and type the command again.")
