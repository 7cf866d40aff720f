"""Telegram's command menu, generated from the command registry: one command per group.

``/cpd log 1.5 "Workshop"`` arrives as the Telegram command ``cpd`` plus the rest of the line, which
the core parser reads like any typed command. Telegram allows names of ``[a-z0-9_]{1,32}`` and
descriptions of at most 256 characters, so group names are adapted (``-`` becomes ``_``) and the
mapping back is kept here too.
"""

from __future__ import annotations

import re

from telegram import Bot, BotCommand

from core.commands import CommandRegistry
from core.i18n import _, available_languages, language

START = "start"
"""Onboarding, handled by the adapter itself (deep-link payloads)."""
NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
DESCRIPTION_LIMIT = 256
COMMANDS_LIMIT = 100


def telegram_name(group: str) -> str | None:
    """The Telegram command for a registry group, or None if Telegram cannot spell it."""
    name = group.lower().replace("-", "_")
    return name if NAME_PATTERN.match(name) else None


def command_groups(registry: CommandRegistry) -> dict[str, str]:
    """Telegram command name -> registry group, for every group Telegram can name (not /start)."""
    found: dict[str, str] = {}
    for group in registry.groups():
        name = telegram_name(group)
        if name is not None and name != START and name not in found:
            found[name] = group
    return found


def bot_commands(registry: CommandRegistry) -> list[BotCommand]:
    """The menu: ``help`` first, then every other group in order, each with its translated help."""
    groups = command_groups(registry)
    ordered = sorted(groups, key=lambda name: (name != "help", name))
    commands = []
    for name in ordered[:COMMANDS_LIMIT]:
        about = registry.group_help.get(groups[name], "")
        description = " ".join((_(about) if about else groups[name]).split())
        if len(description) > DESCRIPTION_LIMIT:
            description = description[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
        commands.append(BotCommand(name, description))
    return commands


async def publish_commands(bot: Bot, registry: CommandRegistry) -> list[BotCommand]:
    """Replace the bot's menu with the registry's commands (``setMyCommands``): the default menu
    in the current language, and one per other catalogue (``language_code``), so each member's
    Telegram shows the descriptions in their language. Returns the default menu."""
    commands = bot_commands(registry)
    await bot.set_my_commands(commands)
    for code in available_languages():
        with language(code):
            await bot.set_my_commands(bot_commands(registry), language_code=code)
    return commands
