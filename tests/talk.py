"""Saying things to Staffroom as a member, the way an adapter would, for tests."""

from __future__ import annotations

from typing import Any

from core.app import Staffroom
from core.invocation import ChannelRef, Invocation
from core.reply import Reply


def _as(user: str, platform: str, tenant: str, name: str | None, **what: Any) -> Invocation:
    return Invocation(
        platform=platform,
        tenant=tenant,
        user_id=user,
        display_name=name or user.title(),
        **what,
    )


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
    where = ChannelRef(id=channel or f"dm-{user}", direct=direct)
    return app.dispatch(_as(user, platform, tenant, name, text=text, channel=where))


def tell(
    app: Staffroom,
    text: str,
    *,
    user: str = "ana",
    platform: str = "console",
    tenant: str = "local",
) -> Reply:
    """Send free text (not a command), like the answer to a reflection prompt."""
    where = ChannelRef(id=f"dm-{user}", direct=True)
    return app.dispatch(_as(user, platform, tenant, None, text=text, kind="message", channel=where))


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
    return app.dispatch(_as(user, platform, tenant, None, command=command, args=args))


def text_of(reply: Reply) -> str:
    return reply.plain_text()
