"""The ``staffroom`` command line."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from pathlib import Path

import click

from core.config import ConfigError, Settings, load_settings


def _settings(ctx: click.Context) -> Settings:
    try:
        settings = load_settings(ctx.obj["config"])
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return settings


@click.group()
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: staffroom.toml if present).",
)
@click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.pass_context
def main(ctx: click.Context, config: Path | None, log_level: str) -> None:
    """Staffroom: professional learning for educators in Slack, Discord and Telegram."""
    logging.basicConfig(
        level=log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


def _console(ctx: click.Context, name: str | None) -> None:
    from adapters.console import run_console
    from bots.runtime import SchemaOutOfDate, build_app

    settings = _settings(ctx)
    try:
        app = build_app(settings=settings)
    except SchemaOutOfDate as exc:
        raise click.ClickException(str(exc)) from None
    who = name or getpass.getuser() or "you"
    sys.exit(asyncio.run(run_console(app, who)))


@main.command()
@click.option("--as", "name", default=None, help="Your name at the console (default: your login).")
@click.pass_context
def console(ctx: click.Context, name: str | None) -> None:
    """Talk to Staffroom in the terminal (reads commands from standard input when piped)."""
    _console(ctx, name)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run every platform that has credentials, plus the scheduler; the console if none has."""
    settings = _settings(ctx)
    if not settings.platforms():
        click.echo(
            "No platform credentials are configured (see config.example.toml), so "
            "Staffroom starts the console.",
            err=True,
        )
        _console(ctx, None)
        return
    raise click.ClickException("platform adapters are not available in this build yet")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Bring the database schema up to date."""
    from core.db import make_engine, schema_state, upgrade

    settings = _settings(ctx)
    engine = make_engine(settings.database.url)
    before, head = schema_state(engine)
    upgrade(engine)
    click.echo(f"database at {head} (was {before or 'empty'})")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the schema version of the database and of this Staffroom."""
    from core.db import make_engine, schema_state

    current, head = schema_state(make_engine(_settings(ctx).database.url))
    click.echo(f"database: {current or 'empty'}; this Staffroom: {head}")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the configuration and report what would run."""
    from core.db import make_engine, schema_state

    settings = _settings(ctx)
    click.echo("configuration is valid")
    platforms = settings.platforms()
    click.echo(f"platforms with credentials: {', '.join(platforms) or 'none (console only)'}")
    try:
        current, head = schema_state(make_engine(settings.database.url))
    except Exception as exc:  # any driver error: report it, do not crash
        raise click.ClickException(f"database {settings.database.url}: {exc}") from None
    state = "up to date" if current == head else f"at {current or 'empty'}, needs {head}"
    click.echo(f"database: {state}")


def _register_platform_commands() -> None:
    from adapters.slack.cli import slack_manifest_command
    from adapters.telegram.onboarding import telegram_link

    main.add_command(slack_manifest_command)
    main.add_command(telegram_link)


_register_platform_commands()

if __name__ == "__main__":
    main()
