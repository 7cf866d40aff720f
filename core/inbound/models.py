"""Keys of inbound requests already taken, shared by every front-end through the database."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.db import UTCDateTime


class InboundKey(SQLModel, table=True):
    """One request taken: a Slack event id, a signed request, a Telegram update id.

    ``key`` is a hash of the scope and the platform's id, so it holds no member data; rows go
    once ``expires_at`` passes (a retry or replay can no longer arrive by then).
    """

    __tablename__ = "inbound_key"

    key: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class RateCount(SQLModel, table=True):
    """Commands one account gave in one minute, counted in the database so every front-end
    shares the per-member limit. ``key`` is a hash of the account (no member data)."""

    __tablename__ = "rate_count"

    key: str = Field(primary_key=True, max_length=64)
    window: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    count: int = 0
