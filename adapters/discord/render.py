"""A Reply as Discord messages: embeds for structured replies, plain content for short ones.

Rendering is pure: no network, no database. Buttons need their short action keys, which the caller
stores first (:func:`core.actions.service.shorten`) and passes in, so a button's ``custom_id`` is
``sr:<key>`` and survives restarts. Every piece of text that came from a person is escaped
(markdown, mentions, ``<...>`` tokens), so it shows literally; on top of that every send uses
``AllowedMentions.none()``, so nothing a bot message says can ping anyone.

Discord's limits are kept by splitting: 4096 characters of description and 25 fields per embed,
256 per title or field name, 1024 per field value, 2048 per footer, 10 embeds and 6000 characters
per message. What does not fit one message goes into the next.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

from adapters.text import shorten, split_lines
from core.i18n import _
from core.reply import Action, Attachment, Fields, Heading, Items, Note, Reply, Span, Text

CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
TITLE_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
EMBEDS_PER_MESSAGE = 10
MESSAGE_EMBED_TOTAL = 6000
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_MESSAGE = 25
CUSTOM_ID_PREFIX = "sr:"
"""Every Staffroom button's custom id: ``sr:`` and the action key of the command it runs."""

COLOURS = {"info": 0x5865F2, "success": 0x57F287, "error": 0xED4245}
_TONE_MARK = {"error": "⚠️ ", "success": "✅ ", "info": ""}
_STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}
_ANGLE_TOKEN = re.compile(r"<(?=[@#:/a]|t:)")
"""The start of ``<@user>``, ``<@&role>``, ``<#channel>``, ``<:emoji:id>``, ``</cmd:id>``,
``<a:emoji:id>`` and ``<t:...>``: escaped so user text cannot render as one."""


def escape(text: str) -> str:
    """User text as literal Discord markdown: no formatting, links, mentions or tokens."""
    escaped = discord.utils.escape_markdown(text)
    escaped = discord.utils.escape_mentions(escaped)
    return _ANGLE_TOKEN.sub(r"\\<", escaped)


def _styled(part: Span) -> str:
    text = escape(part.text)
    if part.url and part.url.startswith(("https://", "http://")):
        # Escaping ")" keeps a URL from closing the masked link early.
        url = part.url.replace(")", "%29").replace(" ", "%20")
        return f"[{text.replace(']', '')}](<{url}>)" if text else f"<{url}>"
    if not text.strip():
        return text
    match part.style:
        case "bold":
            return f"**{text}**"
        case "italic":
            return f"*{text}*"
        case "code":
            # Inside a code span markdown is not read, so the raw text is shown as typed.
            return "`" + part.text.replace("`", "ˋ") + "`"
        case _:
            return text


def markdown(parts: Sequence[Span]) -> str:
    """Spans as Discord markdown, user text escaped."""
    return "".join(_styled(p) for p in parts)


def _keep_escapes(line: str, cut: int) -> int:
    """Never separate an escape from the character it escapes."""
    return cut - 1 if line[cut - 1 : cut] == "\\" else cut


def _chunks(text: str, limit: int) -> list[str]:
    return [p for p in split_lines(text, limit, safe_cut=_keep_escapes) if p.strip()]


