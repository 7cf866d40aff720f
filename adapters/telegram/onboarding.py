"""``/start`` onboarding and ``t.me`` deep links.

A bot cannot message anyone who has not pressed Start, so Staffroom is joined through a link:
``https://t.me/<bot>`` (welcome and help), ``?start=link-CODE`` (join this Telegram account to the
member who made the code on another platform) or ``?start=join-SLUG`` (join a community).
"""

from __future__ import annotations

import asyncio
import re

import click
from telegram import Bot

from adapters.cli import cli_settings
from core.commands import CommandRegistry
from core.config import ConfigError, Settings

PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What Telegram allows in a ``start`` parameter."""


def start_command(payload: str, registry: CommandRegistry) -> str | None:
    """The command line a ``/start`` payload stands for, or None for a plain welcome.

    ``link-K7P4XM2Q`` -> ``link K7P4XM2Q`` (which asks the presser to confirm);
    ``join-maths-secondary`` -> ``community info maths-secondary``, the community with a Join
    button: a link someone else made never joins (or asks to join) on the presser's behalf.
    Anything else is a welcome: an old or mistyped link should still greet the person, not fail.
    """
    payload = payload.strip()
    if not PAYLOAD_PATTERN.match(payload):
        return None
    kind, _sep, value = payload.partition("-")
    if not value:
        return None
    if kind == "link":
        return f"link {value}"
    if kind == "join" and ("community", "info") in registry.commands:
        return f"community info {value}"
    return None


def deep_link(bot_username: str, payload: str | None = None) -> str:
    """``https://t.me/<bot>``, with ``?start=<payload>`` when given."""
    if payload is not None and not PAYLOAD_PATTERN.match(payload):
        raise ValueError(
            f"{payload!r} cannot be a start payload: use 1-64 letters, digits, _ or - only"
        )
    base = f"https://t.me/{bot_username}"
    return f"{base}?start={payload}" if payload else base


async def fetch_bot_username(settings: Settings) -> str:
    """Ask the configured Bot API who the bot is (``getMe``) and return its username."""
    if settings.telegram.token is None:
        raise ConfigError(
            "telegram.token is not set: set the environment variable STAFFROOM_TELEGRAM__TOKEN"
        )
    bot = Bot(
        settings.telegram.token.get_secret_value(),
        base_url=settings.telegram.api_base_url,
        base_file_url=settings.telegram.file_base_url,
    )
    async with bot:  # initialising asks getMe who the bot is
        username = bot.username
    if not username:
        raise ConfigError("the Telegram bot has no username; set one with @BotFather")
    return username


@click.command("telegram-link")
@click.option("--join", "join", default=None, metavar="SLUG", help="Link that joins a community.")
@click.pass_context
def telegram_link(ctx: click.Context, join: str | None) -> None:
    """Print the bot's onboarding link (https://t.me/<bot>) for members to press Start."""
    settings = cli_settings(ctx)
    try:
        username = asyncio.run(fetch_bot_username(settings))
        link = deep_link(username, f"join-{join}" if join else None)
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # network or Bot API error: say what failed, do not crash
        raise click.ClickException(f"could not reach the Telegram Bot API: {exc}") from None
    click.echo(link)
