"""Structured (JSON) logs: one object per line with the member and platform ids as fields.

Message text written by members is never logged at info level; adapters and the core pass ids as
``extra`` fields, never the content.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


def configure_logging(level: str, *, json_logs: bool) -> None:
    """Log to standard error: JSON lines for services, plain text for the console."""
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "asctime": "time"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
