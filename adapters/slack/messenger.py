"""The Messenger port on Slack: DM a member or post in a community's channel.

Used by the delivery engine, which does its own pacing and retrying: this client has no automatic
429 retry, so a rate limit comes back at once as ``RetryAfter`` with Slack's ``Retry-After``.

Each message goes with the token of the recipient's workspace (``Recipient.tenant``), which
``WorkspaceClients`` provides: the one configured token for a single workspace, or the token of
the installation serving that workspace (refreshed first when it is close to expiry) when many
workspaces install Staffroom.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import render
from core.app import Staffroom
from core.delivery.ports import (
    PermanentFailure,
    Recipient,
    RetryAfter,
    TransientFailure,
)
from core.identity.service import dm_channel_of, remember_dm_channel
from core.reply import Reply

log = logging.getLogger("staffroom.slack")

PLATFORM = "slack"

_TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
"""Slack error codes worth retrying. Every other ``ok: false`` is about the recipient and means
retrying cannot help (``channel_not_found``, ``user_not_found``, ``is_archived``, ...)."""
_BOT_ERRORS = frozenset(
    {
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "missing_scope",
    }
)
"""Slack error codes that say the bot's own token or app is broken, whoever the message is for.
They are retried (and logged as errors for an admin) rather than failing the message, which would
pause the recipient's schedule for something the recipient did not do."""


def classify(error: SlackApiError) -> RetryAfter | TransientFailure | PermanentFailure:
    """Map a Slack API error to the delivery engine's failure kinds."""
    response = error.response
    status = response.status_code
    code = str(response.get("error", "")) if isinstance(response.data, dict) else ""
    if status == 429 or code == "ratelimited":
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("retry-after", "1")
        value = raw[0] if isinstance(raw, list) else raw
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = 1.0
        return RetryAfter(seconds, f"slack rate limit ({code or status})")
    if code in _BOT_ERRORS:
        log.error("slack refused the bot itself (%s): check the bot token and its scopes", code)
        return TransientFailure(f"slack bot not usable: {code}")
    if status >= 500 or code in _TRANSIENT_ERRORS:
        return TransientFailure(f"slack {status} {code}".strip())
    return PermanentFailure(f"slack refused the message: {code or status}")


class WorkspaceClients(Protocol):
    """The Web API client to use for one workspace (with that workspace's token)."""

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """A client for workspace ``team_id``; raises :class:`NotReachable` if there is none."""
        ...


class OneWorkspace:
    """A single workspace: the configured token serves every team id."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The one client, whatever the team."""
        return self.client


class NotReachable(Exception):
    """Staffroom has no usable installation in the workspace; ``waiting`` when it had one that
    was removed (a re-install will bring it back), else it never had one."""

    def __init__(self, team_id: str, *, waiting: bool, detail: str) -> None:
        super().__init__(detail)
        self.team_id = team_id
        self.waiting = waiting


class SlackMessenger:
    """Sends replies to Slack users (by DM) and channels; returns the message's ``ts``."""

    platform = PLATFORM

    def __init__(
        self,
        app: Staffroom,
        clients: WorkspaceClients,
        *,
        dm_channels: dict[tuple[str, str], str] | None = None,
    ) -> None:
        """``dm_channels`` shares the memory of opened DM channels with another messenger."""
        self.app = app
        self.clients = clients
        self.dm_channels = {} if dm_channels is None else dm_channels

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The client carrying workspace ``team_id``'s token."""
        return await self.clients.client_for(team_id)

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        """Post ``reply`` to the recipient; raise RetryAfter, TransientFailure or
        PermanentFailure when Slack does not take it."""
        try:
            client = await self.client_for(recipient.tenant)
            if recipient.user_id is not None:
                channel = await self.dm_channel(recipient.tenant, recipient.user_id, client=client)
            elif recipient.channel_id is not None:
                channel = recipient.channel_id
            else:
                raise PermanentFailure("a Slack recipient needs a user or a channel")
            return await self.post(channel, reply, team_id=recipient.tenant, client=client)
        except NotReachable as missing:
            if missing.waiting:
                # Retried, not failed: failing would pause schedules that are not only this
                # workspace's (a community posting to several platforms).
                raise TransientFailure(str(missing)) from None
            raise PermanentFailure(str(missing)) from None
        except SlackTokenRotationError as error:
            log.error("slack: refreshing the token of team %s failed", recipient.tenant)
            raise TransientFailure(f"slack token refresh failed: {error}") from error
        except SlackApiError as error:
            raise classify(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientFailure(f"slack unreachable: {type(error).__name__}") from error

    async def post(
        self,
        channel: str,
        reply: Reply,
        *,
        team_id: str | None = None,
        thread_ts: str | None = None,
        client: AsyncWebClient | None = None,
    ) -> str:
        """Post a reply (and upload its files) in a channel or DM; returns the message ts.

        ``client`` is the one to post with (a request's own); by default, ``team_id``'s."""
        client = client or await self.client_for(team_id or "")
        args: dict[str, Any] = {"channel": channel, **render(reply)}
        if team_id:
            args["team_id"] = team_id
        if thread_ts:
            args["thread_ts"] = thread_ts
        # link_names off and parse none: Slack must not look for @names in the fallback text.
        response = await client.chat_postMessage(
            **args, link_names=False, parse="none", unfurl_links=False
        )
        ts = str(response.get("ts") or "")
        try:
            await self.upload(channel, reply, client=client)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # The message is out; failing now would make the deliverer send it twice.
            log.warning("slack file upload to %s failed after the message: %s", channel, error)
        return ts

    async def upload(
        self,
        channel: str,
        reply: Reply,
        *,
        team_id: str | None = None,
        client: AsyncWebClient | None = None,
    ) -> None:
        """Send the reply's attachments as Slack files in ``channel``."""
        if not reply.attachments:
            return
        client = client or await self.client_for(team_id or "")
        await client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {"content": a.data, "filename": a.filename, "title": a.filename}
                for a in reply.attachments
            ],
        )

    async def dm_channel(
        self, team_id: str, user_id: str, *, client: AsyncWebClient | None = None
    ) -> str:
        """The bot's DM channel with a user: cached in memory and on the account row."""
        key = (team_id, user_id)
        known = self.dm_channels.get(key) or await asyncio.to_thread(
            self._stored_dm, team_id, user_id
        )
        if known:
            self.dm_channels[key] = known
            return known
        client = client or await self.client_for(team_id)
        opened = await client.conversations_open(users=user_id)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise PermanentFailure("Slack opened no DM channel")
        self.dm_channels[key] = channel
        await asyncio.to_thread(self._store_dm, team_id, user_id, channel)
        return channel

    def _stored_dm(self, team_id: str, user_id: str) -> str | None:
        with self.app.session() as session:
            return dm_channel_of(session, PLATFORM, team_id, user_id)

    def _store_dm(self, team_id: str, user_id: str, channel: str) -> None:
        with self.app.session() as session:
            remember_dm_channel(session, PLATFORM, team_id, user_id, channel)
