"""Mentor offers and requests, the matches proposed between them, and peer coffee rotations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from core.communities.models import community_fk
from core.db import JSONList, UTCDateTime
from core.identity.models import member_fk


class RequestStatus(StrEnum):
    OPEN = "open"
    """Waiting for the next round."""
    PROPOSED = "proposed"
    """A proposal is out; not offered again until it is answered or expires."""
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class MatchStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    DECLINED = "declined"
    EXPIRED = "expired"


class MentorOffer(SQLModel, table=True):
    """A member's offer to mentor: how many mentees at once, and on what."""

    __tablename__ = "mentor_offer"
    __table_args__ = (UniqueConstraint("member_id", name="uq_mentor_offer_member"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    capacity: int = 2
    topics: list[str] = Field(default_factory=list, sa_type=JSONList)
    active: bool = True
    """False while the mentor has paused: kept out of rounds, existing pairs carry on."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MentorRequest(SQLModel, table=True):
    """A member's request for a mentor: goals in their own words and preferences."""

    __tablename__ = "mentor_request"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    goals: list[str] = Field(default_factory=list, sa_type=JSONList)
    phase: str | None = Field(default=None, max_length=32)
    language: str | None = Field(default=None, max_length=32)
    status: str = Field(default=RequestStatus.OPEN, max_length=16, index=True)
    missed_rounds: int = 0
    """Rounds this request took part in without a proposal; gives priority in the next one."""
    created_at: datetime = Field(sa_type=UTCDateTime)


class MentorRound(SQLModel, table=True):
    """One run of the matcher: who ran it, for which community, and how it went."""

    __tablename__ = "mentor_round"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("community.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    run_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    at: datetime = Field(sa_type=UTCDateTime)
    mentees: int = 0
    mentors: int = 0
    proposed: int = 0
    total_fit: float = 0.0


class MentorMatch(SQLModel, table=True):
    """A proposed or agreed pairing, with the reasons it was proposed.

    ``reasons`` is structured (codes and values) and rendered for each side when shown, so the
    explanation reads naturally to the mentor and to the mentee, in their own language.
    """

    __tablename__ = "mentor_match"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("mentor_round.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    request_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("mentor_request.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )
    mentor_id: int = Field(sa_column=member_fk())
    mentee_id: int = Field(sa_column=member_fk())
    score: float = 0.0
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONList)
    status: str = Field(default=MatchStatus.PROPOSED, max_length=16, index=True)
    mentor_accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mentee_accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declined_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    """Who declined; never shown to the other side."""
    proposed_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MentorNote(SQLModel, table=True):
    """A check-in note or the closing feedback of one side of a match.

    The two members of the match read each other's shared notes with ``mentor notes``; nobody
    else reads them (a school's leads included).
    """

    __tablename__ = "mentor_note"

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("mentor_match.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    kind: str = Field(max_length=16)
    """``checkin`` or ``feedback``."""
    text: str = Field(default="", max_length=500)
    rating: int | None = None
    """Feedback's rating: seen by its author and Staffroom's organisers, never by the partner."""
    shared: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """Whether the partner may read the text (``mentor notes``). Set on what is written once the
    commands say so; notes from before were written to nobody and stay with their author."""
    at: datetime = Field(sa_type=UTCDateTime)


class CoffeeRotation(SQLModel, table=True):
    """A community's coffee rotation: who takes part, how often, in groups of what size."""

    __tablename__ = "coffee_rotation"
    __table_args__ = (UniqueConstraint("community_id", name="uq_coffee_rotation_community"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=community_fk())
    size: int = 2
    every_weeks: int | None = None
    """None until a moderator schedules it; rounds can still be run by hand."""
    schedule_id: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


def rotation_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("coffee_rotation.id", ondelete="CASCADE"), nullable=False, index=True
    )


class CoffeeParticipant(SQLModel, table=True):
    __tablename__ = "coffee_participant"
    __table_args__ = (UniqueConstraint("rotation_id", "member_id", name="uq_coffee_participant"),)

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(sa_column=rotation_fk())
    member_id: int = Field(sa_column=member_fk())
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused: bool = False
    """Paused with no end date (until ``coffee resume``)."""
    joined_at: datetime = Field(sa_type=UTCDateTime)


class CoffeeRound(SQLModel, table=True):
    __tablename__ = "coffee_round"

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(sa_column=rotation_fk())
    number: int
    at: datetime = Field(sa_type=UTCDateTime)


class CoffeeSeat(SQLModel, table=True):
    """One member's place in one group of one round, and whether they said they met."""

    __tablename__ = "coffee_seat"
    __table_args__ = (UniqueConstraint("round_id", "member_id", name="uq_coffee_seat"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("coffee_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    group_number: int
    member_id: int = Field(sa_column=member_fk())
    met: bool | None = None
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
