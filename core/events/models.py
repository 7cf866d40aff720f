"""Community events (a teachmeet, a webinar, a book club) and who is coming."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.communities.models import community_fk
from core.db import UTCDateTime
from core.identity.models import member_fk


class Answer(StrEnum):
    """An answer to an invitation."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class Event(SQLModel, table=True):
    """A dated event of one community. Times are stored in UTC and shown in each viewer's zone."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=community_fk())
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    duration_minutes: int = 60
    link: str | None = Field(default=None, max_length=2000)
    timezone: str = Field(default="UTC", max_length=64)
    """The organiser's timezone when they created it (the calendar file names it)."""
    created_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Rsvp(SQLModel, table=True):
    """One member's answer to one event; answering again replaces it."""

    __tablename__ = "event_rsvp"
    __table_args__ = (UniqueConstraint("event_id", "member_id", name="uq_event_rsvp"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    answer: str = Field(max_length=8)
    answered_at: datetime = Field(sa_type=UTCDateTime)
