"""``staffroom slack-manifest``: print the Slack app manifest (register on the main CLI group)."""

from __future__ import annotations

import json

import click

from adapters.cli import cli_settings
from adapters.slack.manifest import slack_manifest


@click.command("slack-manifest")
@click.option(
    "--url",
    "public_url",
    default=None,
    help="Public address Slack reaches this server on (HTTP mode only).",
)
@click.pass_context
def slack_manifest_command(ctx: click.Context, public_url: str | None) -> None:
    """Print the Slack app manifest: paste it at api.slack.com/apps to create the app."""
    from core.app import build_registry
    from core.features import FEATURES

    settings = cli_settings(ctx)
    try:
        manifest = slack_manifest(settings, build_registry(FEATURES), public_url=public_url)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
