"""Communities of practice, their members and roles, and the channels bound to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime
from core.identity.models import member_fk


class Role(StrEnum):
    """A member's role in one community; each role can do what the ones below it can."""

    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return {"member": 0, "moderator": 1, "owner": 2}[self.value]


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    """Asked to join an approval-only community; waiting for a moderator."""


def community_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("community.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Community(SQLModel, table=True):
    """A subject, phase or regional group of educators."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=48, unique=True)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    approval_required: bool = False
    language: str | None = Field(default=None, max_length=16)
    """What Staffroom posts to the community's channels is written in; None: the install's."""
    created_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class CommunityMember(SQLModel, table=True):
    __tablename__ = "community_member"
    __table_args__ = (UniqueConstraint("community_id", "member_id", name="uq_community_member"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=community_fk())
    member_id: int = Field(sa_column=member_fk())
    role: str = Field(default=Role.MEMBER, max_length=16)
    status: str = Field(default=MembershipStatus.ACTIVE, max_length=16)
    joined_at: datetime = Field(sa_type=UTCDateTime)


class ChannelBinding(SQLModel, table=True):
    """A community's channel on one platform: announcements, digests and shared reflections go
    to every binding of the community."""

    __tablename__ = "channel_binding"
    __table_args__ = (
        UniqueConstraint(
            "community_id", "platform", "tenant", "channel_id", name="uq_channel_binding"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=community_fk())
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    channel_name: str = Field(default="", max_length=100)
    bound_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class Announcement(SQLModel, table=True):
    """A moderator's message to every channel bound to a community; its id keys the outbox rows,
    so a retried send posts each announcement once per channel. Kept first as a draft (its text
    never rides in a button), posted when the moderator confirms the preview."""

    __tablename__ = "community_announcement"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=community_fk())
    author_id: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    text: str = Field(max_length=2000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """None while the moderator has only previewed it: nothing goes out until they confirm."""
