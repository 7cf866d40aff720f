"""Reflection prompts a member was sent, their private journal, and what they chose to share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime
from core.identity.models import member_fk


class ReflectionPrompt(SQLModel, table=True):
    """A question sent to a member, on request or by their schedule; open until answered.

    The text is kept as sent, so the journal still reads right if the library is edited later.
    A scheduled occurrence makes at most one prompt (the unique pair), so a planner that runs the
    same occurrence twice cannot open two.
    """

    __tablename__ = "reflection_prompt"
    __table_args__ = (
        UniqueConstraint("schedule_id", "occurrence_at", name="uq_reflection_prompt_occurrence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    prompt_key: str = Field(max_length=80)
    model: str = Field(max_length=24)
    stage: str = Field(max_length=40)
    text: str = Field(max_length=500)
    source: str = Field(default="asked", max_length=16)
    """``asked`` (the member sent reflect) or ``scheduled``."""
    schedule_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("schedule.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    occurrence_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outbox_key: str | None = Field(default=None, max_length=200)
    """The outbox row that carried a scheduled prompt: its platform message id matches replies."""
    sent_at: datetime = Field(sa_type=UTCDateTime, index=True)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when a newer prompt replaced this one before it was answered."""
    followed_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JournalEntry(SQLModel, table=True):
    """A private reflection: the answer to a prompt, or a free entry. Only its author reads it."""

    __tablename__ = "journal_entry"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    prompt_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("reflection_prompt.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )
    prompt_text: str | None = Field(default=None, max_length=500)
    model: str | None = Field(default=None, max_length=24)
    stage: str | None = Field(default=None, max_length=40)
    body: str = Field(max_length=20000)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class JournalShare(SQLModel, table=True):
    """A journal entry the member posted to a community's channels, by their explicit choice."""

    __tablename__ = "journal_share"
    __table_args__ = (UniqueConstraint("entry_id", "community_id", name="uq_journal_share"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("journal_entry.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    community_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("community.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    channels: int = 0
    """How many bound channels the post was queued for."""
    shared_at: datetime = Field(sa_type=UTCDateTime)
