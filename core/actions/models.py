"""Short keys for button payloads that must fit a platform's limit (Telegram: 64 bytes)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.db import UTCDateTime


class ActionKey(SQLModel, table=True):
    """A button's command, stored server-side under a short random key.

    The key carries no identity or permission: whoever presses the button runs the command as
    themselves, with their own checks. Keys outlive restarts so old buttons keep working.
    """

    __tablename__ = "action_key"

    key: str = Field(primary_key=True, max_length=16)
    command: str = Field(max_length=2000, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
