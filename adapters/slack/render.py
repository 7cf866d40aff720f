"""A Reply as Slack Block Kit: header, sections, fields, context and buttons.

Every piece of text that may hold user input is escaped (``&``, ``<``, ``>``) and every mrkdwn
object is ``verbatim``, so no user text can become ``<!channel>``, ``<!here>``, ``<!everyone>``, a
user or group mention, a channel link or a link of its own. Slack's limits are kept by splitting
(long sections, many fields, many buttons) and, past the block limit, by truncating with a note.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.text import shorten, split_lines
from core.i18n import _
from core.reply import Fields, Heading, Items, Note, Reply, Span, Text

log = logging.getLogger("staffroom.slack")

SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
FIELDS_PER_SECTION = 10
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_ACTIONS = 25
CONTEXT_TEXT_LIMIT = 2000
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
FALLBACK_TEXT_LIMIT = 3000
ACTION_PREFIX = "sr_"
"""Every Staffroom button's action_id starts with this, so one listener catches them all."""

_TONE_MARK = {"error": ":warning: ", "success": ":white_check_mark: ", "info": ""}


def escape(text: str) -> str:
    """Escape the three characters Slack reads as control sequences in mrkdwn and plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styled(part: Span) -> str:
    text = escape(part.text)
    if part.url and part.url.startswith(("https://", "http://", "mailto:")):
        # The URL is escaped too: a ``|`` or ``>`` in it must not end the link early.
        url = escape(part.url).replace("|", "%7C")
        return f"<{url}|{text.replace('|', '¦')}>" if text else f"<{url}>"
    if not text.strip():
        return text
    match part.style:
        case "bold":
            return f"*{text}*"
        case "italic":
            return f"_{text}_"
        case "code":
            return "`" + text.replace("`", "ˋ") + "`"
        case _:
            return text


def mrkdwn(parts: list[Span]) -> str:
    """Spans as Slack mrkdwn, user text escaped."""
    return "".join(_styled(p) for p in parts)


def _text_object(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn "@channel", "#general" or bare URLs in user text into
    # mentions and links on its own.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _plain(text: str, limit: int) -> dict[str, Any]:
    # Slack reads &, < and > as escapes in plain_text too; escaped, user text stays literal.
    cut = shorten(text, limit)
    while len(escape(cut)) > limit:
        cut = shorten(cut, len(cut) - 1)
    return {"type": "plain_text", "text": escape(cut) or " ", "emoji": True}


def _keep_escapes(line: str, cut: int) -> int:
    """Never cut inside an escape such as "&amp;"."""
    amp = line.rfind("&", max(0, cut - 5), cut)
    return amp if amp != -1 and ";" not in line[amp:cut] else cut


def _chunks(text: str, limit: int) -> list[str]:
    return split_lines(text, limit, safe_cut=_keep_escapes)


def _sections(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": _text_object(piece)}
        for piece in _chunks(text, SECTION_TEXT_LIMIT)
        if piece.strip()
    ]


def _field_sections(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    fields = [
        _text_object(shorten(f"*{escape(label)}*\n{escape(value)}", FIELD_TEXT_LIMIT))
        for label, value in items
    ]
    return [
        {"type": "section", "fields": fields[i : i + FIELDS_PER_SECTION]}
        for i in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def _list_text(block: Items) -> str:
    lines = []
    for n, item in enumerate(block.items, 1):
        marker = f"{n}." if block.ordered else "•"
        lines.append(f"{marker} {mrkdwn(item)}")
    return "\n".join(lines)


def _buttons(reply: Reply) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for n, action in enumerate(reply.actions):
        if len(action.command) > BUTTON_VALUE_LIMIT:
            # Commands come from core and are short; one this long cannot fit Slack's value.
            log.warning("button %r dropped: its command is too long for Slack", action.label)
            continue
        button: dict[str, Any] = {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{n}",
            "text": _plain(action.label, BUTTON_TEXT_LIMIT),
            "value": action.command,
        }
        if action.style != "default":
            button["style"] = action.style
        buttons.append(button)
    return [
        {
            "type": "actions",
            "block_id": f"sr_actions_{i}",
            "elements": buttons[i : i + BUTTONS_PER_ACTIONS],
        }
        for i in range(0, len(buttons), BUTTONS_PER_ACTIONS)
    ]


def render_blocks(reply: Reply, *, limit: int = MESSAGE_BLOCK_LIMIT) -> list[dict[str, Any]]:
    """The reply as Block Kit blocks, at most ``limit`` of them (buttons are kept)."""
    blocks: list[dict[str, Any]] = []
    marked = False
    for block in reply.blocks:
        if isinstance(block, Heading):
            blocks.append({"type": "header", "text": _plain(block.text, HEADER_LIMIT)})
        elif isinstance(block, Text):
            text = mrkdwn(block.spans)
            if not marked:
                text = _TONE_MARK[reply.tone] + text
                marked = True
            blocks += _sections(text)
        elif isinstance(block, Fields):
            blocks += _field_sections(block.items)
        elif isinstance(block, Items):
            blocks += _sections(_list_text(block))
        elif isinstance(block, Note):
            blocks.append(
                {
                    "type": "context",
                    "elements": [_text_object(shorten(escape(block.text), CONTEXT_TEXT_LIMIT))],
                }
            )
    actions = _buttons(reply)
    room = limit - len(actions)
    if len(blocks) > room:
        blocks = blocks[: room - 1]
        more = _("There is more than Slack can show in one message.")
        blocks.append({"type": "context", "elements": [_text_object(escape(more))]})
    return blocks + actions


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications, reads to screen readers and shows where
    blocks cannot be shown: never blank (Slack treats a blank ``text`` as missing), so a reply
    of buttons only names its buttons, and an empty one says who it is from."""
    text = reply.plain_text().strip()
    if not text:
        text = " · ".join(a.label.strip() for a in reply.actions if a.label.strip())
    if not text:
        text = _("A message from Staffroom")
    return shorten(escape(text), FALLBACK_TEXT_LIMIT)


def render(reply: Reply, *, limit: int = MESSAGE_BLOCK_LIMIT) -> dict[str, Any]:
    """A reply as the ``blocks`` and ``text`` arguments of a Slack message."""
    return {"blocks": render_blocks(reply, limit=limit), "text": fallback_text(reply)}
