"""Turning button commands into short keys and back."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.actions.models import ActionKey

if TYPE_CHECKING:
    from core.app import Staffroom
    from core.reply import Reply

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


async def keys_for(app: Staffroom, reply: Reply) -> dict[str, str]:
    """The short key of each of ``reply``'s button commands, by command (stored in one
    transaction, in a thread so the event loop is not held up by the database)."""
    commands = [action.command for action in reply.actions]
    if not commands:
        return {}

    def store() -> dict[str, str]:
        now = app.clock.now()
        with app.session() as session:
            return {command: shorten(session, command, now) for command in commands}

    return await asyncio.to_thread(store)


async def command_for(app: Staffroom, key: str) -> str | None:
    """The command behind a pressed button's key (None for an empty, unknown or forged key),
    read in a thread."""
    if not key:
        return None

    def read() -> str | None:
        with app.session() as session:
            return expand(session, key)

    return await asyncio.to_thread(read)
