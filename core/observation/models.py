"""Peer observations: who observes whom, the focus the observed teacher chose, the observer's
notes, and the people the observed teacher chose to show the notes to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime
from core.identity.models import member_fk


class ObservationStatus(StrEnum):
    PROPOSED = "proposed"
    """Asked for (or offered); the other side has not answered."""
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    DONE = "done"
    """The observer recorded their notes."""


OPEN = (ObservationStatus.PROPOSED, ObservationStatus.ACCEPTED)

NOTE_FIELDS = ("went_well", "evidence", "question", "next_step")
"""The notes, in the order they are asked for step by step."""

GROUP_SIZE = 3
"""A lesson study needs the teacher and at least two observers."""


class LessonStudy(SQLModel, table=True):
    """A research lesson planned by a group in a community: one teaches, the others observe it
    with the same focus, and all are prompted to discuss it afterwards.

    The teacher opens it (so nobody is observed without asking for it); each colleague joins as
    an observer themselves, which makes their observation of the lesson.
    """

    __tablename__ = "lesson_study"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("community.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    teacher_id: int = Field(sa_column=member_fk())
    focus: str = Field(max_length=200)
    lesson: str | None = Field(default=None, max_length=120)
    plan_url: str | None = Field(default=None, max_length=500)
    """Where the group keeps the lesson plan they wrote together."""
    at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Observation(SQLModel, table=True):
    """One lesson observed by a colleague, developmental and owned by the observed teacher.

    The notes are the observed teacher's: only the two of them, and whoever the observed teacher
    shares them with, ever see them. When the observer deletes their data the notes stay with
    the observed teacher (credited to no one); when the observed teacher deletes theirs, the
    observation goes.
    """

    id: int | None = Field(default=None, primary_key=True)
    observed_id: int = Field(sa_column=member_fk())
    observer_id: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    study_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("lesson_study.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    """The lesson study this observation is part of (one per observer), if any."""
    asked_by_observed: bool = True
    """True for ``observe request`` (the teacher asked); False for ``observe offer``."""
    status: ObservationStatus = Field(default=ObservationStatus.PROPOSED, max_length=12)
    focus: str = Field(max_length=200)
    hope: str | None = Field(default=None, max_length=300)
    """What the observed teacher wants to learn, in a line or two."""
    lesson: str | None = Field(default=None, max_length=120)
    at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the lesson is, if they said."""
    went_well: str | None = Field(default=None, max_length=2000)
    evidence: str | None = Field(default=None, max_length=2000)
    question: str | None = Field(default=None, max_length=500)
    next_step: str | None = Field(default=None, max_length=500)
    drafting: str | None = Field(default=None, max_length=12)
    """The part of the notes the observer's next direct message answers (step by step)."""
    drafting_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reflection_prompt_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("reflection_prompt.id", ondelete="SET NULL"), nullable=True
        ),
    )
    """The journal prompt the observed teacher was sent about the notes; its answer is the
    reflection linked to this observation."""
    observed_cpd_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("cpd_activity.id", ondelete="SET NULL"), nullable=True
        ),
    )
    observer_cpd_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("cpd_activity.id", ondelete="SET NULL"), nullable=True
        ),
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ObservationShare(SQLModel, table=True):
    """The observed teacher showed the notes to someone (their mentor or a CPD lead)."""

    __tablename__ = "observation_share"
    __table_args__ = (UniqueConstraint("observation_id", "member_id", name="uq_observation_share"),)

    id: int | None = Field(default=None, primary_key=True)
    observation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("observation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    shared_at: datetime = Field(sa_type=UTCDateTime)
