"""Turning button commands into short keys and back."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.actions.models import ActionKey

KEY_BYTES = 9  # 12 URL-safe characters


def shorten(session: Session, command: str, now: datetime) -> str:
    """The short key for ``command`` (the same key every time for the same command)."""
    existing = session.exec(select(ActionKey.key).where(ActionKey.command == command)).first()
    if existing is not None:
        return existing
    key = secrets.token_urlsafe(KEY_BYTES)
    try:
        with session.begin_nested():
            session.add(ActionKey(key=key, command=command, created_at=now))
    except IntegrityError:
        # Another request stored the same command a moment ago.
        found = session.exec(select(ActionKey.key).where(ActionKey.command == command)).first()
        if found is None:
            raise
        return found
    return key


def expand(session: Session, key: str) -> str | None:
    """The command behind a key, or None for an unknown (forged or very old) key."""
    found = session.get(ActionKey, key[:16])
    return found.command if found else None
