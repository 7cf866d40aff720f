"""The ``staffroom`` command line."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

import click

from adapters.cli import cli_settings
from core.app import Staffroom


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
    from bots.logs import configure_logging

    configure_logging(log_level, json_logs=False)
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["log_level"] = log_level


def _build(ctx: click.Context) -> Staffroom:
    from bots.runtime import SchemaOutOfDate, build_app

    try:
        return build_app(settings=cli_settings(ctx))
    except SchemaOutOfDate as exc:
        raise click.ClickException(str(exc)) from None


async def _console_session(app: Staffroom, name: str) -> int:
    """The console, with the delivery service running so scheduled messages reach it too."""
    from adapters.console import ConsoleMessenger, run_console
    from bots.runner import Runner

    messenger = ConsoleMessenger(sys.stdout, for_user=name)
    runner = Runner(app, platforms=[], extra_messengers={"console": messenger})
    await runner.start()
    try:
        return await run_console(app, name)
    finally:
        await runner.stop()


def _console(ctx: click.Context, name: str | None, *, demo: bool = False) -> None:
    app = _build(ctx)
    if demo:
        from bots.demo import DEMO_HINT, seed_demo

        seed_demo(app)
        click.echo(DEMO_HINT, err=True)
    who = name or getpass.getuser() or "you"
    sys.exit(asyncio.run(_console_session(app, who)))


@main.command()
@click.option("--as", "name", default=None, help="Your name at the console (default: your login).")
@click.option("--demo", is_flag=True, help="Add a sample community, resources, event and mentor.")
@click.pass_context
def console(ctx: click.Context, name: str | None, demo: bool) -> None:
    """Talk to Staffroom in the terminal (reads commands from standard input when piped)."""
    _console(ctx, name, demo=demo)


@main.command()
@click.option(
    "--only",
    default=None,
    metavar="PLATFORMS",
    help="Comma-separated platforms to run (default: every configured one).",
)
@click.option("--no-scheduler", is_flag=True, help="Do not plan or deliver scheduled messages.")
@click.pass_context
def run(ctx: click.Context, only: str | None, no_scheduler: bool) -> None:
    """Run every platform that has credentials, plus the scheduler; the console if none has."""
    from bots.logs import configure_logging
    from bots.runner import PlatformUnavailable, Runner, choose_platforms

    settings = cli_settings(ctx)
    if not settings.platforms() and not only:
        click.echo(
            "No platform credentials are configured (see config.example.toml), so "
            "Staffroom starts the console.",
            err=True,
        )
        _console(ctx, None)
        return
    configure_logging(ctx.obj["log_level"], json_logs=True)
    app = _build(ctx)
    wanted = [name.strip() for name in only.split(",") if name.strip()] if only else None
    try:
        platforms = choose_platforms(app, wanted)
        asyncio.run(Runner(app, platforms, scheduler=not no_scheduler).run_until_signalled())
    except PlatformUnavailable as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Bring the database schema up to date."""
    from core.db import make_engine, schema_state, upgrade

    settings = cli_settings(ctx)
    engine = make_engine(settings.database.url)
    before, head = schema_state(engine)
    upgrade(engine)
    click.echo(f"database at {head} (was {before or 'empty'})")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the schema version of the database and of this Staffroom."""
    from core.db import make_engine, schema_state

    current, head = schema_state(make_engine(cli_settings(ctx).database.url))
    click.echo(f"database: {current or 'empty'}; this Staffroom: {head}")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the configuration and report what would run."""
    from core.db import make_engine, schema_state

    settings = cli_settings(ctx)
    click.echo("configuration is valid")
    platforms = settings.platforms()
    click.echo(f"platforms with credentials: {', '.join(platforms) or 'none (console only)'}")
    try:
        current, head = schema_state(make_engine(settings.database.url))
    except Exception as exc:  # any driver error: report it, do not crash
        raise click.ClickException(f"database {settings.database.url}: {exc}") from None
    state = "up to date" if current == head else f"at {current or 'empty'}, needs {head}"
    click.echo(f"database: {state}")


@main.group()
def org() -> None:
    """Schools, and the Slack workspaces and Discord servers mapped to them."""


ORG_PLATFORMS = ("slack", "discord", "telegram", "console")


@org.command("map")
@click.option("--platform", required=True, type=click.Choice(ORG_PLATFORMS))
@click.option(
    "--tenant",
    required=True,
    help="The Slack team id (T...), the Discord server id, or the console's name (local).",
)
@click.argument("school")
@click.pass_context
def org_map(ctx: click.Context, platform: str, tenant: str, school: str) -> None:
    """Map a workspace or server to SCHOOL (its name, any case): its members join the school
    when they send school show. The same as typing school map there."""
    from core.errors import UserError
    from core.identity.models import AuditEntry
    from core.schools.service import find_school, map_tenant

    app = _build(ctx)
    tenant = tenant.strip()
    if not tenant:
        raise click.BadParameter("give the workspace's or server's id", param_hint="--tenant")
    try:
        with app.session() as session:
            found = find_school(session, school)
            changed = map_tenant(session, found, platform, tenant)
            if changed:
                session.add(
                    AuditEntry(
                        at=app.clock.now(),
                        member_id=None,
                        action="school.map",
                        detail={
                            "school_id": found.id,
                            "platform": platform,
                            "tenant": tenant,
                            "by": "cli",
                        },
                    )
                )
            name = found.name
    except UserError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        app.engine.dispose()
    if changed:
        click.echo(f"{platform} {tenant} now belongs to {name}")
    else:
        click.echo(f"{platform} {tenant} already belongs to {name}")


@org.command("list")
@click.pass_context
def org_list(ctx: click.Context) -> None:
    """Every school, its trust, and the workspaces and servers mapped to it."""
    from sqlmodel import col, select

    from core.schools.models import School
    from core.schools.service import member_count, tenants_of
    from core.schools.trusts import trust_of

    app = _build(ctx)
    try:
        with app.session() as session:
            schools = list(session.exec(select(School).order_by(col(School.name))))
            if not schools:
                click.echo(
                    'no schools yet: a Staffroom admin creates one with school create "Name"'
                )
            for found in schools:
                assert found.id is not None
                trust = trust_of(session, found)
                places = ", ".join(
                    f"{t.platform} {t.tenant}" for t in tenants_of(session, found.id)
                )
                members = member_count(session, found.id)
                click.echo(
                    f"{found.name}: {members} members; "
                    f"trust: {trust.name if trust else 'none'}; "
                    f"mapped: {places or 'none'}"
                )
    finally:
        app.engine.dispose()


def _register_platform_commands() -> None:
    from adapters.discord.sync import discord_group
    from adapters.slack.cli import slack_manifest_command
    from adapters.telegram.onboarding import telegram_link
    from bots.backup import backup, restore
    from bots.worker import outbox, worker

    main.add_command(outbox)
    main.add_command(worker)
    main.add_command(slack_manifest_command)
    main.add_command(discord_group)
    main.add_command(telegram_link)
    main.add_command(backup)
    main.add_command(restore)


_register_platform_commands()

if __name__ == "__main__":
    main()
