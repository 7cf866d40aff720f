"""Collaborative inquiries: a question a group in a community works on, the dates of its
stages, who takes part, and the evidence they post (with the files attached to it)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.communities.models import community_fk
from core.db import UTCDateTime
from core.identity.models import member_fk
from core.invocation import FILE_NAME_LENGTH

QUESTION_LENGTH = 300
POST_LENGTH = 2000
FINDINGS_LENGTH = 2000
FILE_REF_LENGTH = 500


class Stage(StrEnum):
    """The stages of an action-research cycle, in order."""

    QUESTION = "question"
    PLAN = "plan"
    ACT = "act"
    GATHER = "gather-evidence"
    REFLECT = "reflect"
    SHARE = "share"

    @property
    def order(self) -> int:
        return list(Stage).index(self)


def inquiry_fk(*, index: bool = True) -> Column[int]:
    return Column(
        Integer, ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False, index=index
    )


class Inquiry(SQLModel, table=True):
    """A question a group in one community investigates together, and what they found."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=community_fk())
    question: str = Field(max_length=QUESTION_LENGTH)
    stage: str = Field(default=Stage.QUESTION, max_length=16)
    """The current :class:`Stage`."""
    ends_on: date | None = None
    """The last day the group plans to work on it (posts close after it; findings do not)."""
    lead_id: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    """Who started it, or whom it was handed to when they left: sets stages, edits, publishes."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    findings: str = Field(default="", max_length=FINDINGS_LENGTH)
    findings_link: str | None = Field(default=None, max_length=2000)
    findings_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    findings_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set once the findings are published: the inquiry is finished from then on."""
    resource_id: int | None = None
    """The resource the findings were published as (the resources feature's, so no key)."""


class InquiryStage(SQLModel, table=True):
    """The day one stage of an inquiry starts (planned or past)."""

    __tablename__ = "inquiry_stage"
    __table_args__ = (UniqueConstraint("inquiry_id", "stage", name="uq_inquiry_stage"),)

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(sa_column=inquiry_fk(index=False))  # the unique constraint indexes it
    stage: str = Field(max_length=16)
    starts_on: date
    prompt: bool = True
    """Whether members are prompted that morning: a stage planned ahead is, one the lead moved
    the inquiry to there and then is not (its members were told at once)."""


class InquiryMember(SQLModel, table=True):
    """A member taking part in an inquiry (the lead too)."""

    __tablename__ = "inquiry_member"
    __table_args__ = (UniqueConstraint("inquiry_id", "member_id", name="uq_inquiry_member"),)

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(sa_column=inquiry_fk(index=False))  # the unique constraint indexes it
    member_id: int = Field(sa_column=member_fk())
    joined_at: datetime = Field(sa_type=UTCDateTime)
    cpd_activity_id: int | None = None
    """The member's CPD activity for the inquiry, once logged (the CPD feature's, so no key)."""


class InquiryPost(SQLModel, table=True):
    """A note or link a member posted to an inquiry as evidence; seen by its members only."""

    __tablename__ = "inquiry_post"

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(sa_column=inquiry_fk())
    author_id: int = Field(sa_column=member_fk())
    stage: str = Field(max_length=16)
    """The inquiry's stage when it was posted."""
    text: str = Field(max_length=POST_LENGTH)
    link: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InquiryFile(SQLModel, table=True):
    """A file attached to a post as evidence: a reference to where the platform keeps it (its
    name, size and type, the platform's handle and link), never the file itself."""

    __tablename__ = "inquiry_file"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("inquiry_post.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    """Who attached it (the post's author): their data in export, delete and merge."""
    platform: str = Field(max_length=16)
    """Where the file is kept (``slack``, ``telegram``, ``discord``, ``console``)."""
    name: str = Field(max_length=FILE_NAME_LENGTH)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    """In bytes, as the platform said."""
    content_type: str = Field(default="", max_length=100)
    ref: str = Field(default="", max_length=FILE_REF_LENGTH)
    """The platform's handle: a Slack file id, a Telegram file_id, a Discord attachment id."""
    url: str | None = Field(default=None, max_length=2000)
    """A link to it, when the platform gives one (Telegram does not)."""