@dataclass(slots=True)
class DiscordMessage:
    """One message to send: content and/or embeds, plus buttons (action keys) and files."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[tuple[Action, str]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    def view(self) -> discord.ui.View | None:
        """The buttons as a view; stopped at once, so discord.py does not keep it in memory:
        presses are routed by the registered dynamic item, whatever message they come from."""
        if not self.buttons:
            return None
        from adapters.discord.buttons import ActionButton

        view = discord.ui.View(timeout=None)
        for action, key in self.buttons:
            view.add_item(ActionButton(key, label=action.label, style=_STYLES[action.style]))
        view.stop()
        return view

    def files(self) -> list[discord.File]:
        """The attachments as uploads (fresh objects each time: a File is read once)."""
        import io

        return [discord.File(io.BytesIO(a.data), filename=a.filename) for a in self.attachments]

    def payload(self) -> dict[str, object]:
        """Keyword arguments shared by every discord.py send method."""
        kwargs: dict[str, object] = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        view = self.view()
        if view is not None:
            kwargs["view"] = view
        if self.attachments:
            kwargs["files"] = self.files()
        return kwargs


class _EmbedBuilder:
    """Collects blocks into embeds, starting a new one when a limit would be passed."""

    def __init__(self, colour: int) -> None:
        self.colour = colour
        self.embeds: list[discord.Embed] = []
        self.current: discord.Embed | None = None
        self.lines: list[str] = []
        self.footer: list[str] = []

    def _open(self, title: str | None = None) -> discord.Embed:
        self._close()
        self.current = discord.Embed(colour=self.colour, title=title)
        return self.current

    def _embed(self) -> discord.Embed:
        return self.current if self.current is not None else self._open()

    def _close(self) -> None:
        if self.current is None:
            return
        self._flush_lines()
        if self.footer:
            self.current.set_footer(text=shorten("\n".join(self.footer), FOOTER_LIMIT))
        self.embeds.append(self.current)
        self.current, self.footer = None, []

    def _flush_lines(self) -> None:
        if self.current is not None and self.lines:
            self.current.description = "\n".join(self.lines)
        self.lines = []

    def _size(self) -> int:
        """Characters in the embed being built, including lines not yet in its description."""
        if self.current is None:
            return 0
        return len(self.current) + len("\n".join(self.lines)) + len("\n".join(self.footer))

    def heading(self, text: str) -> None:
        # Titles show markdown and can carry names people chose (a community, a resource).
        self._open(shorten(escape(text), TITLE_LIMIT))

    def text(self, text: str) -> None:
        for piece in _chunks(text, DESCRIPTION_LIMIT):
            embed = self._embed()
            if self.footer or embed.fields:
                # Text after small print or fields reads in order only in a fresh embed.
                embed = self._open()
            used = len("\n".join(self.lines))
            too_long = self.lines and used + 1 + len(piece) > DESCRIPTION_LIMIT
            if too_long or self._size() + len(piece) > MESSAGE_EMBED_TOTAL:
                self._open()
            self.lines.append(piece)

    def fields(self, items: list[tuple[str, str]]) -> None:
        self._flush_lines()
        for label, value in items:
            name = shorten(escape(label), FIELD_NAME_LIMIT) or "\u200b"
            shown = shorten(escape(value), FIELD_VALUE_LIMIT) or "\u200b"
            embed = self._embed()
            full = len(embed.fields) >= FIELDS_PER_EMBED
            if full or self.footer or self._size() + len(name) + len(shown) > MESSAGE_EMBED_TOTAL:
                embed = self._open()
            embed.add_field(name=name, value=shown, inline=True)

    def note(self, text: str) -> None:
        self._embed()
        self.footer.append(text)

    def finish(self) -> list[discord.Embed]:
        self._close()
        return self.embeds


def _list_text(block: Items) -> str:
    lines = []
    for n, item in enumerate(block.items, 1):
        marker = f"{n}." if block.ordered else "•"
        lines.append(f"{marker} {markdown(item)}")
    return "\n".join(lines)


def _simple(reply: Reply) -> str | None:
    """The reply as one short message's content, if it is only a paragraph or two."""
    if not all(isinstance(b, Text) for b in reply.blocks) or not reply.blocks:
        return None
    text = "\n\n".join(markdown(b.spans) for b in reply.blocks if isinstance(b, Text))
    text = _TONE_MARK[reply.tone] + text
    return text if len(text) <= CONTENT_LIMIT else None


def render_embeds(reply: Reply) -> list[discord.Embed]:
    """The reply's blocks as embeds within Discord's per-embed limits."""
    builder = _EmbedBuilder(COLOURS[reply.tone])
    marked = False
    for block in reply.blocks:
        if isinstance(block, Heading):
            builder.heading(block.text)
        elif isinstance(block, Text):
            text = markdown(block.spans)
            if not marked:
                text, marked = _TONE_MARK[reply.tone] + text, True
            builder.text(text)
        elif isinstance(block, Fields):
            builder.fields(block.items)
        elif isinstance(block, Items):
            builder.text(_list_text(block))
        elif isinstance(block, Note):
            builder.note(block.text)
    return builder.finish()


def _size(embed: discord.Embed) -> int:
    return len(embed)


def _pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into messages of at most 10 embeds and 6000 characters."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    total = 0
    for embed in embeds:
        size = _size(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or total + size > MESSAGE_EMBED_TOTAL):
            messages.append(current)
            current, total = [], 0
        current.append(embed)
        total += size
    if current:
        messages.append(current)
    return messages


def render(reply: Reply, action_keys: Sequence[str] = ()) -> list[DiscordMessage]:
    """The reply as one or more messages; buttons and files go with the last one.

    ``action_keys`` holds the stored key of each of ``reply.actions``, in order; buttons beyond
    Discord's 25 per message are left out.
    """
    simple = _simple(reply)
    if simple is not None:
        messages = [DiscordMessage(content=simple)]
    else:
        messages = [DiscordMessage(embeds=group) for group in _pack(render_embeds(reply))]
    if not messages:
        messages = [DiscordMessage(content="\u200b")]
    last = messages[-1]
    last.buttons = [
        (action, key)
        for action, key in zip(reply.actions, action_keys, strict=False)
        if len(CUSTOM_ID_PREFIX + key) <= 100
    ][:BUTTONS_PER_MESSAGE]
    last.attachments = list(reply.attachments)
    if not last.content and not last.embeds and not last.buttons and last.attachments:
        last.content = _("Your file is attached.")
    return messages


def button_label(label: str) -> str:
    """A button label within Discord's limit (labels are plain text, never markdown)."""
    return shorten(label, BUTTON_LABEL_LIMIT) or "…"
