"""Structured (JSON) logs: one object per line with the member and platform ids as fields.

Message text written by members is never logged, at any level; adapters and the core pass ids as
``extra`` fields, never the content. Every line, tracebacks included, goes through
:func:`core.redaction.redact`, so a token in a URL or an exception never reaches the log. The
SDKs' HTTP loggers stay at WARNING even at DEBUG: they print request URLs and bodies, which hold
tokens and members' messages.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from core.redaction import redact

QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "urllib3",
    "aiohttp.access",
    "aiohttp.client",
    "websockets",
    "telegram",
    "telegram.ext",
    "slack_bolt",
    "slack_sdk",
    "discord.http",
    "discord.gateway",
    "sqlalchemy.engine",
)
"""Third-party loggers kept at WARNING whatever the level: their debug lines carry URLs with
tokens, request bodies and statement parameters."""


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner`` (plain or JSON), then removes every secret from the line."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def configure_logging(level: str, *, json_logs: bool) -> None:
    """Log to standard error: JSON lines for services, plain text for the console."""
    handler = logging.StreamHandler(sys.stderr)
    inner: logging.Formatter
    if json_logs:
        inner = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "asctime": "time"},
        )
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    handler.setFormatter(RedactingFormatter(inner))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
