"""Insert-if-absent keys: the first front-end to take a request handles it, every other sees a
repeat. Several processes agree because the database does (a primary key, not a memory)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from core.inbound.models import InboundKey, RateCount

MINUTE = timedelta(minutes=1)


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


def allow(session: Session, account: tuple[str, ...], now: datetime, per_minute: int) -> bool:
    """Count one command of ``account`` and say whether it is within ``per_minute`` over the
    last minute, whichever front-end it reached. A sliding window: this minute's count plus
    the previous minute's, weighted by how much of it is still inside the last 60 seconds."""
    key = hashlib.sha256("\x00".join(account).encode()).hexdigest()
    start = now.replace(second=0, microsecond=0)
    table = RateCount.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    counted = (
        insert(table)
        .values(key=key, window=start, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window], set_={"count": table.c.count + 1}
        )
        .returning(table.c.count)
    )
    current = int(session.execute(counted).scalar_one())
    previous = session.get(RateCount, (key, start - MINUTE))
    inside = 1 - (now - start) / MINUTE
    estimate = current + (previous.count * inside if previous is not None else 0)
    return estimate <= per_minute


def prune_keys(session: Session, now: datetime) -> int:
    """Remove expired keys and finished rate windows; returns how many."""
    result = session.execute(delete(InboundKey).where(col(InboundKey.expires_at) <= now))
    counts = session.execute(delete(RateCount).where(col(RateCount.window) < now - 2 * MINUTE))
    return int(result.rowcount or 0) + int(counts.rowcount or 0)  # type: ignore[attr-defined]
