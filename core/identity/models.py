"""Members, their platform accounts, and one-time link codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONList, UTCDateTime


def member_fk(
    *, nullable: bool = False, index: bool = True, ondelete: str = "CASCADE"
) -> Column[int]:
    """A column referencing ``member.id``; deleting the member deletes (or clears) the row."""
    return Column(
        Integer, ForeignKey("member.id", ondelete=ondelete), nullable=nullable, index=index
    )


class Member(SQLModel, table=True):
    """A person, whichever platforms they use."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=100)
    role: str | None = Field(default=None, max_length=60)
    subjects: list[str] = Field(default_factory=list, sa_type=JSONList)
    phases: list[str] = Field(default_factory=list, sa_type=JSONList)
    timezone: str = Field(default="UTC", max_length=64)
    languages: list[str] = Field(default_factory=list, sa_type=JSONList)
    bio: str = Field(default="", max_length=1000)
    school: str | None = Field(default=None, max_length=120)
    years_experience: int | None = None
    language: str = Field(default="en", max_length=16)
    """Language of Staffroom's replies to this member."""
    deliver_to: str | None = Field(default=None, max_length=16)
    """Platform where scheduled messages reach this member (None: the most recently used)."""
    created_at: datetime = Field(sa_type=UTCDateTime)


class Account(SQLModel, table=True):
    """One platform identity, keyed on the platform's permanent ids, never a display name."""

    __table_args__ = (
        UniqueConstraint("platform", "tenant", "user_id", name="uq_account_identity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=64)
    """Slack team id, Discord application/guild scope, Telegram bot id, or "local"."""
    user_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=100)
    handle: str | None = Field(default=None, max_length=100)
    """How another person reaches them on this platform (shared only with consent)."""
    dm_channel: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)


class LinkCode(SQLModel, table=True):
    """A one-time code that joins another account to this member. Only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    code_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    """The member who typed (or pressed a link with) the code and was asked to confirm."""
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LinkAttempt(SQLModel, table=True):
    """A wrong link code entered by a member; a few per window, then linking is refused a while."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    at: datetime = Field(sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Something worth explaining later: a permanent delivery failure, a moderation, a merge."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    member_id: int | None = Field(default=None, sa_column=member_fk(nullable=True))
    action: str = Field(max_length=64)
    detail: dict[str, object] = Field(default_factory=dict, sa_type=JSONList)
