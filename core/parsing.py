"""The text grammar shared by Slack's slash command, Telegram and the console.

``<group> <command> [positional ...] [key=value ...]``, with quotes for phrases and ``#tag`` for tags:
``cpd log 1.5 "Formative assessment workshop" category=course``. Typographic quotes (“ ” ‘ ’), which
phone keyboards insert, count as quotes. The tokenizer knows whether a token was quoted, so
``"a=b"`` stays a phrase and ``"#1"`` stays text. It never raises anything but ParseError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import UserError
from core.i18n import _

_QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "‘": "’", "’": "’", "«": "»"}
_KEY = re.compile(r"^([a-z][a-z0-9_-]{0,31})=(.*)$", re.DOTALL)
_TAG = re.compile(r"^#([\w][\w-]{0,39})$", re.UNICODE)


class ParseError(UserError):
    """The text could not be split into words (an unclosed quote)."""


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    quoted: bool = False


@dataclass(slots=True)
class ParsedArgs:
    """Words of a command line sorted into positionals, key=value pairs and #tags."""

    positional: list[str] = field(default_factory=list)
    keyword: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, keeping quoted phrases together.

    A quote opens only at the start of a word or right after ``key=``; an apostrophe inside a word
    (``don't``) is just a letter.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        buf: list[str] = []
        quoted = False
        while i < n and not text[i].isspace():
            ch = text[i]
            at_value_start = not buf or (buf[-1] == "=" and _KEY.match("".join(buf)) is not None)
            if ch in _QUOTES and at_value_start:
                close = _QUOTES[ch]
                end = _find_close(text, i + 1, ch, close)
                if end < 0:
                    raise ParseError(
                        _(
                            "There is an opening quote with no closing one. Put the phrase in "
                            'matching quotes, like "my phrase".'
                        )
                    )
                buf.append(text[i + 1 : end])
                quoted = quoted or not buf[:-1]
                i = end + 1
            else:
                buf.append(ch)
                i += 1
        tokens.append(Token("".join(buf), quoted))
    return tokens


def _find_close(text: str, start: int, opening: str, close: str) -> int:
    """Index of the quote that closes a phrase, or -1. Straight quotes close themselves."""
    for j in range(start, len(text)):
        if (
            text[j] == close
            or (opening in "“”" and text[j] in "“”")
            or (opening in "‘’" and text[j] in "‘’")
        ):
            return j
    return -1


def split_args(tokens: list[Token]) -> ParsedArgs:
    """Sort tokens: unquoted ``key=value`` is a keyword, unquoted ``#word`` a tag."""
    args = ParsedArgs()
    for token in tokens:
        if not token.quoted:
            key = _KEY.match(token.text)
            if key:
                args.keyword[key.group(1).replace("-", "_")] = key.group(2)
                continue
            tag = _TAG.match(token.text)
            if tag and not tag.group(1).isdigit():  # "#12" is an id, not a tag
                args.tags.append(tag.group(1).lower())
                continue
        args.positional.append(token.text)
    return args
