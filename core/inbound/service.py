"""Insert-if-absent keys: the first front-end to take a request handles it, every other sees a
repeat. Several processes agree because the database does (a primary key, not a memory)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from core.inbound.models import InboundKey


def _hashed(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def take(session: Session, scope: str, key: str, now: datetime, ttl: timedelta) -> bool:
    """True the first time ``key`` is taken in ``scope`` within ``ttl``, False for a repeat
    (in this process or any other). An expired key counts as new."""
    hashed = _hashed(scope, key)
    table = InboundKey.__table__  # type: ignore[attr-defined]
    session.execute(
        delete(InboundKey).where(col(InboundKey.key) == hashed, col(InboundKey.expires_at) <= now)
    )
    values = {"key": hashed, "expires_at": now + ttl}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.key)
    return session.execute(statement).first() is not None


def give_back(session: Session, scope: str, key: str) -> None:
    """Forget a key taken for a request that was not handled after all (so a retry is)."""
    session.execute(delete(InboundKey).where(col(InboundKey.key) == _hashed(scope, key)))


def prune_keys(session: Session, now: datetime) -> int:
    """Remove expired keys; returns how many."""
    result = session.execute(delete(InboundKey).where(col(InboundKey.expires_at) <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
