"""Saying things to Staffroom as a member, the way an adapter would, for tests."""

from __future__ import annotations

from typing import Any

from core.app import Staffroom
from core.invocation import ChannelRef, Invocation
from core.reply import Reply


def say(
    app: Staffroom,
    text: str,
    *,
    user: str = "ana",
    platform: str = "console",
    tenant: str = "local",
    name: str | None = None,
    channel: str | None = None,
    direct: bool = True,
) -> Reply:
    """Send a command line as ``user`` and return the reply."""
    return app.dispatch(
        Invocation(
            platform=platform,
            tenant=tenant,
            user_id=user,
            display_name=name or user.title(),
            text=text,
            channel=ChannelRef(id=channel or f"dm-{user}", direct=direct),
        )
    )


def tell(
    app: Staffroom,
    text: str,
    *,
    user: str = "ana",
    platform: str = "console",
    tenant: str = "local",
) -> Reply:
    """Send free text (not a command), like the answer to a reflection prompt."""
    return app.dispatch(
        Invocation(
            platform=platform,
            tenant=tenant,
            user_id=user,
            display_name=user.title(),
            text=text,
            kind="message",
            channel=ChannelRef(id=f"dm-{user}", direct=True),
        )
    )


def run(
    app: Staffroom,
    command: str,
    args: dict[str, Any],
    *,
    user: str = "ana",
    platform: str = "console",
    tenant: str = "local",
) -> Reply:
    """Send a structured command (as Discord options or a form would)."""
    return app.dispatch(
        Invocation(
            platform=platform,
            tenant=tenant,
            user_id=user,
            display_name=user.title(),
            command=command,
            args=args,
        )
    )


def text_of(reply: Reply) -> str:
    return reply.plain_text()
