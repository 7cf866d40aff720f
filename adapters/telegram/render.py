"""Reply -> Telegram messages in HTML parse mode.

Every piece of text is escaped with :func:`html.escape`, whoever wrote it: core strings can carry
user text (a heading with a member's name, a field with a resource title). ``@name`` in text gets an
invisible word joiner after the ``@`` so Telegram does not turn user text into a mention that pings
someone; links are kept only for http(s) URLs, so a ``tg://user?id=`` link cannot ping either.

Long replies are split *before* rendering, on line boundaries (a line is one heading, one text
paragraph line, one field, one list item, one note), so a message never breaks inside a tag or an
entity. A single line longer than a message is cut between characters of its spans, each piece
rendered on its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.reply import Attachment, Fields, Heading, Items, Note, Reply, Span, Text

MESSAGE_LIMIT = 4096
"""Telegram's limit on one message's text."""
CALLBACK_DATA_LIMIT = 64
"""Telegram's limit on a button's callback data, in bytes."""
BUTTONS_PER_ROW = 2

_MENTION = re.compile(r"@(?=\w)")
_WORD_JOINER = "\u2060"
_ERROR_MARK = "⚠️ "
_STYLE_TAGS = {"bold": "b", "italic": "i", "code": "code"}


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """A rendered reply: HTML texts (each within the limit), one keyboard, files to upload.

    The keyboard belongs under the last text; documents follow the texts.
    """

    texts: list[str] = field(default_factory=list)
    keyboard: InlineKeyboardMarkup | None = None
    documents: list[Attachment] = field(default_factory=list)


def escape(text: str) -> str:
    """Text safe for Telegram HTML: ``<``, ``>`` and ``&`` escaped, ``@`` mentions defused."""
    return _MENTION.sub("@" + _WORD_JOINER, html.escape(text, quote=False))


def render(
    reply: Reply, keys: Mapping[str, str] | None = None, *, limit: int = MESSAGE_LIMIT
) -> TelegramMessage:
    """Render ``reply``; ``keys`` maps each action's command to its short callback key.

    The keys come from :func:`core.actions.service.shorten` (the caller does the database work), so
    no command, identity or permission ever travels in callback data.
    """
    lines = _lines(reply)
    texts = _pack(lines, limit)
    if not texts and reply.actions:
        # A keyboard needs a message to hang from.
        texts = [escape("…")]
    return TelegramMessage(
        texts=texts,
        keyboard=_keyboard(reply, keys or {}),
        documents=list(reply.attachments),
    )


def _keyboard(reply: Reply, keys: Mapping[str, str]) -> InlineKeyboardMarkup | None:
    if not reply.actions:
        return None
    buttons = []
    for action in reply.actions:
        key = keys.get(action.command)
        if key is None:
            raise ValueError(f"no callback key for the action {action.command!r}")
        if len(key.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback key {key!r} is longer than {CALLBACK_DATA_LIMIT} bytes")
        label = ("⚠️ " if action.style == "danger" else "") + action.label
        buttons.append(InlineKeyboardButton(label, callback_data=key))
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


# A line is a list of (prefix markup, spans, suffix markup); rendering it escapes each span.
_Line = tuple[str, list[Span], str]


def _lines(reply: Reply) -> list[_Line]:
    lines: list[_Line] = []
    for block in reply.blocks:
        if isinstance(block, Heading):
            lines.append(("<b>", [Span(text=block.text)], "</b>"))
        elif isinstance(block, Text):
            lines.extend(("", part, "") for part in _split_newlines(block.spans))
        elif isinstance(block, Fields):
            lines.extend(
                ("", [Span(text=label, style="bold"), Span(text=": " + value)], "")
                for label, value in block.items
            )
        elif isinstance(block, Items):
            for n, item in enumerate(block.items, 1):
                marker = f"{n}. " if block.ordered else "• "
                lines.append((marker, item, ""))
        elif isinstance(block, Note):
            lines.append(("<i>", [Span(text=block.text)], "</i>"))
    if reply.tone == "error" and lines:
        prefix, spans, suffix = lines[0]
        lines[0] = (_ERROR_MARK + prefix, spans, suffix)
    return lines


def _split_newlines(spans: list[Span]) -> list[list[Span]]:
    """A paragraph's spans, one list per line of text (spans cut at newlines)."""
    out: list[list[Span]] = [[]]
    for part in spans:
        pieces = part.text.split("\n")
        for i, piece in enumerate(pieces):
            if i:
                out.append([])
            if piece:
                out[-1].append(part.model_copy(update={"text": piece}))
    return out


def _span_html(part: Span) -> str:
    text = escape(part.text)
    tag = _STYLE_TAGS.get(part.style)
    if tag:
        text = f"<{tag}>{text}</{tag}>"
    if part.url and part.url.lower().startswith(("https://", "http://")):
        text = f'<a href="{html.escape(part.url, quote=True)}">{text}</a>'
    return text


def _line_html(line: _Line) -> str:
    prefix, spans, suffix = line
    return prefix + "".join(_span_html(s) for s in spans) + suffix


def _pack(lines: list[_Line], limit: int) -> list[str]:
    """Join rendered lines into messages of at most ``limit`` characters, breaking between lines."""
    texts: list[str] = []
    current = ""
    for line in lines:
        for piece in _fit(line, limit):
            joined = f"{current}\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
                continue
            if current:
                texts.append(current)
            current = piece
    if current.strip():
        texts.append(current)
    return texts


def _fit(line: _Line, limit: int) -> list[str]:
    """One line as HTML pieces of at most ``limit`` characters (usually exactly one piece)."""
    rendered = _line_html(line)
    if len(rendered) <= limit:
        return [rendered]
    prefix, spans, suffix = line
    pieces: list[list[Span]] = [[]]
    used = len(prefix) + len(suffix)
    for part in spans:
        overhead = len(_span_html(part.model_copy(update={"text": ""})))
        chars: list[str] = []
        for char in part.text:
            # An upper bound of the escaped size, so a piece never grows past the limit.
            cost = 2 if char == "@" else len(html.escape(char, quote=False))
            if used + overhead + cost > limit and (chars or pieces[-1]):
                if chars:
                    pieces[-1].append(part.model_copy(update={"text": "".join(chars)}))
                pieces.append([])
                chars, used = [], len(prefix) + len(suffix)
            chars.append(char)
            used += cost
        if chars:
            pieces[-1].append(part.model_copy(update={"text": "".join(chars)}))
            used += overhead
    return [_line_html((prefix, piece, suffix)) for piece in pieces if piece]
