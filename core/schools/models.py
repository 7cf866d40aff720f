"""Schools: the school record, the trust it may belong to, the workspaces mapped to it, its
members, their roles (in a school, or in a trust), the training a school requires with each member's record of doing it, and CPD requests waiting for a
line manager's or CPD lead's answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime
from core.identity.models import member_fk


class RoleName(StrEnum):
    """A role a member holds, besides being a member: in their school, or in a trust."""

    CPD_LEAD = "cpd-lead"
    """Sees the school's CPD report and sets the training the school requires."""
    SCHOOL_ADMIN = "school-admin"
    """Maps workspaces, grants and revokes roles, and does what a CPD lead does."""
    TRUST_ADMIN = "trust-admin"
    """Held on a trust (:class:`TrustRole`), never on a school: adds and removes the trust's
    schools, makes other trust admins, and sees each school's totals, never its members."""


SCHOOL_ROLES = (RoleName.CPD_LEAD, RoleName.SCHOOL_ADMIN)
"""The roles held in a school (:class:`SchoolRole`)."""


def school_fk() -> Column[int]:
    return Column(Integer, ForeignKey("school.id", ondelete="CASCADE"), nullable=False, index=True)


class Trust(SQLModel, table=True):
    """A group of schools (a multi-academy trust, a federation) whose trust admins see each
    school's totals side by side."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class School(SQLModel, table=True):
    """A school whose CPD lead sees the CPD activity facts of its members."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    join_code: str = Field(max_length=8, unique=True)
    """What a member types to join (``school join CODE``); shown again to its school admins."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    trust_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("trust.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    """The trust the school is in: one at most (None: none)."""


class SchoolTenant(SQLModel, table=True):
    """A Slack workspace, Discord server or console mapped to a school: its members join the
    school when they ask to see it."""

    __tablename__ = "school_tenant"
    __table_args__ = (UniqueConstraint("platform", "tenant", name="uq_school_tenant"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(sa_column=school_fk())
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=64)


class SchoolMember(SQLModel, table=True):
    """A member's school; a member belongs to one school at most."""

    __tablename__ = "school_member"
    __table_args__ = (UniqueConstraint("member_id", name="uq_school_member_member"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(sa_column=school_fk())
    member_id: int = Field(sa_column=member_fk(index=False))  # the unique constraint indexes it
    joined_at: datetime = Field(sa_type=UTCDateTime)
    manager_id: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    """The member's line manager in this school, who answers their CPD requests (None: the
    school's CPD leads do). Kept here, not on the profile: it means something only inside the
    school, and goes when the member moves."""


class SchoolRole(SQLModel, table=True):
    """A role (:class:`RoleName`) a member of the school holds there."""

    __tablename__ = "school_role"
    __table_args__ = (UniqueConstraint("school_id", "member_id", "role", name="uq_school_role"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(sa_column=school_fk())
    member_id: int = Field(sa_column=member_fk())
    role: str = Field(max_length=16)
    granted_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    granted_at: datetime = Field(sa_type=UTCDateTime)


class TrustRole(SQLModel, table=True):
    """A role held on a trust (only :attr:`RoleName.TRUST_ADMIN` for now). The holder need not
    be a member of any of its schools: a trust's central team often is not."""

    __tablename__ = "trust_role"
    __table_args__ = (UniqueConstraint("trust_id", "member_id", "role", name="uq_trust_role"),)

    id: int | None = Field(default=None, primary_key=True)
    trust_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("trust.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    role: str = Field(max_length=16)
    granted_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    granted_at: datetime = Field(sa_type=UTCDateTime)


class Training(SQLModel, table=True):
    """Training the school requires of its members: once, or again every so many months."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(sa_column=school_fk())
    title: str = Field(max_length=200)
    every_months: int | None = None
    """Done again this many months after the last time (None: once is enough)."""
    due: date | None = None
    """When it must first be done by (None: no deadline)."""
    created_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class TrainingRecord(SQLModel, table=True):
    """A member's record of doing a required training on a day."""

    __tablename__ = "training_record"

    id: int | None = Field(default=None, primary_key=True)
    training_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("training.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=member_fk())
    done_on: date
    """The day it was done, in the member's own calendar."""
    evidence_url: str | None = Field(default=None, max_length=2000)
    cpd_activity_id: int | None = None
    """The member's CPD activity for it (lives in the CPD feature, so no foreign key)."""
    created_at: datetime = Field(sa_type=UTCDateTime)


class RequestStatus(StrEnum):
    """Where a CPD request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    LOGGED = "logged"
    """Approved, done, and now a CPD activity of the member's."""


class CpdRequest(SQLModel, table=True):
    """A member's request to go on some CPD, for their line manager (or a CPD lead) to answer."""

    __tablename__ = "cpd_request"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(sa_column=school_fk())
    member_id: int = Field(sa_column=member_fk())
    title: str = Field(max_length=200)
    day: date
    """The day of the CPD, in the member's calendar."""
    cost: float | None = None
    provider: str | None = Field(default=None, max_length=200)
    reason: str = Field(max_length=500)
    status: str = Field(default=RequestStatus.PENDING, max_length=16, index=True)
    approver_id: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    """The line manager asked; None: any CPD lead or school admin of the school may answer."""
    decided_by: int | None = Field(
        default=None, sa_column=member_fk(nullable=True, ondelete="SET NULL")
    )
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, max_length=500)
    """The approver's reason, in their words (blanked if they delete themselves)."""
    activity_id: int | None = None
    """The CPD activity it became (lives in the CPD feature, so no foreign key)."""
    created_at: datetime = Field(sa_type=UTCDateTime)
