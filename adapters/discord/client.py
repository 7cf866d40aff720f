"""The discord.py client Staffroom runs: minimal intents, the generated command tree, persistent
buttons, form submissions and DMs wired to :class:`~adapters.discord.inbound.DiscordInbound`."""

from __future__ import annotations

from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from adapters.discord.buttons import ActionButton
from adapters.discord.inbound import DiscordInbound
from adapters.discord.tree import build_tree
from core.app import Staffroom
from core.config import DiscordSettings
from core.i18n import set_language

MAX_RATELIMIT_WAIT = 30.0
"""Longest rate limit discord.py waits out by itself (its minimum); a longer one raises
``discord.RateLimited`` at once, which the messenger reports as ``RetryAfter``, so a delivery round
or ``stop()`` is never held up by one route's limit."""


def intents() -> discord.Intents:
    """Guilds (to know channels) and DMs (reflection answers); no privileged intent."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    return chosen


def configure_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py's REST and gateway at ``settings`` (class attributes: set before login)."""
    discord.http.Route.BASE = settings.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


class _StaffroomEvents:
    """Event handlers shared by the single and the sharded client."""

    inbound: DiscordInbound
    tree: app_commands.CommandTree[Any]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)  # type: ignore[attr-defined]

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.inbound.interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.inbound.message(message, str(self.application_id))  # type: ignore[attr-defined]


class StaffroomClient(_StaffroomEvents, discord.Client):
    """One gateway connection."""


class ShardedStaffroomClient(_StaffroomEvents, discord.AutoShardedClient):
    """``shard_count`` gateway connections (Discord asks large bots to shard)."""


def make_client(
    app: Staffroom, inbound: DiscordInbound, **options: Any
) -> StaffroomClient | ShardedStaffroomClient:
    """A client for ``app`` with its command tree built from the registry (not synced)."""
    settings = app.settings.discord
    common: dict[str, Any] = {
        "intents": intents(),
        "allowed_mentions": discord.AllowedMentions.none(),
        "max_ratelimit_timeout": MAX_RATELIMIT_WAIT,
        **options,
    }
    client: StaffroomClient | ShardedStaffroomClient
    if settings.shard_count > 0:
        client = ShardedStaffroomClient(shard_count=settings.shard_count, **common)
    else:
        client = StaffroomClient(**common)
    client.inbound = inbound
    set_language(app.settings.staffroom.language)
    client.tree = build_tree(client, app.registry, inbound, app.suggestion_sources)
    return client
