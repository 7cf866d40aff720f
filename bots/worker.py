"""``staffroom outbox`` (the operator's view of delivery) and ``staffroom worker`` (plan and
deliver only, for scaling out next to the bot processes).

Both are plain click commands; ``bots/cli.py`` adds them to the ``staffroom`` group.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

import click

from adapters.cli import cli_settings
from core.app import Staffroom
from core.config import Settings
from core.db import make_engine
from core.delivery import outbox_report


def _ago(then: datetime, now: datetime) -> str:
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return f"due in {-seconds // 60} min"
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def render_report(settings: Settings, now: datetime) -> str:
    """The outbox state as text: counts by state, oldest pending, recent failures."""
    engine = make_engine(settings.database.url)
    try:
        report = outbox_report(engine)
    finally:
        engine.dispose()
    lines = ["outbox"]
    width = max(len(state) for state in report.counts)
    lines += [f"  {state.ljust(width)}  {count:>8}" for state, count in report.counts.items()]
    if report.oldest_pending is None:
        lines.append("oldest pending: none")
    else:
        when = report.oldest_pending.isoformat(timespec="seconds")
        lines.append(f"oldest pending: {when} ({_ago(report.oldest_pending, now)})")
    lines.append(f"schedules paused by a failure or until resumed: {report.paused_schedules}")
    if report.recent_failures:
        lines.append("recent failures:")
        for failure in report.recent_failures:
            lines.append(
                f"  #{failure.id} {failure.kind} via {failure.platform or '?'} "
                f"after {failure.attempts} attempt(s): {failure.error or 'no detail'}"
            )
    else:
        lines.append("recent failures: none")
    return "\n".join(lines)


@click.command("outbox")
@click.pass_context
def outbox(ctx: click.Context) -> None:
    """Show delivery state: messages by state, the oldest waiting, recent failures."""
    from core.clock import SystemClock

    settings = cli_settings(ctx)
    try:
        click.echo(render_report(settings, SystemClock().now()))
    except Exception as exc:  # any driver error: say which database, do not crash
        text = str(exc).lower()
        if "no such table" in text or "does not exist" in text:
            raise click.ClickException(
                "this database has no Staffroom tables yet: run `staffroom db upgrade` "
                "(or start Staffroom once)"
            ) from None
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise click.ClickException(f"the database could not be read: {first}") from None


async def run_worker(app: Staffroom) -> None:
    """Plan and deliver until SIGINT or SIGTERM, then stop cleanly (in-flight sends finish,
    held rows are handed back). Every configured platform is connected for sending only."""
    from adapters.console import ConsoleMessenger
    from bots.runner import Runner

    platforms = app.settings.platforms()
    runner = Runner(
        app, platforms, receive=False, extra_messengers={"console": ConsoleMessenger(sys.stdout)}
    )
    click.echo(f"worker delivering to: {', '.join(['console', *platforms])}", err=True)
    await runner.run_until_signalled()
    delivery = runner.delivery
    if delivery is not None:
        totals = delivery.totals
        click.echo(
            f"worker stopped: {totals.sent} sent, {totals.retried} retried, "
            f"{totals.failed} failed, {totals.skipped} skipped",
            err=True,
        )


@click.command("worker")
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Plan and deliver scheduled messages only (no chat), until stopped."""
    from bots.runtime import SchemaOutOfDate, build_app

    settings = cli_settings(ctx)
    try:
        app = build_app(settings=settings)
    except SchemaOutOfDate as exc:
        raise click.ClickException(str(exc)) from None
    from bots.runner import PlatformUnavailable

    try:
        asyncio.run(run_worker(app))
    except PlatformUnavailable as exc:
        raise click.ClickException(str(exc)) from None
