"""Schedules (as data) and the outbox of messages waiting to be sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONList, UTCDateTime
from core.identity.models import member_fk


class Schedule(SQLModel, table=True):
    """A recurring or one-off message: a reflection prompt, a digest, a reminder.

    ``kind`` names the producer that turns an occurrence into messages (see
    :mod:`core.delivery.kinds`). ``recurrence`` is data, e.g.
    ``{"type": "weekly", "weekdays": [0, 3], "time": "09:00", "every_weeks": 1}`` or
    ``{"type": "once", "at": "2027-03-01T09:00:00+00:00"}``.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=48, index=True)
    member_id: int | None = Field(default=None, sa_column=member_fk(nullable=True))
    community_id: int | None = Field(default=None, index=True)
    subject_id: int | None = Field(default=None, index=True)
    """What the schedule is about (an event, a goal, a match), by the producer's own id."""
    recurrence: dict[str, Any] = Field(default_factory=dict, sa_type=JSONList)
    timezone: str = Field(default="UTC", max_length=64)
    follow_member_timezone: bool = True
    """Move with the member when they change timezone."""
    quiet_hours: dict[str, Any] | None = Field(default=None, sa_type=JSONList)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONList)
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class OutboxState(StrEnum):
    """Where a message is: waiting, being sent by a worker (leased), or finished one way or another."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxMessage(SQLModel, table=True):
    """One message to send, exactly once. ``key`` (schedule + occurrence, or a caller's own key)
    is unique, so planning the same occurrence twice adds nothing."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        # The deliverer's claim: due rows of one state, oldest first.
        Index("ix_outbox_claim", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    schedule_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("schedule.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    member_id: int | None = Field(default=None, sa_column=member_fk(nullable=True))
    """Recipient member for a direct message (the platform is chosen at send time)."""
    platform: str | None = Field(default=None, max_length=16)
    tenant: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    """For a channel post: where. For a DM: set once the account is chosen."""
    kind: str = Field(default="message", max_length=48)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONList)
    """The Reply, as JSON."""
    state: str = Field(default=OutboxState.PENDING, max_length=16)
    """Looked up through ``ix_outbox_claim`` (state first): an index of its own would be one more
    to keep up on every row a burst writes, for nothing (migration 0032 dropped it)."""
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    attempts: int = 0
    """Failed attempts (errors, timeouts, crashes while claimed); at max_attempts the row fails."""
    deferrals: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Times the platform said "slow down" (429); these count as attempts only beyond a cap."""
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    platform_message_id: str | None = Field(default=None, max_length=128)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)


class OutboxSubject(SQLModel, table=True):
    """A member whose data a message shows (the author of an announcement, the person asking to
    join, a mentoring partner's goals), whoever receives it: ``privacy delete`` withdraws such
    messages still waiting and blanks the ones already sent."""

    __tablename__ = "outbox_subject"
    __table_args__ = (UniqueConstraint("outbox_id", "member_id", name="uq_outbox_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
