"""The App Home tab: a member's dashboard, composed from the replies of existing commands.

The dashboard asks the core the same questions a member could type (``profile show``,
``cpd summary``, ``mentor status``, ...) and shows every answer that exists, so it grows as features
land without knowing their internals. A question whose command does not exist (yet) or that answers
with an error (nothing to show) is left out.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.render import VIEW_BLOCK_LIMIT, escape, render_blocks
from core.app import Staffroom
from core.commands import Command
from core.i18n import _
from core.invocation import ChannelRef, Invocation

DASHBOARD = (
    "profile show",
    "cpd summary",
    "cpd goal list",
    "reflect status",
    "reflect next",
    "mentor status",
    "community mine",
    "resource saved",
    "report glance",
)
"""Questions the dashboard asks, in the order it shows the answers. ``report glance`` answers
CPD leads, school admins and trust admins only (an error for everyone else), so only their Home
gets the school section."""


def dashboard_commands(app: Staffroom) -> list[Command]:
    """The dashboard's commands that exist and can run without arguments."""
    found = []
    for name in DASHBOARD:
        resolved = app.registry.resolve(name.split())
        if resolved is None or resolved[1] or resolved[0].name != name:
            continue
        if any(p.required for p in resolved[0].params):
            continue
        found.append(resolved[0])
    return found


async def home_view(app: Staffroom, team_id: str, user_id: str) -> dict[str, Any]:
    """The Home tab view for one member: each dashboard answer under a divider."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": app.settings.staffroom.name[:150]},
        }
    ]
    for command in dashboard_commands(app):
        reply = await app.handle(
            Invocation(
                platform="slack",
                tenant=team_id,
                user_id=user_id,
                command=command.name,
                channel=ChannelRef(id=f"home:{user_id}", direct=True),
                # Asked by the platform, not typed: a refresh must not use up the member's
                # commands per minute (and throttled answers would drop sections).
                counted=False,
            )
        )
        if reply.tone == "error" or not reply.blocks:
            continue
        rendered = render_blocks(reply, limit=VIEW_BLOCK_LIMIT)
        if len(blocks) + len(rendered) + 2 > VIEW_BLOCK_LIMIT:
            break
        blocks.append({"type": "divider"})
        for n, block in enumerate(rendered):
            if "block_id" in block:
                # Block ids must be unique in a view; several answers may have buttons.
                block["block_id"] = f"{command.name.replace(' ', '_')}_{n}"
        blocks += rendered
    hint = _(
        "Type {command} help in any channel to see everything Staffroom can do.",
        command=app.settings.slack.command,
    )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": escape(hint),
                    "verbatim": True,
                }
            ],
        }
    )
    return {"type": "home", "blocks": blocks[:VIEW_BLOCK_LIMIT]}
