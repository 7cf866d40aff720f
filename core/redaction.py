"""Secrets never reach a log line: tokens are recognised by shape, configured ones by value.

Telegram puts the bot token in every request URL (``/bot123456:ABC.../sendMessage``), Slack
tokens start ``xox?-`` or ``xapp-``, and a signing or webhook secret is whatever the operator
configured: :func:`redact` replaces all of them. The log handlers of ``staffroom`` run every
formatted line through it (see ``bots/logs.py``).

Configured secrets are kept for the life of the process. Tokens read from the database (one
per installed workspace, and a new one at every refresh of a rotating token) are kept too, but
only the ``ISSUED_KEPT`` most recently remembered: the process would otherwise grow without
end, and every log line is checked against all of them. A token that falls out is an old one,
and its shape is still caught by the patterns.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
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
ISSUED_KEPT = 2_000
"""Tokens from the database remembered at once (the oldest remembered are forgotten first)."""
MIN_LENGTH = 6

_configured: set[str] = set()
_issued: OrderedDict[str, None] = OrderedDict()
_by_length: tuple[str, ...] = ()
"""Every remembered secret, longest first (so a secret inside another is replaced after it)."""
_lock = threading.Lock()


def remember(values: Iterable[str | None], *, configured: bool = True) -> None:
    """Add secrets (at least 6 characters) to what every log line is cleaned of: configured
    ones for good, tokens read from the database (``configured=False``) among the
    ``ISSUED_KEPT`` most recent."""
    global _by_length
    wanted = [v for v in values if v and len(v) >= MIN_LENGTH]
    with _lock:
        new = [v for v in wanted if v not in _configured and v not in _issued]
        if configured:
            _configured.update(wanted)
        else:
            for value in wanted:
                _issued[value] = None
                _issued.move_to_end(value)
            while len(_issued) > ISSUED_KEPT:
                _issued.popitem(last=False)
        if new:  # most calls see tokens already known: no need to sort again
            _by_length = tuple(sorted(_configured | _issued.keys(), key=len, reverse=True))


def remembered() -> int:
    """How many secrets are remembered (configured and issued)."""
    return len(_by_length)


def redact(text: str) -> str:
    """``text`` with every token-shaped string and every remembered secret replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    known = _by_length  # replaced whole under the lock, so read as it is
    for secret in known:
        if secret in text:
            text = text.replace(secret, "[secret]")
    return text
