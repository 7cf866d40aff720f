"""The Messenger port on Discord: DM a member or post in a community's bound channel.

The delivery engine does its own pacing. discord.py waits out short rate limits by itself (it
honours each route's bucket); a limit longer than the client's ``max_ratelimit_timeout`` comes
back at once as ``RetryAfter``. 5xx answers, network faults and a refused bot token (401, which no
recipient is to blame for) are ``TransientFailure``; a person who blocks DMs (50007), a deleted user
or channel, or missing permissions is ``PermanentFailure``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.render import DiscordMessage, render
from core.actions.service import keys_for
from core.app import Staffroom
from core.delivery.ports import PermanentFailure, Recipient, RetryAfter, TransientFailure
from core.reply import Reply

log = logging.getLogger("staffroom.discord")

PLATFORM = "discord"
CANNOT_MESSAGE_USER = 50007
UNAUTHORIZED = 401
SEND_ERRORS = (
    discord.HTTPException,
    discord.RateLimited,
    aiohttp.ClientError,
    TimeoutError,
    OSError,
)
"""What sending one message can raise (the messenger maps each to a delivery failure)."""


def classify(error: discord.HTTPException) -> RetryAfter | TransientFailure | PermanentFailure:
    """Map a Discord API error to the delivery engine's failure kinds."""
    if error.status == 429:
        headers = getattr(error.response, "headers", None) or {}
        try:
            seconds = float(headers.get("Retry-After", 1.0))
        except (TypeError, ValueError):
            seconds = 1.0
        return RetryAfter(seconds, "discord rate limit")
    if error.status >= 500:
        return TransientFailure(f"discord {error.status}")
    if error.status == UNAUTHORIZED:
        # The bot's own token was refused: no recipient is at fault, and failing the row would
        # pause that member's schedules. Retry until someone fixes the token.
        log.error("discord refused the bot's token (401): check STAFFROOM_DISCORD__TOKEN")
        return TransientFailure("discord: the bot's token was refused (401)")
    if error.code == CANNOT_MESSAGE_USER:
        return PermanentFailure("discord: the member does not accept DMs from the bot (50007)")
    if isinstance(error, discord.NotFound):
        return PermanentFailure(f"discord: the user or channel is gone ({error.code})")
    return PermanentFailure(f"discord refused the message: {error.status} {error.code}")


async def prepare(app: Staffroom, reply: Reply) -> list[DiscordMessage]:
    """Store the reply's button commands as short keys (in a worker thread), then render."""
    if not reply.actions:
        return render(reply)
    keys = await keys_for(app, reply)
    return render(reply, [keys[action.command] for action in reply.actions])


def nonce_for(delivery: str, part: int) -> str:
    """Discord's nonce (at most 25 characters) for one part of one delivery: the same on every
    attempt, so with ``enforce_nonce`` a repeat after a crash is not posted twice."""
    return hashlib.sha256(f"{delivery}:{part}".encode()).hexdigest()[:25]


async def send_all(
    channel: discord.abc.Messageable,
    messages: Sequence[DiscordMessage],
    delivery: str | None = None,
) -> list[int]:
    """Send the rendered messages in order; returns the ids of those sent.

    Only the first message's failure is raised: once it is out, the reply counts as sent, so a
    later message that fails is logged and skipped (raising would make the deliverer send the
    whole reply again).
    """
    ids: list[int] = []
    for number, message in enumerate(messages, 1):
        kwargs: dict[str, Any] = message.payload()
        if delivery is not None:
            kwargs["nonce"] = nonce_for(delivery, number)  # discord.py adds enforce_nonce
        try:
            sent = await channel.send(**kwargs)
        except SEND_ERRORS as error:
            if not ids:
                raise
            log.warning(
                "discord: message %d of %d of a reply failed after the first was sent: %r",
                number,
                len(messages),
                error,
            )
            continue
        ids.append(sent.id)
    return ids


class DiscordMessenger:
    """Sends replies to Discord users (by DM) and channels; returns the first message's id."""

    platform = PLATFORM

    def __init__(self, app: Staffroom, client: discord.Client) -> None:
        self.app = app
        self.client = client

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        """Post ``reply`` to the recipient; raise RetryAfter, TransientFailure or
        PermanentFailure when Discord does not take it."""
        try:
            channel = await self.channel_for(recipient)
            ids = await send_all(channel, await prepare(self.app, reply), recipient.delivery)
        except discord.RateLimited as error:
            raise RetryAfter(error.retry_after, "discord rate limit") from error
        except discord.HTTPException as error:
            raise classify(error) from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise TransientFailure(f"discord unreachable: {type(error).__name__}") from error
        return str(ids[0])

    async def channel_for(self, recipient: Recipient) -> discord.abc.Messageable:
        """The member's DM channel (opened if needed) or the bound channel."""
        if recipient.user_id is not None:
            user_id = _snowflake(recipient.user_id)
            return await self.client.create_dm(discord.Object(id=user_id))
        if recipient.channel_id is not None:
            return self.client.get_partial_messageable(_snowflake(recipient.channel_id))
        raise PermanentFailure("a Discord recipient needs a user or a channel")


def _snowflake(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise PermanentFailure(f"{value!r} is not a Discord id") from None
