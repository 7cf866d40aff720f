"""The Slack app manifest, generated from the settings and the command registry.

An admin pastes it at api.slack.com/apps ("From an app manifest") and gets an app with the slash
command, scopes, events, interactivity, App Home and Socket Mode set the way Staffroom runs. For
many workspaces (``slack.install = "oauth"``) it adds the OAuth redirect URL, the events that say
a workspace removed Staffroom, org-wide installs on Enterprise Grid and rotating tokens.
"""

from __future__ import annotations

from typing import Any

from adapters.text import shorten
from core.commands import CommandRegistry
from core.config import Settings
from core.i18n import _

BOT_SCOPES = (
    "commands",  # the slash command
    "chat:write",  # replies, DMs and community channel posts
    "chat:write.public",  # posts in a bound public channel the bot was never invited to
    "im:write",  # conversations.open for DMs
    "im:history",  # message.im: answers to reflection prompts
    "files:write",  # exports as file uploads
    "users:read",  # names and timezones on first contact
)
BOT_EVENTS = ("app_home_opened", "message.im")
OAUTH_EVENTS = ("app_uninstalled", "tokens_revoked")
"""Events the oauth install needs: a workspace removed Staffroom or revoked its tokens."""
DESCRIPTION_LIMIT = 2000
USAGE_HINT_LIMIT = 1000
EVERYDAY_GROUPS = ("cpd", "reflect", "community", "resource", "mentor")
"""Groups whose first command the usage hint names, after help."""
SHORT_DESCRIPTION_LIMIT = 139


def slack_manifest(
    settings: Settings, registry: CommandRegistry, *, public_url: str | None = None
) -> dict[str, Any]:
    """The manifest as a dict (print it as JSON).

    HTTP mode needs ``public_url``, the address Slack reaches this server on
    (``https://staffroom.school.org``); the events path from the settings is added to it.
    """
    slack = settings.slack
    http = slack.mode == "http"
    if slack.install == "oauth" and not http:
        raise ValueError(
            'slack.install = "oauth" needs slack.mode = "http": Slack sends installers back '
            "to this server's public address"
        )
    if http and not public_url:
        raise ValueError(
            "Slack HTTP mode needs the public address Slack can reach, e.g. "
            "--url https://staffroom.example.org"
        )
    base = (public_url or "").rstrip("/")
    request_url = f"{base}{slack.events_path}" if http else None
    oauth = slack.install == "oauth"
    groups = registry.groups()
    about = "; ".join(
        f"{group}: {_(registry.group_help[group])}" if group in registry.group_help else group
        for group in groups
    )
    # What Slack shows under the command while it is typed: the first words of a few everyday
    # commands (their full usage is one `help` away), not every example.
    everyday = [" ".join(c.path) for g in EVERYDAY_GROUPS for c in registry.in_group(g)[:1]]
    command: dict[str, Any] = {
        "command": slack.command,
        "description": shorten(
            _("Professional learning for educators. {about}", about=about), DESCRIPTION_LIMIT
        ),
        "usage_hint": shorten(" | ".join(["help", *everyday]), USAGE_HINT_LIMIT),
        # Escaped: a member named in a command arrives as <@U123>, their permanent id.
        "should_escape": True,
    }
    if request_url:
        command["url"] = request_url
    name = settings.staffroom.name
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if oauth:
        oauth_config["redirect_urls"] = [f"{base}{slack.redirect_path}"]
    events: dict[str, Any] = {"bot_events": [*BOT_EVENTS, *(OAUTH_EVENTS if oauth else ())]}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": shorten(name, 35),
            "description": shorten(
                _("Communities, mentoring, CPD and reflection where you already chat."),
                SHORT_DESCRIPTION_LIMIT,
            ),
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": shorten(name, 80), "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            # Org-wide installs and rotating tokens need the OAuth flow to store and refresh
            # each install's tokens: only the oauth install has one.
            "org_deploy_enabled": oauth,
            "socket_mode_enabled": not http,
            "token_rotation_enabled": oauth,
        },
    }
