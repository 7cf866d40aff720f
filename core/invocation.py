"""What an adapter hands the core: who is asking, where, and what they said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a command was given. ``direct`` is a one-to-one chat with the bot."""

    id: str
    direct: bool = False
    name: str = ""


@dataclass(frozen=True, slots=True)
class Invocation:
    """One request from a person on a platform.

    Either ``text`` (typed words, without the slash command or bot name) or ``command`` plus ``args``
    (structured options from Discord or a form). ``kind="message"`` is free text sent to the bot, such
    as the answer to a reflection prompt. Identity is always the platform's permanent ids of the
    person who acted (for a button press: who pressed it), never taken from a payload.
    """

    platform: str
    tenant: str
    user_id: str
    display_name: str = ""
    handle: str | None = None
    text: str | None = None
    command: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    channel: ChannelRef | None = None
    kind: Literal["command", "message"] = "command"
    reply_to: str | None = None
    """Platform id of the bot message this one answers, when the platform says."""
    via_form: bool = False
    counted: bool = True
    """Counts towards the member's commands-per-minute limit. False only for what the platform
    asks on the member's behalf (refreshing a dashboard), never for anything a person typed."""

    @property
    def account_key(self) -> tuple[str, str, str]:
        return self.platform, self.tenant, self.user_id
