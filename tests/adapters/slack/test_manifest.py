"""The app manifest, generated from the settings and the registry."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from adapters.slack import slack_manifest
from adapters.slack.cli import slack_manifest_command
from core.app import build_registry
from core.config import Settings
from core.features import FEATURES

REGISTRY = build_registry(FEATURES)


def test_socket_mode_manifest() -> None:
    manifest = slack_manifest(Settings(), REGISTRY)
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/staffroom" and "url" not in command
    for group in REGISTRY.groups():
        assert group in command["description"]
    assert command["usage_hint"].startswith("help | cpd log") and len(command["usage_hint"]) < 120
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "message.im",
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert {"commands", "chat:write", "im:write", "im:history", "files:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


def test_http_mode_manifest_points_every_url_at_the_server() -> None:
    settings = Settings(slack={"mode": "http", "command": "/sr"})  # type: ignore[arg-type]
    manifest = slack_manifest(settings, REGISTRY, public_url="https://sr.school.org/")
    url = "https://sr.school.org/slack/events"
    assert manifest["features"]["slash_commands"][0] == {
        **manifest["features"]["slash_commands"][0],
        "command": "/sr",
        "url": url,
    }
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["socket_mode_enabled"] is False
    with pytest.raises(ValueError, match="--url"):
        slack_manifest(settings, REGISTRY)


def test_cli_prints_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFROOM_SLACK__MODE", "http")
    group = click.Group(commands=[slack_manifest_command])
    missing = CliRunner().invoke(group, ["slack-manifest"], obj={"config": None})
    assert missing.exit_code != 0 and "--url" in missing.output
    done = CliRunner().invoke(
        group, ["slack-manifest", "--url", "https://x.org"], obj={"config": None}
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["settings"]["socket_mode_enabled"] is False
