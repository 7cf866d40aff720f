"""What an adapter hands the core: who is asking, where, and what they said."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

_PROSE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 controls and DEL, except tab and newline, which prose keeps."""
_HIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
"""Controls that are not line or word breaks, for one-line values such as names."""
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Direction marks and overrides: in a file name, a right-to-left override before ``fdp.exe``
makes a program read as a PDF."""
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,48}/[a-z0-9][a-z0-9!#$&^_.+-]{0,48}")

FILE_NAME_LENGTH = 255
MAX_FILE_BYTES = 1 << 40
"""A terabyte: more than any platform lets a member send, and what every database column holds."""
MAX_ATTACHMENTS = 10
"""Files taken from one message (Discord and Slack allow ten; Telegram one)."""


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


def _clean_url(value: str | None) -> str | None:
    """A web address the platform gave, or None for anything else (a ``javascript:`` link)."""
    raw = (value or "").strip()
    if (
        not raw
        or len(raw) > 2000
        or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in raw)
    ):
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    return raw if parts.scheme in ("http", "https") and parts.netloc else None


def _clean_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        size = int(value)
    except (ValueError, OverflowError):  # "12 kB", NaN, infinity
        return 0
    return min(max(size, 0), MAX_FILE_BYTES)


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A file a person sent with their message, as a reference to where the platform keeps it:
    Staffroom never downloads or stores the bytes.

    ``ref`` is the platform's own handle (a Slack file id, a Telegram ``file_id``, a Discord
    attachment id, a console path); ``url`` a link to it when the platform gives one (Slack's
    permalink, Discord's attachment URL). Everything is as the platform said it, so it is cleaned
    here, at the edge: no control or direction characters in the name, a size within bounds, a
    content type only if it looks like one, a link only if it is a web address.
    """

    name: str
    size: int = 0
    """In bytes."""
    content_type: str = ""
    ref: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        name = _BIDI_CONTROLS.sub("", clean_line(str(self.name)))[:FILE_NAME_LENGTH].strip()
        set_(self, "name", name or "file")
        set_(self, "size", _clean_size(self.size))
        kind = clean_line(str(self.content_type)).split(";", 1)[0].strip().lower()
        set_(self, "content_type", kind if _CONTENT_TYPE.fullmatch(kind) else "")
        set_(self, "ref", clean_line(str(self.ref))[:500])
        set_(self, "url", _clean_url(self.url))


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
    attachments: tuple[AttachedFile, ...] = ()
    """Files sent with the message (or chosen in a command's file option), as references."""

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
        files = tuple(f for f in self.attachments if isinstance(f, AttachedFile))
        set_(self, "attachments", files[:MAX_ATTACHMENTS])

    @property
    def account_key(self) -> tuple[str, str, str]:
        return self.platform, self.tenant, self.user_id
