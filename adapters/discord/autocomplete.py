"""Autocomplete for application-command options, served by the core's suggestion sources.

The features declare what to offer (community slugs, resource tags, CPD categories, the member's
own ids; see :mod:`core.suggestions`); this module asks the app and fits the answer to Discord's
limits: at most 25 choices, names and string values within 100 characters.
"""

from __future__ import annotations

from sqlmodel import Session

from adapters.text import shorten
from core.app import Staffroom
from core.suggestions import Suggestion, Typed

MAX_CHOICES = 25
NAME_LIMIT = 100


def suggest(app: Staffroom, session: Session, typed: Typed) -> list[Suggestion]:
    """At most 25 suggestions for the option being typed, names and values within limits."""
    out: list[Suggestion] = []
    for name, value in app.suggest(session, typed):
        if isinstance(value, str) and len(value) > NAME_LIMIT:
            continue
        out.append((shorten(name, NAME_LIMIT), value))
        if len(out) >= MAX_CHOICES:
            break
    return out
