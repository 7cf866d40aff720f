"""Shared resources (links and lesson plans), their tags, votes, bookmarks and reports.

The full-text index is not a model: it is maintained by the database itself (an FTS5 table kept in
sync by triggers on SQLite, a generated ``tsvector`` column with a GIN index on PostgreSQL), created
by migration ``0005`` and described in :mod:`core.resources.search`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONList, UTCDateTime
from core.identity.models import member_fk
from core.resources import search_schema  # noqa: F401  (hides the search index from autogenerate)

DESCRIPTION_LENGTH = 2000
TITLE_COLUMN_LENGTH = 1000
"""The column holds the largest title any configuration allows (``limits.title_length`` <= 1000)."""


def resource_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("resource.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Resource(SQLModel, table=True):
    """A shared link: what it is, where it was shared, by whom, and whether moderators hid it."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    """The address as the sharer gave it (what members open)."""
    url_key: str = Field(max_length=2000, unique=True)
    """The address normalised for spotting duplicates (see ``service.normalise_url``)."""
    title: str = Field(max_length=TITLE_COLUMN_LENGTH)
    description: str = Field(default="", max_length=DESCRIPTION_LENGTH)
    tags: list[str] = Field(default_factory=list, sa_type=JSONList)
    tag_text: str = Field(default="", max_length=2100)
    """The tags joined by spaces, so the full-text index can match them."""
    subject: str = Field(default="", max_length=60)
    phase: str = Field(default="", max_length=20)
    community_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("community.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    shared_by: int = Field(sa_column=member_fk())
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    vote_count: int = Field(default=0)
    """Kept equal to the number of ResourceVote rows; ranking reads it without a join."""
    hidden: bool = Field(default=False)
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    hidden_reason: str = Field(default="", max_length=300)


class ResourceTag(SQLModel, table=True):
    """One tag of one resource, so ``#tag`` filters use an index rather than scanning JSON."""

    __tablename__ = "resource_tag"
    __table_args__ = (UniqueConstraint("resource_id", "tag", name="uq_resource_tag"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_id: int = Field(sa_column=resource_fk())
    tag: str = Field(max_length=40, index=True)


class ResourceVote(SQLModel, table=True):
    """A member found the resource useful. One per member and resource."""

    __tablename__ = "resource_vote"
    __table_args__ = (UniqueConstraint("resource_id", "member_id", name="uq_resource_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_id: int = Field(sa_column=resource_fk())
    member_id: int = Field(sa_column=member_fk())
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ResourceSave(SQLModel, table=True):
    """A member's bookmark. One per member and resource."""

    __tablename__ = "resource_save"
    __table_args__ = (UniqueConstraint("resource_id", "member_id", name="uq_resource_save"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_id: int = Field(sa_column=resource_fk())
    member_id: int = Field(sa_column=member_fk())
    created_at: datetime = Field(sa_type=UTCDateTime)


class ResourceReport(SQLModel, table=True):
    """A member asked moderators to look at a resource. One open report per member and resource."""

    __tablename__ = "resource_report"
    __table_args__ = (UniqueConstraint("resource_id", "member_id", name="uq_resource_report"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_id: int = Field(sa_column=resource_fk())
    member_id: int = Field(sa_column=member_fk())
    reason: str = Field(max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when a moderator hides or restores the resource (the report has been dealt with)."""
