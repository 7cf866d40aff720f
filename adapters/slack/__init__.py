"""Staffroom on Slack: one slash command, Block Kit replies, buttons, modals, App Home and DMs.

``create_platform(app)`` gives the platform object ``staffroom run`` starts; ``render`` turns a
Reply into Block Kit; ``SlackMessenger`` delivers scheduled messages; ``slack_manifest`` writes the
app manifest an admin pastes to create the Slack app.
"""

from adapters.slack.manifest import slack_manifest
from adapters.slack.messenger import SlackMessenger
from adapters.slack.platform import SlackNotConfigured, SlackPlatform, create_platform
from adapters.slack.render import escape, render

__all__ = [
    "SlackMessenger",
    "SlackNotConfigured",
    "SlackPlatform",
    "create_platform",
    "escape",
    "render",
    "slack_manifest",
]
