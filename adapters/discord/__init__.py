"""Staffroom on Discord: slash commands generated from the registry, persistent buttons, modal
forms, DMs and embeds; one connection or shards. See ``create_platform`` and ``sync_commands``.

Modules: ``render`` (Reply -> messages), ``tree`` (registry -> application commands),
``translator`` (their descriptions in the catalogues' languages), ``autocomplete``, ``buttons``,
``modal``, ``inbound`` (interactions and DMs -> core), ``onboarding`` (a newcomer's timezone
question), ``messenger`` (the delivery port), ``client``, ``platform`` and ``sync`` (the
``staffroom discord`` CLI group).
"""

from __future__ import annotations

from adapters.discord.messenger import DiscordMessenger
from adapters.discord.platform import DiscordNotConfigured, DiscordPlatform, create_platform
from adapters.discord.render import DiscordMessage, render
from adapters.discord.sync import discord_group, sync_commands
from adapters.discord.tree import build_tree, build_tree_commands

__all__ = [
    "DiscordMessage",
    "DiscordMessenger",
    "DiscordNotConfigured",
    "DiscordPlatform",
    "build_tree",
    "build_tree_commands",
    "create_platform",
    "discord_group",
    "render",
    "sync_commands",
]
