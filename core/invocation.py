"""What an adapter hands the core: who is asking, where, and what they said."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

_PROSE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 controls and DEL, except tab and newline, which prose keeps."""
_HIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
"""Controls that are not line or word breaks, for one-line values such as names."""


def clean_text(value: str) -> str:
    """Text as typed, without control characters (a NUL fails on PostgreSQL; others hide text);
    line ends become newlines."""
    return _PROSE_CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(value: str) -> str:
    """A one-line value (a display name): controls and line breaks become single spaces."""
    return " ".join(_HIDDEN_CONTROLS.sub("", value).split())


def _clean_arg(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return [_clean_arg(v) for v in value]
    return value


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
    locale: str | None = None
    """The language the platform says the person uses (``es-ES``, ``fr``), for first contact."""
    timezone: str | None = None
    """The person's timezone as the platform knows it (Slack's ``tz``), for first contact."""
    counted: bool = True
    """Counts towards the member's commands-per-minute limit. False only for what the platform
    asks on the member's behalf (refreshing a dashboard), never for anything a person typed."""

    def __post_init__(self) -> None:
        # The core's edge: whatever a platform delivered, no control character goes further.
        set_ = object.__setattr__
        set_(self, "display_name", clean_line(self.display_name)[:100])
        if self.handle is not None:
            set_(self, "handle", clean_line(self.handle)[:100] or None)
        if self.text is not None:
            set_(self, "text", clean_text(self.text))
        if self.command is not None:
            set_(self, "command", clean_line(self.command))
        if self.args:
            set_(self, "args", {str(k): _clean_arg(v) for k, v in self.args.items()})

    @property
    def account_key(self) -> tuple[str, str, str]:
        return self.platform, self.tenant, self.user_id
