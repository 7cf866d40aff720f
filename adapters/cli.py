"""The one way every ``staffroom`` sub-command loads its settings (the main group's ``--config``)."""

from __future__ import annotations

from pathlib import Path

import click

from core.config import ConfigError, Settings, load_settings
from core.redaction import remember


def cli_settings(ctx: click.Context) -> Settings:
    """The settings for this invocation: ``--config`` (or staffroom.toml) and the environment;
    a bad file is a one-line error, not a traceback."""
    config: Path | None = (ctx.find_root().obj or {}).get("config")
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    remember(settings.secret_values())
    return settings
