"""``staffroom discord sync [--guild ID]``: register the command tree with Discord.

Syncing is an explicit admin action, never done on start: Discord rate-limits command updates,
and re-syncing on every reconnect is a well-known way to hit that limit. A guild sync shows the
commands in that server at once (useful while testing); a global sync can take a while to appear.

Descriptions go in the install's language, with ``description_localizations`` for every other
language the catalogues and Discord share (:mod:`adapters.discord.translator`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import click
import discord
from discord import app_commands

from adapters.cli import cli_settings
from adapters.discord.client import configure_endpoints, intents
from adapters.discord.translator import CatalogueTranslator
from adapters.discord.tree import build_tree
from core.app import build_registry
from core.commands import Command, Param
from core.config import Settings
from core.feature import Feature
from core.features import FEATURES
from core.i18n import set_language
from core.suggestions import sources_of


class _SyncOnly:
    """The runner of a tree that is only uploaded, never dispatched."""

    async def run_command(
        self, interaction: discord.Interaction[Any], command: Command, options: dict[str, Any]
    ) -> None:
        raise RuntimeError("a sync-only command tree does not run commands")

    async def autocomplete(
        self, interaction: discord.Interaction[Any], command: Command, param: Param, current: str
    ) -> list[app_commands.Choice[Any]]:
        return []

    async def command_failed(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        raise RuntimeError("a sync-only command tree does not run commands")


async def sync_commands(
    settings: Settings, guild_id: int | None = None, *, features: Sequence[Feature] = FEATURES
) -> list[app_commands.AppCommand]:
    """Log in over REST only, upload the features' commands (globally or to one guild), with
    their descriptions in every catalogue language Discord offers, and close."""
    if settings.discord.token is None:
        raise ValueError("set STAFFROOM_DISCORD__TOKEN to sync Discord commands")
    configure_endpoints(settings.discord)
    set_language(settings.staffroom.language)
    client = discord.Client(intents=intents())
    tree = build_tree(client, build_registry(features), _SyncOnly(), sources_of(features))
    async with client:
        await tree.set_translator(CatalogueTranslator())
        await client.login(settings.discord.token.get_secret_value())
        if guild_id is None:
            return await tree.sync()
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        return await tree.sync(guild=guild)


@click.group("discord")
def discord_group() -> None:
    """Discord administration."""


@discord_group.command("sync")
@click.option("--guild", "guild_id", type=int, default=None, help="Sync to this server only.")
@click.pass_context
def sync_command(ctx: click.Context, guild_id: int | None) -> None:
    """Register Staffroom's slash commands with Discord (run after an upgrade)."""
    settings = cli_settings(ctx)
    try:
        synced = asyncio.run(sync_commands(settings, guild_id))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except discord.HTTPException as exc:
        raise click.ClickException(f"Discord refused the commands: {exc}") from None
    where = f"server {guild_id}" if guild_id else "every server (may take a while to appear)"
    click.echo(f"synced {len(synced)} commands to {where}: " + ", ".join(c.name for c in synced))
