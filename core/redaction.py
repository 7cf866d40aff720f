"""Secrets never reach a log line: tokens are recognised by shape, configured ones by value.

Telegram puts the bot token in every request URL (``/bot123456:ABC.../sendMessage``), Slack
tokens start ``xox?-`` or ``xapp-``, and a signing or webhook secret is whatever the operator
configured: :func:`redact` replaces all of them. The log handlers of ``staffroom`` run every
formatted line through it (see ``bots/logs.py``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

_PATTERNS = (
    (re.compile(r"(?<![0-9])\d{5,16}:[A-Za-z0-9_-]{30,}"), "[telegram-token]"),
    (re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{8,}"), "[slack-token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]{8,}"), "[slack-token]"),
    (
        re.compile(r"\b[MN][A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}"),
        "[discord-token]",
    ),
)
_known: set[str] = set()
_lock = threading.Lock()


def remember(values: Iterable[str | None]) -> None:
    """Add configured secrets (at least 6 characters) to what every log line is cleaned of."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= 6)


def redact(text: str) -> str:
    """``text`` with every token-shaped string and every remembered secret replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, "[secret]")
    return text
